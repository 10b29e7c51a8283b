//! Per-capture secrets: looked up by token, or minted and verified
//! statelessly.
//!
//! Secrets looked up by token are tested here; minted ones in `minted`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use http::StatusCode;
use shotsink::{BoxError, CaptureSink, Secret};
use tower::ServiceExt;

use crate::common::*;

mod minted;

/// A resolver over a fixed table, failing for the token `Broken`, and
/// counting its lookups.
fn table_sink(
    store: &Arc<dyn object_store::ObjectStore>,
    lookups: Arc<AtomicUsize>,
) -> CaptureSink {
    CaptureSink::builder(store.clone())
        .secret_resolver(move |token: String| {
            let lookups = lookups.clone();
            async move {
                lookups.fetch_add(1, Ordering::SeqCst);
                match token.as_str() {
                    "Broken" => Err::<_, BoxError>("database unreachable".into()),
                    "Alpha" => Ok(Some(Secret::new("alpha-secret")?)),
                    "Beta" => Ok(Some(Secret::new("beta-secret")?)),
                    _ => Ok(None),
                }
            }
        })
        .build()
        .unwrap()
}

fn with_secret(token: &str, secret: &str, secret_last: bool) -> Callback {
    let sent = callback(token, "png", fixture("capture.png")).field("callback_secret", secret);
    if secret_last {
        // status, token, format, file... then the secret after the file.
        sent.move_to_end("callback_secret")
    } else {
        sent
    }
}

#[tokio::test]
async fn a_resolved_secret_admits_its_capture_only() {
    let store = memory();
    let lookups = Arc::new(AtomicUsize::new(0));
    let sink = table_sink(&store, lookups.clone());
    let cases = [
        ("Alpha", "alpha-secret", false, StatusCode::OK),
        ("Beta", "beta-secret", true, StatusCode::OK),
        ("Beta", "alpha-secret", false, StatusCode::FORBIDDEN),
        ("Alpha", "alpha-secre", false, StatusCode::FORBIDDEN),
        ("Unknown", "alpha-secret", false, StatusCode::FORBIDDEN),
        ("Broken", "anything", false, StatusCode::SERVICE_UNAVAILABLE),
        ("Broken", "anything", true, StatusCode::SERVICE_UNAVAILABLE),
    ];
    for (token, secret, secret_last, expected) in cases {
        let response = sink
            .service()
            .oneshot(request(&with_secret(token, secret, secret_last)))
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            expected,
            "{token} with {secret}, secret last: {secret_last}"
        );
    }
    assert_eq!(
        all_keys(store.as_ref()).await,
        vec![
            key_today("Alpha", "png").to_string(),
            key_today("Beta", "png").to_string()
        ]
    );
    assert_eq!(lookups.load(Ordering::SeqCst), cases.len());
}

#[tokio::test]
async fn a_static_secret_still_works_beside_a_resolver_and_skips_the_lookup() {
    let store = memory();
    let lookups = Arc::new(AtomicUsize::new(0));
    let counter = lookups.clone();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .secret_resolver(move |_token: String| {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, BoxError>(None) }
        })
        .build()
        .unwrap();
    let response = sink
        .service()
        .oneshot(request(&callback("Static", "png", fixture("capture.png"))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(lookups.load(Ordering::SeqCst), 0);
    assert_eq!(all_keys(store.as_ref()).await.len(), 1);
}

#[tokio::test]
async fn without_a_token_a_resolved_secret_cannot_be_checked_and_is_refused() {
    let store = memory();
    let sink = table_sink(&store, Arc::default());
    let no_token = with_secret("Alpha", "alpha-secret", false).without("token");
    let response = sink.service().oneshot(request(&no_token)).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(all_keys(store.as_ref()).await.is_empty());
}
