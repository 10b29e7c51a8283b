//! The whole loop, client to capture service to sink to store, on one
//! machine; and the client's errors.
#![cfg(all(feature = "client", feature = "test-util"))]

#[path = "../../examples/roundtrip.rs"]
#[allow(dead_code)]
mod example;

use std::time::Duration;

use object_store::{Attribute, ObjectStoreExt};
use shotsink::Format;
use shotsink::client::{CallbackSecret, CaptureClient, ClientError, Plan};
use shotsink::testing::LocalCaptureService;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_500_lands_every_capture_and_acknowledges_every_failed_render() {
    let store = memory();
    let summary = example::run(store.clone(), 500).await.unwrap();
    assert_eq!(summary.queued, 500);
    assert_eq!(summary.deliveries.len(), 500);

    let (rendered, failed): (Vec<_>, Vec<_>) = summary.deliveries.iter().partition(|d| d.rendered);
    assert_eq!((rendered.len(), failed.len()), (450, 50));
    for delivery in &summary.deliveries {
        assert_eq!(delivery.status, Some(200), "{}", delivery.token);
    }
    let keys = all_keys(store.as_ref()).await;
    assert_eq!(keys.len(), 450, "only rendered captures are stored");
    for delivery in rendered {
        let key = key_today(&delivery.token, "webp");
        let got = store.get(&key).await.unwrap();
        assert_eq!(
            got.attributes
                .get(&Attribute::ContentType)
                .map(|v| v.as_ref()),
            Some("image/webp")
        );
        assert_eq!(Some(got.bytes().await.unwrap()), delivery.file);
    }
    for delivery in failed {
        assert!(
            !keys.iter().any(|k| k.contains(&delivery.token)),
            "{}",
            delivery.token
        );
    }
}

fn client(base_url: String, plan: Plan) -> CaptureClient {
    CaptureClient::builder("k")
        .base_url(base_url)
        .callback_url("http://127.0.0.1:9/callback")
        .callback_secret(CallbackSecret::Shared("s".into()))
        .plan(plan)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_batch_over_the_plan_is_refused_before_sending_and_capture_all_splits_it() {
    let service = LocalCaptureService::builder()
        .batch_limit(500)
        .start()
        .await
        .unwrap();
    let free = client(service.base_url(), Plan::Free);
    let urls: Vec<String> = (0..501)
        .map(|i| format!("https://example.com/{i}"))
        .collect();
    match free.capture_batch(&urls, Format::Png).await {
        Err(ClientError::BatchTooLarge {
            jobs: 501,
            limit: 500,
        }) => {}
        other => panic!("expected BatchTooLarge, got {other:?}"),
    }
    let accepted = free.capture_all(&urls, Format::Png).await.unwrap();
    assert_eq!(
        accepted.iter().map(|a| a.queued).collect::<Vec<_>>(),
        vec![500, 1]
    );

    // A Pro client sends 501 at once; this service's plan refuses it, and
    // the API's own error comes back typed.
    let pro = client(service.base_url(), Plan::Pro);
    match pro.capture_batch(&urls, Format::Png).await {
        Err(ClientError::Api {
            status: 400,
            message,
        }) => {
            assert_eq!(message, "a batch holds at most 500 jobs, got 501")
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    service.wait_idle(Duration::from_secs(30)).await.unwrap();
}

#[tokio::test]
async fn api_and_transport_errors_are_typed_and_the_key_is_never_shown() {
    let service = LocalCaptureService::builder().start().await.unwrap();
    let keyless = CaptureClient::builder("")
        .base_url(service.base_url())
        .callback_url("http://127.0.0.1:9/callback")
        .callback_secret(CallbackSecret::Shared("s".into()))
        .build()
        .unwrap();
    match keyless.capture("https://example.com", Format::Jpeg).await {
        Err(ClientError::Api {
            status: 401,
            message,
        }) => assert_eq!(message, "missing key"),
        other => panic!("expected 401, got {other:?}"),
    }

    let accepted = client(service.base_url(), Plan::Free)
        .capture("https://example.com", Format::Jpeg)
        .await
        .unwrap();
    assert_eq!(accepted.token.as_deref().map(str::len), Some(32));

    // Nothing listens on port 9 of loopback.
    let unreachable = client("http://127.0.0.1:9".into(), Plan::Free);
    assert!(matches!(
        unreachable
            .capture("https://example.com", Format::Jpeg)
            .await,
        Err(ClientError::Transport { .. })
    ));

    let secret_client = CaptureClient::builder("live_api_key_123")
        .callback_url("http://127.0.0.1:9/callback")
        .callback_secret(CallbackSecret::Shared("callback-secret-456".into()))
        .build()
        .unwrap();
    let shown = format!("{secret_client:?}");
    assert!(
        !shown.contains("live_api_key_123") && !shown.contains("callback-secret-456"),
        "{shown}"
    );
    service.wait_idle(Duration::from_secs(30)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_that_delivers_twice_in_any_field_order_stores_each_capture_once() {
    use std::sync::Arc;

    use shotsink::{CaptureSink, OnExisting};

    let store = memory();
    let sink = CaptureSink::builder(store.clone())
        .secret("twice")
        .on_existing(OnExisting::KeepFirst)
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route_service("/callback", sink.service());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let service = LocalCaptureService::builder()
        .deliver_twice(true)
        .reorder_fields(true)
        .file_size(20_000)
        .start()
        .await
        .unwrap();
    let client = CaptureClient::builder("k")
        .base_url(service.base_url())
        .callback_url(format!("http://{addr}/callback"))
        .callback_secret(CallbackSecret::Shared("twice".into()))
        .build()
        .unwrap();
    let urls: Vec<String> = (0..30)
        .map(|i| format!("https://example.com/{i}"))
        .collect();
    client.capture_batch(&urls, Format::Avif).await.unwrap();
    service.wait_idle(Duration::from_secs(60)).await.unwrap();

    let deliveries = service.deliveries();
    assert_eq!(deliveries.len(), 60);
    assert!(deliveries.iter().all(|d| d.status == Some(200)));
    let keys = all_keys(store.as_ref()).await;
    assert_eq!(keys.len(), 30);
    let store: Arc<dyn object_store::ObjectStore> = store;
    for d in deliveries.iter().filter(|d| d.attempt == 1) {
        let stored = stored_bytes(store.as_ref(), &key_today(&d.token, "avif")).await;
        assert_eq!(stored.len(), 20_000);
        assert_eq!(Some(stored), d.file);
    }
}
