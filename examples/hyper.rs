//! Receives capture callbacks with plain hyper 1 (`hyper-util` server, no
//! framework): the sink's tower service, adapted with `TowerToHyperService`.
//!
//! Run with `cargo run --example hyper`: it listens on 127.0.0.1:3000 and
//! stores into `./captures`; with no `SHOTSINK_SECRET` set it generates a
//! secret and prints a `curl` command that sends a sample capture.
//! `cargo run --example hyper -- --help` lists the environment variables.

use std::net::SocketAddr;
use std::time::Duration;

use hyper::server::conn::http1::Builder;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use shotsink::CaptureSink;
use tokio::net::TcpListener;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const USAGE: &str = "\
Receives capture callbacks on POST /callback with plain hyper and stores them.

Usage: cargo run --example hyper [--features aws|gcp|azure] [-- --help]

Environment:
  SHOTSINK_STORE   where captures go: a directory, or a URL (file:///abs/dir, memory://,
                   s3://bucket, gs://bucket, az://container; credentials from the usual
                   AWS_*, GOOGLE_*, AZURE_* variables) [default: ./captures]
  SHOTSINK_ADDR    address to listen on [default: 127.0.0.1:3000]
  SHOTSINK_SECRET  callback secret; several separated by commas
                   [default: one generated and printed]
  RUST_LOG         log filter [default: shotsink=info]";

/// How long a client may take to send a request's head; an idle
/// keep-alive connection is closed after as long. Without it, a connection
/// that sends nothing (or a byte now and then) is held forever: a stranger
/// can exhaust the process's sockets with idle connections.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves every connection on `listener` with the sink as the whole app.
pub async fn serve(sink: CaptureSink, listener: TcpListener) -> Result<(), BoxError> {
    serve_with(sink, listener, HEAD_TIMEOUT).await
}

/// As [`serve`], closing connections whose request head takes longer than
/// `head_timeout`.
pub async fn serve_with(
    sink: CaptureSink,
    listener: TcpListener,
    head_timeout: Duration,
) -> Result<(), BoxError> {
    let service = TowerToHyperService::new(sink.service());
    // HTTP/1.1 only, as capture services send: the `auto` builder waits,
    // without a deadline, for the bytes that tell HTTP/1 from HTTP/2.
    let mut builder = Builder::new();
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
    let location = std::env::var("SHOTSINK_STORE").unwrap_or_else(|_| "./captures".into());
    let addr: SocketAddr = std::env::var("SHOTSINK_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".into())
        .parse()?;
    let secret = secret_from_env()?;
    let store = shotsink::store_from_url(&location, std::iter::empty::<(&str, &str)>())?;
    let sink = CaptureSink::builder(store)
        .secrets(secret.split(',').map(str::trim))
        .build()?;

    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    println!("shotsink: POST http://{addr}/callback -> {location}");
    let first = secret.split(',').next().unwrap_or_default().trim();
    println!("send a sample capture:\n\n{}\n", sample_curl(addr, first));
    serve(sink, listener).await
}

/// `SHOTSINK_SECRET`, or 32 random alphanumeric characters (printed).
fn secret_from_env() -> Result<String, BoxError> {
    if let Ok(secret) = std::env::var("SHOTSINK_SECRET")
        && !secret.trim().is_empty()
    {
        return Ok(secret);
    }
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    let secret: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    println!("no SHOTSINK_SECRET set; generated one for this run: {secret}");
    Ok(secret)
}

/// A `curl` command that sends one of the repository's sample captures.
fn sample_curl(addr: SocketAddr, secret: &str) -> String {
    format!(
        "curl -sS http://{addr}/callback \\\n  \
         -F callback_secret={secret} -F status=OK -F token=demo$(date +%s) -F format=png \\\n  \
         -F file=@tests/fixtures/capture.png"
    )
}
