//! The two forms: the endpoint (`sink.service()`), which answers the
//! sender itself, and the middleware (`sink.layer()`, `Capture::new`),
//! which hands the outcome to the handler; what each puts in the
//! extensions, and a rejection answer replaced with `on_rejection`.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{Empty, Full};
use shotsink::capture::Capture;
use shotsink::{CaptureSink, Format, OnExisting, Outcome, Rejection, RejectionKind};
use tower::{ServiceExt, service_fn};

use super::sink;
use crate::common::*;

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
async fn a_rejection_is_answered_by_the_sink_and_never_reaches_the_handler() {
    let store = memory();
    let sink = sink(&store);
    let called = Arc::new(Mutex::new(0));
    let counter = called.clone();
    let handler = service_fn(move |_: Request<Empty<Bytes>>| {
        *counter.lock().unwrap() += 1;
        async { Ok::<_, Infallible>(Response::new(Full::new(Bytes::new()))) }
    });
    let wrong = callback("Nope", "png", fixture("capture.png")).field("callback_secret", "wrong");
    let response = tower::Layer::layer(&sink.layer(), handler)
        .oneshot(request(&wrong))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let rejection = response.extensions().get::<Rejection>().unwrap();
    assert_eq!(rejection.kind(), RejectionKind::Forbidden);
    assert!(response.extensions().get::<Outcome>().is_none());
    assert_eq!(*called.lock().unwrap(), 0);
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
        outcome.as_ref().unwrap().message()
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

#[tokio::test]
async fn on_rejection_chooses_the_answer_while_the_sink_keeps_the_rejection_and_connection_close() {
    let store = memory();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .max_body_size(1024 * 1024)
        .build()
        .unwrap();
    let answered = Arc::new(AtomicUsize::new(0));
    let counter = answered.clone();
    // A JSON answer; 401 instead of 403 for a wrong secret.
    let json = move |rejection: &Rejection| -> Response<Full<Bytes>> {
        counter.fetch_add(1, Ordering::SeqCst);
        let body = format!("{{\"error\":\"{}\"}}", rejection.reason());
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = match rejection.kind() {
            RejectionKind::Forbidden => StatusCode::UNAUTHORIZED,
            _ => rejection.status(),
        };
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    };
    let service = sink.service().on_rejection(json.clone());

    // A wrong secret: f's status and body, the rejection in the extensions.
    let response = service
        .clone()
        .oneshot(request(&wrong_secret_callback(fixture("capture.pdf"))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["content-type"], "application/json");
    let rejection = response.extensions().get::<Rejection>().cloned().unwrap();
    assert_eq!(rejection.kind(), RejectionKind::Forbidden);
    assert_eq!(
        body_text(response).await,
        format!("{{\"error\":\"{}\"}}", rejection.reason())
    );

    // A declared length over the limit from a client waiting for
    // `100 Continue`: refused unread, so the sink still closes the
    // connection, whatever f answered.
    let mut too_large = callback("Big", "pdf", large_pdf(2 * 1024 * 1024)).request("/callback");
    too_large
        .headers_mut()
        .insert("expect", HeaderValue::from_static("100-continue"));
    let response = service.clone().oneshot(too_large).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.headers()["connection"], "close");
    assert_eq!(response.headers()["content-type"], "application/json");
    let rejection = response.extensions().get::<Rejection>().unwrap();
    assert_eq!(rejection.kind(), RejectionKind::TooLarge);

    // An accepted callback is answered as ever; f is not asked.
    let response = service
        .clone()
        .oneshot(request(&callback("Fine", "png", fixture("capture.png"))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        body_text(response).await,
        format!("stored {}\n", key_today("Fine", "png"))
    );
    assert_eq!(answered.load(Ordering::SeqCst), 2);

    // The same in middleware form: the handler is never called.
    let called = Arc::new(AtomicUsize::new(0));
    let calls = called.clone();
    let handler = service_fn(move |_: Request<Empty<Bytes>>| {
        calls.fetch_add(1, Ordering::SeqCst);
        async { Ok::<_, Infallible>(Response::new(Full::new(Bytes::new()))) }
    });
    let response = tower::Layer::layer(&sink.layer().on_rejection(json), handler)
        .oneshot(request(&wrong_secret_callback(fixture("capture.pdf"))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response
            .extensions()
            .get::<Rejection>()
            .map(Rejection::kind),
        Some(RejectionKind::Forbidden)
    );
    assert_eq!(called.load(Ordering::SeqCst), 0);
    assert_eq!(answered.load(Ordering::SeqCst), 3);
    assert_eq!(
        all_keys(store.as_ref()).await,
        vec![key_today("Fine", "png").to_string()]
    );
}

#[test]
fn the_service_is_clone_send_and_sync_with_an_infallible_error() {
    fn assert_service<S>(_: &S)
    where
        S: tower::Service<Request<axum::body::Body>, Error = Infallible>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send,
    {
    }
    assert_service(&sink(&memory()).service());
}
