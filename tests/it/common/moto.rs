//! moto's S3 server, a second S3 implementation out of process, for the
//! tests that run against it when `TEST_MOTO` names its endpoint
//! (`scripts/moto.sh` starts it; `.ci/run` does both).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use object_store::ObjectStore;
use object_store::prefix::PrefixStore;

/// moto's server, seen through a key prefix of this test's own: moto keeps
/// its bucket as long as it runs, across test runs and beside the other
/// tests of this one.
pub struct Moto {
    pub endpoint: String,
    /// Every key this test writes starts with it, then `/`.
    pub prefix: String,
}

impl Moto {
    /// The server `TEST_MOTO` names, under a fresh prefix. Without the
    /// variable, `None` and `what` reported as not run, except under CI
    /// (`CI` set), where the test fails instead.
    pub fn from_env(what: &str) -> Option<Self> {
        let Ok(endpoint) = std::env::var("TEST_MOTO") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must run {what}: set TEST_MOTO (scripts/moto.sh starts moto)"
            );
            eprintln!("NOT RUN: {what} (set TEST_MOTO; scripts/moto.sh starts moto)");
            return None;
        };
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let n = RUNS.fetch_add(1, Ordering::SeqCst);
        Some(Self {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            prefix: format!("run-{nanos}-{n}"),
        })
    }

    /// `object_store`'s real S3 client, pointed at moto's bucket
    /// `captures` under this test's prefix. moto checks no signature: any
    /// key and secret do.
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        Arc::new(PrefixStore::new(self.s3(), self.prefix.as_str()))
    }

    /// The client for the whole bucket, without this test's prefix.
    pub fn s3(&self) -> object_store::aws::AmazonS3 {
        object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_bucket_name(super::S3_BUCKET)
            .with_access_key_id("testing")
            .with_secret_access_key("testing")
            .with_virtual_hosted_style_request(false)
            .build()
            .unwrap()
    }

    /// The store as a URL with its options, for `store_from_url`: the
    /// bucket and this test's prefix.
    pub fn url(&self) -> (String, Vec<(&'static str, String)>) {
        let location = format!("s3://{}/{}", super::S3_BUCKET, self.prefix);
        let options = vec![
            ("aws_endpoint", self.endpoint.clone()),
            ("aws_allow_http", "true".into()),
            ("aws_region", "us-east-1".into()),
            ("aws_access_key_id", "testing".into()),
            ("aws_secret_access_key", "testing".into()),
            ("aws_virtual_hosted_style_request", "false".into()),
        ];
        (location, options)
    }

    /// The path of `key` under this test's prefix, for [`Moto::s3`].
    pub fn path(&self, key: &str) -> object_store::path::Path {
        object_store::path::Path::from(format!("{}/{key}", self.prefix))
    }

    /// The keys of the multipart uploads moto holds in progress under this
    /// test's prefix (`GET /captures?uploads&prefix=`). Empty once every
    /// upload was completed or aborted.
    pub fn upload_leftovers(&self) -> Vec<String> {
        let url = format!(
            "{}/{}?uploads&prefix={}/",
            self.endpoint,
            super::S3_BUCKET,
            self.prefix
        );
        // Called from inside the tests' runtime, which cannot be blocked
        // on: the request runs on a thread and a runtime of its own.
        let xml = std::thread::scope(|s| {
            s.spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(async {
                        let client = reqwest::Client::builder().no_proxy().build().unwrap();
                        let response = client.get(&url).send().await.unwrap();
                        assert!(response.status().is_success(), "{url}: {response:?}");
                        response.text().await.unwrap()
                    })
            })
            .join()
            .unwrap()
        });
        let mine = format!("{}/", self.prefix);
        xml.split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split_once("</Key>"))
            .map(|(key, _)| key.to_owned())
            .filter(|key| key.starts_with(&mine))
            .collect()
    }
}
