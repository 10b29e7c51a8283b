//! The actix-web example over real TCP: its server on a loopback port, a
//! real HTTP client sending the sample captures.
#![cfg(feature = "actix")]

#[path = "../../examples/actix.rs"]
#[allow(dead_code)]
mod example;

use std::sync::Arc;

use object_store::ObjectStore;
use shotsink::CaptureSink;

use crate::common::*;

/// Serves the actix example's app for `sink` on a loopback port while
/// `client` runs, then stops the server.
fn with_server<F, Fut>(sink: CaptureSink, client: F)
where
    F: FnOnce(std::net::SocketAddr) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    with_server_timing(sink, example::HEAD_TIMEOUT, client);
}

fn with_server_timing<F, Fut>(sink: CaptureSink, head: std::time::Duration, client: F)
where
    F: FnOnce(std::net::SocketAddr) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = example::server_with(sink, listener, head).unwrap();
    let handle = server.handle();
    let system = std::thread::spawn(move || actix_web::rt::System::new().block_on(server));
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        client(addr).await;
        handle.stop(true).await;
    });
    system.join().unwrap().unwrap();
}

#[test]
fn the_actix_example_stores_what_it_receives_and_refuses_what_it_must() {
    let store: Arc<dyn ObjectStore> = memory();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .part_size(64 * 1024)
        .build()
        .unwrap();
    with_server(sink, |addr| async move {
        let client = reqwest::Client::new();
        let url = format!("http://{addr}/callback");
        for (name, format, ext, _) in FIXTURES {
            let data = fixture(name);
            let token = format!("Actix{ext}");
            let response = client
                .post(&url)
                .multipart(http_form(SECRET, &token, format, data.clone()))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{name}");
            assert_eq!(
                response.text().await.unwrap(),
                format!("stored {}\n", key_today(&token, ext))
            );
            assert_eq!(
                stored_bytes(store.as_ref(), &key_today(&token, ext)).await,
                data
            );
        }
        // A large file goes through the payload bridge in parts.
        let big = large_pdf(1024 * 1024 + 3);
        let response = client
            .post(&url)
            .multipart(http_form(SECRET, "ActixBig", "pdf", big.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            stored_bytes(store.as_ref(), &key_today("ActixBig", "pdf")).await,
            big
        );

        let response = client
            .post(&url)
            .multipart(http_form("wrong", "ActixNo", "png", fixture("capture.png")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403);
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()["allow"], "POST");
        assert_eq!(all_keys(store.as_ref()).await.len(), FIXTURES.len() + 1);
    });
}

#[test]
fn the_actix_route_closes_the_connection_of_a_callback_that_waited_for_the_budget() {
    use crate::common::faulty::FaultyStore;

    let store: Arc<dyn ObjectStore> = memory();
    // Store calls take 300 ms and the budget admits one large callback.
    let slow = FaultyStore::slow(store.clone(), std::time::Duration::from_millis(300));
    let sink = one_callback_budget(slow).build().unwrap();
    with_server(sink, |addr| async move {
        let client = reqwest::Client::new();
        let url = format!("http://{addr}/callback");
        let first = tokio::spawn(
            client
                .post(&url)
                .multipart(http_form(SECRET, "ActixLarge", "pdf", large_pdf(200_000)))
                .send(),
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let second = client
            .post(&url)
            // Too large to be read whole before its secret is checked: it
            // must claim its share, and wait.
            .multipart(http_form(SECRET, "ActixWaited", "pdf", large_pdf(200_000)))
            .send()
            .await
            .unwrap();
        assert_eq!(second.status(), 200);
        assert_eq!(second.headers()["connection"], "close");
        let first = first.await.unwrap().unwrap();
        assert_eq!(first.status(), 200);
        assert_ne!(
            first.headers().get("connection").map(|v| v.as_bytes()),
            Some(&b"close"[..])
        );
        assert_eq!(all_keys(store.as_ref()).await.len(), 2);
    });
}

#[test]
fn a_client_that_writes_its_whole_body_before_reading_reads_the_actix_routes_403() {
    let store: Arc<dyn ObjectStore> = memory();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .build()
        .unwrap();
    with_server(sink, |addr| async move {
        let wrong = wrong_secret_callback(large_pdf(30 * 1024 * 1024));
        assert_eq!(
            write_all_then_read(addr, &wrong).await,
            "HTTP/1.1 403 Forbidden"
        );
        assert!(all_keys(store.as_ref()).await.is_empty());
    });
}

#[test]
fn the_actix_example_closes_idle_and_trickling_connections() {
    let store = memory();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .build()
        .unwrap();
    with_server_timing(sink, std::time::Duration::from_secs(1), |addr| async move {
        crate::examples::idle_and_trickling_connections_are_closed(addr, &store).await;
    });
}
