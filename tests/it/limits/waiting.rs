//! Waiting: a client that pauses within the idle timeout is served and one
//! past it is not; time spent on a slow store is not the client's; a
//! callback that waited for the memory budget has its connection closed.

use std::time::Duration;

use futures_util::{StreamExt, stream};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, StreamBody};
use shotsink::CaptureSink;
use tower::ServiceExt;

use crate::common::faulty::{Faults, FaultyStore};
use crate::common::*;

/// A body that sends `head` bytes, pauses for `pause` (forever if `None`),
/// then sends the rest.
fn stalling_request(sent: &Callback, head: usize, pause: Option<Duration>) -> Request<ChunkedBody> {
    paused_request(sent, head, async move {
        match pause {
            Some(pause) => tokio::time::sleep(pause).await,
            None => std::future::pending::<()>().await,
        }
    })
}

/// A body that sends `head` bytes, waits for `pause` to complete, then
/// sends the rest.
fn paused_request(
    sent: &Callback,
    head: usize,
    pause: impl std::future::Future<Output = ()> + Send + 'static,
) -> Request<ChunkedBody> {
    let body = sent.body();
    let first = body.slice(..head);
    let rest = body.slice(head..);
    let frames = stream::once(async move { Ok(http_body::Frame::data(first)) })
        .chain(stream::once(async move {
            pause.await;
            Ok(http_body::Frame::data(rest))
        }))
        .boxed();
    raw_request(StreamBody::new(frames))
}

#[tokio::test(start_paused = true)]
async fn a_client_that_pauses_within_the_idle_timeout_is_served_and_past_it_gets_408() {
    let store = memory();
    let faulty = FaultyStore::new(store.clone(), Faults::default());
    let sink = CaptureSink::builder(faulty.clone())
        .secret(SECRET)
        .idle_timeout(Duration::from_secs(10))
        .part_size(64 * 1024)
        .build()
        .unwrap();
    let data = large_pdf(400_000);
    let idle = callback("Idle", "pdf", data.clone());

    // The clock is paused: the pauses below take no real time, and the
    // timer fires exactly at its deadline.
    let response = sink
        .service()
        .oneshot(stalling_request(
            &idle,
            300_000,
            Some(Duration::from_millis(9_999)),
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Idle", "pdf")).await,
        data
    );

    let stalled = callback("Stalled", "pdf", data);
    let response = sink
        .service()
        .oneshot(stalling_request(&stalled, 300_000, None))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(all_keys(store.as_ref()).await.len(), 1);
    // The stalled callback had an upload under way; it was aborted.
    assert_eq!(faulty.counts.get(&faulty.counts.uploads), 2);
    assert_eq!(faulty.counts.get(&faulty.counts.aborts), 1);
}

#[tokio::test(start_paused = true)]
async fn time_spent_waiting_on_a_slow_store_does_not_count_against_the_client() {
    let store = memory();
    let faulty = FaultyStore::new(
        store.clone(),
        Faults {
            part_delay: Some(Duration::from_secs(60)),
            ..Faults::default()
        },
    );
    let sink = CaptureSink::builder(faulty)
        .secret(SECRET)
        .idle_timeout(Duration::from_secs(1))
        .part_size(64 * 1024)
        .max_parts_in_flight(1)
        .build()
        .unwrap();
    let data = large_pdf(400_000);
    // Every chunk comes 500 ms after the last: the client never idles for
    // the 1 s timeout, while each part keeps the sink 60 s on the store.
    let mut request = chunked(&callback("Patient", "pdf", data.clone()));
    let chunks = std::mem::replace(request.body_mut(), StreamBody::new(stream::empty().boxed()));
    *request.body_mut() = StreamBody::new(
        chunks
            .into_data_stream()
            .then(|chunk| async move {
                tokio::time::sleep(Duration::from_millis(500)).await;
                chunk.map(http_body::Frame::data)
            })
            .boxed(),
    );
    let response = sink.service().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Patient", "pdf")).await,
        data
    );
}

// On a paused clock, so that the first callback's pause stays within the
// 150 ms after which a stalled callback gives its claim back.
#[tokio::test(start_paused = true)]
async fn a_callback_that_waited_for_the_memory_budget_is_answered_with_connection_close() {
    let store = memory();
    let sink = one_callback_budget(store.clone()).build().unwrap();
    let (release, gate) = tokio::sync::oneshot::channel();
    // The first has no length: once its secret is verified it claims the
    // whole budget, and its body stops after its text fields until
    // released (well within the 150 ms after which a stalled
    // callback gives its claim back).
    let first = tokio::spawn(sink.service().oneshot(paused_request(
        &callback("First", "webp", fixture("capture.webp")),
        400,
        async move {
            let _ = gate.await;
        },
    )));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = tokio::spawn(sink.service().oneshot(request(&callback(
        "Second",
        "png",
        fixture("capture.png"),
    ))));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !second.is_finished(),
        "the second callback waits for the budget"
    );
    release.send(()).unwrap();

    let first = first.await.unwrap().unwrap();
    let second = second.await.unwrap().unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(second.status(), StatusCode::OK);
    // The first found the budget free: its connection may be kept.
    assert_eq!(first.headers().get("connection"), None);
    // The second waited: the sink was saturated, the connection is let go.
    assert_eq!(second.headers()["connection"], "close");
    assert_eq!(all_keys(store.as_ref()).await.len(), 2);
}
