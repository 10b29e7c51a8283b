//! The probes and metrics of the running binary: `/healthz`, `/readyz`
//! (the store reachable or not), `/metrics` in Prometheus text after real
//! callbacks.

use http::StatusCode;

use super::{Server, pairs, s3_env};
use crate::common::*;

async fn get(url: &str) -> (u16, String) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn probes_answer_and_metrics_count_what_happened() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap().to_owned();
    let server = Server::start(
        "",
        &[
            ("SHOTSINK_STORE", store.as_str()),
            ("SHOTSINK_SECRET", SECRET),
        ],
    );
    assert_eq!(get(&server.url("/healthz")).await, (200, "ok\n".into()));
    assert_eq!(get(&server.url("/readyz")).await, (200, "ready\n".into()));

    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let form = http_form(SECRET, "Probed", "png", fixture("capture.png"));
    let stored = client.post(server.url("/callback")).multipart(form);
    assert_eq!(stored.send().await.unwrap().status().as_u16(), 200);
    let form = http_form("wrong-secret", "Probed", "png", fixture("capture.png"));
    let refused = client.post(server.url("/callback")).multipart(form);
    assert_eq!(refused.send().await.unwrap().status().as_u16(), 403);

    // Never on the callback listener; the probes on both.
    assert_eq!(get(&server.url("/metrics")).await.0, 404);
    assert_eq!(get(&server.url("/events")).await.0, 404);
    assert_eq!(get(&server.admin_url("/healthz")).await.0, 200);
    assert_eq!(get(&server.admin_url("/readyz")).await.0, 200);
    let (status, metrics) = get(&server.admin_url("/metrics")).await;
    assert_eq!(status, 200);
    let size = fixture("capture.png").len();
    for line in [
        "shotsink_callbacks_total{outcome=\"stored\"} 1".to_owned(),
        "shotsink_callbacks_total{outcome=\"rejected\"} 1".to_owned(),
        "shotsink_rejections_total{kind=\"forbidden\"} 1".to_owned(),
        format!("shotsink_stored_bytes_total {size}"),
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "{line} not in\n{metrics}"
        );
    }
    assert!(
        metrics.contains("shotsink_callback_duration_seconds"),
        "{metrics}"
    );
    let (status, _) = get(&server.url("/nope")).await;
    assert_eq!(status, StatusCode::NOT_FOUND.as_u16());
}

#[tokio::test]
async fn readyz_says_when_the_store_cannot_be_reached() {
    // An S3 server that is gone: the probe fails, the process lives on.
    let s3 = S3Server::start().await;
    let mut env = s3_env(&s3);
    env.push(("SHOTSINK_SECRET", SECRET.to_owned()));
    drop(s3);
    let server = Server::start("", &pairs(&env));
    let (status, body) = get(&server.url("/readyz")).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(get(&server.url("/healthz")).await.0, 200);
}

#[tokio::test]
async fn with_no_configuration_it_generates_a_secret_and_stores_into_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap().to_owned();
    let server = Server::start_without_file(&[("SHOTSINK_STORE", store.as_str())]);
    let line = server
        .stdout
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    let secret = line
        .strip_prefix("no secret configured; generated one for this run: ")
        .unwrap_or_else(|| panic!("{line}"))
        .to_owned();
    assert_eq!(secret.len(), 32);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let form = http_form(&secret, "Fresh", "png", fixture("capture.png"));
    let sent = client.post(server.url("/callback")).multipart(form);
    assert_eq!(sent.send().await.unwrap().status().as_u16(), 200);
    let file = dir.path().join(key_today("Fresh", "png").to_string());
    assert_eq!(std::fs::read(file).unwrap(), fixture("capture.png"));
}

/// Before any callback: every metric of the table is there, described
/// (`# HELP`), the durations as histograms with buckets up to minutes,
/// with `shotsink_build_info` and the process's own metrics.
#[tokio::test]
async fn a_fresh_server_shows_every_metric_described_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap().to_owned();
    let env = [
        ("SHOTSINK_STORE", store.as_str()),
        ("SHOTSINK_SECRET", SECRET),
    ];
    let server = Server::start("", &env);
    let (status, metrics) = get(&server.admin_url("/metrics")).await;
    assert_eq!(status, 200);
    let table = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/metrics.md"),
    )
    .unwrap();
    let names: Vec<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|n| n.starts_with("shotsink_"))
        .collect();
    assert!(names.len() >= 13, "{names:?}");
    for name in names {
        assert!(
            metrics.contains(&format!("# HELP {name} ")),
            "no HELP for {name}:\n{metrics}"
        );
        let series = metrics
            .lines()
            .any(|l| l.starts_with(name) && !l.starts_with('#'));
        assert!(series, "no series for {name}:\n{metrics}");
    }
    for line in [
        "# TYPE shotsink_callback_duration_seconds histogram",
        "shotsink_callback_duration_seconds_bucket{outcome=\"stored\",le=\"300\"} 0",
        "shotsink_callbacks_total{outcome=\"rejected\"} 0",
        "shotsink_rejections_total{kind=\"forbidden\"} 0",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "{line} not in\n{metrics}"
        );
    }
    let version = format!(
        "shotsink_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    assert!(metrics.lines().any(|l| l == version), "{metrics}");
    for process in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_start_time_seconds",
        "shotsink_runtime_tasks",
    ] {
        assert!(
            metrics.contains(&format!("\n{process} ")),
            "{process} not in\n{metrics}"
        );
    }
    // The scrape itself is served by a task: at least one is alive.
    let tasks: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("shotsink_runtime_tasks "))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    assert!(tasks >= 1.0, "{metrics}");
}

/// `shotsink probe`, the container's HEALTHCHECK: 0 while the server
/// answers, 1 once it is gone.
#[test]
fn the_probe_command_says_whether_the_server_answers() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap().to_owned();
    let env = [
        ("SHOTSINK_STORE", store.as_str()),
        ("SHOTSINK_SECRET", SECRET),
    ];
    let mut server = Server::start("", &env);
    let admin = server.admin.unwrap().to_string();
    let probe = || {
        super::binary()
            .arg("probe")
            .env("SHOTSINK_ADMIN_LISTEN", &admin)
            .output()
            .unwrap()
    };
    assert!(probe().status.success());
    server.terminate();
    let _ = server.wait(std::time::Duration::from_secs(30));
    let gone = probe();
    assert_eq!(gone.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&gone.stderr).contains("/healthz"));
}

/// A listener full of idle connections closes new ones at once, says so
/// and counts them; once the idle ones go, a valid callback lands.
#[tokio::test]
async fn past_max_connections_new_ones_are_closed_and_counted() {
    use tokio::io::AsyncReadExt;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap().to_owned();
    let env = [
        ("SHOTSINK_STORE", store.as_str()),
        ("SHOTSINK_SECRET", SECRET),
    ];
    let server = Server::start("max_connections = 20\n", &env);
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(tokio::net::TcpStream::connect(server.addr).await.unwrap());
    }
    // Let the server accept them all before the next ones come.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for _ in 0..5 {
        let mut extra = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let mut buf = [0u8; 16];
        let read = tokio::time::timeout(std::time::Duration::from_secs(10), extra.read(&mut buf));
        assert!(
            matches!(read.await, Ok(Ok(0)) | Ok(Err(_))),
            "an extra connection stayed open"
        );
    }
    drop(idle);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut status = 0;
    for _ in 0..50 {
        let form = http_form(SECRET, "AfterFull", "png", fixture("capture.png"));
        match client
            .post(server.url("/callback"))
            .multipart(form)
            .send()
            .await
        {
            Ok(answer) => {
                status = answer.status().as_u16();
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    assert_eq!(status, 200);
    let (_, metrics) = get(&server.admin_url("/metrics")).await;
    let refused = metrics
        .lines()
        .find_map(|l| l.strip_prefix("shotsink_connections_refused_total "))
        .and_then(|n| n.parse::<u64>().ok());
    assert!(refused.is_some_and(|n| n >= 5), "{metrics}");
    assert!(
        server.log_text().contains("connections refused"),
        "{}",
        server.log_text()
    );
}

/// On every interface, the banner still gives a URL that works.
#[tokio::test]
async fn the_banner_gives_a_usable_url_when_listening_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap().to_owned();
    let env = [
        ("SHOTSINK_STORE", store.as_str()),
        ("SHOTSINK_SECRET", SECRET),
        ("SHOTSINK_LISTEN", "0.0.0.0:0"),
    ];
    let server = Server::start("", &env);
    assert!(server.addr.ip().is_loopback(), "{}", server.addr);
    assert_eq!(get(&server.url("/healthz")).await.0, 200);
}
