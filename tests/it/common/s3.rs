//! An S3 protocol server in process, for the S3 backend's tests.

use std::net::SocketAddr;
use std::sync::Arc;

use object_store::ObjectStore;

/// An S3 protocol server in process: `s3s` over a directory, on a
/// loopback port, with SigV4 authentication.
pub struct S3Server {
    pub addr: SocketAddr,
    pub root: tempfile::TempDir,
    /// Every request the server received: method, path and query, and its
    /// `x-amz-acl` header.
    pub requests: Arc<std::sync::Mutex<Vec<SeenRequest>>>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug, Clone)]
pub struct SeenRequest {
    pub method: String,
    pub uri: String,
    pub acl: Option<String>,
}

pub const S3_BUCKET: &str = "captures";

impl S3Server {
    pub async fn start() -> Self {
        use hyper_util::rt::{TokioExecutor, TokioIo};
        use hyper_util::server::conn::auto::Builder;

        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(S3_BUCKET)).unwrap();
        let fs = s3s_fs::FileSystem::new(root.path()).unwrap();
        let mut builder = s3s::service::S3ServiceBuilder::new(fs);
        builder.set_auth(s3s::auth::SimpleAuth::from_single(
            "test-access",
            "test-secret-key",
        ));
        let service = builder.build();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests: Arc<std::sync::Mutex<Vec<SeenRequest>>> = Arc::default();
        let seen = requests.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let service = service.clone();
                let seen = seen.clone();
                let recording =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        seen.lock().unwrap().push(SeenRequest {
                            method: req.method().to_string(),
                            uri: req.uri().to_string(),
                            acl: req
                                .headers()
                                .get("x-amz-acl")
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned),
                        });
                        hyper::service::Service::call(&service, req)
                    });
                tokio::spawn(async move {
                    let _ = Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(socket), recording)
                        .await;
                });
            }
        });
        Self {
            addr,
            root,
            requests,
            task,
        }
    }

    /// `object_store`'s real S3 client, pointed at this server.
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        Arc::new(self.builder().build().unwrap())
    }

    /// The client's builder, to adjust before building.
    pub fn builder(&self) -> object_store::aws::AmazonS3Builder {
        object_store::aws::AmazonS3Builder::new()
            .with_endpoint(format!("http://{}", self.addr))
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_bucket_name(S3_BUCKET)
            .with_access_key_id("test-access")
            .with_secret_access_key("test-secret-key")
            .with_virtual_hosted_style_request(false)
    }

    /// Files the server keeps for multipart uploads in progress: parts and
    /// upload records. Empty once every upload was completed or aborted.
    pub fn upload_leftovers(&self) -> Vec<String> {
        std::fs::read_dir(self.root.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".upload"))
            .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}
