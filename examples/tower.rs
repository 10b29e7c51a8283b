//! The sink composed with tower-http layers in a `tower::ServiceBuilder`:
//! request tracing, a concurrency limit and a request body timeout, served
//! by axum.
//!
//! Run with `cargo run --example tower`; see `examples/common/mod.rs` for
//! the environment.

#[path = "common/mod.rs"]
pub mod common;

use std::time::Duration;

use axum::Router;
use shotsink::CaptureSink;
use tower::ServiceBuilder;
use tower::limit::ConcurrencyLimitLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use common::BoxError;

/// The app: at most `max_in_flight` callbacks received at once (the rest
/// wait in the accept queue), each body given at most two minutes in all.
pub fn app(sink: CaptureSink, max_in_flight: usize) -> Router {
    let service = ServiceBuilder::new()
        .layer(TraceLayer::new_for_http())
        .layer(ConcurrencyLimitLayer::new(max_in_flight))
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(120)))
        .service(sink.service());
    Router::new().route_service("/callback", service)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    common::main_with(|sink| app(sink, 256)).await
}
