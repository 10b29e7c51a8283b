//! Failures injected around real stores, and request bodies cut at random
//! offsets: every case answers clearly, leaves nothing visible, aborts what
//! it began, and the same service serves the next request.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use object_store::ObjectStore;
use shotsink::CaptureSink;
use shotsink::capture::{Acknowledge, Capture};
use tower::ServiceExt;

use crate::common::faulty::{Faults, FaultyStore};
use crate::common::*;

const PART: usize = 64 * 1024;

fn sink_on(store: Arc<dyn ObjectStore>) -> Capture<Acknowledge> {
    CaptureSink::builder(store)
        .secret(SECRET)
        .part_size(PART as u64)
        .max_parts_in_flight(2)
        .build()
        .unwrap()
        .service()
}

async fn status_of(
    service: &Capture<Acknowledge>,
    request: http::Request<ChunkedBody>,
) -> StatusCode {
    service.clone().oneshot(request).await.unwrap().status()
}

/// Sends a valid callback and checks it lands: the service still serves.
async fn serves_next(service: &Capture<Acknowledge>, store: &dyn ObjectStore) {
    let data = fixture("capture.jpg");
    let next = callback("Next", "jpg", data.clone());
    assert_eq!(status_of(service, chunked(&next)).await, StatusCode::OK);
    assert_eq!(stored_bytes(store, &key_today("Next", "jpg")).await, data);
}

struct Case {
    name: &'static str,
    faults: Faults,
    file_len: usize,
    status: StatusCode,
    aborts: usize,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "the single put fails",
            faults: Faults {
                fail_put: true,
                ..Faults::default()
            },
            file_len: PART / 2,
            status: StatusCode::BAD_GATEWAY,
            aborts: 0,
        },
        Case {
            name: "part 1 fails",
            faults: Faults {
                fail_part: Some(1),
                ..Faults::default()
            },
            file_len: 10 * PART,
            status: StatusCode::BAD_GATEWAY,
            aborts: 1,
        },
        Case {
            name: "part 3 fails",
            faults: Faults {
                fail_part: Some(3),
                ..Faults::default()
            },
            file_len: 10 * PART,
            status: StatusCode::BAD_GATEWAY,
            aborts: 1,
        },
        Case {
            name: "the last part fails",
            faults: Faults {
                fail_part: Some(11),
                ..Faults::default()
            },
            file_len: 10 * PART + 5,
            status: StatusCode::BAD_GATEWAY,
            aborts: 1,
        },
        Case {
            name: "completing the upload fails",
            faults: Faults {
                fail_complete: true,
                ..Faults::default()
            },
            file_len: 10 * PART,
            status: StatusCode::BAD_GATEWAY,
            aborts: 1,
        },
    ]
}

async fn run_cases(backend: &str, make_store: impl Fn() -> Arc<dyn ObjectStore>) {
    for case in cases() {
        let store = make_store();
        let faulty = FaultyStore::new(store.clone(), case.faults);
        let service = sink_on(faulty.clone());
        let sent = callback("Fault", "pdf", large_pdf(case.file_len));
        let before = all_keys(store.as_ref()).await;
        let status = status_of(&service, chunked(&sent)).await;
        let what = format!("{backend}: {}", case.name);
        assert_eq!(status, case.status, "{what}");
        assert_eq!(
            all_keys(store.as_ref()).await,
            before,
            "{what}: something is visible"
        );
        let counts = &faulty.counts;
        assert_eq!(counts.get(&counts.aborts), case.aborts, "{what}: aborts");
        assert_eq!(counts.get(&counts.completes), 0, "{what}: completed");
        serves_next(&service, store.as_ref()).await;
    }
}

#[tokio::test]
async fn store_failures_answer_502_abort_the_upload_and_leave_nothing_in_memory() {
    run_cases("InMemory", memory).await;
}

#[tokio::test]
async fn store_failures_answer_502_abort_the_upload_and_leave_nothing_in_s3() {
    let server = S3Server::start().await;
    run_cases("S3", || server.store()).await;
    assert!(server.upload_leftovers().is_empty());
}

#[tokio::test]
async fn a_store_slower_than_the_client_holds_no_more_than_the_parts_in_flight() {
    let store = memory();
    let faulty = FaultyStore::new(
        store.clone(),
        Faults {
            part_delay: Some(Duration::from_millis(20)),
            ..Faults::default()
        },
    );
    let sink = CaptureSink::builder(faulty.clone())
        .secret(SECRET)
        .part_size(PART as u64)
        .max_parts_in_flight(2)
        .build()
        .unwrap();
    let data = large_pdf(20 * PART + 99);
    let response = sink
        .service()
        .oneshot(chunked(&callback("Slow", "pdf", data.clone())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Slow", "pdf")).await,
        data
    );
    // One part filling, two in flight, and what the form parser pulled
    // while it parsed the text fields (it pulls a 64 KiB burst on every
    // poll, counted against the budget): never the whole file.
    let peak = sink.peak_buffered_bytes();
    assert!(peak < data.len() as u64 / 2, "peak {peak}");
    assert!(peak <= (3 * PART + 8 * 64 * 1024) as u64, "peak {peak}");
    assert!(peak >= (2 * PART) as u64, "peak {peak}");
    assert_eq!(sink.buffered_bytes(), 0);
    assert_eq!(faulty.counts.get(&faulty.counts.parts), 21);
}

/// xorshift: reproducible offsets without a dependency.
fn offsets(seed: u64, count: usize, below: usize) -> Vec<usize> {
    let mut x = seed;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % below as u64) as usize
        })
        .collect()
}

#[tokio::test]
async fn bodies_cut_at_random_offsets_leave_nothing_and_abort_every_upload_begun() {
    for (backend, server) in [("InMemory", None), ("S3", Some(S3Server::start().await))] {
        for file_first in [false, true] {
            let store = server.as_ref().map_or_else(memory, |s| s.store());
            let faulty = FaultyStore::new(store.clone(), Faults::default());
            let service = sink_on(faulty.clone());
            let data = large_pdf(6 * PART + 1234);
            let sent = if file_first {
                callback_file_first("Cut", "pdf", data)
            } else {
                callback("Cut", "pdf", data)
            };
            let len = sent.body().len();
            let before = all_keys(store.as_ref()).await;
            for cut in offsets(0x5eed + u64::from(file_first), 24, len) {
                let status = status_of(&service, cut_at(&sent, cut)).await;
                let what = format!("{backend}, file first {file_first}, cut at {cut} of {len}");
                assert!(
                    status == StatusCode::BAD_REQUEST || status == StatusCode::PAYLOAD_TOO_LARGE,
                    "{what}: {status}"
                );
                assert_eq!(all_keys(store.as_ref()).await, before, "{what}: visible");
                let counts = &faulty.counts;
                assert_eq!(
                    counts.get(&counts.aborts),
                    counts.get(&counts.uploads),
                    "{what}"
                );
                assert_eq!(counts.get(&counts.completes), 0, "{what}");
            }
            serves_next(&service, store.as_ref()).await;
            if let Some(server) = &server {
                assert!(server.upload_leftovers().is_empty());
            }
        }
    }
}

#[tokio::test]
async fn a_request_dropped_mid_upload_still_aborts_its_multipart_upload() {
    let store = memory();
    let faulty = FaultyStore::new(store.clone(), Faults::default());
    let service = sink_on(faulty.clone());
    // Sends a few parts' worth, then never sends the rest.
    let body = callback("Dropped", "pdf", large_pdf(10 * PART)).body();
    let head = body.slice(..5 * PART);
    let frames = futures_util::StreamExt::boxed(futures_util::StreamExt::chain(
        futures_util::stream::iter([Ok::<_, std::io::Error>(http_body::Frame::data(head))]),
        futures_util::stream::pending(),
    ));
    let request = raw_request(http_body_util::StreamBody::new(frames));
    let task = tokio::spawn(service.clone().oneshot(request));

    let counts = faulty.counts.clone();
    let wait_for = |what: &'static str, done: Box<dyn Fn() -> bool>| async move {
        for _ in 0..500 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("timed out waiting for {what}");
    };
    let c = counts.clone();
    wait_for(
        "the upload to start",
        Box::new(move || c.get(&c.parts) >= 2),
    )
    .await;
    // The server drops the request (the connection closed).
    task.abort();
    let c = counts.clone();
    wait_for("the abort", Box::new(move || c.get(&c.aborts) == 1)).await;
    assert_eq!(counts.get(&counts.completes), 0);
    assert!(all_keys(store.as_ref()).await.is_empty());
    serves_next(&service, store.as_ref()).await;
}
