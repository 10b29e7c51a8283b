//! A public callback URL that strangers cannot stall, bloat or confuse:
//! admission, time bounds, parser bounds, early answers every client can
//! read, and aborts that survive cancellation.
//!
//! Strangers and the memory budget, with the parser's bounds, are in
//! `strangers`; the time bounds in `clocks`; what real clients read, what
//! a failed store write says, and what survives a dropped request in
//! `answers`. The request builders they share are here.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use http::Request;
use http_body_util::StreamBody;
use object_store::ObjectStore;
use shotsink::{CaptureSink, CaptureSinkBuilder};

use crate::common::*;

mod answers;
mod clocks;
mod strangers;
pub(crate) mod types;

/// A request whose body is `chunks`, each sent after `gap`, then nothing
/// more for ever (or the end of the body, with `end`).
fn timed_request(
    chunks: Vec<Bytes>,
    gap: Duration,
    end: bool,
    content_length: Option<u64>,
) -> Request<ChunkedBody> {
    let frames = stream::iter(chunks)
        .then(move |chunk| async move {
            tokio::time::sleep(gap).await;
            Ok(http_body::Frame::data(chunk))
        })
        .chain(stream::once(async move {
            if !end {
                std::future::pending::<()>().await;
            }
            Ok(http_body::Frame::data(Bytes::new()))
        }))
        .boxed();
    let mut request = raw_request(StreamBody::new(frames));
    if let Some(len) = content_length {
        request.headers_mut().insert("content-length", len.into());
    }
    request
}

/// `body` cut into pieces of `size` bytes.
fn pieces(body: &Bytes, size: usize) -> Vec<Bytes> {
    (0..body.len())
        .step_by(size)
        .map(|i| body.slice(i..(i + size).min(body.len())))
        .collect()
}

fn sink(store: Arc<dyn ObjectStore>) -> CaptureSinkBuilder {
    CaptureSink::builder(store).secret(SECRET)
}
