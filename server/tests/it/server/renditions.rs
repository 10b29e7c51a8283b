//! Renditions through the binary: made after the 200 and listed in the
//! event; a process killed (`kill -9`) while it makes them leaves them owed
//! in the journal, and the next process, or the replica that takes its
//! lease over, makes them; no rendition is ever listed half-written.

use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use bytes::Bytes;
use image::ImageEncoder;
use object_store::local::LocalFileSystem;
use object_store::{ObjectStore, ObjectStoreExt};
use tokio::sync::mpsc;

use super::notify::WHSEC;
use super::{Server, free_port};
use crate::common::*;

/// The journal's settings of the events tests, and two renditions.
fn config(port: u16) -> String {
    format!(
        "[capture]\non_existing = \"keep_first\"\n\n[notify]\nurl = \"http://127.0.0.1:{port}/hooks/shotsink\"\nsecret = \"{WHSEC}\"\nmax_attempts = 1000\nfirst_backoff = \"200ms\"\nmax_backoff = \"1s\"\nlease = \"2s\"\n\n[renditions]\nlist = [\"thumb\", \"card\"]\n"
    )
}

/// An app on `port` that accepts every event, handing on each body.
async fn app(port: u16) -> mpsc::UnboundedReceiver<serde_json::Value> {
    let (tx, rx) = mpsc::unbounded_channel();
    let hook = move |body: Bytes| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(serde_json::from_slice(&body).unwrap());
            http::StatusCode::NO_CONTENT
        }
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let router = Router::new().route("/hooks/shotsink", post(hook));
    tokio::spawn(async move { axum::serve(listener, router).await });
    rx
}

/// A full-page capture: the fixture stacked six times (1280 × 4800), long
/// enough to decode that a kill soon after the 200 lands mid-rendition.
fn full_page() -> Bytes {
    let tile = image::load_from_memory(&fixture("capture.png"))
        .unwrap()
        .to_rgb8();
    let (w, h) = tile.dimensions();
    let mut page = Vec::with_capacity(tile.as_raw().len() * 6);
    for _ in 0..6 {
        page.extend_from_slice(tile.as_raw());
    }
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(&page, w, h * 6, image::ExtendedColorType::Rgb8)
        .unwrap();
    out.into()
}

async fn send(server: &Server, token: &str, file: Bytes) {
    let form = http_form(SECRET, token, "png", file);
    let answer = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(server.url("/callback"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{}", server.log_text());
}

/// The names of every file under `dir`.
fn walk_names(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).into_iter().flatten().flatten() {
            match entry.path().is_dir() {
                true => stack.push(entry.path()),
                false => found.push(entry.file_name().to_string_lossy().into_owned()),
            }
        }
    }
    found
}

/// The journal's pending records under `dir`, as text.
fn pending_records(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.join(".shotsink/events/pending")];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                found.push(std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    found
}

/// Waits for the event of `token`, for at most 60 s.
async fn event_of(
    events: &mut mpsc::UnboundedReceiver<serde_json::Value>,
    token: &str,
) -> serde_json::Value {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let event = tokio::time::timeout(left, events.recv())
            .await
            .unwrap_or_else(|_| panic!("no event for {token} within 60 s"))
            .unwrap();
        if event["data"]["token"] == token {
            return event;
        }
    }
}

/// The event lists both renditions done, and each is in the store whole,
/// as listed: decoded at its size.
async fn assert_made(dir: &std::path::Path, event: &serde_json::Value) {
    let store = LocalFileSystem::new_with_prefix(dir).unwrap();
    let renditions = event["data"]["renditions"]
        .as_array()
        .expect("renditions listed");
    let expected = [("thumb", 320, 1200), ("card", 1200, 630)];
    assert_eq!(renditions.len(), 2, "{event}");
    for (entry, (name, w, h)) in renditions.iter().zip(expected) {
        assert_eq!(entry["name"], name);
        assert_eq!(entry["state"], "done", "{entry}");
        let key = object_store::path::Path::from(entry["key"].as_str().unwrap());
        let bytes = store.get(&key).await.unwrap().bytes().await.unwrap();
        assert_eq!(entry["size"].as_u64(), Some(bytes.len() as u64));
        let image = image::load_from_memory(&bytes).unwrap();
        assert_eq!((image.width(), image.height()), (w, h), "{key}");
    }
    // Nothing listed in the store is a rendition that does not decode.
    let listed: Vec<_> = futures_util::TryStreamExt::try_collect::<Vec<_>>(store.list(None))
        .await
        .unwrap();
    for meta in listed {
        let key = meta.location.to_string();
        if key.contains(".thumb.") || key.contains(".card.") {
            let bytes = store
                .get(&meta.location)
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert!(
                image::load_from_memory(&bytes).is_ok(),
                "{key} listed half-written"
            );
        }
    }
}

/// Sends one full page to `first` and kills it once it has begun making
/// the renditions (its debug line), before it finished (the record still
/// says pending, and no rendition was stored).
async fn kill_mid_rendition(first: &mut Server, dir: &std::path::Path, token: &str) {
    send(first, token, full_page()).await;
    let until = Instant::now() + Duration::from_secs(20);
    while !first.log_text().contains("making renditions") {
        assert!(Instant::now() < until, "never began: {}", first.log_text());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    tokio::task::block_in_place(|| first.kill());
    let stored = walk_names(dir);
    assert!(
        !stored
            .iter()
            .any(|n| n.contains(".thumb.") || n.contains(".card.")),
        "a rendition was stored before the kill: {stored:?}"
    );
    let records = pending_records(dir);
    assert!(
        records
            .iter()
            .any(|r| r.contains(token) && r.contains("\"pending\"")),
        "the renditions were not owed at the kill: {records:?}\n{}",
        first.log_text()
    );
}

/// The app up on a free port, a directory store, and the environment of a
/// server storing into it with debug lines (the "making renditions" one).
async fn setup() -> (
    u16,
    mpsc::UnboundedReceiver<serde_json::Value>,
    tempfile::TempDir,
) {
    let port = free_port();
    let events = app(port).await;
    (port, events, tempfile::tempdir().unwrap())
}

fn env(store: &str) -> [(&'static str, &str); 3] {
    [
        ("SHOTSINK_STORE", store),
        ("SHOTSINK_SECRET", SECRET),
        ("RUST_LOG", "info,shotsink=debug"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renditions_owed_at_a_kill_9_are_made_by_the_next_process() {
    let (port, mut events, dir) = setup().await;
    let env = env(dir.path().to_str().unwrap());
    let mut first = Server::start(&config(port), &env);
    kill_mid_rendition(&mut first, dir.path(), "KilledMidRendition").await;
    assert!(
        events.try_recv().is_err(),
        "an event was sent before the kill"
    );
    let second = Server::start(&config(port), &env);
    let event = event_of(&mut events, "KilledMidRendition").await;
    assert_made(dir.path(), &event).await;
    assert!(
        second.log_text().contains("taking over"),
        "{}",
        second.log_text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_replica_s_renditions_are_made_by_the_other() {
    let (port, mut events, dir) = setup().await;
    let env = env(dir.path().to_str().unwrap());
    let mut first = Server::start(&config(port), &env);
    let second = Server::start(&config(port), &env);
    kill_mid_rendition(&mut first, dir.path(), "ReplicaRendition").await;
    let event = event_of(&mut events, "ReplicaRendition").await;
    assert_made(dir.path(), &event).await;
    assert!(
        second.log_text().contains("taking over"),
        "{}",
        second.log_text()
    );
}
