//! The app's side for the benchmarks: accepts every notification with a
//! 204 on any path, and prints how many it received when it is stopped
//! (SIGINT or SIGTERM).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::http::StatusCode;
use clap::Parser;
use shotsink_bench_tools::BoxError;

/// Answers 204 to every POST; prints the count at the end.
#[derive(Parser)]
#[command(name = "hook")]
struct Args {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8000")]
    addr: SocketAddr,
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let received = Arc::new(AtomicU64::new(0));
    let counted = received.clone();
    let router = Router::new().fallback(move || {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::Relaxed);
            StatusCode::NO_CONTENT
        }
    });
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let stop = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    };
    axum::serve(listener, router)
        .with_graceful_shutdown(stop)
        .await?;
    println!(
        "hook: {} notifications received",
        received.load(Ordering::Relaxed)
    );
    Ok(())
}
