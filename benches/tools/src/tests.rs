//! The tools over real TCP: the load tool and the hostile tool against a
//! sink, the naive baseline, and the S3 server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use bytes::Bytes;
use futures_util::TryStreamExt;
use shotsink::object_store::{ObjectStore, ObjectStoreExt};
use shotsink::{CaptureSink, Format};

use crate::hostile::{self, Attack};
use crate::{key_layout, naive, s3_server, simulate};

const SECRET: &str = "tools-test-secret";

/// Serves `app` on a loopback port.
async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// The sink as the whole app at `/callback`.
async fn serve_sink(sink: CaptureSink) -> SocketAddr {
    serve(Router::new().route_service("/callback", sink.service())).await
}

fn local_store(location: &str) -> Arc<dyn ObjectStore> {
    shotsink::store_from_url(location, std::iter::empty::<(&str, &str)>()).unwrap()
}

/// An S3 client of the benchmark S3 server at `addr`.
fn s3_client(addr: SocketAddr) -> shotsink::object_store::aws::AmazonS3 {
    shotsink::object_store::aws::AmazonS3Builder::new()
        .with_endpoint(format!("http://{addr}"))
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_bucket_name(s3_server::BUCKET)
        .with_access_key_id(s3_server::ACCESS_KEY)
        .with_secret_access_key(s3_server::SECRET_KEY)
        .build()
        .unwrap()
}

async fn all_keys(store: &dyn ObjectStore) -> Vec<String> {
    let mut keys: Vec<String> = store
        .list(None)
        .map_ok(|meta| meta.location.to_string())
        .try_collect()
        .await
        .unwrap();
    keys.sort();
    keys
}

async fn stored_bytes(store: &dyn ObjectStore, key: &str) -> Bytes {
    store.get(&key.into()).await.unwrap().bytes().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_tool_drives_a_sink_and_finds_every_capture_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().to_str().unwrap().to_owned();
    let sink = CaptureSink::builder(local_store(&location))
        .secret(SECRET)
        .build()
        .unwrap();
    let addr = serve_sink(sink).await;

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
    let pdf = shotsink::testing::generated(Format::Pdf, 3 * 1024 * 1024 + 7);
    let stored = local_store(&location);
    let mut large = 0;
    for key in all_keys(stored.as_ref()).await {
        let bytes = stored_bytes(stored.as_ref(), &key).await;
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
async fn the_load_tool_looks_for_captures_where_the_sinks_key_layout_puts_them() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().to_str().unwrap().to_owned();
    let sink = CaptureSink::builder(local_store(&location))
        .secret(SECRET)
        .key_prefix("tenants/acme")
        .build()
        .unwrap();
    let addr = serve_sink(sink).await;

    let mut options = simulate::Options::new(&format!("http://{addr}/callback"), SECRET);
    options.count = 10;
    options.store = Some(location.clone());
    options.key_layout = key_layout(Some("tenants/acme")).unwrap();
    let report = simulate::run(options).await.unwrap();
    assert_eq!(report.statuses.get("200"), Some(&10), "{report:?}");
    assert_eq!(report.missing, Some(vec![]));
    assert!(
        all_keys(local_store(&location).as_ref())
            .await
            .iter()
            .all(|k| k.starts_with("tenants/acme/"))
    );

    // Looked for under the default layout, none is where it would be.
    let mut options = simulate::Options::new(&format!("http://{addr}/callback"), SECRET);
    options.count = 4;
    options.store = Some(location);
    let report = simulate::run(options).await.unwrap();
    assert_eq!(report.statuses.get("200"), Some(&4), "{report:?}");
    assert_eq!(report.missing.map(|m| m.len()), Some(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_naive_baseline_and_raw_puts_land_captures_through_the_s3_server() {
    let root = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let s3 = listener.local_addr().unwrap();
    let root_path = root.path().to_owned();
    tokio::spawn(async move { s3_server::serve(&root_path, listener).await });
    let store: Arc<dyn ObjectStore> = Arc::new(s3_client(s3));

    let addr = serve(naive::app(store.clone(), SECRET.to_owned())).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hostile_tool_lands_every_valid_callback_and_no_attackers_capture() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().to_str().unwrap().to_owned();
    let sink = CaptureSink::builder(local_store(&location))
        .secret(SECRET)
        .build()
        .unwrap();
    let addr = serve_sink(sink).await;

    // Two attackers each send a valid callback's fields and half its file,
    // then stall: their tokens must not land.
    let mut options = hostile::Options::new(
        Attack::StalledVerified,
        &format!("http://{addr}/callback"),
        SECRET,
    );
    options.attackers = Some(2);
    options.count = 12;
    options.concurrency = 4;
    options.duration = Duration::from_secs(1);
    options.store = Some(location.clone());
    let report = hostile::run(options).await.unwrap();
    assert_eq!(report.valid.get("200"), Some(&12), "{report:?}");
    assert_eq!(report.attackers, 2);
    assert_eq!(report.missing, Some(vec![]));
    assert_eq!(report.attackers_stored, Some(vec![]));
    assert_eq!(all_keys(local_store(&location).as_ref()).await.len(), 12);

    // Anything but loopback is refused before a connection is made.
    let options = hostile::Options::new(Attack::None, "http://192.0.2.1:3000/callback", SECRET);
    assert!(hostile::run(options).await.is_err());
}

/// The soak's failing store: one write in three answered 500 before the
/// store sees it; the S3 client retries, every object lands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_s3_server_fails_one_write_in_n_and_a_retrying_client_lands_every_object() {
    let root = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let s3 = listener.local_addr().unwrap();
    let root_path = root.path().to_owned();
    let faults = s3_server::Faults::every(3);
    let served = faults.clone();
    tokio::spawn(async move { s3_server::serve_with(&root_path, listener, served).await });
    let store = s3_client(s3);
    for i in 0..9 {
        let key = shotsink::object_store::path::Path::from(format!("soak/{i}"));
        store
            .put(&key, Bytes::from(vec![i as u8; 1000]).into())
            .await
            .unwrap();
    }
    assert!(faults.injected() >= 3, "injected {}", faults.injected());
    assert_eq!(all_keys(&store).await.len(), 9);
}
