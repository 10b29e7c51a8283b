//! Receives capture callbacks on `POST /callback` and stores them.
//!
//! Run with `cargo run --example axum` (add `--features aws`, `gcp` or
//! `azure` for a cloud store): it listens on 127.0.0.1:3000 and stores into
//! `./captures`; with no `SHOTSINK_SECRET` set it generates a secret and
//! prints a `curl` command that sends a sample capture.
//! `cargo run --example axum -- --help` lists the environment variables.
//!
//! Two routes show the two forms: `/callback` is the sink as the endpoint;
//! `/callback/recorded` puts the sink in front of a handler that receives
//! the outcome (to record the capture in a database, say).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::routing::{get, post};
use axum::{Extension, Router};
use shotsink::{CaptureSink, Outcome};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const USAGE: &str = "\
Receives capture callbacks on POST /callback and /callback/recorded and stores them.

Usage: cargo run --example axum [--features aws|gcp|azure] [-- --help]

Environment:
  SHOTSINK_STORE          where captures go: a directory, or a URL (file:///abs/dir,
                          memory://, s3://bucket, gs://bucket, az://container)
                          [default: ./captures]
  SHOTSINK_ADDR           address to listen on [default: 127.0.0.1:3000]
  SHOTSINK_SECRET         callback secret; several separated by commas
                          [default: one generated and printed]
  SHOTSINK_MAX_FILE_SIZE  largest file accepted, in bytes [default: 64 MiB]
  SHOTSINK_MAX_BUFFERED   bytes all callbacks may hold together [default: the sink's]
  RUST_LOG                log filter [default: shotsink=info]

Cloud URLs take their credentials and options from the usual variables
(AWS_ACCESS_KEY_ID, AWS_ENDPOINT, AWS_REGION, GOOGLE_SERVICE_ACCOUNT,
AZURE_STORAGE_ACCOUNT_NAME, ...).";

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
        Outcome::AlreadyStored(_) | Outcome::RenderFailed(_) => {
            format!("{} {}", outcome.token().unwrap_or("-"), outcome.summary())
        }
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
    if std::env::args().skip(1).any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "shotsink=info".into()),
        )
        .init();

    let env = |name: &str| std::env::var(name).ok();
    let location = env("SHOTSINK_STORE").unwrap_or_else(|| "./captures".into());
    // Cloud URLs take their options from the usual variables; each builder
    // keeps the keys it knows.
    let options = std::env::vars().filter(|(k, _)| {
        ["AWS_", "GOOGLE_", "AZURE_"]
            .iter()
            .any(|p| k.starts_with(p))
    });
    let store = shotsink::store_from_url(&location, options)?;
    let addr: SocketAddr = env("SHOTSINK_ADDR")
        .unwrap_or_else(|| "127.0.0.1:3000".into())
        .parse()?;
    let (secrets, generated): (Vec<String>, bool) = match env("SHOTSINK_SECRET") {
        Some(s) if !s.trim().is_empty() => {
            (s.split(',').map(|s| s.trim().to_owned()).collect(), false)
        }
        _ => (vec![generate_secret()?], true),
    };
    let mut builder = CaptureSink::builder(store).secrets(&secrets);
    if let Some(bytes) = env("SHOTSINK_MAX_FILE_SIZE") {
        builder = builder.max_file_size(bytes.parse()?);
    }
    if let Some(bytes) = env("SHOTSINK_MAX_BUFFERED") {
        builder = builder.max_buffered_bytes(bytes.parse()?);
    }
    let sink = builder.build()?;

    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    println!("shotsink: POST http://{addr}/callback -> {location}");
    if generated {
        println!(
            "no SHOTSINK_SECRET set; generated one for this run: {}",
            secrets[0]
        );
    }
    println!(
        "send a sample capture:\n\n{}\n",
        sample_curl(addr, &secrets[0])
    );
    serve(app(sink, Recorded::default()), listener, HEAD_TIMEOUT).await
}

/// How long a client may take to send a request's head; an idle
/// keep-alive connection is closed after as long.
pub const HEAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Serves `app` on `listener`. Not `axum::serve`: it has no deadline for a
/// request's head, so a connection that sends nothing, or a byte now and
/// then, would be held forever and a stranger could exhaust the process's
/// sockets. hyper-util's builder has one.
pub async fn serve(
    app: Router,
    listener: tokio::net::TcpListener,
    head_timeout: std::time::Duration,
) -> Result<(), BoxError> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let service = hyper_util::service::TowerToHyperService::new(app);
    // HTTP/1.1, as capture services send (hyper-util's `auto` builder
    // waits without a deadline for the bytes that tell HTTP/1 from 2).
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(head_timeout);
    loop {
        let (socket, _) = listener.accept().await?;
        let (service, builder) = (service.clone(), builder.clone());
        tokio::spawn(async move {
            let served = builder.serve_connection(TokioIo::new(socket), service);
            if let Err(error) = served.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
}

/// 32 random alphanumeric characters from the operating system's generator.
pub fn generate_secret() -> Result<String, BoxError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    // 256 % 62 leaves a slight bias; irrelevant for a 190-bit demo secret.
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

/// A `curl` command that sends one of the repository's sample captures.
pub fn sample_curl(addr: SocketAddr, secret: &str) -> String {
    format!(
        "curl -sS http://{addr}/callback \\\n  \
         -F callback_secret={secret} -F status=OK -F token=demo$(date +%s) -F format=png \\\n  \
         -F file=@tests/fixtures/capture.png"
    )
}
