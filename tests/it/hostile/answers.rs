//! What a sender is told, and what the store is left with: early answers
//! that real clients read (one that writes its whole body first, Node's
//! `fetch`), the wording of a failed store write, and an abort or a staged
//! copy that survives the request being dropped.

use std::net::SocketAddr;
use std::time::Duration;

use http::StatusCode;
use shotsink::{CaptureSink, EarlyFile, Rejection, RejectionKind};
use tower::ServiceExt;

use super::{pieces, sink, timed_request};
use crate::common::faulty::{Faults, FaultyStore};
use crate::common::*;

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
