//! Receives capture callbacks with plain hyper 1 (`hyper-util` server, no
//! framework): the sink's tower service, adapted with `TowerToHyperService`.
//!
//! Run with `cargo run --example hyper`; see `examples/common/mod.rs` for
//! the environment.

#[path = "common/mod.rs"]
pub mod common;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use shotsink::CaptureSink;
use tokio::net::TcpListener;

use common::{BoxError, Settings};

/// Serves every connection on `listener` with the sink as the whole app.
pub async fn serve(sink: CaptureSink, listener: TcpListener) -> Result<(), BoxError> {
    let service = TowerToHyperService::new(sink.service());
    loop {
        let (socket, _) = listener.accept().await?;
        let service = service.clone();
        tokio::spawn(async move {
            if let Err(error) = Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(socket), service)
                .await
            {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    common::init_tracing();
    let settings = Settings::from_env()?;
    let listener = TcpListener::bind(settings.addr).await?;
    settings.announce(listener.local_addr()?);
    serve(settings.sink()?, listener).await
}
