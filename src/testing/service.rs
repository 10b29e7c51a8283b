//! A local capture service: the capture API on a loopback port, posting
//! real callbacks to the `callback_url` it is given.

use std::convert::Infallible;
use std::net::SocketAddr;
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
use tokio::task::JoinHandle;

use super::{Callback, generated, sample};
use crate::{BoxError, Format};

/// Configures a [`LocalCaptureService`].
#[derive(Debug, Clone)]
#[must_use]
pub struct LocalCaptureServiceBuilder {
    fail_every: Option<usize>,
    deliver_twice: bool,
    reorder_fields: bool,
    file_size: Option<usize>,
    batch_limit: usize,
    concurrency: usize,
}

impl Default for LocalCaptureServiceBuilder {
    fn default() -> Self {
        Self {
            fail_every: None,
            deliver_twice: false,
            reorder_fields: false,
            file_size: None,
            batch_limit: 500,
            concurrency: 64,
        }
    }
}

impl LocalCaptureServiceBuilder {
    /// Every `n`th job's render fails: its callback says `status=ERR` and
    /// carries no file.
    pub fn fail_every(mut self, n: usize) -> Self {
        self.fail_every = Some(n.max(1));
        self
    }

    /// Delivers every callback twice, as a sender that retries does.
    pub fn deliver_twice(mut self, twice: bool) -> Self {
        self.deliver_twice = twice;
        self
    }

    /// Varies the field order between jobs: fields first, file first, all
    /// reversed.
    pub fn reorder_fields(mut self, reorder: bool) -> Self {
        self.reorder_fields = reorder;
        self
    }

    /// Sends generated files of this size instead of the samples.
    pub fn file_size(mut self, bytes: usize) -> Self {
        self.file_size = Some(bytes);
        self
    }

    /// Most jobs per batch (the plan's limit). Default: 500.
    pub fn batch_limit(mut self, jobs: usize) -> Self {
        self.batch_limit = jobs;
        self
    }

    /// Callbacks in flight at once. Default: 64.
    pub fn concurrency(mut self, callbacks: usize) -> Self {
        self.concurrency = callbacks.max(1);
        self
    }

    /// Starts the service on a free loopback port.
    pub async fn start(self) -> std::io::Result<LocalCaptureService> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            http: reqwest::Client::new(),
            permits: Arc::new(Semaphore::new(self.concurrency)),
            config: self,
            deliveries: Mutex::default(),
            jobs: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            idle: Notify::new(),
        });
        let accept = tokio::spawn(accept(listener, state.clone()));
        Ok(LocalCaptureService {
            addr,
            state,
            accept,
        })
    }
}

/// One callback the service posted.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Delivery {
    /// The capture's token.
    pub token: String,
    /// The page URL of the job.
    pub url: String,
    /// The requested format.
    pub format: Format,
    /// Whether the render "succeeded" (`status=OK` with a file).
    pub rendered: bool,
    /// The file sent, if any.
    pub file: Option<Bytes>,
    /// 1, or 2 for a repeated delivery.
    pub attempt: u8,
    /// The callback's answer, or `None` if it could not be delivered.
    pub status: Option<u16>,
}

/// A capture API on a loopback port that answers like the real one and,
/// for each job, posts a callback carrying a real file to the job's
/// `callback_url` with its `callback_secret`. Stops when dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let service = shotsink::testing::LocalCaptureService::builder().fail_every(10).start().await.unwrap();
/// // point a `CaptureClient` at `service.base_url()`, then:
/// service.wait_idle(std::time::Duration::from_secs(5)).await.unwrap();
/// assert!(service.deliveries().is_empty());
/// # }
/// ```
#[derive(Debug)]
pub struct LocalCaptureService {
    addr: SocketAddr,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

impl LocalCaptureService {
    /// Starts configuring a service.
    pub fn builder() -> LocalCaptureServiceBuilder {
        LocalCaptureServiceBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, the base URL for a client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every callback posted so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.state.deliveries().clone()
    }

    /// Waits until every accepted job's callbacks were delivered.
    pub async fn wait_idle(&self, timeout: Duration) -> Result<(), BoxError> {
        tokio::time::timeout(timeout, async {
            loop {
                let idle = self.state.idle.notified();
                if self.state.in_flight.load(Ordering::SeqCst) == 0 {
                    return;
                }
                idle.await;
            }
        })
        .await
        .map_err(|_| "callbacks still in flight".into())
    }
}

impl Drop for LocalCaptureService {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

#[derive(Debug)]
struct State {
    config: LocalCaptureServiceBuilder,
    http: reqwest::Client,
    permits: Arc<Semaphore>,
    deliveries: Mutex<Vec<Delivery>>,
    jobs: AtomicUsize,
    in_flight: AtomicUsize,
    idle: Notify,
}

impl State {
    fn deliveries(&self) -> std::sync::MutexGuard<'_, Vec<Delivery>> {
        self.deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

async fn accept(listener: TcpListener, state: Arc<State>) {
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
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
            Ok(r) if r.jobs.len() > state.config.batch_limit => error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "a batch holds at most {} jobs, got {}",
                    state.config.batch_limit,
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
    let config = &state.config;
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
        let attempts = if state.config.deliver_twice { 2 } else { 1 };
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
    let mut bytes = [0u8; 32];
    let _ = getrandom::fill(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}
