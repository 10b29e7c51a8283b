//! The running service: accepting connections, answering the API, and
//! posting callbacks.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};

use super::Delivery;
use super::builder::Settings;
use crate::Format;
use crate::testing::{Callback, generated, sample};

/// The running service's state, shared by its connections.
#[derive(Debug)]
pub(super) struct State {
    settings: Settings,
    http: reqwest::Client,
    permits: Arc<Semaphore>,
    deliveries: Mutex<Vec<Delivery>>,
    jobs: AtomicUsize,
    pub(super) in_flight: AtomicUsize,
    pub(super) idle: Notify,
}

impl State {
    pub(super) fn new(settings: Settings) -> Self {
        Self {
            http: reqwest::Client::new(),
            permits: Arc::new(Semaphore::new(settings.concurrency)),
            settings,
            deliveries: Mutex::default(),
            jobs: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            idle: Notify::new(),
        }
    }

    pub(super) fn deliveries(&self) -> std::sync::MutexGuard<'_, Vec<Delivery>> {
        self.deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Serves connections until the service is dropped. An accept error
/// (out of file descriptors, say) is waited out rather than retried in a
/// busy loop.
pub(super) async fn accept(listener: TcpListener, state: Arc<State>) {
    let mut pause = Duration::from_millis(5);
    loop {
        let socket = match listener.accept().await {
            Ok((socket, _)) => {
                pause = Duration::from_millis(5);
                socket
            }
            Err(_) => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(state.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(socket), service)
                .await;
        });
    }
}

#[derive(Deserialize)]
struct CaptureRequest {
    #[serde(default)]
    key: String,
    url: String,
    #[serde(default)]
    format: Option<String>,
    callback_url: String,
    callback_secret: String,
}

#[derive(Deserialize)]
struct BatchRequest {
    #[serde(default)]
    key: String,
    callback_url: String,
    callback_secret: String,
    #[serde(default)]
    format: Option<String>,
    jobs: Vec<JobRequest>,
}

#[derive(Deserialize)]
struct JobRequest {
    url: String,
}

fn json(status: StatusCode, value: serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(value.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

fn error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json(status, serde_json::json!({ "error": message }))
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.method() != Method::POST {
        return Ok(error(StatusCode::METHOD_NOT_ALLOWED, "use POST"));
    }
    let path = req.uri().path().to_owned();
    let Ok(body) = Limited::new(req.into_body(), 16 << 20).collect().await else {
        return Ok(error(StatusCode::BAD_REQUEST, "unreadable body"));
    };
    let body = body.to_bytes();
    Ok(match path.as_str() {
        "/capture" => match serde_json::from_slice::<CaptureRequest>(&body) {
            Err(e) => error(StatusCode::BAD_REQUEST, &e.to_string()),
            Ok(r) if r.key.is_empty() => error(StatusCode::UNAUTHORIZED, "missing key"),
            Ok(r) => match parse_format(r.format.as_deref()) {
                None => error(StatusCode::BAD_REQUEST, "unknown format"),
                Some(format) => {
                    let token = submit(&state, r.url, format, r.callback_url, r.callback_secret);
                    json(
                        StatusCode::ACCEPTED,
                        serde_json::json!({ "token": token, "status": "queued", "eta_seconds": 0 }),
                    )
                }
            },
        },
        "/capture/batch" => match serde_json::from_slice::<BatchRequest>(&body) {
            Err(e) => error(StatusCode::BAD_REQUEST, &e.to_string()),
            Ok(r) if r.key.is_empty() => error(StatusCode::UNAUTHORIZED, "missing key"),
            Ok(r) if r.jobs.len() > state.settings.batch_limit => error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "a batch holds at most {} jobs, got {}",
                    state.settings.batch_limit,
                    r.jobs.len()
                ),
            ),
            Ok(r) => match parse_format(r.format.as_deref()) {
                None => error(StatusCode::BAD_REQUEST, "unknown format"),
                Some(format) => {
                    let queued = r.jobs.len();
                    for job in r.jobs {
                        submit(
                            &state,
                            job.url,
                            format,
                            r.callback_url.clone(),
                            r.callback_secret.clone(),
                        );
                    }
                    json(
                        StatusCode::ACCEPTED,
                        serde_json::json!({ "queued": queued }),
                    )
                }
            },
        },
        _ => error(StatusCode::NOT_FOUND, "no such endpoint"),
    })
}

fn parse_format(format: Option<&str>) -> Option<Format> {
    format.map_or(Some(Format::Jpeg), |f| f.parse().ok())
}

/// Queues one job's callbacks; returns its token.
fn submit(
    state: &Arc<State>,
    url: String,
    format: Format,
    callback_url: String,
    secret: String,
) -> String {
    let index = state.jobs.fetch_add(1, Ordering::SeqCst);
    let token = token();
    let config = &state.settings;
    let rendered = config
        .fail_every
        .is_none_or(|n| !(index + 1).is_multiple_of(n));
    let file = rendered.then(|| {
        config
            .file_size
            .map_or_else(|| sample(format), |size| generated(format, size))
    });
    let mut callback = match &file {
        Some(file) => Callback::new(&secret, &token, format).file(file.clone()),
        None => Callback::render_failed(&secret, &token),
    };
    if config.reorder_fields {
        callback = match index % 3 {
            1 => callback.file_first(),
            2 => callback.reversed(),
            _ => callback,
        };
    }
    state.in_flight.fetch_add(1, Ordering::SeqCst);
    let state = state.clone();
    let job_token = token.clone();
    tokio::spawn(async move {
        let attempts = if state.settings.deliver_twice { 2 } else { 1 };
        for attempt in 1..=attempts {
            let permit = state.permits.clone().acquire_owned().await;
            let status = state
                .http
                .post(&callback_url)
                .header(http::header::CONTENT_TYPE, callback.content_type())
                .body(callback.body())
                .send()
                .await
                .ok()
                .map(|r| r.status().as_u16());
            drop(permit);
            state.deliveries().push(Delivery {
                token: job_token.clone(),
                url: url.clone(),
                format,
                rendered,
                file: file.clone(),
                attempt,
                status,
            });
        }
        if state.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            state.idle.notify_waiters();
        }
    });
    token
}

/// 32 random characters of `[A-Za-z0-9]`, like the real service's tokens.
fn token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    crate::random::bytes::<32>()
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}
