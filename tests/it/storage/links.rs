//! Links to stored captures: a public URL under a configured base, and a
//! presigned URL that downloads the exact bytes from the real server,
//! through a prefix too.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use shotsink::{CaptureSink, ConfigError, Outcome, Presigner};
use tower::ServiceExt;

use super::url_options;
use crate::common::*;

/// Stores `data` through `sink` and returns the capture's URL.
async fn url_of(sink: &CaptureSink, token: &str, data: bytes::Bytes) -> String {
    let response = sink
        .service()
        .oneshot(chunked(&callback(token, "png", data)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    match response.extensions().get::<Outcome>() {
        Some(Outcome::Stored(stored)) => stored.url.clone().expect("a URL"),
        other => panic!("{token}: {other:?}"),
    }
}

/// The body of a plain GET, with its status.
pub(super) async fn download(url: &str) -> (StatusCode, bytes::Bytes) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let response = client.get(url).send().await.unwrap();
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    (status, response.bytes().await.unwrap())
}

#[tokio::test]
async fn a_public_link_is_the_base_followed_by_the_key() {
    let sink = CaptureSink::builder(memory())
        .secret(SECRET)
        .public_urls("https://cdn.example.com/shots")
        .build()
        .unwrap();
    let url = url_of(&sink, "Public", fixture("capture.png")).await;
    let key = key_today("Public", "png");
    assert_eq!(url, format!("https://cdn.example.com/shots/{key}"));
    // No link unless configured.
    let plain = CaptureSink::builder(memory())
        .secret(SECRET)
        .build()
        .unwrap();
    let response = plain
        .service()
        .oneshot(request(&callback("Plain", "png", fixture("capture.png"))))
        .await
        .unwrap();
    let Some(Outcome::Stored(stored)) = response.extensions().get::<Outcome>() else {
        panic!("not stored");
    };
    assert_eq!(stored.url, None);
}

#[tokio::test]
async fn a_presigned_link_downloads_the_exact_bytes_and_only_while_it_is_signed() {
    let server = S3Server::start().await;
    let s3 = Arc::new(server.builder().build().unwrap());
    let sink = CaptureSink::builder(s3.clone())
        .secret(SECRET)
        .presigned_urls(Presigner::new(s3, Duration::from_secs(600)))
        .build()
        .unwrap();
    let data = fixture("capture.png");
    let url = url_of(&sink, "Signed", data.clone()).await;
    assert!(url.contains("X-Amz-Signature="), "{url}");
    assert_eq!(download(&url).await, (StatusCode::OK, data));
    // The signature is what opens it: without it, the server refuses.
    let (unsigned, _) = url.split_once('?').unwrap();
    assert_eq!(download(unsigned).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_presigner_from_a_store_url_signs_under_the_urls_prefix() {
    let server = S3Server::start().await;
    let location = "s3://captures/tenant-a";
    let store = shotsink::store_from_url(location, url_options(&server)).unwrap();
    let presigner =
        shotsink::presigner_from_url(location, url_options(&server), Duration::from_secs(60))
            .unwrap();
    let sink = CaptureSink::builder(store)
        .secret(SECRET)
        .presigned_urls(presigner)
        .build()
        .unwrap();
    let data = fixture("capture.png");
    let url = url_of(&sink, "Tenant", data.clone()).await;
    assert!(url.contains("/captures/tenant-a/screenshots/"), "{url}");
    assert_eq!(download(&url).await, (StatusCode::OK, data));
}

#[test]
fn links_that_cannot_work_fail_the_build() {
    let build = |b: shotsink::CaptureSinkBuilder| b.secret(SECRET).build().err();
    for base in [
        "ftp://cdn.example.com/",
        "not a url",
        "https://cdn.example.com/?a=1",
    ] {
        let refused = build(CaptureSink::builder(memory()).public_urls(base));
        assert!(
            matches!(
                refused,
                Some(ConfigError::InvalidSetting {
                    setting: "public_urls",
                    ..
                })
            ),
            "{base}"
        );
    }
    let s3 = Arc::new(
        object_store::aws::AmazonS3Builder::new()
            .with_bucket_name("b")
            .with_region("us-east-1")
            .build()
            .unwrap(),
    );
    for expiry in [Duration::ZERO, Duration::from_secs(8 * 24 * 3600)] {
        let presigner = Presigner::new(s3.clone(), expiry);
        let refused = build(CaptureSink::builder(memory()).presigned_urls(presigner));
        assert!(
            matches!(refused, Some(ConfigError::InvalidLimit { .. })),
            "{expiry:?}"
        );
    }
    let memory_url = shotsink::presigner_from_url("memory://", [("", "")], Duration::from_secs(1));
    assert!(matches!(
        memory_url,
        Err(shotsink::StoreUrlError::InvalidLocation { .. })
    ));
}
