//! The routes: the callback (the sink in front of a handler that tells the
//! app what landed), `/healthz`, `/readyz` and `/metrics`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use object_store::ObjectStoreExt;
use object_store::path::Path;
use shotsink::{CaptureSink, Outcome};
use tokio::sync::Mutex;

use crate::client::Trusted;

/// How long `/readyz` waits for the store.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// What the routes share.
pub(crate) struct App {
    pub(crate) sink: CaptureSink,
    pub(crate) metrics: Option<crate::exporter::Exporter>,
    pub(crate) ready: Ready,
    /// Set when the shutdown starts: `/readyz` then says so.
    pub(crate) stopping: AtomicBool,
}

/// `/readyz`'s answer, kept for a while so that probes cost the store
/// little.
pub(crate) struct Ready {
    ttl: Duration,
    last: Mutex<Option<(Instant, Result<(), String>)>>,
}

impl Ready {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            last: Mutex::new(None),
        }
    }
}

/// The callback route at `path`, with the probes when they are served on
/// the same listener (`probes` is then the metrics path).
pub(crate) fn main_router(app: &Arc<App>, path: &str, trusted: Trusted) -> Router {
    let callback = post(acknowledge).layer(app.sink.layer());
    Router::new()
        .route(path, callback)
        .merge(probes(app))
        .layer(Extension(app.clone()))
        .layer(axum::middleware::from_fn_with_state(
            trusted,
            crate::client::span,
        ))
}

/// `/healthz` and `/readyz`, where load balancers look for them: on the
/// callback listener and on the admin listener.
fn probes(app: &Arc<App>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(app.clone())
}

/// The admin listener's: the probes and, when enabled, the metrics at
/// `metrics_path` (never on the callback listener).
pub(crate) fn admin_router(app: &Arc<App>, metrics_path: &str) -> Router {
    let router = match &app.metrics {
        Some(_) => Router::new().route(metrics_path, get(metrics)),
        None => Router::new(),
    };
    router.with_state(app.clone()).merge(probes(app))
}

/// Runs after the sink, with its outcome (whose event the sink has
/// recorded): answers the sender with the sink's one line.
async fn acknowledge(Extension(outcome): Extension<Outcome>) -> Response {
    text(StatusCode::OK, format!("{}\n", outcome.summary()))
}

async fn healthz() -> Response {
    text(StatusCode::OK, "ok\n".into())
}

/// Ready when the store answers a cheap request (a `HEAD` of a key that
/// need not exist) and the server is not shutting down.
async fn readyz(State(app): State<Arc<App>>) -> Response {
    if app.stopping.load(Ordering::Relaxed) {
        return text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n".into());
    }
    let mut last = app.ready.last.lock().await;
    let fresh = last
        .as_ref()
        .filter(|(at, _)| at.elapsed() < app.ready.ttl)
        .map(|(_, answer)| answer.clone());
    let answer = match fresh {
        Some(answer) => answer,
        None => {
            let probe = Path::from(".shotsink-readyz");
            let head = app.sink.store().head(&probe);
            // The store client retries for minutes; a probe must answer.
            let answer = match tokio::time::timeout(PROBE_TIMEOUT, head).await {
                Ok(Ok(_) | Err(object_store::Error::NotFound { .. })) => Ok(()),
                Ok(Err(error)) => Err(error.to_string()),
                Err(_) => Err(format!("no answer within {PROBE_TIMEOUT:?}")),
            };
            *last = Some((Instant::now(), answer.clone()));
            answer
        }
    };
    match answer {
        Ok(()) => text(StatusCode::OK, "ready\n".into()),
        Err(error) => {
            tracing::warn!(%error, "readyz: the store is not reachable");
            text(
                StatusCode::SERVICE_UNAVAILABLE,
                "the object store is not reachable\n".into(),
            )
        }
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let body = app.metrics.as_ref().map(crate::exporter::Exporter::render);
    let mut response = body.unwrap_or_default().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}
