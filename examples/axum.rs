//! Receives capture callbacks on `POST /callback` and stores them.
//!
//! Run with `cargo run --example axum`: it listens on 127.0.0.1:3000 and
//! stores into `./captures`; with no `SHOTSINK_SECRET` set it generates a
//! secret and prints a `curl` command that sends a sample capture. See
//! `examples/common/mod.rs` for the environment variables (store URL,
//! address, secret).
//!
//! Two routes show the two forms: `/callback` is the sink as the endpoint;
//! `/callback/recorded` puts the sink in front of a handler that receives
//! the outcome (to record the capture in a database, say).

#[path = "common/mod.rs"]
pub mod common;

use std::sync::{Arc, Mutex};

use axum::routing::{get, post};
use axum::{Extension, Router};
use shotsink::{CaptureSink, Outcome};

use common::BoxError;

/// What the handler recorded, in place of a database.
pub type Recorded = Arc<Mutex<Vec<String>>>;

/// The app: both forms, and `GET /recorded` listing what the handler saw.
pub fn app(sink: CaptureSink, recorded: Recorded) -> Router {
    Router::new()
        .route_service("/callback", sink.service())
        .route(
            "/callback/recorded",
            post(record_capture).layer(sink.layer()),
        )
        .route("/recorded", get(list_recorded))
        .layer(Extension(recorded))
}

/// Runs after the sink, with its outcome.
async fn record_capture(
    Extension(outcome): Extension<Outcome>,
    Extension(recorded): Extension<Recorded>,
) -> String {
    let line = match &outcome {
        Outcome::Stored(c) => format!(
            "{} {} {} {}",
            c.token,
            c.key,
            c.size,
            c.sha256.as_deref().unwrap_or("-")
        ),
        other => format!(
            "{} {}",
            other.token().unwrap_or("-"),
            other.message().trim()
        ),
    };
    recorded
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(line.clone());
    format!("recorded {line}\n")
}

async fn list_recorded(Extension(recorded): Extension<Recorded>) -> String {
    recorded
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .join("\n")
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    common::main_with(|sink| app(sink, Recorded::default())).await
}
