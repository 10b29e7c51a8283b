//! An S3 protocol server in process, for the S3 backend's tests.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use http_body_util::BodyExt;
use object_store::ObjectStore;

/// An S3 protocol server in process: `s3s` over a directory, on a
/// loopback port, with SigV4 authentication.
pub struct S3Server {
    pub addr: SocketAddr,
    pub root: tempfile::TempDir,
    /// Every request the server received: method, path and query, and its
    /// headers.
    pub requests: Arc<std::sync::Mutex<Vec<SeenRequest>>>,
    /// Fault injection: while set, the last byte of each `PUT` body's first
    /// frame is changed on its way into the server, as a corrupted link
    /// would.
    pub corrupt: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug, Clone)]
pub struct SeenRequest {
    pub method: String,
    pub uri: String,
    pub acl: Option<String>,
    pub headers: http::HeaderMap,
}

impl SeenRequest {
    /// A header's value, if it was sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
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
        let corrupt = Arc::new(AtomicBool::new(false));
        let seen = requests.clone();
        let corrupting = corrupt.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let service = service.clone();
                let seen = seen.clone();
                let corrupting = corrupting.clone();
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
                            headers: req.headers().clone(),
                        });
                        let corrupt =
                            corrupting.load(Ordering::SeqCst) && req.method() == http::Method::PUT;
                        let service = service.clone();
                        async move {
                            if !corrupt {
                                return hyper::service::Service::call(&service, req).await;
                            }
                            let mut first = true;
                            let req = req.map(|body| {
                                s3s::Body::http_body(body.map_frame(move |frame| {
                                    frame.map_data(|data| {
                                        if std::mem::take(&mut first) && !data.is_empty() {
                                            let mut data = data.to_vec();
                                            let last = data.len() - 1;
                                            data[last] ^= 0x01;
                                            return bytes::Bytes::from(data);
                                        }
                                        data
                                    })
                                }))
                            });
                            service.call(req).await
                        }
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
            corrupt,
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

    /// The requests received so far with this method whose path and query
    /// contain `part`.
    pub fn seen(&self, method: &str, part: &str) -> Vec<SeenRequest> {
        let requests = self.requests.lock().unwrap();
        let matching = requests
            .iter()
            .filter(|r| r.method == method && r.uri.contains(part));
        matching.cloned().collect()
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
