//! Honest delivery through the binary: a redirect is a failed attempt,
//! logged at WARN once per interval with its status and `Location`; spent
//! attempts land in the dead letter; `shotsink events` and the admin
//! listener list and replay them, and the replays arrive with their ids.

use std::sync::atomic::AtomicUsize;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header::LOCATION};
use axum::response::IntoResponse;
use axum::routing::{get, post};

use super::super::binary;
use super::*;

/// An app behind an auth middleware: 302 to `/login` while `redirect` is
/// set, 204 otherwise; the ids it accepted, and the GETs of `/login`.
struct App {
    redirect: Arc<AtomicBool>,
    accepted: Arc<Mutex<Vec<String>>>,
    logins: Arc<AtomicUsize>,
    port: u16,
}

async fn app() -> App {
    let redirect = Arc::new(AtomicBool::new(true));
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let logins = Arc::new(AtomicUsize::new(0));
    let (r, a, l) = (redirect.clone(), accepted.clone(), logins.clone());
    let hook = move |headers: HeaderMap| {
        let (r, a) = (r.clone(), a.clone());
        async move {
            if r.load(Ordering::SeqCst) {
                return (StatusCode::FOUND, [(LOCATION, "/login")]).into_response();
            }
            let id = headers["webhook-id"].to_str().unwrap().to_owned();
            a.lock().unwrap().push(id);
            StatusCode::NO_CONTENT.into_response()
        }
    };
    let login = move || {
        let l = l.clone();
        async move {
            l.fetch_add(1, Ordering::SeqCst);
            "login page"
        }
    };
    let router = Router::new()
        .route("/hooks/shotsink", post(hook))
        .route("/login", get(login));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, router).await });
    App {
        redirect,
        accepted,
        logins,
        port,
    }
}

async fn failed_ids(client: &reqwest::Client, admin: &str) -> Vec<serde_json::Value> {
    let listed = client
        .get(format!("{admin}/events?state=failed"))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    listed.json::<Vec<serde_json::Value>>().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_fail_loudly_once_then_dead_letters_are_replayed_by_the_cli_and_the_admin_listener()
 {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let store = store.to_str().unwrap();
    let admin_port = free_port();
    let config = format!(
        "admin_listen = \"127.0.0.1:{admin_port}\"\n\n[notify]\nurl = \"http://127.0.0.1:{}/hooks/shotsink\"\nsecret = \"{WHSEC}\"\nschedule = [\"200ms\", \"200ms\"]\nlease = \"2s\"\n",
        app.port
    );
    let env = [("SHOTSINK_STORE", store), ("SHOTSINK_SECRET", SECRET)];
    let server = Server::start(&config, &env);
    let admin = format!("http://127.0.0.1:{admin_port}");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    for token in ["Redirected1", "Redirected2"] {
        let form = http_form(SECRET, token, "png", fixture("capture.png"));
        let answer = client
            .post(server.url("/callback"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
    // Three attempts each, all redirected: both in the dead letter.
    let failed = eventually("dead-lettered", async || {
        let failed = failed_ids(&client, &admin).await;
        (failed.len() == 2).then_some(failed)
    })
    .await;
    for record in &failed {
        assert_eq!(record["state"], "failed");
        assert_eq!(record["attempts"], 3);
        let error = record["last_error"].as_str().unwrap();
        assert!(
            error.contains("302") && error.contains("location /login"),
            "{error}"
        );
    }
    assert_eq!(
        app.logins.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
    assert!(
        app.accepted.lock().unwrap().is_empty(),
        "a redirect counted as delivered"
    );
    // Six failed attempts within a second: one warning, not six.
    let log = server.log_text();
    let warnings: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("notification attempt failed"))
        .collect();
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(
        warnings[0].contains("302 Found") && warnings[0].contains("location /login"),
        "{}",
        warnings[0]
    );
    let metrics = client
        .get(format!("{admin}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "shotsink_notifications_total{result=\"dead_lettered\"} 2",
        "shotsink_notification_attempts_total{result=\"failed\"} 6",
        "shotsink_notifications_pending 0",
    ] {
        assert!(metrics.contains(line), "{line} not in\n{metrics}");
    }
    assert!(
        metrics.contains("shotsink_notifications_oldest_pending_seconds"),
        "{metrics}"
    );
    // Never on the public listener.
    let public = client
        .get(server.url("/events?state=failed"))
        .send()
        .await
        .unwrap();
    assert_ne!(public.status(), 200);

    // The app is fixed; one event is replayed from the command line, the
    // other through the admin listener.
    app.redirect.store(false, Ordering::SeqCst);
    let ids: Vec<String> = failed
        .iter()
        .map(|r| r["event"]["id"].as_str().unwrap().to_owned())
        .collect();
    let file = dir.path().join("shotsink.toml");
    std::fs::write(&file, &config).unwrap();
    let cli = |args: &[&str]| {
        let out = binary()
            .args(["events"])
            .args(args)
            .arg("--config")
            .arg(&file)
            .envs(env)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, listed, _) = cli(&["list", "--failed"]);
    assert!(
        ok && ids.iter().all(|id| listed.contains(id.as_str())),
        "{listed}"
    );
    let (ok, shown, _) = cli(&["show", &ids[0]]);
    assert!(ok && shown.contains("\"state\": \"failed\""), "{shown}");
    let (ok, out, err) = cli(&["replay", &ids[0]]);
    assert!(ok, "{out}{err}");
    let replayed = client
        .post(format!("{admin}/events/{}/replay", ids[1]))
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), 200);
    let unknown = client
        .post(format!(
            "{admin}/events/msg_00000000000000000000000000000000/replay"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let accepted = eventually("replayed and delivered", async || {
        let accepted = app.accepted.lock().unwrap().clone();
        (accepted.len() >= 2).then_some(accepted)
    })
    .await;
    let mut accepted = accepted;
    accepted.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(accepted, expected, "{}", server.log_text());
    assert!(failed_ids(&client, &admin).await.is_empty());
    let metrics = client
        .get(format!("{admin}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("shotsink_notifications_total{result=\"delivered\"} 2"),
        "{metrics}"
    );
    let (ok, listed, _) = cli(&["list"]);
    assert!(ok, "{listed}");
    eventually("the journal empty", async || {
        let (_, listed, _) = cli(&["list"]);
        listed.trim().is_empty().then_some(())
    })
    .await;
}
