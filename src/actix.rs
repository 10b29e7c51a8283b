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
//! use shotsink::object_store::{ObjectStore, memory::InMemory};
//!
//! # fn main() -> std::io::Result<()> {
//! let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
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
//! [`receive`] in your own handler and build the response from the
//! [`Outcome`].

use actix_web::http::ConnectionType;
use actix_web::web::{self, Payload};
use actix_web::{HttpRequest, HttpResponse, Route};
use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::pipeline::Received;
use crate::{BoxError, CaptureSink, Outcome, Rejection, RejectionKind};

/// A route that answers capture callbacks, for
/// `App::route("/callback", shotsink::actix::route(sink))`.
pub fn route(sink: CaptureSink) -> Route {
    web::route().to(move |req: HttpRequest, payload: Payload| {
        let sink = sink.clone();
        async move {
            if req.method() != actix_web::http::Method::POST {
                return respond(&Outcome::Rejected(Rejection::new(
                    RejectionKind::MethodNotAllowed,
                    "capture callbacks are sent with POST",
                )));
            }
            let received = receive_inner(&sink, &req, payload).await;
            let mut response = respond(&received.outcome);
            // A callback that waited for the memory budget: the sink is
            // saturated; release the connection rather than keep it idle.
            if received.saturated || received.close {
                response
                    .head_mut()
                    .set_connection_type(ConnectionType::Close);
            }
            response
        }
    })
}

/// Receives one callback from an actix-web request.
pub async fn receive(sink: &CaptureSink, req: &HttpRequest, payload: Payload) -> Outcome {
    receive_inner(sink, req, payload).await.outcome
}

async fn receive_inner(sink: &CaptureSink, req: &HttpRequest, mut payload: Payload) -> Received {
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
    sink.receive_inner(&headers, body).await
}

/// The plain-text answer for an outcome, as the tower service gives it.
pub fn respond(outcome: &Outcome) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(outcome.status().as_u16())
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    response.content_type("text/plain; charset=utf-8");
    match outcome {
        Outcome::Rejected(r) if r.kind() == RejectionKind::MethodNotAllowed => {
            response.insert_header(("allow", "POST"));
        }
        Outcome::Rejected(r) if r.kind() == RejectionKind::Overloaded => {
            response.insert_header(("retry-after", crate::service::RETRY_AFTER));
        }
        _ => {}
    }
    response.body(outcome.message())
}
