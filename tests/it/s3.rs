//! Against a real S3 protocol server in process (`s3s` + `s3s-fs` on a
//! loopback port), through `object_store`'s real S3 client.

use http::StatusCode;
use object_store::{Attribute, ObjectStoreExt};
use shotsink::CaptureSink;
use tower::ServiceExt;

use crate::common::*;

#[tokio::test]
async fn every_fixture_format_is_stored_in_the_bucket_with_its_content_type() {
    let server = S3Server::start().await;
    let store = server.store();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .build()
        .unwrap();
    for (name, format, ext, content_type) in FIXTURES {
        let data = fixture(name);
        let token = format!("S3{ext}");
        let response = sink
            .service()
            .oneshot(request(&callback_file_first(&token, format, data.clone())))
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{name}: {}",
            body_text(response).await
        );
        let got = store.get(&key_today(&token, ext)).await.unwrap();
        assert_eq!(
            got.attributes
                .get(&Attribute::ContentType)
                .map(|v| v.as_ref()),
            Some(content_type),
            "{name}"
        );
        assert_eq!(got.bytes().await.unwrap(), data, "{name}");
    }
}

#[tokio::test]
async fn a_file_larger_than_the_part_size_goes_up_as_a_multipart_upload() {
    let server = S3Server::start().await;
    let store = server.store();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .part_size(5 * MIB as u64)
        .build()
        .unwrap();
    let data = large_pdf(12 * MIB + 3);
    let response = sink
        .service()
        .oneshot(chunked(&callback("Multi", "pdf", data.clone())))
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        body_text(response).await
    );
    let got = store.get(&key_today("Multi", "pdf")).await.unwrap();
    assert_eq!(
        got.attributes
            .get(&Attribute::ContentType)
            .map(|v| v.as_ref()),
        Some("application/pdf")
    );
    // S3 marks multipart objects with an ETag of the form "<md5>-<parts>".
    assert!(
        got.meta.e_tag.as_deref().unwrap_or("").contains("-3"),
        "{:?}",
        got.meta.e_tag
    );
    assert_eq!(got.bytes().await.unwrap(), data);
    assert!(server.upload_leftovers().is_empty());
}

#[tokio::test]
async fn a_body_cut_off_mid_file_aborts_the_multipart_upload_and_leaves_nothing() {
    let server = S3Server::start().await;
    let store = server.store();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .part_size(5 * MIB as u64)
        .build()
        .unwrap();
    let sent = callback("Cut", "pdf", large_pdf(12 * MIB));
    // Past the first two parts, so the upload exists with parts in it.
    let response = sink
        .service()
        .oneshot(cut_at(&sent, 11 * MIB))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(all_keys(store.as_ref()).await.is_empty());
    assert_eq!(server.upload_leftovers(), Vec::<String>::new());
}

#[tokio::test]
async fn a_wrong_format_on_the_multipart_path_aborts_the_upload() {
    let server = S3Server::start().await;
    let store = server.store();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .part_size(5 * MIB as u64)
        .build()
        .unwrap();
    // The declaration arrives after 12 MiB of PDF were streamed: the upload
    // was under way and must be thrown away.
    let late = callback("Late", "png", large_pdf(12 * MIB)).move_to_end("format");
    let response = sink.service().oneshot(chunked(&late)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(all_keys(store.as_ref()).await.is_empty());
    assert!(server.upload_leftovers().is_empty());
}

#[tokio::test]
async fn the_custom_endpoint_preset_reaches_an_s3_compatible_server() {
    let server = S3Server::start().await;
    let store: std::sync::Arc<dyn object_store::ObjectStore> = std::sync::Arc::new(
        shotsink::s3::S3Provider::Custom {
            endpoint: format!("http://{}", server.addr),
            region: "us-east-1".into(),
        }
        .builder(S3_BUCKET)
        .with_access_key_id("test-access")
        .with_secret_access_key("test-secret-key")
        .build()
        .unwrap(),
    );
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .build()
        .unwrap();
    let data = fixture("capture.jpg");
    let response = sink
        .service()
        .oneshot(request(&callback("Preset", "jpg", data.clone())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Preset", "jpg")).await,
        data
    );
}

#[tokio::test]
async fn a_canned_acl_reaches_the_server_on_the_single_put_and_the_multipart_path() {
    let server = S3Server::start().await;
    let store: std::sync::Arc<dyn object_store::ObjectStore> = std::sync::Arc::new(
        server
            .builder()
            // The options replace the builder's: plain HTTP is allowed again.
            .with_client_options(
                shotsink::s3::canned_acl("public-read")
                    .unwrap()
                    .with_allow_http(true),
            )
            .build()
            .unwrap(),
    );
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .part_size(5 * MIB as u64)
        .build()
        .unwrap();
    for (token, data) in [
        ("AclSmall", fixture("capture.pdf")),
        ("AclLarge", large_pdf(11 * MIB)),
    ] {
        let response = sink
            .service()
            .oneshot(chunked(&callback(token, "pdf", data.clone())))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{token}");
        assert_eq!(
            stored_bytes(store.as_ref(), &key_today(token, "pdf")).await,
            data
        );
    }
    let seen = server.requests.lock().unwrap().clone();
    let small_put = seen
        .iter()
        .find(|r| r.method == "PUT" && r.uri.contains("AclSmall") && !r.uri.contains("partNumber"))
        .expect("the single put");
    assert_eq!(small_put.acl.as_deref(), Some("public-read"));
    let create = seen
        .iter()
        .find(|r| r.method == "POST" && r.uri.contains("AclLarge") && r.uri.contains("uploads"))
        .expect("the multipart upload's creation");
    assert_eq!(create.acl.as_deref(), Some("public-read"));
}

#[test]
fn a_canned_acl_that_is_no_header_value_is_refused() {
    assert!(matches!(
        shotsink::s3::canned_acl("public-read\r\nx-evil: 1"),
        Err(shotsink::StoreUrlError::InvalidAcl { acl, .. }) if acl == "public-read\r\nx-evil: 1"
    ));
}
