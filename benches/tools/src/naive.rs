//! The baseline: the handler people write by hand with axum's `Multipart`
//! extractor, buffering the whole file, then one put. Same protocol and
//! answers as the sink on the happy path; no streaming, no type check, no
//! memory bound. Served by the `naive` binary; `benches/pipeline.rs`
//! includes this file too, so it uses nothing else of this crate.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::routing::post;
use bytes::Bytes;
use shotsink::object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload};

#[derive(Clone)]
struct App {
    store: Arc<dyn ObjectStore>,
    secret: String,
}

/// The baseline app at `/callback`.
pub fn app(store: Arc<dyn ObjectStore>, secret: String) -> Router {
    Router::new()
        .route("/callback", post(callback))
        .layer(DefaultBodyLimit::disable())
        .with_state(App { store, secret })
}

async fn callback(State(app): State<App>, mut form: Multipart) -> (StatusCode, String) {
    let (mut secret, mut status, mut token, mut format, mut file) =
        (None, None, None, None, None::<Bytes>);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let Ok(value) = field.bytes().await else {
                    return (StatusCode::BAD_REQUEST, "bad field\n".into());
                };
                let text = || String::from_utf8_lossy(&value).into_owned();
                match name.as_str() {
                    "callback_secret" => secret = Some(text()),
                    "status" => status = Some(text()),
                    "token" => token = Some(text()),
                    "format" => format = Some(text()),
                    "file" => file = Some(value),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => return (StatusCode::BAD_REQUEST, "bad form\n".into()),
        }
    }
    if secret.as_deref() != Some(app.secret.as_str()) {
        return (StatusCode::FORBIDDEN, "forbidden\n".into());
    }
    if status.as_deref() != Some("OK") {
        return (StatusCode::OK, "render failure acknowledged\n".into());
    }
    let token: String = token
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let (Some(file), false) = (file, token.is_empty()) else {
        return (StatusCode::BAD_REQUEST, "missing field\n".into());
    };
    let ext = match format.as_deref() {
        Some(f @ ("jpg" | "png" | "webp" | "avif" | "pdf")) => f.to_owned(),
        _ => "jpg".to_owned(),
    };
    let content_type = match ext.as_str() {
        "pdf" => "application/pdf".to_owned(),
        "jpg" => "image/jpeg".to_owned(),
        other => format!("image/{other}"),
    };
    // As people write it: the layout spelled out by hand.
    let key = format!(
        "screenshots/{}/{token}.{ext}",
        chrono::Utc::now().format("%Y/%m/%d")
    );
    let opts = PutOptions {
        attributes: Attributes::from_iter([(Attribute::ContentType, content_type)]),
        ..Default::default()
    };
    let payload = PutPayload::from(file);
    let mut result = app
        .store
        .put_opts(&key.as_str().into(), payload.clone(), opts)
        .await;
    // Local disk takes no attributes.
    if let Err(shotsink::object_store::Error::NotImplemented { .. }) = result {
        result = app
            .store
            .put_opts(&key.as_str().into(), payload, PutOptions::default())
            .await;
    }
    match result {
        Ok(_) => (StatusCode::OK, format!("stored {key}\n")),
        Err(_) => (StatusCode::BAD_GATEWAY, "store failed\n".into()),
    }
}
