//! Re-deliveries under each overwrite policy (overwrite, keep first,
//! reject), deliveries racing for one key, and the checks keep-first makes
//! before uploading and again before completing.

use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;
use object_store::local::LocalFileSystem;
use object_store::{ObjectStore, ObjectStoreExt};
use shotsink::{CaptureSink, OnExisting};
use tower::ServiceExt;

use super::{MIB, backends};
use crate::common::faulty::{Faults, FaultyStore};
use crate::common::*;

/// A second PDF of the same size with other bytes.
pub(super) fn other_pdf(len: usize) -> Bytes {
    let mut data = large_pdf(len).to_vec();
    let end = data.len() - 7;
    for b in &mut data[9..end] {
        *b = b.wrapping_add(1);
    }
    Bytes::from(data)
}

pub(super) async fn deliver(sink: &CaptureSink, token: &str, data: Bytes) -> (StatusCode, String) {
    let response = sink
        .service()
        .oneshot(chunked(&callback(token, "pdf", data)))
        .await
        .unwrap();
    let status = response.status();
    (status, body_text(response).await)
}

#[tokio::test]
async fn each_overwrite_policy_treats_a_second_delivery_as_it_says() {
    for backend in backends().await {
        // Single put (small part size not reached) and multipart.
        for (len, part_size) in [(200_000, 8 * MIB), (12 * MIB, 5 * MIB)] {
            for policy in [
                OnExisting::Overwrite,
                OnExisting::KeepFirst,
                OnExisting::Reject,
            ] {
                let token = format!("P{policy:?}{len}");
                let sink = CaptureSink::builder(backend.store.clone())
                    .secret(SECRET)
                    .part_size(part_size as u64)
                    .on_existing(policy)
                    .build()
                    .unwrap();
                let first = large_pdf(len);
                let second = other_pdf(len);
                let what = format!("{}: {policy:?}, {len} bytes", backend.name);

                assert_eq!(
                    deliver(&sink, &token, first.clone()).await.0,
                    StatusCode::OK,
                    "{what}"
                );
                let (status, text) = deliver(&sink, &token, second.clone()).await;
                let kept = stored_bytes(backend.store.as_ref(), &key_today(&token, "pdf")).await;
                match policy {
                    OnExisting::Overwrite => {
                        assert_eq!(status, StatusCode::OK, "{what}");
                        assert!(kept == second, "{what}: not replaced");
                    }
                    OnExisting::KeepFirst => {
                        assert_eq!(status, StatusCode::OK, "{what}");
                        assert!(text.starts_with("already stored"), "{what}: {text}");
                        assert!(kept == first, "{what}: replaced");
                    }
                    OnExisting::Reject => {
                        assert_eq!(status, StatusCode::CONFLICT, "{what}");
                        assert!(kept == first, "{what}: replaced");
                    }
                    other => panic!("a policy this test does not know: {other:?}"),
                }
            }
        }
        if let Some(server) = &backend._server {
            assert!(server.upload_leftovers().is_empty(), "{}", backend.name);
        }
    }
}

#[tokio::test]
async fn keep_first_checks_the_key_before_uploading_a_single_byte_of_a_redelivery() {
    let store = memory();
    let faulty = FaultyStore::new(store.clone(), Faults::default());
    let sink = CaptureSink::builder(faulty.clone())
        .secret(SECRET)
        .part_size(64 * 1024)
        .on_existing(OnExisting::KeepFirst)
        .build()
        .unwrap();
    assert_eq!(
        deliver(&sink, "Once", large_pdf(MIB)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        deliver(&sink, "Once", other_pdf(MIB)).await.0,
        StatusCode::OK
    );
    // One upload (16 parts) for the first delivery, nothing for the second.
    assert_eq!(faulty.counts.get(&faulty.counts.uploads), 1);
    assert_eq!(faulty.counts.get(&faulty.counts.parts), 16);
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Once", "pdf")).await,
        large_pdf(MIB)
    );
}

#[tokio::test]
async fn two_deliveries_racing_with_keep_first_store_exactly_one_whole_capture() {
    let dir = tempfile::tempdir().unwrap();
    let stores: Vec<(&str, Arc<dyn ObjectStore>)> = vec![
        ("InMemory", memory()),
        (
            "LocalFileSystem",
            Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap()),
        ),
    ];
    for (name, store) in stores {
        let sink = CaptureSink::builder(store.clone())
            .secret(SECRET)
            .on_existing(OnExisting::KeepFirst)
            .build()
            .unwrap();
        for round in 0..20 {
            let token = format!("Race{round}");
            let (a, b) = (large_pdf(150_000), other_pdf(150_000));
            let (ra, rb) = tokio::join!(
                tokio::spawn(
                    sink.service()
                        .oneshot(chunked(&callback(&token, "pdf", a.clone())))
                ),
                tokio::spawn(
                    sink.service()
                        .oneshot(chunked(&callback(&token, "pdf", b.clone())))
                ),
            );
            let (ra, rb) = (ra.unwrap().unwrap(), rb.unwrap().unwrap());
            let ra = (ra.status(), body_text(ra).await);
            let rb = (rb.status(), body_text(rb).await);
            let what = format!("{name}, round {round}");
            assert_eq!((ra.0, rb.0), (StatusCode::OK, StatusCode::OK), "{what}");
            let stored = [&ra.1, &rb.1]
                .iter()
                .filter(|t| t.starts_with("stored"))
                .count();
            assert_eq!(stored, 1, "{what}: {ra:?} {rb:?}");
            let kept = stored_bytes(store.as_ref(), &key_today(&token, "pdf")).await;
            let winner = if ra.1.starts_with("stored") { &a } else { &b };
            assert!(
                kept == *winner,
                "{what}: the stored bytes are not the winner's"
            );
        }
    }
}

#[tokio::test]
async fn with_overwrite_racing_deliveries_leave_one_whole_capture_in_s3() {
    // The in-process S3 server checks If-None-Match and then writes, not
    // atomically, so only the overwrite race is asserted against it: both
    // succeed and the object is one delivery whole, never a mix.
    let server = S3Server::start().await;
    let store = server.store();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .part_size(5 * MIB as u64)
        .build()
        .unwrap();
    let (a, b) = (large_pdf(11 * MIB), other_pdf(11 * MIB));
    let (ra, rb) = tokio::join!(
        deliver(&sink, "Both", a.clone()),
        deliver(&sink, "Both", b.clone())
    );
    assert_eq!((ra.0, rb.0), (StatusCode::OK, StatusCode::OK));
    let kept = stored_bytes(store.as_ref(), &key_today("Both", "pdf")).await;
    assert!(kept == a || kept == b, "a mix of two deliveries");
    assert!(server.upload_leftovers().is_empty());
}

#[tokio::test]
async fn keep_first_checks_again_before_completing_a_multipart_upload() {
    // A capture appears at the key while a large delivery is under way (a
    // concurrent delivery finished first): the upload is aborted, the
    // first capture stays, and the sender is told it is already stored.
    let store = memory();
    let faulty = FaultyStore::new(store.clone(), Faults::default());
    let sink = CaptureSink::builder(faulty.clone())
        .secret(SECRET)
        .part_size(64 * 1024)
        .on_existing(OnExisting::KeepFirst)
        .build()
        .unwrap();
    let body = callback("Late", "pdf", large_pdf(MIB)).body();
    let (resume, resumed) = tokio::sync::oneshot::channel::<()>();
    let (head, rest) = (body.slice(..MIB / 2), body.slice(MIB / 2..));
    let frames = futures_util::StreamExt::boxed(futures_util::stream::unfold(
        (Some(head), Some((resumed, rest))),
        |(head, tail)| async move {
            if let Some(head) = head {
                return Some((
                    Ok::<_, std::io::Error>(http_body::Frame::data(head)),
                    (None, tail),
                ));
            }
            let (resumed, rest) = tail?;
            let _ = resumed.await;
            Some((Ok(http_body::Frame::data(rest)), (None, None)))
        },
    ));
    let request = raw_request(http_body_util::StreamBody::new(frames));
    let task = tokio::spawn(sink.service().oneshot(request));
    // Wait until the upload is under way, then let another delivery win.
    for _ in 0..500 {
        if faulty.counts.get(&faulty.counts.parts) >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        faulty.counts.get(&faulty.counts.parts) >= 2,
        "the upload never started"
    );
    let winner = other_pdf(1000);
    store
        .put(&key_today("Late", "pdf"), winner.clone().into())
        .await
        .unwrap();
    resume.send(()).unwrap();

    let response = task.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(body_text(response).await.starts_with("already stored"));
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Late", "pdf")).await,
        winner
    );
    assert_eq!(faulty.counts.get(&faulty.counts.aborts), 1);
    assert_eq!(faulty.counts.get(&faulty.counts.completes), 0);
}
