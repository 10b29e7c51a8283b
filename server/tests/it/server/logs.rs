//! The log an operator reads: one line per callback whatever a sender
//! puts in its fields, with the client's address (or, behind a trusted
//! proxy, the one it forwarded) and the token wherever it is known.

use super::{Server, binary};
use crate::common::*;

/// Every line of the log that mentions `needle`.
fn lines_with(log: &str, needle: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains(needle))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_sender_cannot_forge_a_log_line_and_refusals_name_the_client_and_token() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap().to_owned();
    let env = [
        ("SHOTSINK_STORE", store.as_str()),
        ("SHOTSINK_SECRET", SECRET),
        ("RUST_LOG", "info"),
    ];
    let server = Server::start("trusted_proxies = [\"127.0.0.1\"]\n", &env);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();

    // A render failure whose status carries a whole forged line.
    let forged = "ERR\n2026-12-06T00:00:00Z  INFO capture stored key=forged/Evil.png";
    let form = reqwest::multipart::Form::new()
        .text("callback_secret", SECRET)
        .text("status", forged)
        .text("token", "Forger");
    let answer = client
        .post(server.url("/callback"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);

    // A file that is not the declared format: refused with 415, after the
    // token was read; sent through the "proxy" (the peer is trusted).
    let form = http_form(
        SECRET,
        "NotAPng",
        "png",
        bytes::Bytes::from_static(b"<html>hi</html>"),
    );
    let answer = client
        .post(server.url("/callback"))
        .header("x-forwarded-for", "203.0.113.9")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 415);

    let log = server.log_text();
    // The forged text stays inside the one line of the render failure.
    let forged_lines = lines_with(&log, "key=forged");
    assert_eq!(forged_lines.len(), 1, "{log}");
    assert!(
        forged_lines[0].contains("render failure acknowledged"),
        "{log}"
    );
    assert!(forged_lines[0].contains("token=Forger"), "{log}");
    // The refusal names the forwarded client and the token.
    let refused = lines_with(&log, "callback rejected");
    assert_eq!(refused.len(), 1, "{log}");
    assert!(refused[0].contains("client=203.0.113.9"), "{}", refused[0]);
    assert!(refused[0].contains("token=NotAPng"), "{}", refused[0]);
}

#[test]
fn trusted_proxies_are_shown_by_check_config() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shotsink.toml");
    std::fs::write(
        &file,
        "trusted_proxies = [\"10.0.0.1\"]\n[secrets]\nvalues = [\"a-strong-enough-secret-9f2k\"]\n",
    )
    .unwrap();
    let out = binary()
        .args(["check-config", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("trusted_proxies = [\"10.0.0.1\"]"),
        "{stdout}"
    );
}
