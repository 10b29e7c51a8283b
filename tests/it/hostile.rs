//! A public callback URL that strangers cannot stall, bloat or confuse:
//! admission, time bounds, parser bounds, early answers every client can
//! read, and aborts that survive cancellation.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use http::{Request, StatusCode};
use http_body_util::StreamBody;
use object_store::ObjectStore;
use shotsink::{CaptureSink, CaptureSinkBuilder, EarlyFile, Rejection, RejectionKind};
use tower::ServiceExt;

use crate::common::faulty::{Faults, FaultyStore};
use crate::common::*;

/// A request whose body is `chunks`, each sent after `gap`, then nothing
/// more for ever (or the end of the body, with `end`).
fn timed_request(
    chunks: Vec<Bytes>,
    gap: Duration,
    end: bool,
    content_length: Option<u64>,
) -> Request<ChunkedBody> {
    let frames = stream::iter(chunks)
        .then(move |chunk| async move {
            tokio::time::sleep(gap).await;
            Ok(http_body::Frame::data(chunk))
        })
        .chain(stream::once(async move {
            if !end {
                std::future::pending::<()>().await;
            }
            Ok(http_body::Frame::data(Bytes::new()))
        }))
        .boxed();
    let mut request = raw_request(StreamBody::new(frames));
    if let Some(len) = content_length {
        request.headers_mut().insert("content-length", len.into());
    }
    request
}

/// `body` cut into pieces of `size` bytes.
fn pieces(body: &Bytes, size: usize) -> Vec<Bytes> {
    (0..body.len())
        .step_by(size)
        .map(|i| body.slice(i..(i + size).min(body.len())))
        .collect()
}

fn sink(store: Arc<dyn ObjectStore>) -> CaptureSinkBuilder {
    CaptureSink::builder(store).secret(SECRET)
}

#[tokio::test]
async fn stalled_strangers_and_stalled_senders_do_not_hold_back_a_valid_callback() {
    let store = memory();
    // 2 MiB for strangers (each holds at least a 16 KiB ticket), 3 MiB of
    // claims for verified callbacks.
    let sink = sink(store.clone())
        .part_size(256 * 1024)
        .max_unverified_file_size(256 * 1024)
        .max_unverified_bytes(2 * 1024 * 1024)
        .max_buffered_bytes(5 * 1024 * 1024)
        .admission_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut stalled = Vec::new();
    // Strangers: a large declared length, a partial part header, then
    // nothing.
    for _ in 0..50 {
        let head = Bytes::from(format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"fi"
        ));
        let request = timed_request(vec![head], Duration::ZERO, false, Some(10_000_000));
        stalled.push(tokio::spawn(sink.service().oneshot(request)));
    }
    // Senders with the secret that sent half of a 200 KB file, then
    // stalled: what they declared, with the buffers a claim adds (9 MB),
    // is far more than the budget; what they sent (2 MB) is not.
    for i in 0..20 {
        let body = callback(&format!("Half{i}"), "pdf", large_pdf(200_000)).body();
        let len = body.len() as u64;
        let request = timed_request(
            vec![body.slice(..body.len() / 2)],
            Duration::ZERO,
            false,
            Some(len),
        );
        stalled.push(tokio::spawn(sink.service().oneshot(request)));
    }
    // Past the 150 ms after which a stalled callback gives back what
    // it claimed but does not hold.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let response = tokio::time::timeout(
        Duration::from_secs(20),
        sink.service()
            .oneshot(request(&callback("Valid", "png", fixture("capture.png")))),
    )
    .await
    .expect("a valid callback is answered while others stall")
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Valid", "png")).await,
        fixture("capture.png")
    );

    assert!(stalled.iter().all(|task| !task.is_finished()));
    // What the stalled ones hold is what they sent, not what they declared.
    let sent_halves = 20 * 100_000;
    assert!(
        sink.buffered_bytes() < sent_halves + 50 * 1024 + 64 * 1024,
        "held {}",
        sink.buffered_bytes()
    );
    for task in stalled {
        task.abort();
    }
}

#[tokio::test(start_paused = true)]
async fn a_callback_that_gets_no_budget_in_time_is_answered_503_with_retry_after() {
    let store = memory();
    let sink = one_callback_budget(store.clone())
        .admission_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    // A verified sender without a length claims the whole verified pool,
    // and keeps sending slowly (never stalling for the 150 ms after which a claim is given back).
    let body = callback("Hog", "pdf", large_pdf(60_000)).body();
    let hog = tokio::spawn(sink.service().oneshot(timed_request(
        pieces(&body, 1000),
        Duration::from_millis(50),
        true,
        None,
    )));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let body = callback("Late", "pdf", large_pdf(200_000)).body();
    let response = sink
        .service()
        .oneshot(timed_request(vec![body], Duration::ZERO, true, None))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "5");
    assert_eq!(response.headers()["connection"], "close");
    assert!(all_keys(store.as_ref()).await.is_empty());
    hog.abort();
}

#[tokio::test(start_paused = true)]
async fn a_trickle_that_never_goes_silent_is_cut_by_the_minimum_rate() {
    let store = memory();
    let sink = sink(store.clone()).build().unwrap();
    let body = callback("Trickle", "png", fixture("capture.png")).body();
    let started = tokio::time::Instant::now();
    // One byte a second: never silent for the 30 s idle timeout.
    let response = sink
        .service()
        .oneshot(timed_request(
            pieces(&body, 1),
            Duration::from_secs(1),
            true,
            Some(body.len() as u64),
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    let rejection = response.extensions().get::<Rejection>().unwrap();
    assert_eq!(rejection.kind(), RejectionKind::Timeout);
    assert!(rejection.reason().contains("240 bytes/s"), "{rejection:?}");
    // Cut after the 5 s grace, long before the idle timeout.
    assert!(started.elapsed() < Duration::from_secs(8));
    assert!(all_keys(store.as_ref()).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_sender_fast_enough_that_never_proves_the_secret_is_cut_at_the_deadline() {
    let store = memory();
    let sink = sink(store.clone()).build().unwrap();
    // The file first, at 1 KB/s: above the minimum rate, below the hold
    // bound, and no secret within ten seconds.
    let body = callback_file_first("Slow", "pdf", large_pdf(1_000_000)).body();
    let started = tokio::time::Instant::now();
    let response = sink
        .service()
        .oneshot(timed_request(
            pieces(&body, 1000),
            Duration::from_secs(1),
            true,
            None,
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    let rejection = response.extensions().get::<Rejection>().unwrap();
    assert_eq!(rejection.kind(), RejectionKind::Timeout);
    assert!(rejection.reason().contains("not verified"), "{rejection:?}");
    assert!(started.elapsed() < Duration::from_secs(12));
    assert_eq!(sink.buffered_bytes(), 0);
}

/// A body stream that counts what the sink pulled from it.
fn counted(chunks: Vec<Bytes>, pulled: Arc<AtomicUsize>) -> Request<ChunkedBody> {
    let frames = stream::iter(chunks)
        .map(move |chunk| {
            pulled.fetch_add(chunk.len(), Ordering::SeqCst);
            Ok(http_body::Frame::data(chunk))
        })
        .boxed();
    raw_request(StreamBody::new(frames))
}

#[tokio::test]
async fn the_parser_holds_at_most_16_kib_without_progress_before_a_400() {
    let store = memory();
    let sink = sink(store.clone()).build().unwrap();
    let no_boundary = Bytes::from(vec![b'x'; 48 * 1024 * 1024]);
    let endless_header = {
        let mut head = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"callback_secret\"\r\nX: "
        )
        .into_bytes();
        head.resize(48 * 1024 * 1024, b'y');
        Bytes::from(head)
    };
    for (what, body) in [("preamble", no_boundary), ("header block", endless_header)] {
        let pulled = Arc::new(AtomicUsize::new(0));
        let response = sink
            .service()
            .oneshot(counted(pieces(&body, 8 * 1024), pulled.clone()))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
        // The rest was drained (so that the client reads the 400), not held.
        assert_eq!(pulled.load(Ordering::SeqCst), body.len(), "{what}");
    }
    // Held at most: the cap and one 64 KiB burst (and a chunk over it).
    let peak = sink.peak_buffered_bytes();
    assert!(peak <= 16 * 1024 + 64 * 1024 + 8 * 1024, "peak {peak}");
    assert!(all_keys(store.as_ref()).await.is_empty());
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_a_byte_is_read() {
    let store = memory();
    let sink = sink(store.clone())
        .max_body_size(1024 * 1024)
        .build()
        .unwrap();
    let pulled = Arc::new(AtomicUsize::new(0));
    let body = callback("Big", "pdf", large_pdf(2 * 1024 * 1024)).body();
    let mut request = counted(pieces(&body, 64 * 1024), pulled.clone());
    request
        .headers_mut()
        .insert("content-length", body.len().into());
    request
        .headers_mut()
        .insert("expect", "100-continue".parse().unwrap());
    let response = sink.service().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Nothing read, and (the client waits for 100 Continue) nothing
    // invited: the connection is closed instead.
    assert_eq!(pulled.load(Ordering::SeqCst), 0);
    assert_eq!(response.headers()["connection"], "close");
}

async fn serve(sink: CaptureSink) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route_service("/callback", sink.service());
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test]
async fn a_client_that_writes_its_whole_body_before_reading_reads_the_early_answer() {
    let store = memory();
    let addr = serve(
        sink(store.clone())
            .max_body_size(40 * 1024 * 1024)
            .build()
            .unwrap(),
    )
    .await;
    let wrong = wrong_secret_callback(large_pdf(30 * 1024 * 1024));
    assert_eq!(
        write_all_then_read(addr, &wrong).await,
        "HTTP/1.1 403 Forbidden"
    );
    let too_large = callback("Large", "pdf", large_pdf(45 * 1024 * 1024));
    assert_eq!(
        write_all_then_read(addr, &too_large).await,
        "HTTP/1.1 413 Payload Too Large"
    );
    assert!(all_keys(store.as_ref()).await.is_empty());
}

#[tokio::test]
async fn node_fetch_reads_the_403_on_a_wrong_secret() {
    let Ok(node) = which_node() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have node (Azurite needs it)"
        );
        eprintln!("node not found: the fetch test needs it (CI installs it)");
        return;
    };
    let store = memory();
    let addr = serve(sink(store.clone()).build().unwrap()).await;
    let script = format!(
        r#"
const size = 8 * 1024 * 1024;
const form = new FormData();
form.append("callback_secret", "not-the-secret");
form.append("status", "OK");
form.append("token", "Node");
form.append("format", "pdf");
form.append("file", new Blob([new Uint8Array(size).fill(37)]), "capture.pdf");
let ok = 0;
for (let i = 0; i < 10; i++) {{
  try {{
    const response = await fetch("http://{addr}/callback", {{ method: "POST", body: form }});
    if (response.status === 403) ok++;
    else console.log("status", response.status);
  }} catch (e) {{ console.log("error", e.cause ? e.cause.code : e.message); }}
}}
console.log(`403 in ${{ok}} of 10`);
"#
    );
    let output = tokio::process::Command::new(node)
        .arg("--input-type=module")
        .arg("-e")
        .arg(script)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("403 in 10 of 10"), "{stdout}");
    assert!(all_keys(store.as_ref()).await.is_empty());
}

fn which_node() -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("node"))
        .find(|path| path.is_file())
        .ok_or(())
}

#[tokio::test]
async fn an_abort_survives_the_request_being_dropped_midway() {
    let store = memory();
    let faulty = FaultyStore::new(
        store.clone(),
        Faults {
            fail_part: Some(2),
            abort_delay: Some(Duration::from_millis(300)),
            ..Faults::default()
        },
    );
    let sink = sink(faulty.clone()).part_size(64 * 1024).build().unwrap();
    let body = callback("Cut", "pdf", large_pdf(400 * 1024)).body();
    let call = tokio::spawn(sink.service().oneshot(timed_request(
        pieces(&body, 64 * 1024),
        Duration::ZERO,
        true,
        None,
    )));
    // The second part fails, the abort starts (and takes 300 ms): drop the
    // request meanwhile, as a server does when the client goes away.
    while faulty.counts.get(&faulty.counts.aborts) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    call.abort();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(faulty.counts.get(&faulty.counts.aborted), 1);
    assert!(all_keys(store.as_ref()).await.is_empty());
}

#[tokio::test]
async fn a_staged_capture_is_copied_and_cleaned_up_even_if_the_request_is_dropped() {
    let store = memory();
    let faulty = FaultyStore::new(
        store.clone(),
        Faults {
            copy_delay: Some(Duration::from_millis(300)),
            ..Faults::default()
        },
    );
    let sink = sink(faulty.clone())
        .part_size(64 * 1024)
        .max_unverified_file_size(64 * 1024)
        .early_file(EarlyFile::Stage)
        .build()
        .unwrap();
    let data = large_pdf(300 * 1024);
    let call = tokio::spawn(sink.service().oneshot(request(&callback_file_first(
        "Staged",
        "pdf",
        data.clone(),
    ))));
    // Wait until the staged upload is complete and the copy under way.
    while faulty.counts.get(&faulty.counts.completes) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    call.abort();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let keys = all_keys(store.as_ref()).await;
    assert_eq!(
        keys,
        vec![key_today("Staged", "pdf").to_string()],
        "{keys:?}"
    );
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Staged", "pdf")).await,
        data
    );
}

#[tokio::test]
async fn a_failed_final_write_says_the_capture_may_be_stored_and_a_failed_part_that_nothing_is() {
    let small = || large_pdf(32 * 1024);
    let large = || large_pdf(200 * 1024);
    let cases = [
        (
            "put",
            Faults {
                fail_put: true,
                ..Faults::default()
            },
            "pdf",
            small(),
            "may or may not be stored",
        ),
        (
            "complete",
            Faults {
                fail_complete: true,
                ..Faults::default()
            },
            "pdf",
            large(),
            "may or may not be stored",
        ),
        (
            "part",
            Faults {
                fail_part: Some(1),
                ..Faults::default()
            },
            "pdf",
            large(),
            "nothing was stored",
        ),
    ];
    for (what, faults, format, data, expected) in cases {
        let store = memory();
        let sink = sink(FaultyStore::new(store.clone(), faults))
            .part_size(64 * 1024)
            .build()
            .unwrap();
        let response = sink
            .service()
            .oneshot(request(&callback("Failed", format, data)))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY, "{what}");
        let rejection = response.extensions().get::<Rejection>().unwrap();
        assert_eq!(rejection.kind(), RejectionKind::StoreFailed, "{what}");
        assert!(
            rejection.reason().contains(expected),
            "{what}: {rejection:?}"
        );
    }
}
