//! The invariants the fuzzer and the regression tests hold the sink to,
//! shared by both (`fuzz/fuzz_targets/callback.rs` includes this file).
//!
//! Input: a configuration byte and a raw multipart body (boundary `B`).
//! Invariants: no panic; nothing stored unless the body carries the secret
//! as a whole part value; what is stored is an accepted format, under that
//! format's extension and `Content-Type`, below `screenshots/`; at most one
//! object per callback (staging leaves nothing); no bytes held afterwards.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::memory::InMemory;
use object_store::{Attribute, ObjectStore, ObjectStoreExt};
use shotsink::{CaptureSink, EarlyFile, Format, OnExisting};
use tower::ServiceExt;

pub const FUZZ_SECRET: &str = "fuzz-secret";

/// The sink under test for a configuration byte: bit 0 part size, bit 1
/// hold bound, bit 2 early-file policy, bit 3 overwrite policy.
pub fn fuzz_sink(config: u8, store: Arc<dyn ObjectStore>) -> CaptureSink {
    CaptureSink::builder(store)
        .secret(FUZZ_SECRET)
        .part_size(if config & 1 == 0 { 1024 } else { 8 << 20 })
        .max_unverified_file_size(if config & 2 == 0 { 512 } else { 1 << 20 })
        .early_file(if config & 4 == 0 {
            EarlyFile::Refuse
        } else {
            EarlyFile::Stage
        })
        .on_existing(if config & 8 == 0 {
            OnExisting::Overwrite
        } else {
            OnExisting::KeepFirst
        })
        .build()
        .expect("a valid configuration")
}

/// Runs one input; `Err` names the invariant it broke.
pub async fn check_input(config: u8, body: Bytes) -> Result<(), String> {
    let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let sink = fuzz_sink(config, store.clone());
    let request = http::Request::post("/callback")
        .header("content-type", "multipart/form-data; boundary=B")
        .body(http_body_util::Full::new(body.clone()))
        .map_err(|e| e.to_string())?;
    let Ok(response) = sink.service().oneshot(request).await;
    let status = response.status();

    let stored: Vec<_> = store
        .list(None)
        .try_collect()
        .await
        .map_err(|e| e.to_string())?;
    if stored.len() > 1 {
        return Err(format!("{} objects for one callback", stored.len()));
    }
    if let Some(meta) = stored.first() {
        if status != 200 {
            return Err(format!("stored but answered {status}"));
        }
        // A part's value starts after its blank line and ends at the next
        // delimiter: an accepted secret must stand so in the body.
        let secret_value = format!("\r\n\r\n{FUZZ_SECRET}\r\n--B");
        if !body
            .windows(secret_value.len())
            .any(|w| w == secret_value.as_bytes())
        {
            return Err("stored without the secret".into());
        }
        let key = meta.location.to_string();
        if !key.starts_with("screenshots/") {
            return Err(format!("stored outside the layout: {key}"));
        }
        let got = store.get(&meta.location).await.map_err(|e| e.to_string())?;
        let content_type = got
            .attributes
            .get(&Attribute::ContentType)
            .map(|v| v.to_string());
        let bytes = got.bytes().await.map_err(|e| e.to_string())?;
        let Some(format) = Format::of(&bytes) else {
            return Err(format!("stored bytes at {key} are no accepted format"));
        };
        if !key.ends_with(&format!(".{}", format.extension())) {
            return Err(format!("{key} holds {format}"));
        }
        if content_type.as_deref() != Some(format.content_type()) {
            return Err(format!(
                "{key} has content type {content_type:?} for {format}"
            ));
        }
    }
    if sink.buffered_bytes() != 0 {
        return Err(format!("{} bytes still held", sink.buffered_bytes()));
    }
    Ok(())
}
