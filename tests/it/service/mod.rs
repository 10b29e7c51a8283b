//! The sink through its public tower `Service`, on `InMemory` and on
//! `LocalFileSystem`: what it stores and where (`storing`), its endpoint
//! and middleware forms (`forms`), what it refuses (`refusals`), and its
//! configuration (`config`).

use std::sync::Arc;

use http::StatusCode;
use object_store::ObjectStore;
use shotsink::CaptureSink;
use tower::ServiceExt;

use crate::common::*;

mod config;
mod forms;
mod refusals;
mod storing;

fn sink(store: &Arc<dyn ObjectStore>) -> CaptureSink {
    CaptureSink::builder(store.clone())
        .secret(SECRET)
        .build()
        .unwrap()
}

/// Sends `sent` whole through the endpoint form; the status and the
/// answer's text.
async fn send(sink: &CaptureSink, sent: &Callback) -> (StatusCode, String) {
    let response = sink.service().oneshot(request(sent)).await.unwrap();
    let status = response.status();
    (status, body_text(response).await)
}
