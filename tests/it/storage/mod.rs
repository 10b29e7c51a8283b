//! Storage options on a real S3-protocol server: storage class, tags and
//! server-side encryption reach it on both upload paths, the payload
//! protection is the one chosen, and a checksum the server verifies stops a
//! corrupted upload. Links to the captures are in `links`; the same options
//! on moto, when it runs, in `moto`.

use std::sync::Arc;

use http::StatusCode;
use object_store::ObjectStore;
use shotsink::{CaptureSink, ConfigError};
use tower::ServiceExt;

use crate::common::*;

mod links;
mod moto;

/// The options that point `store_from_url` at the in-process server.
fn url_options(server: &S3Server) -> Vec<(&'static str, String)> {
    vec![
        ("aws_endpoint", format!("http://{}", server.addr)),
        ("aws_allow_http", "true".into()),
        ("aws_region", "us-east-1".into()),
        ("aws_access_key_id", "test-access".into()),
        ("aws_secret_access_key", "test-secret-key".into()),
        ("aws_virtual_hosted_style_request", "false".into()),
    ]
}

/// Stores a small capture (one put) and a large one (multipart, 5 MiB
/// parts) through `sink`, checking the bytes landed; returns the requests
/// that created each: the single `PUT` and the multipart `POST ?uploads`.
async fn deliver_both(
    server: &S3Server,
    store: &dyn ObjectStore,
    sink: &CaptureSink,
    tag: &str,
) -> (SeenRequest, SeenRequest) {
    let (small, large) = (format!("{tag}Small"), format!("{tag}Large"));
    for (token, data) in [
        (&small, fixture("capture.pdf")),
        (&large, large_pdf(11 * MIB)),
    ] {
        let response = sink
            .service()
            .oneshot(chunked(&callback(token, "pdf", data.clone())))
            .await
            .unwrap();
        let status = response.status();
        assert_eq!(
            status,
            StatusCode::OK,
            "{token}: {}",
            body_text(response).await
        );
        assert_eq!(stored_bytes(store, &key_today(token, "pdf")).await, data);
    }
    let put = server.seen("PUT", &small);
    let create = server.seen("POST", &format!("{large}.pdf?uploads"));
    (put[0].clone(), create[0].clone())
}

#[tokio::test]
async fn storage_class_and_tags_reach_the_server_on_the_single_put_and_the_multipart_path() {
    let server = S3Server::start().await;
    let store = server.store();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .part_size(5 * MIB as u64)
        .storage_class("REDUCED_REDUNDANCY")
        .tag("project", "shots")
        .capture_tags(true)
        .build()
        .unwrap();
    let (put, create) = deliver_both(&server, store.as_ref(), &sink, "Class").await;
    for (seen, token) in [(&put, "ClassSmall"), (&create, "ClassLarge")] {
        assert_eq!(
            seen.header("x-amz-storage-class"),
            Some("REDUCED_REDUNDANCY")
        );
        let tags = seen.header("x-amz-tagging").unwrap_or_default();
        let mut tags: Vec<&str> = tags.split('&').collect();
        tags.sort_unstable();
        let token = format!("token={token}");
        assert_eq!(tags, ["format=pdf", "project=shots", token.as_str()]);
    }
    // s3s-fs keeps two classes only: a class the store refuses fails the
    // callback (502, for the sender to retry) and stores nothing.
    let refused = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .storage_class("GLACIER_IR")
        .build()
        .unwrap();
    let response = refused
        .service()
        .oneshot(chunked(&callback("Glacier", "pdf", fixture("capture.pdf"))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let key = key_today("Glacier", "pdf");
    assert!(!all_keys(store.as_ref()).await.contains(&key.to_string()));
}

#[tokio::test]
async fn encryption_and_acl_options_of_a_store_url_reach_the_server_on_both_paths() {
    let server = S3Server::start().await;
    let mut options = url_options(&server);
    options.extend([
        ("aws_server_side_encryption", "aws:kms".to_owned()),
        (
            "aws_sse_kms_key_id",
            "arn:aws:kms:us-east-1:1:key/captures".into(),
        ),
        ("aws_sse_bucket_key_enabled", "true".into()),
        // The sink's own option: a canned ACL as the client's header.
        ("acl", "public-read".into()),
    ]);
    let store = shotsink::store_from_url("s3://captures", options).unwrap();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .part_size(5 * MIB as u64)
        .build()
        .unwrap();
    let (put, create) = deliver_both(&server, store.as_ref(), &sink, "Sse").await;
    for seen in [&put, &create] {
        assert_eq!(seen.header("x-amz-server-side-encryption"), Some("aws:kms"));
        assert_eq!(
            seen.header("x-amz-server-side-encryption-aws-kms-key-id"),
            Some("arn:aws:kms:us-east-1:1:key/captures")
        );
        assert_eq!(
            seen.header("x-amz-server-side-encryption-bucket-key-enabled"),
            Some("true")
        );
        assert_eq!(seen.acl.as_deref(), Some("public-read"));
    }
}

#[tokio::test]
async fn a_store_url_over_plain_http_signs_payloads_and_explicit_options_are_kept() {
    let server = S3Server::start().await;
    // Over plain HTTP the default is SigV4's signed payload, no checksum.
    let store = shotsink::store_from_url("s3://captures", url_options(&server)).unwrap();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .build()
        .unwrap();
    let (put, _) = deliver_both(&server, store.as_ref(), &sink, "Http").await;
    let signed = put.header("x-amz-content-sha256").unwrap_or_default();
    assert_eq!(signed.len(), 64, "{signed}");
    assert_eq!(put.header("x-amz-checksum-crc64nvme"), None);

    // Set explicitly, unsigned payloads with CRC64NVME are used as set, and
    // the server verifies the checksum of what it stores.
    let mut options = url_options(&server);
    options.push(("aws_unsigned_payload", "true".into()));
    options.push(("aws_checksum_algorithm", "crc64nvme".into()));
    let store = shotsink::store_from_url("s3://captures", options).unwrap();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .build()
        .unwrap();
    let (put, create) = deliver_both(&server, store.as_ref(), &sink, "Crc").await;
    assert_eq!(put.header("x-amz-content-sha256"), Some("UNSIGNED-PAYLOAD"));
    assert!(put.header("x-amz-checksum-crc64nvme").is_some());
    assert_eq!(create.header("x-amz-checksum-algorithm"), Some("CRC64NVME"));
    let part = server.seen("PUT", "CrcLarge.pdf?partNumber");
    assert!(
        part.iter()
            .all(|p| p.header("x-amz-checksum-crc64nvme").is_some())
    );
}

#[tokio::test]
async fn an_upload_corrupted_on_its_way_fails_the_servers_checksum_and_nothing_is_stored() {
    let server = S3Server::start().await;
    let store: Arc<dyn ObjectStore> = Arc::new(
        shotsink::s3::Integrity::Crc64Nvme
            .apply(server.builder())
            .build()
            .unwrap(),
    );
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .build()
        .unwrap();
    server
        .corrupt
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let response = sink
        .service()
        .oneshot(chunked(&callback("Bent", "png", fixture("capture.png"))))
        .await
        .unwrap();
    // The server refused it (BadDigest), so the sender is told to retry.
    // (s3s-fs checks the checksum after writing the file and leaves it in
    // place; S3 keeps nothing of a refused put, so nothing is asserted of
    // the store here.)
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let put = server.seen("PUT", "Bent.png");
    assert_eq!(
        put[0].header("x-amz-content-sha256"),
        Some("UNSIGNED-PAYLOAD")
    );
    assert!(put[0].header("x-amz-checksum-crc64nvme").is_some());
    // The same upload, uncorrupted, lands.
    server
        .corrupt
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let data = fixture("capture.png");
    let response = sink
        .service()
        .oneshot(chunked(&callback("Bent", "png", data.clone())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Bent", "png")).await,
        data
    );
}

#[test]
fn storage_options_a_store_would_refuse_fail_the_build() {
    let build = |b: shotsink::CaptureSinkBuilder| b.secret(SECRET).build().err();
    let sink = || CaptureSink::builder(memory());
    let tag = |key: &str| match build(sink().tag(key, "v")) {
        Some(ConfigError::InvalidTag { key, .. }) => Some(key),
        _ => None,
    };
    assert_eq!(tag(""), Some(String::new()));
    assert_eq!(tag("aws:owner"), Some("aws:owner".into()));
    assert_eq!(tag("a\nb"), Some("a\nb".into()));
    assert_eq!(tag(&"k".repeat(129)), Some("k".repeat(129)));
    assert_eq!(tag("fine key"), None);
    let eleven = (0..11).fold(sink(), |b, i| b.tag(&format!("t{i}"), "v"));
    assert!(matches!(
        build(eleven),
        Some(ConfigError::InvalidTag { .. })
    ));
    let nine = (0..9).fold(sink(), |b, i| b.tag(&format!("t{i}"), "v"));
    assert!(matches!(
        build(nine.capture_tags(true)),
        Some(ConfigError::InvalidTag { .. })
    ));
    let clash = sink().tag("token", "x").capture_tags(true);
    assert!(matches!(build(clash), Some(ConfigError::InvalidTag { key, .. }) if key == "token"));
    for class in ["", "STANDARD IA", "COLD\r\n"] {
        let refused = build(sink().storage_class(class));
        assert!(
            matches!(
                refused,
                Some(ConfigError::InvalidSetting {
                    setting: "storage_class",
                    ..
                })
            ),
            "{class:?}"
        );
    }
    assert!(build(sink().storage_class("GLACIER_IR")).is_none());
}
