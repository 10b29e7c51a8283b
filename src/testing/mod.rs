//! A test kit (cargo feature `test-util`): build valid and deliberately
//! invalid callbacks, and run a local capture service that posts real
//! callbacks to your app.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use shotsink::{CaptureSink, Format};
//! use shotsink::object_store::{ObjectStore, memory::InMemory};
//! use shotsink::testing::Callback;
//! use tower::ServiceExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
//! let sink = CaptureSink::builder(store).secret("s3cret").build().unwrap();
//!
//! let ok = Callback::new("s3cret", "Tok1", Format::Png).request("/callback");
//! assert_eq!(sink.service().oneshot(ok).await.unwrap().status(), 200);
//!
//! let forged = Callback::new("guess", "Tok2", Format::Png).request("/callback");
//! assert_eq!(sink.service().oneshot(forged).await.unwrap().status(), 403);
//!
//! let html = Callback::new("s3cret", "Tok3", Format::Png)
//!     .file(bytes::Bytes::from_static(b"<html><script>alert(1)</script>"))
//!     .request("/callback");
//! assert_eq!(sink.service().oneshot(html).await.unwrap().status(), 415);
//! # }
//! ```

mod service;

pub use service::{Delivery, LocalCaptureService, LocalCaptureServiceBuilder};

use bytes::Bytes;
use http_body_util::Full;

use crate::Format;

/// A real capture of each format, made by real encoders (Chromium,
/// ImageMagick): the repository's sample files.
pub fn sample(format: Format) -> Bytes {
    Bytes::from_static(match format {
        Format::Jpeg => include_bytes!("../../tests/fixtures/capture.jpg"),
        Format::Png => include_bytes!("../../tests/fixtures/capture.png"),
        Format::Webp => include_bytes!("../../tests/fixtures/capture.webp"),
        Format::Avif => include_bytes!("../../tests/fixtures/capture.avif"),
        Format::Pdf => include_bytes!("../../tests/fixtures/capture.pdf"),
    })
}

/// A file of `format` and exactly `size` bytes (at least 512): the sample's
/// leading bytes, so it is identified as that format, then the sample
/// repeated (or cut) to the size.
pub fn generated(format: Format, size: usize) -> Bytes {
    let sample = sample(format);
    let size = size.max(512);
    let mut file = Vec::with_capacity(size);
    while file.len() < size {
        let take = sample.len().min(size - file.len());
        file.extend_from_slice(&sample[..take]);
    }
    Bytes::from(file)
}

/// One multipart part of a callback.
#[derive(Debug, Clone)]
struct Part {
    name: String,
    value: Bytes,
    file: bool,
}

/// A capture callback as a capture service sends it: valid by default,
/// and every field can be changed, dropped or moved to make it invalid.
#[derive(Debug, Clone)]
pub struct Callback {
    parts: Vec<Part>,
    boundary: String,
}

impl Callback {
    /// A valid callback: `callback_secret`, `status=OK`, `token`, `format`,
    /// then the sample file of that format.
    pub fn new(secret: &str, token: &str, format: Format) -> Self {
        let text = |name: &str, value: &str| Part {
            name: name.to_owned(),
            value: Bytes::copy_from_slice(value.as_bytes()),
            file: false,
        };
        Self {
            parts: vec![
                text("callback_secret", secret),
                text("status", "OK"),
                text("token", token),
                text("format", format.extension()),
                Part {
                    name: "file".to_owned(),
                    value: sample(format),
                    file: true,
                },
            ],
            boundary: "shotsink-callback-boundary-7d2f".to_owned(),
        }
    }

    /// A render failure: `status=ERR` and no file.
    pub fn render_failed(secret: &str, token: &str) -> Self {
        Self::new(secret, token, Format::Png)
            .field("status", "ERR")
            .without("file")
    }

    /// Sets a text field (replacing it, or adding it last).
    pub fn field(mut self, name: &str, value: &str) -> Self {
        let value = Bytes::copy_from_slice(value.as_bytes());
        match self.parts.iter_mut().find(|p| p.name == name) {
            Some(part) => part.value = value,
            None => self.parts.push(Part {
                name: name.to_owned(),
                value,
                file: false,
            }),
        }
        self
    }

    /// Replaces the file's bytes (or adds a file).
    pub fn file(mut self, bytes: Bytes) -> Self {
        match self.parts.iter_mut().find(|p| p.file) {
            Some(part) => part.value = bytes,
            None => self.parts.push(Part {
                name: "file".to_owned(),
                value: bytes,
                file: true,
            }),
        }
        self
    }

    /// Drops every part with this name.
    pub fn without(mut self, name: &str) -> Self {
        self.parts.retain(|p| p.name != name);
        self
    }

    /// Moves the file before the other fields (the order a sender may use).
    pub fn file_first(mut self) -> Self {
        self.parts.sort_by_key(|p| !p.file);
        self
    }

    /// Reverses the order of the parts.
    pub fn reversed(mut self) -> Self {
        self.parts.reverse();
        self
    }

    /// The `Content-Type` header value, with the boundary.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The raw multipart body.
    pub fn body(&self) -> Bytes {
        Bytes::from(self.chunks().concat())
    }

    /// The raw multipart body as the pieces it is made of, in order: the
    /// file's bytes are shared, not copied, so a large callback can be sent
    /// many times without building its body each time.
    pub fn chunks(&self) -> Vec<Bytes> {
        let mut chunks = Vec::with_capacity(self.parts.len() * 2 + 1);
        for part in &self.parts {
            let disposition = if part.file {
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"capture\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n",
                    part.name
                )
            } else {
                format!(
                    "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    part.name
                )
            };
            // The delimiter that ends the previous part (or opens the body)
            // goes with this part's head.
            let opening = if chunks.is_empty() { "" } else { "\r\n" };
            chunks.push(Bytes::from(format!(
                "{opening}--{}\r\n{disposition}",
                self.boundary
            )));
            chunks.push(part.value.clone());
        }
        let closing = if chunks.is_empty() { "" } else { "\r\n" };
        chunks.push(Bytes::from(format!("{closing}--{}--\r\n", self.boundary)));
        chunks
    }

    /// The callback as a `POST` request to `uri`.
    pub fn request(&self, uri: &str) -> http::Request<Full<Bytes>> {
        let body = self.body();
        let mut request = http::Request::new(Full::new(body.clone()));
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = uri.parse().unwrap_or_else(|_| http::Uri::from_static("/"));
        let headers = request.headers_mut();
        if let Ok(value) = http::HeaderValue::from_str(&self.content_type()) {
            headers.insert(http::header::CONTENT_TYPE, value);
        }
        headers.insert(http::header::CONTENT_LENGTH, body.len().into());
        request
    }
}
