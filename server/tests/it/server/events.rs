//! The journal through the binary: every capture answered 200 is heard of
//! by the README's receiver (the official Python `standardwebhooks`
//! package) through `kill -9` at random points and restarts, and through a
//! replica killed mid-run while another shares its bucket; no event names
//! a capture that is not in the store.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::notify::{Receiver, WHSEC};
use super::{Server, free_port, pairs, python, s3_env};
use crate::common::*;

mod delivery;
mod schema;

/// Retries every 200 ms to 1 s (nothing reaches the dead letter here), a
/// lease of 2 s.
fn journal_config(port: u16) -> String {
    format!(
        "[capture]\non_existing = \"keep_first\"\n\n[notify]\nurl = \"http://127.0.0.1:{port}/hooks/shotsink\"\nsecret = \"{WHSEC}\"\nmax_attempts = 1000\nfirst_backoff = \"200ms\"\nmax_backoff = \"1s\"\nlease = \"2s\"\n"
    )
}

/// Polls `check` every 100 ms until it finds something, for at most 30 s.
async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < until, "never {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the receiver printed, by key: the ids seen for it.
#[derive(Default)]
struct Heard {
    by_key: BTreeMap<String, Vec<String>>,
    lines: usize,
}

impl Heard {
    /// Reads the receiver's lines until every key in `expected` was heard
    /// of, then for `settle` more (late duplicates).
    fn collect(
        receiver: &Receiver,
        expected: &BTreeSet<String>,
        limit: Duration,
        settle: Duration,
    ) -> Heard {
        let mut heard = Heard::default();
        let until = Instant::now() + limit;
        let mut settled: Option<Instant> = None;
        loop {
            let done = expected.iter().all(|k| heard.by_key.contains_key(k));
            if done && settled.is_none() {
                settled = Some(Instant::now() + settle);
            }
            let deadline = settled.unwrap_or(until);
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match receiver.lines.recv_timeout(left) {
                Ok(line) => {
                    let mut parts = line.split(' ');
                    let id = parts.next().unwrap_or_default().to_owned();
                    let key = parts.nth(1).unwrap_or_default().to_owned();
                    heard.by_key.entry(key).or_default().push(id);
                    heard.lines += 1;
                }
                Err(_) => break,
            }
        }
        heard
    }

    /// Events received more than once, by id.
    fn duplicates(&self) -> usize {
        let mut ids = BTreeMap::<&str, usize>::new();
        for id in self.by_key.values().flatten() {
            *ids.entry(id).or_default() += 1;
        }
        ids.values().map(|n| n - 1).sum()
    }
}

/// Sends captures from `senders` concurrent clients until `stop`; the
/// tokens answered 200 go into `answered`.
fn barrage(
    url: String,
    round: usize,
    senders: usize,
    stop: Arc<AtomicBool>,
    answered: Arc<Mutex<Vec<String>>>,
) -> Vec<tokio::task::JoinHandle<usize>> {
    (0..senders)
        .map(|s| {
            let (url, stop, answered) = (url.clone(), stop.clone(), answered.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .no_proxy()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap();
                let mut sent = 0;
                while !stop.load(Ordering::SeqCst) {
                    let token = format!("K{round}s{s}n{sent}");
                    sent += 1;
                    let form = http_form(SECRET, &token, "png", fixture("capture.png"));
                    let answer = client.post(&url).multipart(form).send().await;
                    match answer {
                        Ok(r) if r.status() == 200 => answered.lock().unwrap().push(token),
                        Ok(_) => {}
                        // The server was killed: it may come back on another port.
                        Err(_) => break,
                    }
                }
                sent
            })
        })
        .collect()
}

/// A seed from the clock, printed so that a failure can be replayed.
fn rng() -> impl FnMut(u64) -> u64 {
    let seed = std::env::var("TEST_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("crash test seed: TEST_CRASH_SEED={seed}");
    let mut state = seed | 1;
    move |bound| {
        // xorshift64
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % bound
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_200_is_heard_of_through_kill_9_at_random_points_and_restarts() {
    crash_test(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_200_is_heard_of_through_kill_9_in_the_middle_of_deliveries() {
    crash_test(true).await;
}

/// Kills the server four times at random points under load, then runs it
/// once more; the receiver is down until then, or `up` all along (so that
/// deliveries are cut by the kills: the duplicates' source).
async fn crash_test(up: bool) {
    let Some(python) = python("the crash test's Standard Webhooks receiver") else {
        return;
    };
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap().to_owned();
    let env = [
        ("SHOTSINK_STORE", store.as_str()),
        ("SHOTSINK_SECRET", SECRET),
    ];
    let config = journal_config(port);
    let mut random = rng();
    let answered = Arc::new(Mutex::new(Vec::new()));
    let mut sent = 0;
    let early = up.then(|| Receiver::start(&python, port));
    for round in 0..4 {
        let mut server = Server::start(&config, &env);
        let stop = Arc::new(AtomicBool::new(false));
        let senders = barrage(
            server.url("/callback"),
            round,
            4,
            stop.clone(),
            answered.clone(),
        );
        tokio::time::sleep(Duration::from_millis(150 + random(1200))).await;
        tokio::task::block_in_place(|| server.kill());
        stop.store(true, Ordering::SeqCst);
        for sender in senders {
            sent += sender.await.unwrap();
        }
    }
    let answered: BTreeSet<String> = answered
        .lock()
        .unwrap()
        .iter()
        .map(|t| key_today(t, "png").to_string())
        .collect();
    assert!(
        answered.len() >= 8,
        "too few callbacks answered to test anything: {}",
        answered.len()
    );

    // The app comes up, and a server runs again: it takes over the killed
    // processes' events once their lease has run out.
    let receiver = early.unwrap_or_else(|| Receiver::start(&python, port));
    let server = Server::start(&config, &env);
    let heard = tokio::task::block_in_place(|| {
        Heard::collect(
            &receiver,
            &answered,
            Duration::from_secs(120),
            Duration::from_secs(3),
        )
    });
    let missing: Vec<&String> = answered
        .iter()
        .filter(|k| !heard.by_key.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        let journal: Vec<String> = walk(&dir.path().join(".shotsink"));
        std::fs::write("/tmp/crash-journal.txt", journal.join("\n")).ok();
        std::fs::write("/tmp/crash-log.txt", server.log_text()).ok();
    }
    assert!(
        missing.is_empty(),
        "{} of {} answered 200 never heard of: {missing:?}\n{}",
        missing.len(),
        answered.len(),
        server.log_text()
    );
    for key in heard.by_key.keys() {
        assert!(
            dir.path().join(key).is_file(),
            "an event names {key}, which is not in the store"
        );
    }
    let unanswered = heard.by_key.len() - answered.len();
    eprintln!(
        "crash test (receiver {}): {sent} sent, {} answered 200, {} events received, {} duplicates by id, {unanswered} captures stored whose 200 was lost (heard of too)",
        if up { "up" } else { "down" },
        answered.len(),
        heard.lines,
        heard.duplicates()
    );
}

/// Two replicas share one bucket; the one that took the callbacks is
/// killed while the app is down; the other delivers its events once the
/// lease has run out.
async fn a_killed_replica_s_events_are_delivered_by_the_other(python: &str, env: &[(&str, &str)]) {
    let port = free_port();
    let config = journal_config(port);
    let mut first = Server::start(&config, env);
    let second = Server::start(&config, env);
    let tokens: Vec<String> = (0..6).map(|i| format!("Replica{i}")).collect();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    for token in &tokens {
        let form = http_form(SECRET, token, "png", fixture("capture.png"));
        let answer = client
            .post(first.url("/callback"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{}", first.log_text());
    }
    tokio::task::block_in_place(|| first.kill());
    let killed = Instant::now();
    let receiver = Receiver::start(python, port);
    let expected: BTreeSet<String> = tokens
        .iter()
        .map(|t| key_today(t, "png").to_string())
        .collect();
    let heard = tokio::task::block_in_place(|| {
        Heard::collect(
            &receiver,
            &expected,
            Duration::from_secs(60),
            Duration::from_secs(2),
        )
    });
    assert_eq!(
        heard.by_key.keys().cloned().collect::<BTreeSet<_>>(),
        expected,
        "{}",
        second.log_text()
    );
    assert!(
        killed.elapsed() >= Duration::from_secs(1),
        "delivered before the lease ran out"
    );
    assert!(
        second.log_text().contains("taking over"),
        "{}",
        second.log_text()
    );
    eprintln!(
        "replicas: {} events for {} captures, {} duplicates",
        heard.lines,
        expected.len(),
        heard.duplicates()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_replica_s_events_are_delivered_by_the_other_on_s3s() {
    let Some(python) = python("the replicas test's receiver") else {
        return;
    };
    let s3 = S3Server::start().await;
    let mut env = s3_env(&s3);
    env.push(("SHOTSINK_SECRET", SECRET.to_owned()));
    a_killed_replica_s_events_are_delivered_by_the_other(&python, &pairs(&env)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_replica_s_events_are_delivered_by_the_other_on_moto() {
    let Some(python) = python("the replicas test's receiver on moto") else {
        return;
    };
    let Some(moto) = Moto::from_env("the replicas test on moto") else {
        return;
    };
    let env = vec![
        (
            "SHOTSINK_STORE",
            format!("s3://{S3_BUCKET}/{}", moto.prefix),
        ),
        ("AWS_ENDPOINT", moto.endpoint.clone()),
        ("AWS_ALLOW_HTTP", "true".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", "false".into()),
        ("SHOTSINK_SECRET", SECRET.to_owned()),
    ];
    a_killed_replica_s_events_are_delivered_by_the_other(&python, &pairs(&env)).await;
}

/// Every file under `dir`, for a failure's report.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path.display().to_string());
        }
    }
    found
}
