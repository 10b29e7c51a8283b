use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use bytes::Bytes;
use chrono::{SecondsFormat, Utc};
use http::{HeaderMap, StatusCode};
use object_store::path::Path;
use standardwebhooks::Webhook;
use tokio::sync::mpsc;

use super::*;
use crate::{Format, RenderFailure, StoredCapture};

mod journal;
mod redirects;
mod settings;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

type Arrivals = mpsc::UnboundedReceiver<(HeaderMap, Bytes)>;

/// The app's side: records every request, answers the scripted statuses in
/// turn, then 200.
struct App {
    answers: Mutex<VecDeque<u16>>,
    seen: mpsc::UnboundedSender<(HeaderMap, Bytes)>,
}

async fn answer(State(state): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let _ = state.seen.send((headers, body));
    let code = state.answers.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(code).unwrap()
}

/// A receiving app on loopback: its URL and what it receives.
async fn app(answers: &[u16]) -> (String, Arrivals) {
    let (seen, arrivals) = mpsc::unbounded_channel();
    let state = Arc::new(App {
        answers: Mutex::new(answers.iter().copied().collect()),
        seen,
    });
    let router = Router::new().route("/hook", post(answer)).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/hook"), arrivals)
}

/// A URL nobody listens on: every attempt is refused.
fn down_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/hook")
}

async fn next(arrivals: &mut Arrivals) -> (HeaderMap, Bytes) {
    tokio::time::timeout(Duration::from_secs(10), arrivals.recv())
        .await
        .expect("an attempt within 10 s")
        .expect("the app runs")
}

async fn until(what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(10), "never {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn fast(url: &str) -> NotifierBuilder {
    Notifier::builder(url, SECRET).backoff(Duration::from_millis(10), Duration::from_millis(50))
}

fn stored() -> Outcome {
    Outcome::Stored(StoredCapture {
        key: Path::from("screenshots/2026/01/31/Abc123.png"),
        token: "Abc123".to_owned(),
        format: Format::Png,
        size: 48_213,
        sha256: Some("ab".repeat(32)),
        e_tag: None,
        version: None,
        width: Some(1280),
        height: Some(800),
        url: None,
    })
}

fn render_failed(token: Option<&str>) -> Outcome {
    Outcome::RenderFailed(RenderFailure {
        token: token.map(str::to_owned),
        status: "TIMEOUT".to_owned(),
    })
}

#[tokio::test]
async fn an_event_arrives_signed_as_standard_webhooks_specifies() {
    let (url, mut arrivals) = app(&[]).await;
    let notifier = fast(&url).build().unwrap();
    let received_at = Utc::now();
    assert!(notifier.notify(&stored(), received_at));
    let (headers, body) = next(&mut arrivals).await;

    let webhook = Webhook::new(SECRET).unwrap();
    webhook.verify(&body, &headers).unwrap();
    assert!(
        webhook.verify(b"{}", &headers).is_err(),
        "a forged body passed"
    );
    assert_eq!(headers["content-type"], "application/json");
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let id = json["id"].as_str().unwrap();
    assert_eq!(headers["webhook-id"], id);
    assert_eq!(id.len(), 36, "{id}");
    assert!(id.starts_with("msg_") && id[4..].bytes().all(|b| b.is_ascii_hexdigit()));
    let timestamp: i64 = headers["webhook-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (Utc::now().timestamp() - timestamp).abs() <= 5,
        "{timestamp}"
    );

    assert_eq!(json["type"], "capture.stored");
    let data = &json["data"];
    assert_eq!(data["outcome"], "stored");
    assert_eq!(data["token"], "Abc123");
    assert_eq!(data["key"], "screenshots/2026/01/31/Abc123.png");
    assert_eq!(data["format"], "png");
    assert_eq!(data["size"], 48_213);
    assert_eq!(data["sha256"], "ab".repeat(32));
    assert_eq!(data["width"], 1280);
    assert_eq!(data["height"], 800);
    let at = received_at.to_rfc3339_opts(SecondsFormat::Millis, true);
    assert_eq!(data["received_at"], at.as_str());
    assert!(
        data.get("status").is_none() && data.get("url").is_none(),
        "{data}"
    );

    until("delivered", || notifier.report().delivered == 1).await;
    assert_eq!(notifier.pending(), 0);
}

#[tokio::test]
async fn a_failed_attempt_is_retried_with_the_same_id_and_body_freshly_signed() {
    let (url, mut arrivals) = app(&[500, 503]).await;
    let notifier = fast(&url).build().unwrap();
    assert!(notifier.notify(&stored(), Utc::now()));
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(next(&mut arrivals).await);
    }
    let webhook = Webhook::new(SECRET).unwrap();
    for (headers, body) in &seen {
        assert_eq!(headers["webhook-id"], seen[0].0["webhook-id"]);
        assert_eq!(body, &seen[0].1);
        webhook.verify(body, headers).unwrap();
    }
    until("delivered", || notifier.report().delivered == 1).await;
    let expected = ShutdownReport {
        delivered: 1,
        ..ShutdownReport::default()
    };
    assert_eq!(notifier.report(), expected);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(
        arrivals.try_recv().is_err(),
        "a delivered event was sent again"
    );
    assert_eq!(notifier.pending(), 0);
}

#[tokio::test]
async fn a_full_queue_refuses_at_once_and_a_retry_keeps_its_place() {
    let notifier = Notifier::builder(&down_url(), SECRET)
        .queue_capacity(1)
        .backoff(Duration::from_secs(3600), Duration::from_secs(3600))
        .build()
        .unwrap();
    assert!(notifier.notify(&stored(), Utc::now()));
    assert!(!notifier.notify(&stored(), Utc::now()));
    assert_eq!(notifier.pending(), 1);
    assert_eq!(notifier.report().dropped_queue_full, 1);
    // The first attempt has failed; the event waits for its retry, in place.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!notifier.notify(&render_failed(None), Utc::now()));
    assert_eq!(notifier.report().dropped_queue_full, 2);
    let report = notifier.shutdown(Duration::from_millis(50)).await;
    assert_eq!(report.dropped_at_shutdown, 1);
    assert_eq!(report.delivered, 0);
}

#[tokio::test]
async fn an_event_is_dropped_after_its_last_attempt() {
    let (url, mut arrivals) = app(&[500; 10]).await;
    let notifier = fast(&url).max_attempts(2).build().unwrap();
    assert!(notifier.notify(&stored(), Utc::now()));
    until("dropped", || notifier.report().dropped_after_retries == 1).await;
    assert_eq!(notifier.report().delivered, 0);
    assert_eq!(notifier.pending(), 0);
    next(&mut arrivals).await;
    next(&mut arrivals).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(arrivals.try_recv().is_err(), "a third attempt");
}

#[tokio::test]
async fn shutdown_drops_what_is_undelivered_at_the_deadline() {
    let notifier = Notifier::builder(&down_url(), SECRET)
        .backoff(Duration::from_secs(10), Duration::from_secs(60))
        .build()
        .unwrap();
    assert!(notifier.notify(&stored(), Utc::now()));
    assert!(notifier.notify(&render_failed(Some("Tok")), Utc::now()));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let report = notifier.shutdown(Duration::from_millis(300)).await;
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(report.dropped_at_shutdown, 2);
    assert_eq!(report.delivered, 0);
    assert_eq!(notifier.pending(), 0);
    assert!(
        !notifier.notify(&stored(), Utc::now()),
        "taken after shutdown"
    );
    assert_eq!(notifier.report().dropped_at_shutdown, 3);
}

#[tokio::test]
async fn shutdown_delivers_what_is_queued_before_its_deadline() {
    let (url, _arrivals) = app(&[503]).await;
    let notifier = fast(&url).concurrency(2).build().unwrap();
    for _ in 0..5 {
        assert!(notifier.notify(&stored(), Utc::now()));
    }
    let started = Instant::now();
    let report = notifier.shutdown(Duration::from_secs(10)).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(report.delivered, 5);
    assert_eq!(report.dropped_at_shutdown, 0);
}
