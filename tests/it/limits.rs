//! Every limit, hit exactly at its bound (accepted) and just past it
//! (refused, nothing stored).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, StreamBody};
use object_store::ObjectStore;
use shotsink::{CaptureSink, CaptureSinkBuilder};
use tower::ServiceExt;

use crate::common::faulty::{Faults, FaultyStore};
use crate::common::*;

fn builder(store: &Arc<dyn ObjectStore>) -> CaptureSinkBuilder {
    CaptureSink::builder(store.clone()).secret(SECRET)
}

/// Sends `sent` to a fresh store through a sink configured by `configure`;
/// returns the status and how many objects landed.
async fn send_with(
    configure: impl Fn(CaptureSinkBuilder) -> CaptureSinkBuilder,
    sent: &Callback,
) -> (StatusCode, usize) {
    let store = memory();
    let sink = configure(builder(&store)).build().unwrap();
    let response = sink.service().oneshot(chunked(sent)).await.unwrap();
    (response.status(), all_keys(store.as_ref()).await.len())
}

const STORED: (StatusCode, usize) = (StatusCode::OK, 1);
const TOO_LARGE: (StatusCode, usize) = (StatusCode::PAYLOAD_TOO_LARGE, 0);

#[tokio::test]
async fn the_file_size_limit_takes_a_file_of_exactly_the_limit_and_refuses_one_byte_more() {
    let data = large_pdf(300_000);
    for part_size in [1024 * 1024, 64 * 1024] {
        let sent = callback("Lim", "pdf", data.clone());
        let at = |b: CaptureSinkBuilder| b.max_file_size(300_000).part_size(part_size);
        let past = |b: CaptureSinkBuilder| b.max_file_size(299_999).part_size(part_size);
        assert_eq!(send_with(at, &sent).await, STORED, "part size {part_size}");
        assert_eq!(
            send_with(past, &sent).await,
            TOO_LARGE,
            "part size {part_size}"
        );
    }
}

#[tokio::test]
async fn the_text_field_limit_applies_to_every_text_field() {
    let png = fixture("capture.png");
    for (bound, name) in [(4096, "note"), (64, "callback_secret")] {
        let with = |len: usize| {
            let sent = callback("Txt", "png", png.clone());
            if name == "note" {
                sent.push_field("note", "n".repeat(len))
                    .move_to_front("note")
            } else {
                // A secret of exactly `len` bytes that the sink accepts.
                sent.field("callback_secret", &"s".repeat(len))
            }
        };
        let configure = |b: CaptureSinkBuilder| {
            b.max_text_field_size(bound as u64)
                .secret("s".repeat(bound))
                .secret("s".repeat(bound + 1))
        };
        assert_eq!(send_with(configure, &with(bound)).await, STORED, "{name}");
        assert_eq!(
            send_with(configure, &with(bound + 1)).await,
            TOO_LARGE,
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_field_count_limit_counts_every_part() {
    let with_extra = |extra: usize| {
        (0..extra)
            .fold(
                callback("Fields", "png", fixture("capture.png")),
                |sent, i| sent.push_field("extra", i.to_string()),
            )
            .move_to_front("extra")
    };
    // Five protocol fields plus eleven extra make the default of 16.
    assert_eq!(send_with(|b| b, &with_extra(11)).await, STORED);
    assert_eq!(send_with(|b| b, &with_extra(12)).await, TOO_LARGE);
    assert_eq!(send_with(|b| b.max_fields(6), &with_extra(1)).await, STORED);
    assert_eq!(
        send_with(|b| b.max_fields(6), &with_extra(2)).await,
        TOO_LARGE
    );
}

#[tokio::test]
async fn the_body_size_limit_takes_a_body_of_exactly_the_limit() {
    let sent = callback("Body", "png", fixture("capture.png"));
    let len = sent.body().len() as u64;
    assert_eq!(send_with(|b| b.max_body_size(len), &sent).await, STORED);
    assert_eq!(
        send_with(|b| b.max_body_size(len - 1), &sent).await,
        TOO_LARGE
    );
}

#[tokio::test]
async fn the_hold_bound_for_a_file_before_its_secret_is_exact() {
    let data = large_pdf(100_000);
    let sent = callback_file_first("Held", "pdf", data);
    assert_eq!(
        send_with(|b| b.max_unverified_file_size(100_000), &sent).await,
        STORED
    );
    assert_eq!(
        send_with(|b| b.max_unverified_file_size(99_999), &sent).await,
        TOO_LARGE
    );
}

#[tokio::test]
async fn a_part_may_carry_32_header_lines_and_not_33() {
    // multer's fixed bound: one `Content-Disposition` plus 31 others.
    let body_with = |extra_headers: usize| {
        let mut body = callback("Hdr", "png", fixture("capture.png")).body();
        let marker = b"Content-Disposition: form-data; name=\"token\"\r\n";
        let at = body
            .windows(marker.len())
            .position(|w| w == marker)
            .unwrap()
            + marker.len();
        let headers: String = (0..extra_headers)
            .map(|i| format!("x-extra-{i}: {i}\r\n"))
            .collect();
        let mut out = body[..at].to_vec();
        out.extend_from_slice(headers.as_bytes());
        out.extend_from_slice(&body.split_off(at));
        out
    };
    for (extra, expected) in [(31, STORED), (32, (StatusCode::BAD_REQUEST, 0))] {
        let store = memory();
        let sink = builder(&store).build().unwrap();
        let request = raw_request(http_body_util::Full::new(Bytes::from(body_with(extra))));
        let status = sink.service().oneshot(request).await.unwrap().status();
        assert_eq!(
            (status, all_keys(store.as_ref()).await.len()),
            expected,
            "{extra} extra headers"
        );
    }
}

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
