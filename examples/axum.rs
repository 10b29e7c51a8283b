//! Receives capture callbacks on `POST /callback` and stores them.
//!
//! Run with `cargo run --example axum`: it listens on 127.0.0.1:3000 and
//! stores into `./captures`; with no `SHOTSINK_SECRET` set it generates a
//! secret and prints a `curl` command that sends a sample capture. See
//! `examples/common/mod.rs` for the environment variables (store URL,
//! address, secret).

#[path = "common/mod.rs"]
pub mod common;

use axum::Router;
use shotsink::CaptureSink;

use common::{BoxError, Settings};

/// The app: the sink mounted as the endpoint at `/callback`.
pub fn app(sink: CaptureSink) -> Router {
    Router::new().route_service("/callback", sink.service())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "shotsink=info".into()),
        )
        .init();

    let settings = Settings::from_env()?;
    let sink = CaptureSink::builder(settings.store.clone())
        .secrets(&settings.secrets)
        .build()?;

    let listener = tokio::net::TcpListener::bind(settings.addr).await?;
    let addr = listener.local_addr()?;
    println!(
        "shotsink: POST http://{addr}/callback -> {}",
        settings.store_description
    );
    if settings.generated_secret {
        println!(
            "no SHOTSINK_SECRET set; generated one for this run: {}",
            settings.secrets[0]
        );
    }
    println!(
        "send a sample capture:\n\n{}\n",
        common::sample_curl(addr, &settings.secrets[0])
    );
    axum::serve(listener, app(sink)).await?;
    Ok(())
}
