//! `[hooks] authorize` through the binary: the app, verifying each
//! question's Standard Webhooks signature, allows under a prefix, refuses
//! with its own status, fails (503), or is down (503); nothing is stored
//! unasked, and a stranger never reaches it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use standardwebhooks::Webhook;

use super::notify::WHSEC;
use super::{Server, free_port};
use crate::common::*;

/// The app: answers by the token's first letters; counts the questions
/// whose signature verified, and keeps their bodies.
async fn app() -> (u16, Arc<AtomicUsize>, Arc<Mutex<Vec<serde_json::Value>>>) {
    let verified = Arc::new(AtomicUsize::new(0));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let (v, b) = (verified.clone(), bodies.clone());
    let hook = move |headers: HeaderMap, body: bytes::Bytes| {
        let (v, b) = (v.clone(), b.clone());
        async move {
            if Webhook::new(WHSEC)
                .unwrap()
                .verify(&body, &headers)
                .is_err()
            {
                return StatusCode::UNAUTHORIZED.into_response();
            }
            v.fetch_add(1, Ordering::SeqCst);
            let question: serde_json::Value = serde_json::from_slice(&body).unwrap();
            b.lock().unwrap().push(question.clone());
            let token = question["token"].as_str().unwrap_or_default().to_owned();
            if token.starts_with("Allow") {
                (
                    StatusCode::OK,
                    r#"{"prefix": "tenant-7", "metadata": {"plan": "pro"}}"#,
                )
                    .into_response()
            } else if token.starts_with("Refuse") {
                (StatusCode::NOT_FOUND, "no such capture in the app").into_response()
            } else {
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = Router::new().route("/authorize", post(hook));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (port, verified, bodies)
}

fn hooks_config(port: u16) -> String {
    format!(
        "[hooks]\nauthorize = \"http://127.0.0.1:{port}/authorize\"\nsecret = \"{WHSEC}\"\ntimeout = \"2s\"\n"
    )
}

async fn send(server: &Server, form: reqwest::multipart::Form) -> (u16, Option<String>, String) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let answer = client
        .post(server.url("/callback"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let retry = answer
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        answer.status().as_u16(),
        retry,
        answer.text().await.unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_allows_refuses_or_fails_and_only_an_allowance_stores() {
    let (port, verified, bodies) = app().await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap().to_owned();
    let env = [
        ("SHOTSINK_STORE", store.as_str()),
        ("SHOTSINK_SECRET", SECRET),
    ];
    let server = Server::start(&hooks_config(port), &env);
    let png = || fixture("capture.png");

    let (status, _, text) = send(&server, http_form(SECRET, "Allow1", "png", png())).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        dir.path()
            .join("tenant-7")
            .join(key_today("Allow1", "png").to_string())
            .is_file(),
        "{text}"
    );
    let (status, _, text) = send(&server, http_form(SECRET, "Refuse1", "png", png())).await;
    assert_eq!(
        (status, text.as_str()),
        (
            404,
            "the app refused this capture: no such capture in the app\n"
        )
    );
    let (status, retry, _) = send(&server, http_form(SECRET, "Broken1", "png", png())).await;
    assert_eq!((status, retry.as_deref()), (503, Some("5")));
    assert_eq!(verified.load(Ordering::SeqCst), 3);
    let question = bodies.lock().unwrap()[0].clone();
    assert_eq!(question["token"], "Allow1");
    assert_eq!(question["format"], "png");
    assert!(
        question["received_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );

    // A stranger never reaches the app; a cached answer asks once.
    let (status, _, _) = send(&server, http_form("not-the-secret", "Allow2", "png", png())).await;
    assert_eq!(status, 403);
    let (status, _, _) = send(&server, http_form(SECRET, "Refuse1", "png", png())).await;
    assert_eq!(status, 404);
    assert_eq!(verified.load(Ordering::SeqCst), 3);

    let mut stored = Vec::new();
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.to_string_lossy().contains(".shotsink") {
                stored.push(path);
            }
        }
    }
    assert_eq!(stored.len(), 1, "{stored:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_that_is_down_is_a_503_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap().to_owned();
    let env = [
        ("SHOTSINK_STORE", store.as_str()),
        ("SHOTSINK_SECRET", SECRET),
    ];
    let server = Server::start(&hooks_config(free_port()), &env);
    let (status, retry, text) = send(
        &server,
        http_form(SECRET, "Down1", "png", fixture("capture.png")),
    )
    .await;
    assert_eq!((status, retry.as_deref()), (503, Some("5")), "{text}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "something was stored"
    );
}
