//! The naive baseline served on its own, for the benchmarks: the handler
//! people write by hand with axum's `Multipart` (the whole file buffered,
//! then one put), served by plain `axum::serve` as the sink's example is,
//! so that only the handlers differ.

use std::net::SocketAddr;

use clap::Parser;
use shotsink_bench_tools::{BoxError, naive, open_store};

/// The naive baseline: axum's `Multipart`, the whole file buffered, one put
/// (no streaming, no type check, no memory bound), on POST /callback.
#[derive(Parser)]
#[command(name = "naive")]
struct Args {
    /// Address to listen on
    #[arg(long, env = "SHOTSINK_ADDR", default_value = "127.0.0.1:3000")]
    addr: SocketAddr,
    /// Where captures go: a directory or a URL (file:///abs/dir, memory://,
    /// s3://bucket; S3 options from the usual AWS_* variables)
    #[arg(
        long,
        value_name = "LOC",
        env = "SHOTSINK_STORE",
        default_value = "./captures"
    )]
    store: String,
    /// Callback secret (the first, if several are separated by commas)
    #[arg(long, env = "SHOTSINK_SECRET", hide_env_values = true)]
    secret: String,
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let secret = args.secret.split(',').next().unwrap_or_default().trim();
    if secret.is_empty() {
        return Err("set --secret or SHOTSINK_SECRET".into());
    }
    let store = open_store(&args.store)?;
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    println!(
        "naive: POST http://{}/callback -> {}",
        listener.local_addr()?,
        args.store
    );
    axum::serve(listener, naive::app(store, secret.to_owned())).await?;
    Ok(())
}
