//! A 200 means "stored, and the app will hear of it": the sink records
//! each accepted callback's event in the journal before it answers; when
//! it cannot, the sender gets a 503 with `Retry-After` and its retry is
//! heard of. A stranger never makes an event.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use http::StatusCode;
use object_store::ObjectStore;
use shotsink::notify::{EventLog, EventState, Notifier};
use shotsink::{CaptureSink, OnExisting};
use tokio::sync::mpsc;
use tower::ServiceExt;

use crate::common::faulty::{Faults, FaultyStore};
use crate::common::*;

const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// An app that accepts every event: the `webhook-id` and body of each
/// (the renditions' tests take it too).
pub(crate) async fn app() -> (String, mpsc::UnboundedReceiver<(String, serde_json::Value)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let hook = move |headers: HeaderMap, body: bytes::Bytes| {
        let tx = tx.clone();
        async move {
            let id = headers["webhook-id"].to_str().unwrap().to_owned();
            let _ = tx.send((id, serde_json::from_slice(&body).unwrap()));
            StatusCode::NO_CONTENT
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new().route("/hook", post(hook));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/hook"), rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_that_cannot_be_recorded_is_a_503_and_the_retry_is_heard_of() {
    let s3 = S3Server::start().await;
    let failing = Arc::new(AtomicBool::new(true));
    let faults = Faults {
        fail_puts_under: Some((".shotsink/", failing.clone())),
        ..Faults::default()
    };
    let store: Arc<dyn ObjectStore> = FaultyStore::new(s3.store(), faults);
    let (url, mut events) = app().await;
    let log = EventLog::new(store.clone());
    let notifier = Notifier::builder(&url, WHSEC)
        .journal(log.clone())
        .build()
        .unwrap();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .on_existing(OnExisting::KeepFirst)
        .notifier(notifier.clone())
        .build()
        .unwrap();
    let png = fixture("capture.png");
    let first = sink
        .service()
        .oneshot(request(&callback("Journal1", "png", png.clone())))
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(first.headers()["retry-after"], "5");
    let text = body_text(first).await;
    assert!(text.contains("could not be recorded"), "{text}");
    assert!(
        log.list(EventState::Pending, None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The journal works again: the sender's retry finds the capture stored.
    failing.store(false, Ordering::SeqCst);
    let again = sink
        .service()
        .oneshot(request(&callback("Journal1", "png", png)))
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let (id, event) = tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event["id"], id.as_str());
    assert_eq!(event["type"], "capture.already_stored");
    assert_eq!(
        event["data"]["key"],
        key_today("Journal1", "png").to_string()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(events.try_recv().is_err(), "a second event");
    let report = notifier.shutdown(Duration::from_secs(2)).await;
    assert_eq!(report.delivered, 1);
    assert!(
        log.list(EventState::Pending, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_stranger_never_makes_an_event() {
    let store = memory();
    let (url, mut events) = app().await;
    let log = EventLog::new(store.clone());
    let notifier = Notifier::builder(&url, WHSEC)
        .journal(log.clone())
        .build()
        .unwrap();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .notifier(notifier)
        .build()
        .unwrap();
    let answer = sink
        .service()
        .oneshot(request(&wrong_secret_callback(fixture("capture.png"))))
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(events.try_recv().is_err());
    let journal: Vec<String> = all_keys(store.as_ref())
        .await
        .into_iter()
        .filter(|k| !k.contains("/owners/"))
        .collect();
    assert!(journal.is_empty(), "{journal:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_re_delivery_s_outcome_and_event_carry_what_the_store_says() {
    let s3 = S3Server::start().await;
    let store = s3.store();
    let (url, mut events) = app().await;
    let log = EventLog::new(store.clone());
    let notifier = Notifier::builder(&url, WHSEC).journal(log).build().unwrap();
    let sink = CaptureSink::builder(store)
        .secret(SECRET)
        .on_existing(OnExisting::KeepFirst)
        .metadata(true)
        .public_urls("https://cdn.example.com/")
        .notifier(notifier)
        .build()
        .unwrap();
    let png = fixture("capture.png");
    let first = sink
        .service()
        .oneshot(request(&callback("Again1", "png", png.clone())))
        .await
        .unwrap();
    let Some(shotsink::Outcome::Stored(stored)) =
        first.extensions().get::<shotsink::Outcome>().cloned()
    else {
        panic!("not stored: {}", first.status());
    };
    let second = sink
        .service()
        .oneshot(request(&callback("Again1", "png", png.clone())))
        .await
        .unwrap();
    let Some(shotsink::Outcome::AlreadyStored(existing)) =
        second.extensions().get::<shotsink::Outcome>().cloned()
    else {
        panic!("not already stored: {}", second.status());
    };
    assert_eq!(existing.size, Some(png.len() as u64));
    assert_eq!(existing.size, Some(stored.size));
    assert_eq!(existing.sha256, stored.sha256);
    assert!(existing.sha256.is_some());
    assert_eq!(
        (existing.width, existing.height),
        (stored.width, stored.height)
    );
    assert!(existing.width.is_some());
    assert_eq!(existing.url, stored.url);
    let mut bodies = Vec::new();
    for _ in 0..2 {
        let (_, event) = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .unwrap()
            .unwrap();
        bodies.push(event);
    }
    bodies.sort_by_key(|e| e["type"].as_str().unwrap_or_default().to_owned());
    let (again, first) = (&bodies[0]["data"], &bodies[1]["data"]);
    assert_eq!(bodies[0]["type"], "capture.already_stored");
    for field in ["key", "url", "size", "sha256", "width", "height", "format"] {
        assert_eq!(again[field], first[field], "{field}");
        assert!(!again[field].is_null(), "{field}");
    }
}
