//! Time bounds: a trickle is cut by the minimum rate, and a sender that
//! never proves the secret by the verification deadline.

use std::time::Duration;

use http::StatusCode;
use shotsink::{Rejection, RejectionKind};
use tower::ServiceExt;

use super::{pieces, sink, timed_request};
use crate::common::*;

#[tokio::test(start_paused = true)]
async fn a_trickle_that_never_goes_silent_is_cut_by_the_minimum_rate() {
    let store = memory();
    let sink = sink(store.clone()).build().unwrap();
    let body = callback("Trickle", "png", fixture("capture.png")).body();
    let started = tokio::time::Instant::now();
    // One byte a second: never silent for the 30 s idle timeout.
    let response = sink
        .service()
        .oneshot(timed_request(
            pieces(&body, 1),
            Duration::from_secs(1),
            true,
            Some(body.len() as u64),
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    let rejection = response.extensions().get::<Rejection>().unwrap();
    assert_eq!(rejection.kind(), RejectionKind::Timeout);
    assert!(rejection.reason().contains("240 bytes/s"), "{rejection:?}");
    // Cut after the 5 s grace, long before the idle timeout.
    assert!(started.elapsed() < Duration::from_secs(8));
    assert!(all_keys(store.as_ref()).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_sender_fast_enough_that_never_proves_the_secret_is_cut_at_the_deadline() {
    let store = memory();
    let sink = sink(store.clone()).build().unwrap();
    // The file first, at 1 KB/s: above the minimum rate, below the hold
    // bound, and no secret within ten seconds.
    let body = callback_file_first("Slow", "pdf", large_pdf(1_000_000)).body();
    let started = tokio::time::Instant::now();
    let response = sink
        .service()
        .oneshot(timed_request(
            pieces(&body, 1000),
            Duration::from_secs(1),
            true,
            None,
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    let rejection = response.extensions().get::<Rejection>().unwrap();
    assert_eq!(rejection.kind(), RejectionKind::Timeout);
    assert!(rejection.reason().contains("not verified"), "{rejection:?}");
    assert!(started.elapsed() < Duration::from_secs(12));
    assert_eq!(sink.buffered_bytes(), 0);
}
