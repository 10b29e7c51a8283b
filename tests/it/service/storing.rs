//! What the sink stores, where, and as what: every format in either field
//! order, on memory and on disk, in one put or in parts.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;
use object_store::local::LocalFileSystem;
use object_store::{Attribute, ObjectStore, ObjectStoreExt};
use shotsink::{CaptureSink, Outcome};
use tower::ServiceExt;

use super::{send, sink};
use crate::common::*;

#[tokio::test]
async fn every_fixture_format_is_stored_at_its_key_with_its_bytes_and_content_type() {
    for file_first in [false, true] {
        let store = memory();
        let sink = sink(&store);
        for (name, format, ext, content_type) in FIXTURES {
            let token = format!("Tok{ext}{}", u8::from(file_first));
            let data = fixture(name);
            let sent = if file_first {
                callback_file_first(&token, format, data.clone())
            } else {
                callback(&token, format, data.clone())
            };
            let (status, text) = send(&sink, &sent).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{name}, file first: {file_first}: {text}"
            );

            let key = key_today(&token, ext);
            assert_eq!(text, format!("stored {key}\n"));
            let got = store.get(&key).await.unwrap();
            assert_eq!(
                got.attributes
                    .get(&Attribute::ContentType)
                    .map(|v| v.as_ref()),
                Some(content_type),
                "{name}"
            );
            assert_eq!(got.bytes().await.unwrap(), data, "{name}");
        }
        assert_eq!(all_keys(store.as_ref()).await.len(), FIXTURES.len());
    }
}

#[tokio::test]
async fn every_fixture_format_lands_on_local_disk_in_either_field_order() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> =
        Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap());
    let sink = sink(&store);
    for file_first in [false, true] {
        for (name, format, ext, _) in FIXTURES {
            let token = format!("Disk{ext}{}", u8::from(file_first));
            let data = fixture(name);
            let sent = if file_first {
                callback_file_first(&token, format, data.clone())
            } else {
                callback(&token, format, data.clone())
            };
            let (status, text) = send(&sink, &sent).await;
            assert_eq!(status, StatusCode::OK, "{name}: {text}");
            let key = key_today(&token, ext);
            let on_disk = std::fs::read(dir.path().join(key.as_ref())).unwrap();
            assert_eq!(on_disk, data, "{name}");
        }
    }
    assert_eq!(all_keys(store.as_ref()).await.len(), 2 * FIXTURES.len());
}

#[tokio::test]
async fn a_file_larger_than_a_part_goes_up_in_parts_and_arrives_whole() {
    let store = memory();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .part_size(64 * 1024)
        .max_parts_in_flight(3)
        .build()
        .unwrap();
    let data = large_pdf(1024 * 1024 + 17);
    let response = sink
        .service()
        .oneshot(chunked(&callback("Big", "pdf", data.clone())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let key = key_today("Big", "pdf");
    let got = store.get(&key).await.unwrap();
    assert_eq!(
        got.attributes
            .get(&Attribute::ContentType)
            .map(|v| v.as_ref()),
        Some("application/pdf")
    );
    assert_eq!(got.bytes().await.unwrap(), data);
}

#[tokio::test]
async fn a_missing_or_unknown_format_stores_the_file_under_its_verified_type() {
    let store = memory();
    let sink = sink(&store);
    let png = fixture("capture.png");
    let no_format = callback("NoFormat", "png", png.clone()).without("format");
    assert_eq!(send(&sink, &no_format).await.0, StatusCode::OK);
    assert_eq!(
        send(&sink, &callback("Gif", "gif", png.clone())).await.0,
        StatusCode::OK
    );
    assert_eq!(
        all_keys(store.as_ref()).await,
        vec![
            key_today("Gif", "png").to_string(),
            key_today("NoFormat", "png").to_string()
        ]
    );
}

#[tokio::test]
async fn a_token_is_reduced_to_letters_and_digits_so_it_cannot_leave_its_prefix() {
    let store = memory();
    let sink = sink(&store);
    let sent = callback("../../etc/pass wd%2F..", "png", fixture("capture.png"));
    let (status, _) = send(&sink, &sent).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        all_keys(store.as_ref()).await,
        vec![key_today("etcpasswd2F", "png").to_string()]
    );
}

#[tokio::test]
async fn any_of_several_secrets_is_accepted_during_rotation() {
    let store = memory();
    let sink = CaptureSink::builder(store.clone())
        .secrets(["old-secret", SECRET])
        .build()
        .unwrap();
    let current = callback("Rotated", "png", fixture("capture.png"));
    assert_eq!(send(&sink, &current).await.0, StatusCode::OK);
    let old = current
        .field("callback_secret", "old-secret")
        .field("token", "RotatedOld");
    assert_eq!(send(&sink, &old).await.0, StatusCode::OK);
    assert_eq!(all_keys(store.as_ref()).await.len(), 2);
}

#[tokio::test]
async fn receive_can_be_awaited_inside_a_spawned_task_that_borrows_the_sink() {
    async fn handle(
        sink: &CaptureSink,
        headers: &http::HeaderMap,
        body: Bytes,
    ) -> shotsink::Received {
        let chunks = futures_util::stream::iter([Ok::<_, Infallible>(body)]);
        sink.receive(headers, chunks).await
    }
    let store = memory();
    let sink = sink(&store);
    let sent = callback("Spawned", "png", fixture("capture.png"));
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", sent.content_type().parse().unwrap());
    let body = sent.body();
    let received = tokio::spawn(async move { handle(&sink, &headers, body).await })
        .await
        .unwrap();
    assert_eq!(received.status(), StatusCode::OK);
    assert!(!received.close_connection());
    match received.into_result() {
        Ok(Outcome::Stored(stored)) => assert_eq!(stored.key, key_today("Spawned", "png")),
        other => panic!("expected a stored capture, got {other:?}"),
    }
    assert_eq!(all_keys(store.as_ref()).await.len(), 1);
}

/// The inner service needs only `Clone`, as in tower-http: one holding an
/// `Rc` (neither `Send` nor `Sync`) serves on a current-thread runtime.
#[tokio::test(flavor = "current_thread")]
async fn an_inner_service_that_is_not_send_is_served() {
    use std::rc::Rc;

    let calls = Rc::new(std::cell::Cell::new(0));
    let seen = calls.clone();
    let inner = tower::service_fn(
        move |_: http::Request<http_body_util::Empty<bytes::Bytes>>| {
            let seen = seen.clone();
            async move {
                seen.set(seen.get() + 1);
                Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Full::new(
                    bytes::Bytes::from_static(b"handled\n"),
                )))
            }
        },
    );
    let sink = CaptureSink::builder(memory())
        .secret(SECRET)
        .build()
        .unwrap();
    let service = shotsink::capture::Capture::new(inner, sink);
    let response = service
        .oneshot(request(&callback("NotSend", "png", fixture("capture.png"))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(response).await, "handled\n");
    assert_eq!(calls.get(), 1);
}
