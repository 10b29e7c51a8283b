//! Helpers shared by the integration tests: fixtures, callbacks (built with
//! `shotsink::testing::Callback`), requests, store inspection, an S3
//! server in process (`s3`), and moto's S3 server when one runs (`moto`).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::TryStreamExt;
use http::Request;
use http_body_util::Full;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use shotsink::Format;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub use shotsink::testing::{Callback, ChunkedBody};

pub mod faulty;
pub mod invariants;
mod moto;
mod s3;

pub use moto::Moto;
pub use s3::{S3_BUCKET, S3Server, SeenRequest};

/// A mebibyte.
pub const MIB: usize = 1024 * 1024;

pub const SECRET: &str = "test-secret-7f3a";
/// The boundary of every callback built here, for bodies made by hand.
pub const BOUNDARY: &str = "shotsink-test-boundary-d1b4";
/// The size of the chunks a [`chunked`] request's body arrives in.
pub const CHUNK: usize = 64 * 1024;

/// A file of the repository's `tests/fixtures` (from the library's tests
/// or the server crate's, which include these helpers).
pub fn fixture(name: &str) -> Bytes {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = match crate_dir.join("tests/fixtures").is_dir() {
        true => crate_dir.join("tests/fixtures"),
        false => crate_dir.join("../tests/fixtures"),
    };
    let path = dir.join(name);
    Bytes::from(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// The five fixtures: file name, declared format, expected extension and
/// content type.
pub const FIXTURES: [(&str, &str, &str, &str); 5] = [
    ("capture.png", "png", "png", "image/png"),
    ("capture.jpg", "jpg", "jpg", "image/jpeg"),
    ("capture.webp", "webp", "webp", "image/webp"),
    ("capture.avif", "avif", "avif", "image/avif"),
    ("capture.pdf", "pdf", "pdf", "application/pdf"),
];

/// A generated PDF of `len` bytes: a real header followed by varied bytes.
pub fn large_pdf(len: usize) -> Bytes {
    let mut data = Vec::with_capacity(len);
    data.extend_from_slice(b"%PDF-1.4\n");
    let mut x: u32 = 0x1234_5678;
    while data.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data.extend_from_slice(&x.to_le_bytes());
    }
    data.truncate(len.saturating_sub(7));
    data.extend_from_slice(b"\n%%EOF\n");
    Bytes::from(data)
}

/// A valid callback with [`SECRET`]: `callback_secret`, `status=OK`,
/// `token`, `format` as given (any string, known or not), then `data` as
/// the file.
pub fn callback(token: &str, format: &str, data: Bytes) -> Callback {
    Callback::new(SECRET, token, Format::Png)
        .boundary(BOUNDARY)
        .field("format", format)
        .file(data)
}

/// A callback with a wrong secret, file last.
pub fn wrong_secret_callback(data: Bytes) -> Callback {
    callback("Wrong", "pdf", data).field("callback_secret", "not-the-secret")
}

/// The same fields with the file first.
pub fn callback_file_first(token: &str, format: &str, data: Bytes) -> Callback {
    callback(token, format, data).file_first()
}

/// The callback as one body and no declared length, as the suites have
/// always sent it: a `Content-Length` changes what the sink admits (a
/// length over the limit is refused unread, a known length is claimed
/// whole), which the tests that want it set themselves.
pub fn request(callback: &Callback) -> Request<Full<Bytes>> {
    let mut request = callback.request("/callback");
    request.headers_mut().remove(http::header::CONTENT_LENGTH);
    request
}

/// The callback's body in 64 KiB chunks, with no declared length.
pub fn chunked(callback: &Callback) -> Request<ChunkedBody> {
    callback.chunked_request("/callback", CHUNK, None)
}

/// As [`chunked`], cut off after `at` bytes with a connection error, the
/// way a client that goes away mid-upload looks to the server.
pub fn cut_at(callback: &Callback, at: usize) -> Request<ChunkedBody> {
    callback.chunked_request("/callback", CHUNK, Some(at))
}

/// A `POST /callback` of a body made by hand (a corrupted form, a stream
/// that stalls or counts what was pulled), under [`BOUNDARY`], with no
/// declared length.
pub fn raw_request<B>(body: B) -> Request<B> {
    Request::post("/callback")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .unwrap()
}

/// The key a capture is stored at today.
pub fn key_today(token: &str, ext: &str) -> Path {
    let today = chrono::Utc::now().format("%Y/%m/%d");
    Path::from(format!("screenshots/{today}/{token}.{ext}"))
}

pub async fn all_keys(store: &dyn ObjectStore) -> Vec<String> {
    let mut keys: Vec<String> = store
        .list(None)
        .map_ok(|meta| meta.location.to_string())
        .try_collect()
        .await
        .unwrap();
    keys.sort();
    keys
}

pub async fn body_text<B>(response: http::Response<B>) -> String
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    use http_body_util::BodyExt;
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

pub fn memory() -> Arc<dyn ObjectStore> {
    Arc::new(object_store::memory::InMemory::new())
}

pub async fn stored_bytes(store: &dyn ObjectStore, key: &Path) -> Bytes {
    store.get(key).await.unwrap().bytes().await.unwrap()
}

/// A callback as a real HTTP client's multipart form.
pub fn http_form(secret: &str, token: &str, format: &str, file: Bytes) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("callback_secret", secret.to_owned())
        .text("status", "OK")
        .text("token", token.to_owned())
        .text("format", format.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::stream(file).file_name("capture"),
        )
}

/// A sink builder whose memory budget admits exactly one callback of
/// unknown or large length: 64 KiB parts, one in flight, so the
/// per-callback bound is 64 + 64 + 64 KiB of form overhead + 256 KiB of
/// buffers, and the budget is that bound. While such a callback is read,
/// every other callback waits for the budget.
pub fn one_callback_budget(store: Arc<dyn ObjectStore>) -> shotsink::CaptureSinkBuilder {
    shotsink::CaptureSink::builder(store)
        .secret(SECRET)
        .part_size(64 * 1024)
        .max_unverified_file_size(64 * 1024)
        .max_parts_in_flight(1)
        // One verified callback (448 KiB) beside the unverified pool.
        .max_unverified_bytes(128 * 1024)
        .max_buffered_bytes(448 * 1024 + 128 * 1024)
}

/// Writes the whole callback (with its `Content-Length`) before reading
/// anything, as Node's `fetch` does, then reads the answer's status line.
pub async fn write_all_then_read(addr: SocketAddr, callback: &Callback) -> String {
    let body = callback.body();
    let mut socket = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /callback HTTP/1.1\r\nhost: {addr}\r\ncontent-type: {}\r\ncontent-length: {}\r\n\r\n",
        callback.content_type(),
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket
        .write_all(&body)
        .await
        .expect("the server reads the whole body");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}
