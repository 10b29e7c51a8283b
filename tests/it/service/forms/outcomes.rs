//! What each form does with an outcome: a render failure and a stored
//! capture handed to the middleware's handler, and the endpoint's response
//! carrying the outcome or the rejection in its extensions.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{Empty, Full};
use shotsink::capture::Capture;
use shotsink::{CaptureSink, Format, OnExisting, Outcome, Rejection, RejectionKind};
use tower::{ServiceExt, service_fn};

use crate::common::*;
use crate::service::sink;

#[tokio::test]
async fn a_render_failure_is_acknowledged_stored_nowhere_and_shown_to_the_handler() {
    let store = memory();
    let sink = sink(&store);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_in_handler = seen.clone();
    let handler = service_fn(move |req: Request<Empty<Bytes>>| {
        let seen = seen_in_handler.clone();
        async move {
            seen.lock()
                .unwrap()
                .push(req.extensions().get::<Outcome>().cloned());
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"recorded"))))
        }
    });
    let service = tower::Layer::layer(&sink.layer(), handler);

    // With a file (some senders attach one anyway) and without.
    let with_file = callback("Failed1", "png", fixture("capture.png")).field("status", "ERR");
    let without_file = with_file.clone().without("file").field("token", "Failed2");
    for sent in [with_file, without_file] {
        let response = service.clone().oneshot(request(&sent)).await.unwrap();
        let status = response.status();
        assert_eq!(
            (status, body_text(response).await.as_str()),
            (StatusCode::OK, "recorded")
        );
    }
    assert!(all_keys(store.as_ref()).await.is_empty());
    let seen = seen.lock().unwrap();
    let tokens: Vec<_> = seen
        .iter()
        .map(|o| match o {
            Some(Outcome::RenderFailed(f)) => (f.token.clone(), f.status.clone()),
            other => panic!("expected a render failure, got {other:?}"),
        })
        .collect();
    assert_eq!(
        tokens,
        vec![
            (Some("Failed1".to_owned()), "ERR".to_owned()),
            (Some("Failed2".to_owned()), "ERR".to_owned())
        ]
    );
}

#[tokio::test]
async fn in_middleware_form_the_handler_receives_the_stored_capture() {
    let store = memory();
    let sink = sink(&store);
    let handler = service_fn(|req: Request<Empty<Bytes>>| async move {
        let text = match req.extensions().get::<Outcome>() {
            Some(Outcome::Stored(s)) => {
                format!("{} {} {} {}", s.token, s.key, s.size, s.content_type())
            }
            other => format!("unexpected {other:?}"),
        };
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(text))))
    });
    let data = fixture("capture.webp");
    // Built by the sink's layer, and by `Capture::new` around the handler.
    let response = tower::Layer::layer(&sink.layer(), handler)
        .oneshot(request(&callback("Mw", "webp", data.clone())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        body_text(response).await,
        format!("Mw {} {} image/webp", key_today("Mw", "webp"), data.len())
    );
    let response = Capture::new(handler, sink.clone())
        .oneshot(request(&callback("MwNew", "webp", data.clone())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // The handler's response carries the outcome too, for outer layers.
    assert!(matches!(
        response.extensions().get::<Outcome>(),
        Some(Outcome::Stored(s)) if s.token == "MwNew"
    ));
    assert_eq!(
        body_text(response).await,
        format!(
            "MwNew {} {} image/webp",
            key_today("MwNew", "webp"),
            data.len()
        )
    );
}

#[tokio::test]
async fn in_endpoint_form_the_response_carries_the_outcome_or_the_rejection() {
    let store = memory();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .on_existing(OnExisting::KeepFirst)
        .build()
        .unwrap();
    let data = fixture("capture.png");
    let key = key_today("Ext", "png");

    // Stored.
    let response = sink
        .service()
        .oneshot(request(&callback("Ext", "png", data.clone())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.extensions().get::<Rejection>().is_none());
    let outcome = response.extensions().get::<Outcome>().cloned();
    match &outcome {
        Some(Outcome::Stored(s)) => {
            assert_eq!(s.key, key);
            assert_eq!(s.token, "Ext");
            assert_eq!(s.format, Format::Png);
            assert_eq!(s.size, data.len() as u64);
            assert_eq!(s.content_type(), "image/png");
        }
        other => panic!("expected a stored capture, got {other:?}"),
    }
    assert_eq!(
        body_text(response).await,
        format!("{}\n", outcome.as_ref().unwrap().summary())
    );

    // Already stored (the first is kept).
    let response = sink
        .service()
        .oneshot(request(&callback("Ext", "png", data.clone())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    match response.extensions().get::<Outcome>() {
        Some(Outcome::AlreadyStored(e)) => {
            assert_eq!(e.key, key);
            assert_eq!(e.token, "Ext");
            assert_eq!(e.format, Format::Png);
        }
        other => panic!("expected an existing capture, got {other:?}"),
    }
    assert!(response.extensions().get::<Rejection>().is_none());

    // A render failure.
    let failed = callback("ExtFailed", "png", data.clone())
        .field("status", "ERR")
        .without("file");
    let response = sink.service().oneshot(request(&failed)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    match response.extensions().get::<Outcome>() {
        Some(Outcome::RenderFailed(f)) => {
            assert_eq!(f.token.as_deref(), Some("ExtFailed"));
            assert_eq!(f.status, "ERR");
        }
        other => panic!("expected a render failure, got {other:?}"),
    }

    // A refused callback: the rejection, and no outcome.
    let response = sink
        .service()
        .oneshot(request(&wrong_secret_callback(data)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.extensions().get::<Outcome>().is_none());
    let rejection = response.extensions().get::<Rejection>().unwrap();
    assert_eq!(rejection.kind(), RejectionKind::Forbidden);
    assert_eq!(all_keys(store.as_ref()).await, vec![key.to_string()]);
}
