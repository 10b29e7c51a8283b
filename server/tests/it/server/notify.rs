//! Notifications to the app, received by the README's Flask receiver, which
//! verifies each with the official Python `standardwebhooks` package and
//! prints `webhook-id type key` per event: every event verified, and with
//! the app down for a while, every event received once it is up, each
//! exactly once by id.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{Server, free_port, python, readme_blocks};
use crate::common::*;

pub(super) const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The README's Flask receiver, running on `port`; killed when dropped.
pub(super) struct Receiver {
    child: Child,
    pub(super) lines: mpsc::Receiver<String>,
    _dir: tempfile::TempDir,
}

impl Receiver {
    pub(super) fn start(python: &str, port: u16) -> Receiver {
        let code = readme_blocks("python")
            .into_iter()
            .next()
            .expect("the README's Flask receiver");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("receiver.py"), code).unwrap();
        let mut child = Command::new(python)
            .args([
                "-m",
                "flask",
                "--app",
                "receiver",
                "run",
                // One request at a time: the receiver's prints from
                // several threads could interleave on one line.
                "--without-threads",
                "--host",
                "127.0.0.1",
            ])
            .args(["--port", &port.to_string()])
            .current_dir(dir.path())
            .env("WEBHOOK_SECRET", WHSEC)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let out = std::io::BufReader::new(child.stdout.take().unwrap());
        std::thread::spawn(move || {
            use std::io::BufRead;
            // Flask's own lines (" * Serving Flask app ...") are not events.
            for line in out.lines().map_while(Result::ok) {
                if line.starts_with("msg_") {
                    let _ = tx.send(line);
                }
            }
        });
        Receiver {
            child,
            lines,
            _dir: dir,
        }
    }

    /// The next `n` lines, waiting at most `limit` in all.
    pub(super) fn take(&self, n: usize, limit: Duration) -> Vec<String> {
        let until = Instant::now() + limit;
        let mut got = Vec::new();
        while got.len() < n {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => got.push(line),
                Err(_) => panic!("only {got:?} of {n} events arrived"),
            }
        }
        got
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn notify_config(port: u16) -> String {
    format!(
        "[capture]\non_existing = \"keep_first\"\n\n[notify]\nurl = \"http://127.0.0.1:{port}/hooks/shotsink\"\nsecret = \"{WHSEC}\"\nfirst_backoff = \"200ms\"\nmax_backoff = \"1s\"\n"
    )
}

pub(super) async fn send(server: &Server, form: reqwest::multipart::Form) -> u16 {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let sent = client.post(server.url("/callback")).multipart(form);
    sent.send().await.unwrap().status().as_u16()
}

fn render_failure(token: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("callback_secret", SECRET)
        .text("status", "ERR")
        .text("token", token.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_outcome_is_notified_and_verified_by_the_official_python_library() {
    let Some(python) = python("the Standard Webhooks receiver test") else {
        return;
    };
    let port = free_port();
    let receiver = Receiver::start(&python, port);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap().to_owned();
    let env = [
        ("SHOTSINK_STORE", store.as_str()),
        ("SHOTSINK_SECRET", SECRET),
    ];
    let server = Server::start(&notify_config(port), &env);
    let png = fixture("capture.png");
    assert_eq!(
        send(&server, http_form(SECRET, "Told", "png", png.clone())).await,
        200
    );
    assert_eq!(
        send(&server, http_form(SECRET, "Told", "png", png)).await,
        200
    );
    assert_eq!(send(&server, render_failure("Failed")).await, 200);
    let lines = tokio::task::block_in_place(|| receiver.take(3, Duration::from_secs(60)));
    let key = key_today("Told", "png").to_string();
    let mut seen: Vec<(String, String)> = lines
        .iter()
        .map(|line| {
            let mut parts = line.splitn(3, ' ');
            let _id = parts.next();
            let kind = parts.next().unwrap_or_default().to_owned();
            (kind, parts.next().unwrap_or_default().to_owned())
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("capture.already_stored".to_owned(), key.clone()),
            ("capture.render_failed".to_owned(), "None".to_owned()),
            ("capture.stored".to_owned(), key),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_that_was_down_receives_every_event_once_by_id() {
    let Some(python) = python("the Standard Webhooks receiver test") else {
        return;
    };
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap().to_owned();
    let env = [
        ("SHOTSINK_STORE", store.as_str()),
        ("SHOTSINK_SECRET", SECRET),
    ];
    let server = Server::start(&notify_config(port), &env);
    let tokens: Vec<String> = (0..5).map(|i| format!("Late{i}")).collect();
    for token in &tokens {
        let form = http_form(SECRET, token, "png", fixture("capture.png"));
        assert_eq!(send(&server, form).await, 200);
    }
    // Nothing listens yet: the first attempts fail and are retried.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let receiver = Receiver::start(&python, port);
    let lines = tokio::task::block_in_place(|| receiver.take(5, Duration::from_secs(60)));
    // Nothing more arrives: each event was delivered once.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(receiver.lines.try_recv().is_err(), "an event arrived twice");
    let ids: BTreeSet<&str> = lines.iter().filter_map(|l| l.split(' ').next()).collect();
    assert_eq!(ids.len(), 5, "{lines:?}");
    let mut keys: Vec<String> = lines
        .iter()
        .filter_map(|l| l.rsplit(' ').next())
        .map(str::to_owned)
        .collect();
    keys.sort();
    let expected: Vec<String> = tokens
        .iter()
        .map(|t| key_today(t, "png").to_string())
        .collect();
    assert_eq!(keys, expected);
}
