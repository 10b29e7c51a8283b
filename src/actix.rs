//! An actix-web 4 adapter (cargo feature `actix`).
//!
//! actix-web is not tower-based and its payload is `!Send`, while the
//! pipeline reads a `Send` stream: the payload is forwarded, chunk by chunk,
//! through a channel of one slot by a task on the worker's local set, so
//! backpressure reaches the client as it does with hyper.
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use actix_web::{App, HttpServer};
//! use shotsink::CaptureSink;
//! use shotsink::object_store::memory::InMemory;
//!
//! # fn main() -> std::io::Result<()> {
//! let store = Arc::new(InMemory::new());
//! let sink = CaptureSink::builder(store).secret("your_secret_here").build().unwrap();
//!
//! actix_web::rt::System::new().block_on(
//!     HttpServer::new(move || App::new().route("/callback", shotsink::actix::route(sink.clone())))
//!         .bind(("127.0.0.1", 3000))?
//!         .run(),
//! )
//! # }
//! ```
//!
//! To shape the answer yourself (record the capture first, say), call
//! [`receive`] in your own handler, act on [`Received::result`], and answer
//! with [`respond`] or a response of your own (closing the connection when
//! [`Received::close_connection`] says so).

use actix_web::web::{self, Payload};
use actix_web::{HttpRequest, HttpResponse, Route};
use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::StreamExt;
use http::{HeaderMap, HeaderName, HeaderValue};
use http_body_util::BodyExt;

use crate::{BoxError, CaptureSink, Outcome, Received, Rejection, answer::response};

/// A route that answers capture callbacks, for
/// `App::route("/callback", shotsink::actix::route(sink))`.
pub fn route(sink: CaptureSink) -> Route {
    web::route().to(move |req: HttpRequest, payload: Payload| {
        let sink = sink.clone();
        async move {
            let received = match response::check_method(req.method().as_str()) {
                Ok(()) => receive(&sink, &req, payload).await,
                Err(rejection) => Received::refused(rejection),
            };
            respond(received)
        }
    })
}

/// Receives one callback from an actix-web request.
pub async fn receive(sink: &CaptureSink, req: &HttpRequest, mut payload: Payload) -> Received {
    let mut headers = HeaderMap::new();
    for (name, value) in req.headers() {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_str().as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, BoxError>>(1);
    actix_web::rt::spawn(async move {
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| BoxError::from(e.to_string()));
            if tx.send(chunk).await.is_err() {
                break;
            }
        }
    });
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    sink.receive(&headers, body).await
}

/// The sink's answer for a received callback, as the tower service gives
/// it ([`Received::into_response`]), in actix-web's types: the outcome or
/// the rejection is in the response extensions.
pub fn respond(received: Received) -> HttpResponse {
    let close = received.close_connection();
    let (mut parts, body) = received.into_response().into_parts();
    let status = actix_web::http::StatusCode::from_u16(parts.status.as_u16())
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for (name, value) in &parts.headers {
        if name != http::header::CONNECTION {
            response.append_header((name.as_str(), value.as_bytes()));
        }
    }
    if close {
        response.force_close();
    }
    // A `Full` body is whole already: collecting it never waits.
    let body = body
        .collect()
        .now_or_never()
        .and_then(Result::ok)
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    let mut response = response.body(body);
    // For middleware wrapped around the route, as with tower.
    if let Some(outcome) = parts.extensions.remove::<Outcome>() {
        response.extensions_mut().insert(outcome);
    }
    if let Some(rejection) = parts.extensions.remove::<Rejection>() {
        response.extensions_mut().insert(rejection);
    }
    response
}
