//! How each form answers a rejection: by the sink, never reaching the
//! handler, or with the answer `on_rejection` chooses, while the sink keeps
//! the rejection in the extensions and closes the connection where it must.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{Empty, Full};
use shotsink::{CaptureSink, Outcome, Rejection, RejectionKind};
use tower::{ServiceExt, service_fn};

use crate::common::*;
use crate::service::sink;

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
