//! SIGTERM during a 30 MiB upload: the process stops accepting, lets the
//! callback finish until its deadline, then cancels it; either way the
//! capture is whole or absent, no multipart upload stays open, and the
//! process exits 0.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{Server, pairs, s3_env};
use crate::common::*;

/// Sends `body` as a callback: the first `before` bytes at once, then the
/// signal, then the rest in 512 KiB pieces every 100 ms (about 4 s for
/// 20 MiB). Returns what the server answered, if anything.
async fn upload_across_a_signal(server: &Server, callback: &Callback, before: usize) -> String {
    let body = callback.body();
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /callback HTTP/1.1\r\nHost: shotsink\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
        callback.content_type(),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..before]).await.unwrap();
    // Let the sink read into the multipart upload before the signal.
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.terminate();
    for piece in body[before..].chunks(512 * 1024) {
        if stream.write_all(piece).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_during_an_upload_ends_with_the_whole_capture_or_none_and_exit_0() {
    for (deadline, finishes) in [("30s", true), ("1s", false)] {
        let s3 = S3Server::start().await;
        let mut env = s3_env(&s3);
        env.push(("SHOTSINK_SECRET", SECRET.to_owned()));
        env.push(("SHOTSINK_SHUTDOWN_TIMEOUT", deadline.to_owned()));
        let mut server = Server::start("", &pairs(&env));
        let token = format!("Term{}", deadline.trim_end_matches('s'));
        let data = large_pdf(30 * MIB);
        let sent = callback(&token, "pdf", data.clone());
        let answer = upload_across_a_signal(&server, &sent, 10 * MIB).await;
        let status = tokio::task::block_in_place(|| server.wait(Duration::from_secs(60)));
        let log = server.log_text();
        assert!(
            status.success(),
            "deadline {deadline}: exit {status:?}\n{log}"
        );
        let key = key_today(&token, "pdf");
        let store = s3.store();
        if finishes {
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}\n{log}");
            assert!(answer.contains("stored"), "{answer}");
            assert_eq!(stored_bytes(store.as_ref(), &key).await, data);
        } else {
            assert!(!answer.contains("200 OK"), "{answer}");
            assert!(log.contains("shutdown deadline reached"), "{log}");
            assert_eq!(all_keys(store.as_ref()).await, Vec::<String>::new());
        }
        // Completed or aborted: no multipart upload is left open.
        assert!(s3.upload_leftovers().is_empty(), "deadline {deadline}");
    }
}

/// A second SIGTERM during the drain: the callback in flight is cut at
/// once, not at the 60 s deadline; its upload is aborted, nothing is
/// stored, and the process exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_ends_the_drain_at_once() {
    let s3 = S3Server::start().await;
    let mut env = s3_env(&s3);
    env.push(("SHOTSINK_SECRET", SECRET.to_owned()));
    env.push(("SHOTSINK_SHUTDOWN_TIMEOUT", "60s".to_owned()));
    let mut server = Server::start("", &pairs(&env));
    let sent = callback("Twice", "pdf", large_pdf(30 * MIB));
    let body = sent.body();
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /callback HTTP/1.1\r\nHost: shotsink\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
        sent.content_type(),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..10 * MIB]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.terminate();
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.terminate();
    // Well before the 60 s deadline: the 20 s bound is only there so that
    // a process that ignores the second signal fails the test.
    let status = tokio::task::block_in_place(|| server.wait(Duration::from_secs(20)));
    let log = server.log_text();
    assert!(status.success(), "exit {status:?}\n{log}");
    assert!(log.contains("asked again to stop"), "{log}");
    assert_eq!(all_keys(s3.store().as_ref()).await, Vec::<String>::new());
    assert!(s3.upload_leftovers().is_empty());
}
