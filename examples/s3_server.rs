//! An S3-protocol server on loopback (the `s3s` + `s3s-fs` crates over a
//! directory), for the end-to-end benchmarks.
//!
//! Run with `cargo run --release --example s3_server -- DIR [ADDR]`: serves
//! the bucket `captures` (a folder of DIR) on ADDR (default
//! 127.0.0.1:9000), with access key `shotsink` and secret `shotsink-secret`.
//! Point the other examples at it with
//! `SHOTSINK_STORE=s3://captures AWS_ENDPOINT=http://127.0.0.1:9000
//! AWS_ALLOW_HTTP=true AWS_ACCESS_KEY_ID=shotsink
//! AWS_SECRET_ACCESS_KEY=shotsink-secret AWS_REGION=us-east-1`.

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Serves the bucket `captures` in `root` on `listener` until the task ends.
pub async fn serve(root: &str, listener: tokio::net::TcpListener) -> Result<(), BoxError> {
    std::fs::create_dir_all(std::path::Path::new(root).join("captures"))?;
    let fs = s3s_fs::FileSystem::new(root).map_err(|e| format!("{e:?}"))?;
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(
        "shotsink",
        "shotsink-secret",
    ));
    let service = builder.build();
    loop {
        let (socket, _) = listener.accept().await?;
        let service = service.clone();
        tokio::spawn(async move {
            let _ = Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(socket), service)
                .await;
        });
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let root = args.next().ok_or("usage: s3_server DIR [ADDR]")?;
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9000".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!(
        "s3 server: http://{} (bucket `captures` in {root})",
        listener.local_addr()?
    );
    serve(&root, listener).await
}
