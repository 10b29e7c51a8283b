//! The storage options and links on moto's S3 server, a second S3
//! implementation: what moto keeps (storage class, encryption, tags) is
//! read back from it, and a presigned link downloads the exact bytes. moto
//! verifies no checksum and checks no signature (a presigned link's
//! refusal without its signature is proved on the in-process server).

use std::time::Duration;

use http::StatusCode;
use object_store::signer::{Method, SignedUrlOptions, Signer};
use shotsink::CaptureSink;
use tower::ServiceExt;

use super::links::download;
use crate::common::*;

#[tokio::test]
async fn storage_options_and_presigned_links_work_on_moto() {
    let Some(moto) = Moto::from_env("the moto storage-option tests") else {
        return;
    };
    let (location, mut options) = moto.url();
    options.extend([
        ("aws_server_side_encryption", "AES256".to_owned()),
        ("aws_unsigned_payload", "true".into()),
        ("aws_checksum_algorithm", "crc64nvme".into()),
    ]);
    let store = shotsink::store_from_url(&location, options.clone()).unwrap();
    let presigner =
        shotsink::presigner_from_url(&location, options, Duration::from_secs(600)).unwrap();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .part_size(5 * MIB as u64)
        .storage_class("STANDARD_IA")
        .tag("project", "shots")
        .capture_tags(true)
        .presigned_urls(presigner)
        .build()
        .unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let s3 = moto.s3();
    for (token, data) in [
        ("MotoSmall", fixture("capture.pdf")),
        ("MotoLarge", large_pdf(11 * MIB)),
    ] {
        let response = sink
            .service()
            .oneshot(chunked(&callback(token, "pdf", data.clone())))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{token}");
        let Some(shotsink::Outcome::Stored(stored)) =
            response.extensions().get::<shotsink::Outcome>().cloned()
        else {
            panic!("{token}: not stored");
        };
        let url = stored.url.expect("a presigned URL");
        assert_eq!(download(&url).await, (StatusCode::OK, data), "{token}");

        // moto refuses anonymous reads: signed URLs read back what it kept.
        let path = moto.path(stored.key.as_ref());
        let minute = Duration::from_secs(60);
        let head_url = s3.signed_url(Method::HEAD, &path, minute).await.unwrap();
        let head = client.head(head_url).send().await.unwrap();
        assert!(head.status().is_success(), "{token}: {head:?}");
        let header = |name: &str| {
            let value = head.headers().get(name).and_then(|v| v.to_str().ok());
            value.map(str::to_owned)
        };
        assert_eq!(
            header("x-amz-storage-class").as_deref(),
            Some("STANDARD_IA"),
            "{token}"
        );
        assert_eq!(
            header("x-amz-server-side-encryption").as_deref(),
            Some("AES256"),
            "{token}"
        );
        let query = SignedUrlOptions::new().with_query([("tagging", "")]);
        let tags_url = s3.signed_url_opts(Method::GET, &path, minute, &query);
        let tagging = client.get(tags_url.await.unwrap()).send().await.unwrap();
        let xml = tagging.text().await.unwrap();
        for (key, value) in [("project", "shots"), ("token", token), ("format", "pdf")] {
            let pair = format!("<Key>{key}</Key><Value>{value}</Value>");
            assert!(
                xml.replace(['\n', ' '], "").contains(&pair),
                "{token}: {xml}"
            );
        }
    }
    assert!(moto.upload_leftovers().is_empty());
}
