//! The axum example's app over real TCP on loopback, driven by a real HTTP
//! client sending multipart bodies built from the sample captures.

use std::net::SocketAddr;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use shotsink::CaptureSink;

use crate::common::*;
// The axum example, included once for the crate in `examples.rs`.
use crate::examples::axum_example as example;

async fn serve(store: Arc<dyn ObjectStore>) -> SocketAddr {
    let sink = CaptureSink::builder(store).secret(SECRET).build().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = example::app(sink, example::Recorded::default());
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test]
async fn the_example_app_stores_every_format_sent_over_http_into_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> =
        Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap());
    let addr = serve(store.clone()).await;
    let client = reqwest::Client::new();

    for (name, format, ext, _) in FIXTURES {
        let data = fixture(name);
        let token = format!("Http{ext}");
        let response = client
            .post(format!("http://{addr}/callback"))
            .multipart(http_form(SECRET, &token, format, data.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            200,
            "{name}: {}",
            response.text().await.unwrap()
        );
        let key = key_today(&token, ext);
        assert_eq!(
            std::fs::read(dir.path().join(key.as_ref())).unwrap(),
            data,
            "{name}"
        );
    }
    assert_eq!(all_keys(store.as_ref()).await.len(), FIXTURES.len());
}

#[tokio::test]
async fn the_example_app_refuses_a_wrong_secret_and_a_disguised_html_file_over_http() {
    let store = memory();
    let addr = serve(store.clone()).await;
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/callback");

    let response = client
        .post(&url)
        .multipart(http_form(
            "guess",
            "Intruder",
            "png",
            fixture("capture.png"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(response.text().await.unwrap(), "invalid callback_secret\n");

    let response = client
        .post(&url)
        .multipart(http_form(
            SECRET,
            "Html",
            "png",
            fixture("not-an-image.html"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);

    let response = client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");

    assert!(all_keys(store.as_ref()).await.is_empty());
}

#[tokio::test]
async fn a_client_that_disconnects_mid_upload_leaves_nothing_and_the_server_serves_on() {
    use tokio::io::AsyncWriteExt;

    let store = memory();
    let addr = serve(store.clone()).await;
    let gone = callback("Gone", "pdf", large_pdf(2 * 1024 * 1024));
    let body = gone.body();

    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /callback HTTP/1.1\r\nhost: {addr}\r\ncontent-type: {}\r\ncontent-length: {}\r\n\r\n",
        gone.content_type(),
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&body[..body.len() / 2]).await.unwrap();
    socket.shutdown().await.unwrap();
    drop(socket);

    // The next callback is served normally, and the cut one left nothing.
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/callback"))
        .multipart(http_form(SECRET, "After", "png", fixture("capture.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        all_keys(store.as_ref()).await,
        vec![key_today("After", "png").to_string()]
    );
}

#[test]
fn the_example_prints_a_curl_command_that_names_a_real_sample() {
    let curl = example::sample_curl("127.0.0.1:3000".parse().unwrap(), "abc");
    let path = curl.split("file=@").nth(1).unwrap().trim();
    assert!(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(path)
            .is_file(),
        "{path}"
    );
    assert!(curl.contains("callback_secret=abc"));
    let secret = example::generate_secret().unwrap();
    assert_eq!(secret.len(), 32);
    assert!(secret.chars().all(|c| c.is_ascii_alphanumeric()));
}

#[tokio::test]
async fn a_saturated_sink_closes_the_connection_of_a_callback_that_waited_over_http() {
    use crate::common::faulty::FaultyStore;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let store = memory();
    // Every store call takes 300 ms, and the budget admits one large
    // callback at a time: a second callback waits for it.
    let slow = FaultyStore::slow(store.clone(), std::time::Duration::from_millis(300));
    let sink = one_callback_budget(slow).build().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = example::app(sink, example::Recorded::default());
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The first takes the whole budget (its length is over the bound).
    let client = reqwest::Client::new();
    let large = large_pdf(200_000);
    let first = tokio::spawn(
        client
            .post(format!("http://{addr}/callback"))
            .multipart(http_form(SECRET, "Large", "pdf", large))
            .send(),
    );
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    // The second, on a raw connection asking to be kept alive: too large to
    // be read whole before its secret is checked, it must claim its share
    // and wait; the server answers, then closes the connection.
    let waiting = callback("Waiting", "pdf", large_pdf(200_000));
    let body = waiting.body();
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /callback HTTP/1.1\r\nhost: {addr}\r\nconnection: keep-alive\r\n\
         content-type: {}\r\ncontent-length: {}\r\n\r\n",
        waiting.content_type(),
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&body).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        socket.read_to_end(&mut answer),
    )
    .await
    .expect("the server closes the connection after its answer")
    .unwrap();
    let answer = String::from_utf8_lossy(&answer).to_lowercase();
    assert!(answer.starts_with("http/1.1 200"), "{answer}");
    assert!(answer.contains("\r\nconnection: close\r\n"), "{answer}");

    // The first found the budget free: its connection is kept.
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers().get("connection"), None);
    assert_eq!(all_keys(store.as_ref()).await.len(), 2);
}
