//! The whole loop on one machine: the client submits a batch of 500 URLs to
//! a local capture service, which renders "captures" (real sample files,
//! one render in ten failing) and calls back into an axum app with the sink
//! mounted, which stores them. Callback secrets are minted per batch and
//! verified by the sink with no database.
//!
//! Run with `cargo run --example roundtrip --features client,test-util`.
//! Captures go to `SHOTSINK_STORE` (default `./captures`);
//! `cargo run --example roundtrip --features client,test-util -- --help`
//! says so too.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use shotsink::client::{CallbackSecret, CaptureClient};
use shotsink::mint::{MintKey, SecretMint};
use shotsink::object_store::ObjectStore;
use shotsink::testing::{Delivery, LocalCaptureService};
use shotsink::{CaptureSink, Format};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const USAGE: &str = "\
The whole loop on one machine: 500 URLs submitted to a local capture service, which
calls back into a sink (one render in ten failing) that stores the captures.

Usage: cargo run --example roundtrip --features client,test-util[,aws|gcp|azure] [-- --help]

Environment:
  SHOTSINK_STORE  where captures go: a directory, or a URL (file:///abs/dir, memory://,
                  s3://bucket, gs://bucket, az://container; credentials from the usual
                  AWS_*, GOOGLE_*, AZURE_* variables) [default: ./captures]
  RUST_LOG        log filter [default: shotsink=info]";

/// What one round trip did.
#[derive(Debug)]
pub struct Summary {
    /// Jobs the API queued.
    pub queued: u64,
    /// Every callback the capture service posted.
    pub deliveries: Vec<Delivery>,
}

/// Runs the loop for `urls` pages into `store`.
pub async fn run(store: Arc<dyn ObjectStore>, urls: usize) -> Result<Summary, BoxError> {
    let mut master = [0u8; 32];
    getrandom::fill(&mut master).map_err(|e| e.to_string())?;
    let mint = SecretMint::new(MintKey::new("roundtrip", master)?);
    let sink = CaptureSink::builder(store)
        .secret_mint(mint.clone())
        .build()?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let app_addr = listener.local_addr()?;
    let app = Router::new().route_service("/callback", sink.service());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let service = LocalCaptureService::builder()
        .fail_every(10)
        .reorder_fields(true)
        .start()
        .await?;
    let client = CaptureClient::builder("local-test-key")
        .base_url(service.base_url())
        .callback_url(format!("http://{app_addr}/callback"))
        .callback_secret(CallbackSecret::Minted {
            mint,
            ttl: Duration::from_secs(3600),
        })
        .build()?;

    let pages: Vec<String> = (0..urls)
        .map(|i| format!("https://example.com/page/{i}"))
        .collect();
    let accepted = client.capture_all(&pages, Format::Webp).await?;
    service.wait_idle(Duration::from_secs(120)).await?;
    Ok(Summary {
        queued: accepted.iter().map(|a| a.queued).sum(),
        deliveries: service.deliveries(),
    })
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
    let store = shotsink::store_from_url(&location, std::iter::empty::<(&str, &str)>())?;
    let summary = run(store, 500).await?;
    let stored = summary
        .deliveries
        .iter()
        .filter(|d| d.rendered && d.status == Some(200))
        .count();
    let failed = summary
        .deliveries
        .iter()
        .filter(|d| !d.rendered && d.status == Some(200))
        .count();
    let other = summary.deliveries.len() - stored - failed;
    println!(
        "queued {}, stored {stored} into {location}, render failures acknowledged {failed}, other answers {other}",
        summary.queued
    );
    Ok(())
}
