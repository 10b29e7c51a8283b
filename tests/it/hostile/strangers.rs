//! Strangers and the memory budget: stalled senders, with the secret or
//! without, hold what they sent and not what they declared; a callback
//! that gets no budget in time is told to retry; the parser holds a
//! bounded amount without progress; a declared length over the limit is
//! refused unread.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use http::{Request, StatusCode};
use http_body_util::StreamBody;
use tower::ServiceExt;

use super::{pieces, sink, timed_request};
use crate::common::*;

#[tokio::test]
async fn stalled_strangers_and_stalled_senders_do_not_hold_back_a_valid_callback() {
    let store = memory();
    // 2 MiB for strangers (each holds at least a 16 KiB ticket), 3 MiB of
    // claims for verified callbacks.
    let sink = sink(store.clone())
        .part_size(256 * 1024)
        .max_unverified_file_size(256 * 1024)
        .max_unverified_bytes(2 * 1024 * 1024)
        .max_buffered_bytes(5 * 1024 * 1024)
        .admission_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut stalled = Vec::new();
    // Strangers: a large declared length, a partial part header, then
    // nothing.
    for _ in 0..50 {
        let head = Bytes::from(format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"fi"
        ));
        let request = timed_request(vec![head], Duration::ZERO, false, Some(10_000_000));
        stalled.push(tokio::spawn(sink.service().oneshot(request)));
    }
    // Senders with the secret that sent half of a 200 KB file, then
    // stalled: what they declared, with the buffers a claim adds (9 MB),
    // is far more than the budget; what they sent (2 MB) is not.
    for i in 0..20 {
        let body = callback(&format!("Half{i}"), "pdf", large_pdf(200_000)).body();
        let len = body.len() as u64;
        let request = timed_request(
            vec![body.slice(..body.len() / 2)],
            Duration::ZERO,
            false,
            Some(len),
        );
        stalled.push(tokio::spawn(sink.service().oneshot(request)));
    }
    // Past the 150 ms after which a stalled callback gives back what
    // it claimed but does not hold.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let response = tokio::time::timeout(
        Duration::from_secs(20),
        sink.service()
            .oneshot(request(&callback("Valid", "png", fixture("capture.png")))),
    )
    .await
    .expect("a valid callback is answered while others stall")
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Valid", "png")).await,
        fixture("capture.png")
    );

    assert!(stalled.iter().all(|task| !task.is_finished()));
    // What the stalled ones hold is what they sent, not what they declared.
    let sent_halves = 20 * 100_000;
    assert!(
        sink.buffered_bytes() < sent_halves + 50 * 1024 + 64 * 1024,
        "held {}",
        sink.buffered_bytes()
    );
    for task in stalled {
        task.abort();
    }
}

#[tokio::test(start_paused = true)]
async fn a_callback_that_gets_no_budget_in_time_is_answered_503_with_retry_after() {
    let store = memory();
    let sink = one_callback_budget(store.clone())
        .admission_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    // A verified sender without a length claims the whole verified pool,
    // and keeps sending slowly (never stalling for the 150 ms after which a claim is given back).
    let body = callback("Hog", "pdf", large_pdf(60_000)).body();
    let hog = tokio::spawn(sink.service().oneshot(timed_request(
        pieces(&body, 1000),
        Duration::from_millis(50),
        true,
        None,
    )));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let body = callback("Late", "pdf", large_pdf(200_000)).body();
    let response = sink
        .service()
        .oneshot(timed_request(vec![body], Duration::ZERO, true, None))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "5");
    assert_eq!(response.headers()["connection"], "close");
    assert!(all_keys(store.as_ref()).await.is_empty());
    hog.abort();
}

/// A body stream that counts what the sink pulled from it.
fn counted(chunks: Vec<Bytes>, pulled: Arc<AtomicUsize>) -> Request<ChunkedBody> {
    let frames = stream::iter(chunks)
        .map(move |chunk| {
            pulled.fetch_add(chunk.len(), Ordering::SeqCst);
            Ok(http_body::Frame::data(chunk))
        })
        .boxed();
    raw_request(StreamBody::new(frames))
}

#[tokio::test]
async fn the_parser_holds_at_most_16_kib_without_progress_before_a_400() {
    let store = memory();
    let sink = sink(store.clone()).build().unwrap();
    let no_boundary = Bytes::from(vec![b'x'; 48 * 1024 * 1024]);
    let endless_header = {
        let mut head = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"callback_secret\"\r\nX: "
        )
        .into_bytes();
        head.resize(48 * 1024 * 1024, b'y');
        Bytes::from(head)
    };
    for (what, body) in [("preamble", no_boundary), ("header block", endless_header)] {
        let pulled = Arc::new(AtomicUsize::new(0));
        let response = sink
            .service()
            .oneshot(counted(pieces(&body, 8 * 1024), pulled.clone()))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
        // The rest was drained (so that the client reads the 400), not held.
        assert_eq!(pulled.load(Ordering::SeqCst), body.len(), "{what}");
    }
    // Held at most: the cap and one 64 KiB burst (and a chunk over it).
    let peak = sink.peak_buffered_bytes();
    assert!(peak <= 16 * 1024 + 64 * 1024 + 8 * 1024, "peak {peak}");
    assert!(all_keys(store.as_ref()).await.is_empty());
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_a_byte_is_read() {
    let store = memory();
    let sink = sink(store.clone())
        .max_body_size(1024 * 1024)
        .build()
        .unwrap();
    let pulled = Arc::new(AtomicUsize::new(0));
    let body = callback("Big", "pdf", large_pdf(2 * 1024 * 1024)).body();
    let mut request = counted(pieces(&body, 64 * 1024), pulled.clone());
    request
        .headers_mut()
        .insert("content-length", body.len().into());
    request
        .headers_mut()
        .insert("expect", "100-continue".parse().unwrap());
    let response = sink.service().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Nothing read, and (the client waits for 100 Continue) nothing
    // invited: the connection is closed instead.
    assert_eq!(pulled.load(Ordering::SeqCst), 0);
    assert_eq!(response.headers()["connection"], "close");
}

/// Drains are capped (each can grow the HTTP server's read buffer,
/// outside the budget): past `max_draining`, a refused body is not read on
/// and its answer closes the connection at once; a drain gives its place
/// back when it ends.
#[tokio::test]
async fn refused_bodies_past_max_draining_are_answered_without_a_drain() {
    let store = memory();
    let sink = sink(store.clone()).max_draining(1).build().unwrap();
    let body = wrong_secret_callback(large_pdf(1 << 20)).body();
    // The first refused callback drains for about 1.6 s: 16 pieces, 100 ms
    // apart, read to their end.
    let draining = tokio::spawn(sink.service().oneshot(timed_request(
        pieces(&body, 64 * 1024),
        Duration::from_millis(100),
        true,
        None,
    )));
    tokio::time::sleep(Duration::from_millis(400)).await;
    // Meanwhile, a second: answered at once, its body left unread.
    let pulled = Arc::new(AtomicUsize::new(0));
    let response = sink
        .service()
        .oneshot(counted(pieces(&body, 64 * 1024), pulled.clone()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.headers()["connection"], "close");
    assert!(
        pulled.load(Ordering::SeqCst) < body.len() / 2,
        "drained anyway"
    );
    assert!(
        !draining.is_finished(),
        "the first drain should still be under way"
    );
    // The first was drained to its end: its connection stays open.
    let first = draining.await.unwrap().unwrap();
    assert_eq!(first.status(), StatusCode::FORBIDDEN);
    assert!(first.headers().get("connection").is_none());
    // Its place is free again: the next refused body is drained.
    let pulled = Arc::new(AtomicUsize::new(0));
    let response = sink
        .service()
        .oneshot(counted(pieces(&body, 64 * 1024), pulled.clone()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(pulled.load(Ordering::SeqCst), body.len());
    assert!(all_keys(store.as_ref()).await.is_empty());
}
