//! Files that arrive before their secret, with `EarlyFile::Stage`: staged
//! out of sight then moved to their key, aborted when the secret fails, and
//! refused before anything is staged when of the wrong type.

use bytes::Bytes;
use http::StatusCode;
use shotsink::{CaptureSink, EarlyFile};
use tower::ServiceExt;

use super::{MIB, backends};
use crate::common::faulty::{Faults, FaultyStore};
use crate::common::*;

#[tokio::test]
async fn a_large_file_before_its_secret_is_staged_out_of_sight_then_moved_to_its_key() {
    for backend in backends().await {
        let sink = CaptureSink::builder(backend.store.clone())
            .secret(SECRET)
            .part_size(5 * MIB as u64)
            .max_unverified_file_size(MIB as u64)
            .early_file(EarlyFile::Stage)
            .build()
            .unwrap();
        let data = large_pdf(12 * MIB);
        let response = sink
            .service()
            .oneshot(chunked(&callback_file_first("Staged", "pdf", data.clone())))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{}", backend.name);
        let key = key_today("Staged", "pdf");
        assert_eq!(
            all_keys(backend.store.as_ref()).await,
            vec![key.to_string()],
            "{}",
            backend.name
        );
        assert!(
            stored_bytes(backend.store.as_ref(), &key).await == data,
            "{}",
            backend.name
        );
        if let Some(server) = &backend._server {
            assert!(server.upload_leftovers().is_empty());
        }
    }
}

#[tokio::test]
async fn a_staged_file_whose_secret_fails_is_aborted_and_nothing_is_left_anywhere() {
    for backend in backends().await {
        let faulty = FaultyStore::new(backend.store.clone(), Faults::default());
        let sink = CaptureSink::builder(faulty.clone())
            .secret(SECRET)
            .part_size(5 * MIB as u64)
            .max_unverified_file_size(MIB as u64)
            .early_file(EarlyFile::Stage)
            .build()
            .unwrap();
        let forged = callback_file_first("Forged", "pdf", large_pdf(12 * MIB))
            .field("callback_secret", "forged");
        let response = sink.service().oneshot(chunked(&forged)).await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{}", backend.name);
        assert!(
            all_keys(backend.store.as_ref()).await.is_empty(),
            "{}",
            backend.name
        );
        assert_eq!(
            faulty.counts.get(&faulty.counts.uploads),
            1,
            "{}",
            backend.name
        );
        assert_eq!(
            faulty.counts.get(&faulty.counts.aborts),
            1,
            "{}",
            backend.name
        );
        if let Some(server) = &backend._server {
            assert!(server.upload_leftovers().is_empty());
        }
    }
}

#[tokio::test]
async fn a_staged_file_of_the_wrong_type_is_refused_before_anything_is_staged() {
    let store = memory();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .max_unverified_file_size(1024)
        .early_file(EarlyFile::Stage)
        .build()
        .unwrap();
    let mut html = b"<html><script>alert(1)</script>".repeat(100);
    html.truncate(3000);
    let sent = callback_file_first("Html", "png", Bytes::from(html));
    let response = sink.service().oneshot(chunked(&sent)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(all_keys(store.as_ref()).await.is_empty());
}
