//! The sink's configuration: what `build` refuses, what `Debug` hides, and
//! settings whose calls combine whatever their order.

use http::StatusCode;
use object_store::{Attribute, ObjectStoreExt};
use sha2::{Digest, Sha256};
use shotsink::{CaptureSink, CaptureSinkBuilder, ConfigError, Outcome};
use tower::ServiceExt;

use crate::common::*;

#[test]
fn a_sink_without_a_secret_or_with_an_empty_one_is_refused_at_build() {
    let store = memory();
    assert!(matches!(
        CaptureSink::builder(store.clone()).build(),
        Err(ConfigError::NoSecret)
    ));
    assert!(matches!(
        CaptureSink::builder(store.clone())
            .secret("")
            .secret("ok")
            .build(),
        Err(ConfigError::EmptySecret)
    ));
    assert!(matches!(
        CaptureSink::builder(store.clone())
            .secret("ok")
            .part_size(0)
            .build(),
        Err(ConfigError::InvalidLimit {
            name: "part_size",
            ..
        })
    ));
    assert!(matches!(
        CaptureSink::builder(store)
            .secret("ok")
            .key_prefix("a/../b")
            .build(),
        Err(ConfigError::InvalidPrefix {
            setting: "key_prefix",
            ..
        })
    ));
}

#[test]
fn a_staging_prefix_that_is_empty_or_no_path_is_refused_at_build() {
    let build = |prefix: &str| {
        CaptureSink::builder(memory())
            .secret("ok")
            .staging_prefix(prefix)
            .build()
    };
    assert!(matches!(
        build(""),
        Err(ConfigError::InvalidPrefix {
            setting: "staging_prefix",
            source: None,
            ..
        })
    ));
    assert!(matches!(
        build("a/../b"),
        Err(ConfigError::InvalidPrefix {
            setting: "staging_prefix",
            source: Some(_),
            ref prefix,
            ..
        }) if prefix == "a/../b"
    ));
    assert!(build("incoming/staged").is_ok());
}

#[test]
fn the_sink_debug_output_does_not_reveal_its_secrets() {
    let sink = CaptureSink::builder(memory())
        .secret("hunter2-hunter2")
        .build()
        .unwrap();
    let shown = format!("{sink:?}");
    assert!(shown.contains("Secret(<redacted>)"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[tokio::test]
async fn metadata_implies_the_digest_whatever_the_order_of_the_calls() {
    let data = fixture("capture.png");
    let digest: String = Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    type Configure = fn(CaptureSinkBuilder) -> CaptureSinkBuilder;
    // What each configuration gives: the outcome's digest, and the digest
    // stored as metadata.
    let cases: [(&str, Configure, bool, bool); 6] = [
        (
            "metadata, then no digest",
            |b| b.metadata(true).sha256(false),
            true,
            true,
        ),
        (
            "no digest, then metadata",
            |b| b.sha256(false).metadata(true),
            true,
            true,
        ),
        ("metadata alone", |b| b.metadata(true), true, true),
        ("the digest alone", |b| b.sha256(true), true, false),
        ("neither", |b| b, false, false),
        (
            "metadata turned off again",
            |b| b.metadata(true).metadata(false),
            false,
            false,
        ),
    ];
    for (what, configure, digested, in_metadata) in cases {
        let store = memory();
        let sink = configure(CaptureSink::builder(store.clone()).secret(SECRET))
            .build()
            .unwrap();
        let response = sink
            .service()
            .oneshot(request(&callback("Digest", "png", data.clone())))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{what}");
        let sha256 = match response.extensions().get::<Outcome>() {
            Some(Outcome::Stored(stored)) => stored.sha256.clone(),
            other => panic!("{what}: expected a stored capture, got {other:?}"),
        };
        assert_eq!(sha256, digested.then(|| digest.clone()), "{what}");
        let attributes = store
            .get(&key_today("Digest", "png"))
            .await
            .unwrap()
            .attributes;
        assert_eq!(
            attributes
                .get(&Attribute::Metadata("sha256".into()))
                .map(|v| v.to_string()),
            in_metadata.then(|| digest.clone()),
            "{what}"
        );
    }
}
