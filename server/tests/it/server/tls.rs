//! HTTPS on the callback listener, with certificates made by rcgen: a
//! capture stored over TLS, the certificate replaced while the server runs
//! and the new one served, and files that cannot be used refused by
//! check-config.

use std::path::Path;
use std::time::{Duration, Instant};

use super::{Server, binary};
use crate::common::*;

/// A self-signed certificate for 127.0.0.1 and localhost: its PEM, its
/// key's PEM.
fn certificate() -> (String, String) {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let made = rcgen::generate_simple_self_signed(names).unwrap();
    (made.cert.pem(), made.signing_key.serialize_pem())
}

/// A client that trusts `pem` alone.
fn client(pem: &str) -> reqwest::Client {
    let cert = reqwest::Certificate::from_pem(pem.as_bytes()).unwrap();
    reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([cert])
        .build()
        .unwrap()
}

fn write(dir: &Path, cert: &str, key: &str) {
    std::fs::write(dir.join("cert.pem"), cert).unwrap();
    std::fs::write(dir.join("key.pem"), key).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_lands_over_https_and_a_renewed_certificate_is_served_without_a_restart() {
    let tls = tempfile::tempdir().unwrap();
    let (first, first_key) = certificate();
    write(tls.path(), &first, &first_key);
    let captures = tempfile::tempdir().unwrap();
    let store = captures.path().to_str().unwrap().to_owned();
    let config = format!(
        "[tls]\ncertificate = \"{0}/cert.pem\"\nkey = \"{0}/key.pem\"\n",
        tls.path().display()
    );
    let env = [
        ("SHOTSINK_STORE", store.as_str()),
        ("SHOTSINK_SECRET", SECRET),
    ];
    let server = Server::start(&config, &env);
    let url = format!("https://127.0.0.1:{}/callback", server.addr.port());

    let form = http_form(SECRET, "OverTls", "png", fixture("capture.png"));
    let answer = client(&first)
        .post(&url)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let file = captures
        .path()
        .join(key_today("OverTls", "png").to_string());
    assert_eq!(std::fs::read(file).unwrap(), fixture("capture.png"));
    // The container's HEALTHCHECK asks the admin listener, plain HTTP.
    let admin = server.admin.unwrap().to_string();
    let probe = binary()
        .arg("probe")
        .env("SHOTSINK_ADMIN_LISTEN", &admin)
        .output()
        .unwrap();
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    // Plain HTTP is not served there.
    let plain = format!("http://127.0.0.1:{}/healthz", server.addr.port());
    let plain_client = reqwest::Client::builder().no_proxy().build().unwrap();
    assert!(plain_client.get(&plain).send().await.is_err());

    // Renewed in place, as certbot or cert-manager do; SIGHUP asks for it
    // at once (the files are also looked at every few seconds).
    let (second, second_key) = certificate();
    write(tls.path(), &second, &second_key);
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let health = format!("https://127.0.0.1:{}/healthz", server.addr.port());
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(answer) = client(&second).get(&health).send().await {
            assert_eq!(answer.status().as_u16(), 200);
            break;
        }
        assert!(
            Instant::now() < until,
            "the new certificate never served:\n{}",
            server.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The old one is not served any more.
    assert!(client(&first).get(&health).send().await.is_err());
    assert!(server.log_text().contains("TLS certificate reloaded"));
}

#[test]
fn tls_files_that_cannot_be_used_are_refused_by_check_config() {
    let tls = tempfile::tempdir().unwrap();
    let (cert, _) = certificate();
    let (_, other_key) = certificate();
    write(tls.path(), &cert, &other_key);
    let dir = tls.path().display();
    for (toml, words) in [
        (
            format!("[tls]\ncertificate = \"{dir}/cert.pem\"\nkey = \"{dir}/key.pem\"\n"),
            vec!["`tls.certificate`", "line 2"],
        ),
        (
            format!("[tls]\ncertificate = \"{dir}/cert.pem\"\n"),
            vec!["`tls.certificate`", "needs `tls.key`"],
        ),
        (
            format!("[tls]\ncertificate = \"{dir}/none.pem\"\nkey = \"{dir}/key.pem\"\n"),
            vec!["`tls.certificate`", "none.pem"],
        ),
    ] {
        let file = tls.path().join("shotsink.toml");
        std::fs::write(&file, &toml).unwrap();
        let out = binary()
            .args(["check-config", "--config"])
            .arg(&file)
            .env("SHOTSINK_SECRET", SECRET)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{toml}: {stderr}");
        for word in words {
            assert!(stderr.contains(word), "{word} not in {stderr}");
        }
    }
}
