//! The app in the loop: an authorizer asked after the secret is proved and
//! before any byte of the file is stored; its refusal is the sender's 4xx,
//! its silence or failure a 503, its allowance may place the capture
//! under a prefix with metadata. A stranger never reaches it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::StatusCode;
use object_store::{Attribute, GetOptions, ObjectStore};
use shotsink::{Authorization, AuthorizeRequest, CaptureSink, CaptureSinkBuilder, Format};
use tower::ServiceExt;

use crate::common::*;

/// A sink on `store` whose authorizer answers `answer` and counts the
/// questions.
fn asking(
    store: Arc<dyn ObjectStore>,
    answer: impl Fn(&AuthorizeRequest) -> Result<Authorization, String> + Send + Sync + 'static,
) -> (CaptureSinkBuilder, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let count = asked.clone();
    let answer = Arc::new(answer);
    let builder =
        CaptureSink::builder(store)
            .secret(SECRET)
            .authorizer(move |request: AuthorizeRequest| {
                count.fetch_add(1, Ordering::SeqCst);
                let answer = answer.clone();
                async move { answer(&request).map_err(Into::into) }
            });
    (builder, asked)
}

async fn send(sink: &CaptureSink, callback: &Callback) -> (StatusCode, http::HeaderMap, String) {
    let response = sink.service().oneshot(request(callback)).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, body_text(response).await)
}

#[tokio::test]
async fn a_refusal_is_the_sender_s_4xx_with_the_app_s_reason_and_nothing_is_stored() {
    let store = memory();
    let (builder, asked) = asking(store.clone(), |request| {
        assert_eq!(request.format, Format::Png);
        Ok(Authorization::refuse(
            StatusCode::GONE,
            "capture cancelled\nby the customer",
        ))
    });
    let sink = builder.build().unwrap();
    let (status, _, text) = send(
        &sink,
        &callback("Cancelled1", "png", fixture("capture.png")),
    )
    .await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(
        text,
        "the app refused this capture: capture cancelledby the customer\n"
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert!(all_keys(store.as_ref()).await.is_empty());
}

#[tokio::test]
async fn a_refusal_with_a_status_that_is_not_a_4xx_is_a_403() {
    let store = memory();
    let (builder, _) = asking(store.clone(), |_| {
        Ok(Authorization::refuse(StatusCode::OK, ""))
    });
    let sink = builder.build().unwrap();
    let (status, _, text) = send(&sink, &callback("Odd1", "png", fixture("capture.png"))).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::FORBIDDEN, "the app refused this capture\n")
    );
    assert!(all_keys(store.as_ref()).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowance_places_the_capture_under_its_prefix_with_its_metadata() {
    let s3 = S3Server::start().await;
    let store = s3.store();
    let (builder, asked) = asking(store.clone(), |request| {
        Ok(Authorization::allow()
            .with_prefix(format!("tenant-{}", &request.token[..2]))
            .with_metadata("plan", "pro"))
    });
    let sink = builder.build().unwrap();
    for callback in [
        callback("T7shot", "png", fixture("capture.png")),
        // Held before its secret, then placed the same way.
        callback_file_first("T7held", "png", fixture("capture.png")),
    ] {
        let (status, _, text) = send(&sink, &callback).await;
        assert_eq!(status, StatusCode::OK, "{text}");
    }
    assert_eq!(asked.load(Ordering::SeqCst), 2);
    let mut keys = all_keys(store.as_ref()).await;
    keys.sort();
    let expected: Vec<String> = ["T7held", "T7shot"]
        .iter()
        .map(|t| format!("tenant-T7/{}", key_today(t, "png")))
        .collect();
    assert_eq!(keys, expected);
    let head = GetOptions {
        head: true,
        ..GetOptions::default()
    };
    let got = store
        .get_opts(&expected[1].as_str().into(), head)
        .await
        .unwrap();
    let plan = got.attributes.get(&Attribute::Metadata("plan".into()));
    assert_eq!(plan.map(|v| v.as_ref()), Some("pro"));
}

#[tokio::test]
async fn a_silent_a_failing_or_an_unusable_app_is_a_503_and_nothing_is_stored() {
    let store = memory();
    let silent = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .authorize_timeout(Duration::from_millis(200))
        .authorizer(|_: AuthorizeRequest| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(Authorization::allow())
        })
        .build()
        .unwrap();
    let (status, headers, text) =
        send(&silent, &callback("Silent1", "png", fixture("capture.png"))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers["retry-after"], "5");
    assert!(text.contains("did not answer in time"), "{text}");

    let (failing, _) = asking(store.clone(), |_| {
        Err("the app's database is down".to_owned())
    });
    let (status, _, text) = send(
        &failing.build().unwrap(),
        &callback("Failing1", "png", fixture("capture.png")),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(text.contains("could not be asked"), "{text}");

    for prefix in [
        "../escape",
        "a//b",
        ".shotsink/events",
        "sp ace",
        &"x".repeat(300),
    ] {
        let prefix = prefix.to_owned();
        let (unusable, _) = asking(store.clone(), move |_| {
            Ok(Authorization::allow().with_prefix(prefix.clone()))
        });
        let (status, _, _) = send(
            &unusable.build().unwrap(),
            &callback("Unusable1", "png", fixture("capture.png")),
        )
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }
    let (reserved, _) = asking(store.clone(), |_| {
        Ok(Authorization::allow().with_metadata("sha256", "forged"))
    });
    let (status, _, _) = send(
        &reserved.build().unwrap(),
        &callback("Reserved1", "png", fixture("capture.png")),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(all_keys(store.as_ref()).await.is_empty());
}

#[tokio::test]
async fn a_stranger_or_a_render_failure_never_reaches_the_app() {
    let store = memory();
    let (builder, asked) = asking(store.clone(), |_| Ok(Authorization::allow()));
    let sink = builder.build().unwrap();
    let (status, _, _) = send(&sink, &wrong_secret_callback(fixture("capture.pdf"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let stranger_first = callback_file_first("Stranger1", "png", fixture("capture.png"))
        .field("callback_secret", "nope");
    let (status, _, _) = send(&sink, &stranger_first).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let failed = callback("Failed1", "png", fixture("capture.png")).field("status", "ERR");
    let (status, _, _) = send(&sink, &failed).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(asked.load(Ordering::SeqCst), 0);
}

#[test]
fn a_zero_timeout_or_concurrency_is_refused() {
    let zero = CaptureSink::builder(memory())
        .secret(SECRET)
        .authorize_timeout(Duration::ZERO)
        .build();
    assert!(zero.unwrap_err().to_string().contains("authorize_timeout"));
    let none = CaptureSink::builder(memory())
        .secret(SECRET)
        .authorize_concurrency(0)
        .build();
    assert!(
        none.unwrap_err()
            .to_string()
            .contains("authorize_concurrency")
    );
}

#[tokio::test]
async fn a_held_file_refused_by_the_app_is_dropped_and_nothing_is_stored() {
    let store = memory();
    let (builder, asked) = asking(store.clone(), |_| {
        Ok(Authorization::refuse(
            StatusCode::NOT_FOUND,
            "unknown capture",
        ))
    });
    let sink = builder.build().unwrap();
    let held = callback_file_first("Held1", "png", fixture("capture.png"));
    let (status, _, text) = send(&sink, &held).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{text}");
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert!(all_keys(store.as_ref()).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staged_file_goes_under_the_app_s_prefix_or_is_aborted_when_refused() {
    let s3 = S3Server::start().await;
    let store = s3.store();
    let (builder, asked) = asking(store.clone(), |request| match request.token.as_str() {
        "StagedYes" => Ok(Authorization::allow().with_prefix("tenant-9")),
        _ => Ok(Authorization::refuse(StatusCode::FORBIDDEN, "")),
    });
    let sink = builder
        .part_size(5 * MIB as u64)
        .max_unverified_file_size(MIB as u64)
        .early_file(shotsink::EarlyFile::Stage)
        .build()
        .unwrap();
    for (token, expected) in [
        ("StagedYes", StatusCode::OK),
        ("StagedNo", StatusCode::FORBIDDEN),
    ] {
        let staged = callback_file_first(token, "pdf", large_pdf(12 * MIB));
        let response = sink.service().oneshot(chunked(&staged)).await.unwrap();
        assert_eq!(response.status(), expected, "{token}");
    }
    sink.background_done().await;
    assert_eq!(asked.load(Ordering::SeqCst), 2);
    assert_eq!(
        all_keys(store.as_ref()).await,
        vec![format!("tenant-9/{}", key_today("StagedYes", "pdf"))]
    );
    assert!(s3.upload_leftovers().is_empty());
}
