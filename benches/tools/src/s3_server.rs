//! An S3-protocol server on loopback (the `s3s` + `s3s-fs` crates over a
//! directory), for the end-to-end benchmarks: the bucket `captures` (a
//! folder of the directory), access key [`ACCESS_KEY`] and secret
//! [`SECRET_KEY`]. Point a sink at it with `SHOTSINK_STORE=s3://captures
//! AWS_ENDPOINT=http://127.0.0.1:9000 AWS_ALLOW_HTTP=true
//! AWS_ACCESS_KEY_ID=shotsink AWS_SECRET_ACCESS_KEY=shotsink-secret
//! AWS_REGION=us-east-1`.

use std::path::Path;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;

use crate::BoxError;

/// The one bucket served.
pub const BUCKET: &str = "captures";
/// The access key the server accepts.
pub const ACCESS_KEY: &str = "shotsink";
/// The secret key that goes with it.
pub const SECRET_KEY: &str = "shotsink-secret";

/// Serves the bucket `captures` in `root` on `listener` until the task ends.
pub async fn serve(
    root: impl AsRef<Path>,
    listener: tokio::net::TcpListener,
) -> Result<(), BoxError> {
    let root = root.as_ref();
    std::fs::create_dir_all(root.join(BUCKET))?;
    let fs = s3s_fs::FileSystem::new(root).map_err(|e| format!("{e:?}"))?;
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
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
