//! The event JSON is what `docs/event.schema.json` says: real events from
//! the binary (stored with metadata and a link, already stored, a render
//! failure with a long status) validated by Python's `jsonschema`, and an
//! altered one refused, so the check is known to bite.

use axum::Router;
use axum::routing::post;

use super::*;

/// An app that keeps every event body it receives.
async fn keeper() -> (u16, Arc<Mutex<Vec<serde_json::Value>>>) {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let into = kept.clone();
    let hook = move |body: bytes::Bytes| {
        let into = into.clone();
        async move {
            into.lock()
                .unwrap()
                .push(serde_json::from_slice(&body).unwrap());
            axum::http::StatusCode::NO_CONTENT
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = Router::new().route("/hooks/shotsink", post(hook));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (port, kept)
}

/// Runs Python's `jsonschema` on `events` against the schema: `Ok` or the
/// validator's complaint.
fn validate(python: &str, events: &[serde_json::Value]) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.json");
    std::fs::write(&file, serde_json::to_vec(events).unwrap()).unwrap();
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/event.schema.json");
    let code = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        jsonschema.Draft202012Validator.check_schema(schema)\n\
        v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)\n\
        for e in json.load(open(sys.argv[2])): v.validate(e)\n";
    let out = std::process::Command::new(python)
        .args(["-c", code])
        .arg(schema)
        .arg(&file)
        .output()
        .unwrap();
    match out.status.success() {
        true => Ok(()),
        false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_events_match_the_documented_schema() {
    let Some(python) = python("the event schema test (Python jsonschema)") else {
        return;
    };
    let (port, kept) = keeper().await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap().to_owned();
    let config = format!(
        "[capture]\non_existing = \"keep_first\"\n\n[object]\nmetadata = true\npublic_urls = \"https://cdn.example.com/shots/\"\n\n[notify]\nurl = \"http://127.0.0.1:{port}/hooks/shotsink\"\nsecret = \"{WHSEC}\"\n\n[renditions]\nlist = [\"thumb\", \"card\"]\n"
    );
    let env = [
        ("SHOTSINK_STORE", store.as_str()),
        ("SHOTSINK_SECRET", SECRET),
    ];
    let server = Server::start(&config, &env);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut forms = vec![
        http_form(SECRET, "Schema1", "png", fixture("capture.png")),
        http_form(SECRET, "Schema1", "png", fixture("capture.png")),
        http_form(SECRET, "Schema2", "pdf", fixture("capture.pdf")),
    ];
    forms.push(
        reqwest::multipart::Form::new()
            .text("callback_secret", SECRET)
            .text("status", "x".repeat(3000))
            .text("token", "Schema3"),
    );
    for form in forms {
        let answer = client
            .post(server.url("/callback"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{}", server.log_text());
    }
    let events = eventually("four events", async || {
        let kept = kept.lock().unwrap().clone();
        (kept.len() >= 4).then_some(kept)
    })
    .await;
    let types: BTreeSet<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(types.len(), 3, "{events:?}");
    validate(&python, &events).unwrap_or_else(|complaint| panic!("{complaint}\n{events:#?}"));
    // Renditions listed: done for the PNG, failed with a reason for the PDF.
    let states: BTreeSet<&str> = events
        .iter()
        .flat_map(|e| e["data"]["renditions"].as_array().into_iter().flatten())
        .filter_map(|r| r["state"].as_str())
        .collect();
    assert_eq!(states, BTreeSet::from(["done", "failed"]), "{events:#?}");

    let mut altered = events[0].clone();
    altered["data"]["sha256"] = "NOT-HEX".into();
    assert!(
        validate(&python, &[altered]).is_err(),
        "the schema let an altered event through"
    );
}
