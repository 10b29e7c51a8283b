//! The plain-hyper, tower and axum-middleware examples over real TCP.

// Included once for the whole test crate: `http.rs` drives this app too.
#[path = "../../examples/axum.rs"]
#[allow(dead_code)]
pub(crate) mod axum_example;
#[path = "../../examples/hyper.rs"]
#[allow(dead_code)]
mod hyper_example;
#[path = "../../examples/tower.rs"]
#[allow(dead_code)]
mod tower_example;

use std::net::SocketAddr;
use std::sync::Arc;

use object_store::ObjectStore;
use shotsink::CaptureSink;

use crate::common::*;

fn sink(store: &Arc<dyn ObjectStore>) -> CaptureSink {
    CaptureSink::builder(store.clone())
        .secret(SECRET)
        .build()
        .unwrap()
}

async fn post(url: &str, form: reqwest::multipart::Form) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(url)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn listener() -> (tokio::net::TcpListener, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

#[tokio::test]
async fn the_plain_hyper_example_stores_and_refuses_over_http() {
    let store = memory();
    let (listener, addr) = listener().await;
    tokio::spawn(hyper_example::serve(sink(&store), listener));
    let url = format!("http://{addr}/callback");

    let data = fixture("capture.avif");
    let (status, text) = post(&url, http_form(SECRET, "Hyper", "avif", data.clone())).await;
    assert_eq!(
        (status, text),
        (200, format!("stored {}\n", key_today("Hyper", "avif")))
    );
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Hyper", "avif")).await,
        data
    );
    let (status, _) = post(
        &url,
        http_form(SECRET, "HyperJpg", "png", fixture("capture.jpg")),
    )
    .await;
    assert_eq!(status, 415);
    assert_eq!(all_keys(store.as_ref()).await.len(), 1);
}

#[tokio::test]
async fn the_tower_example_serves_callbacks_through_its_layers() {
    let store = memory();
    let (listener, addr) = listener().await;
    let app = tower_example::app(sink(&store), 4);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let url = format!("http://{addr}/callback");
    // More concurrent callbacks than the concurrency limit: all served.
    let sends: Vec<_> = (0..12)
        .map(|i| {
            let url = url.clone();
            tokio::spawn(async move {
                post(
                    &url,
                    http_form(
                        SECRET,
                        &format!("Tower{i}"),
                        "webp",
                        fixture("capture.webp"),
                    ),
                )
                .await
            })
        })
        .collect();
    for send in sends {
        assert_eq!(send.await.unwrap().0, 200);
    }
    assert_eq!(all_keys(store.as_ref()).await.len(), 12);
}

#[tokio::test]
async fn the_axum_example_hands_the_outcome_to_its_handler_in_middleware_form() {
    let store = memory();
    let recorded = axum_example::Recorded::default();
    let (listener, addr) = listener().await;
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .sha256(true)
        .build()
        .unwrap();
    let app = axum_example::app(sink, recorded.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let data = fixture("capture.pdf");
    let len = data.len();
    let (status, text) = post(
        &format!("http://{addr}/callback/recorded"),
        http_form(SECRET, "Recorded", "pdf", data.clone()),
    )
    .await;
    assert_eq!(status, 200);
    let key = key_today("Recorded", "pdf");
    let sha256 = {
        use sha2::{Digest, Sha256};
        Sha256::digest(&data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(text, format!("recorded Recorded {key} {len} {sha256}\n"));
    // A rejection is answered by the sink; the handler records nothing.
    let (status, _) = post(
        &format!("http://{addr}/callback/recorded"),
        http_form("nope", "Intruder", "pdf", data),
    )
    .await;
    assert_eq!(status, 403);
    let listed = reqwest::get(format!("http://{addr}/recorded"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(listed, format!("Recorded {key} {len} {sha256}"));
    assert_eq!(recorded.lock().unwrap().len(), 1);
}

/// 2,000 connections that send nothing, 300 that send a request head a
/// byte every 300 ms and 300 kept alive after a request, silent since, against an example served with a 1 s head deadline:
/// every one is closed by the server (well within 10 s), while a valid
/// callback lands.
pub(crate) async fn idle_and_trickling_connections_are_closed(
    addr: SocketAddr,
    store: &Arc<dyn ObjectStore>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    let mut idle = Vec::new();
    for _ in 0..2000 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    let mut trickles = tokio::task::JoinSet::new();
    for _ in 0..300 {
        trickles.spawn(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let head = b"POST /callback HTTP/1.1\r\nHost: shotsink\r\nContent-Type: multipart/form-data; boundary=B\r\n";
            for byte in head.iter().cycle() {
                if stream.write_all(&[*byte]).await.is_err() {
                    return true;
                }
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            }
            false
        });
    }
    // Kept alive after one answered request, then silent.
    let mut kept = Vec::new();
    for _ in 0..300 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /callback HTTP/1.1\r\nHost: shotsink\r\n\r\n")
            .await
            .unwrap();
        let mut answer = [0u8; 12];
        stream.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"HTTP/1.1 405");
        kept.push(stream);
    }
    let url = format!("http://{addr}/callback");
    let data = fixture("capture.png");
    let (status, _) = post(&url, http_form(SECRET, "Amid", "png", data.clone())).await;
    assert_eq!(status, 200);
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Amid", "png")).await,
        data
    );

    let limit = std::time::Duration::from_secs(10);
    for (index, mut stream) in idle.into_iter().chain(kept).enumerate() {
        let mut buf = [0u8; 4096];
        // A kept-alive connection first yields the rest of its answer.
        let read = tokio::time::timeout(limit, async {
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) => return Ok(0),
                    Ok(_) => continue,
                    Err(e) => return Err(e),
                }
            }
        })
        .await;
        let closed = matches!(read, Ok(Ok(0)) | Ok(Err(_)));
        assert!(closed, "idle connection {index} still open: {read:?}");
    }
    let ended = tokio::time::timeout(limit, async {
        let mut all = Vec::new();
        while let Some(closed) = trickles.join_next().await {
            all.push(closed.unwrap());
        }
        all
    })
    .await
    .expect("trickling connections still open");
    assert!(ended.iter().all(|closed| *closed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hyper_example_closes_idle_and_trickling_connections() {
    let store = memory();
    let (listener, addr) = listener().await;
    let head = std::time::Duration::from_secs(1);
    tokio::spawn(hyper_example::serve_with(sink(&store), listener, head));
    idle_and_trickling_connections_are_closed(addr, &store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_axum_example_closes_idle_and_trickling_connections() {
    let store = memory();
    let (listener, addr) = listener().await;
    let head = std::time::Duration::from_secs(1);
    let app = axum_example::app(sink(&store), Default::default());
    tokio::spawn(axum_example::serve(app, listener, head));
    idle_and_trickling_connections_are_closed(addr, &store).await;
}
