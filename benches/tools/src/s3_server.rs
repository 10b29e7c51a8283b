//! An S3-protocol server on loopback (the `s3s` + `s3s-fs` crates over a
//! directory), for the end-to-end benchmarks: the bucket `captures` (a
//! folder of the directory), access key [`ACCESS_KEY`] and secret
//! [`SECRET_KEY`]. Point a sink at it with `SHOTSINK_STORE=s3://captures
//! AWS_ENDPOINT=http://127.0.0.1:9000 AWS_ALLOW_HTTP=true
//! AWS_ACCESS_KEY_ID=shotsink AWS_SECRET_ACCESS_KEY=shotsink-secret
//! AWS_REGION=us-east-1`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;

use crate::BoxError;

/// The one bucket served.
pub const BUCKET: &str = "captures";
/// The access key the server accepts.
pub const ACCESS_KEY: &str = "shotsink";
/// The secret key that goes with it.
pub const SECRET_KEY: &str = "shotsink-secret";

/// Write failures injected in front of the real store, for soaks: every
/// `every`-th write (a `PUT`, or a `POST` that completes a multipart
/// upload) is answered 500 `InternalError` before the store sees it, as a
/// real S3 now and then answers; S3 clients retry such answers.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    every: Option<u64>,
    writes: Arc<AtomicU64>,
    injected: Arc<AtomicU64>,
}

impl Faults {
    /// Fails one write in `every` (0 fails none).
    pub fn every(every: u64) -> Self {
        Self {
            every: (every > 0).then_some(every),
            ..Self::default()
        }
    }

    /// How many writes were answered 500 so far.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::Relaxed)
    }

    fn fails(&self, method: &http::Method) -> bool {
        let Some(every) = self.every else {
            return false;
        };
        if method != http::Method::PUT && method != http::Method::POST {
            return false;
        }
        let n = self.writes.fetch_add(1, Ordering::Relaxed) + 1;
        let fail = n.is_multiple_of(every);
        if fail {
            self.injected.fetch_add(1, Ordering::Relaxed);
        }
        fail
    }
}

/// Serves the bucket `captures` in `root` on `listener` until the task ends.
pub async fn serve(
    root: impl AsRef<Path>,
    listener: tokio::net::TcpListener,
) -> Result<(), BoxError> {
    serve_with(root, listener, Faults::default()).await
}

/// As [`serve`], with `faults` injected in front of the store.
pub async fn serve_with(
    root: impl AsRef<Path>,
    listener: tokio::net::TcpListener,
    faults: Faults,
) -> Result<(), BoxError> {
    let root = root.as_ref();
    std::fs::create_dir_all(root.join(BUCKET))?;
    let fs = s3s_fs::FileSystem::new(root).map_err(|e| format!("{e:?}"))?;
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();
    loop {
        let (socket, _) = listener.accept().await?;
        let (service, faults) = (service.clone(), faults.clone());
        let front =
            hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                let (service, fail) = (service.clone(), faults.fails(request.method()));
                async move {
                    if fail {
                        return Ok(internal_error());
                    }
                    hyper::service::Service::call(&service, request).await
                }
            });
        tokio::spawn(async move {
            let _ = Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(socket), front)
                .await;
        });
    }
}

/// S3's answer to a write it failed on its own side.
fn internal_error() -> s3s::HttpResponse {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code>\
                <Message>injected by the benchmark's S3 server</Message></Error>";
    let mut response = http::Response::new(s3s::Body::from(body.to_owned()));
    *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    response
}
