//! The benchmark tools over real TCP: the load simulator against the axum
//! example, the naive baseline, and the S3 server example.

// Each example includes the shared configuration module, as it does when
// built alone; here several of them meet.
#![allow(clippy::duplicate_mod)]

#[path = "../examples/axum.rs"]
#[allow(dead_code)]
mod axum_example;
mod common;
#[path = "../examples/naive.rs"]
#[allow(dead_code)]
mod naive;
#[path = "../examples/s3_server.rs"]
#[allow(dead_code)]
mod s3_server;
#[path = "../examples/simulate.rs"]
#[allow(dead_code)]
mod simulate;

use std::sync::Arc;

use common::*;
use object_store::ObjectStore;
use shotsink::CaptureSink;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_drives_the_example_and_finds_every_capture_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().to_str().unwrap().to_owned();
    let store = shotsink::store_from_url(&location, std::iter::empty::<(&str, &str)>()).unwrap();
    let sink = CaptureSink::builder(store).secret(SECRET).build().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum_example::app(sink, Default::default());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut options = simulate::Options::new(&format!("http://{addr}/callback"), SECRET);
    options.count = 60;
    options.concurrency = 8;
    options.store = Some(location.clone());
    let report = simulate::run(options).await.unwrap();
    assert_eq!(report.statuses.get("200"), Some(&60), "{report:?}");
    assert_eq!(report.missing, Some(vec![]));
    assert!(report.p50 <= report.p99);

    // Files over 1 MiB go as a body of pieces with the file not copied:
    // whole, with their length, they land byte for byte.
    let mut options = simulate::Options::new(&format!("http://{addr}/callback"), SECRET);
    options.count = 3;
    options.size = Some(3 * 1024 * 1024 + 7);
    options.store = Some(location.clone());
    let report = simulate::run(options).await.unwrap();
    assert_eq!(report.statuses.get("200"), Some(&3), "{report:?}");
    assert_eq!(report.missing, Some(vec![]));
    let pdf = shotsink::testing::generated(shotsink::Format::Pdf, 3 * 1024 * 1024 + 7);
    let stored = shotsink::store_from_url(&location, std::iter::empty::<(&str, &str)>()).unwrap();
    let mut large = 0;
    for key in all_keys(stored.as_ref()).await {
        let bytes = stored_bytes(stored.as_ref(), &key.as_str().into()).await;
        if bytes.len() == pdf.len() {
            assert_eq!(bytes, pdf, "{key}");
            large += 1;
        }
    }
    assert_eq!(large, 3);

    // A wrong secret: every callback refused, nothing acknowledged, so
    // nothing is reported missing.
    let mut options = simulate::Options::new(&format!("http://{addr}/callback"), "wrong");
    options.count = 5;
    options.store = Some(location);
    let report = simulate::run(options).await.unwrap();
    assert_eq!(report.statuses.get("403"), Some(&5));
    assert_eq!(report.missing, Some(vec![]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_naive_baseline_and_raw_puts_land_captures_through_the_s3_server_example() {
    let root = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let s3 = listener.local_addr().unwrap();
    let root_path = root.path().to_str().unwrap().to_owned();
    tokio::spawn(async move { s3_server::serve(&root_path, listener).await });
    let store: Arc<dyn ObjectStore> = Arc::new(
        object_store::aws::AmazonS3Builder::new()
            .with_endpoint(format!("http://{s3}"))
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_bucket_name("captures")
            .with_access_key_id("shotsink")
            .with_secret_access_key("shotsink-secret")
            .build()
            .unwrap(),
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = naive::app(store.clone(), SECRET.to_owned());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut options = simulate::Options::new(&format!("http://{addr}/callback"), SECRET);
    options.count = 20;
    let report = simulate::run(options).await.unwrap();
    assert_eq!(report.statuses.get("200"), Some(&20), "{report:?}");
    assert_eq!(all_keys(store.as_ref()).await.len(), 20);

    // Raw puts into the same server, one file past a part to take the
    // multipart path.
    let location = format!("{}/captures-raw", root.path().display());
    let mut options = simulate::Options::new("unused", "");
    options.count = 3;
    options.size = Some(3 << 20);
    options.part_size = 1 << 20;
    options.raw_put = Some(location);
    let report = simulate::run(options).await.unwrap();
    assert_eq!(report.statuses.get("200"), Some(&3));
    assert_eq!(report.missing, Some(vec![]));
}
