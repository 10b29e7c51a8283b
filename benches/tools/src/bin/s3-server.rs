//! An S3-protocol server on loopback for the end-to-end benchmarks: the
//! bucket `captures`, a folder of DIR, served by `s3s` + `s3s-fs`.

use std::path::PathBuf;

use clap::Parser;
use shotsink_bench_tools::{BoxError, s3_server};

/// An S3-protocol server (s3s + s3s-fs) serving the bucket `captures`, a
/// folder of DIR, with access key `shotsink` and secret `shotsink-secret`.
///
/// Point a sink at it with SHOTSINK_STORE=s3://captures
/// AWS_ENDPOINT=http://127.0.0.1:9000 AWS_ALLOW_HTTP=true
/// AWS_ACCESS_KEY_ID=shotsink AWS_SECRET_ACCESS_KEY=shotsink-secret
/// AWS_REGION=us-east-1.
#[derive(Parser)]
#[command(name = "s3-server")]
struct Args {
    /// Directory holding the bucket (created if missing)
    dir: PathBuf,
    /// Address to listen on
    #[arg(default_value = "127.0.0.1:9000")]
    addr: String,
    /// Answer every Nth write (PUT, or POST completing a multipart upload)
    /// 500 InternalError before the store sees it: 100 fails 1 %
    #[arg(long, value_name = "N", default_value_t = 0)]
    fail_every: u64,
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(&args.addr).await?;
    println!(
        "s3 server: http://{} (bucket `{}` in {})",
        listener.local_addr()?,
        s3_server::BUCKET,
        args.dir.display()
    );
    let faults = s3_server::Faults::every(args.fail_every);
    let served = s3_server::serve_with(&args.dir, listener, faults.clone());
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        served = served => served?,
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    // What the soak reads: how many writes were failed on purpose.
    println!("injected {} write failures", faults.injected());
    Ok(())
}
