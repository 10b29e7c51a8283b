//! A test kit (cargo feature `test-util`): build valid and deliberately
//! invalid callbacks, and run a local capture service that posts real
//! callbacks to your app.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use shotsink::{CaptureSink, Format};
//! use shotsink::object_store::memory::InMemory;
//! use shotsink::testing::Callback;
//! use tower::ServiceExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let store = Arc::new(InMemory::new());
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
//!
//! // A field sent twice is refused (here the copy comes before the file).
//! let twice = Callback::new("s3cret", "Tok4", Format::Png)
//!     .push_field("token", "Other")
//!     .move_to_end("file")
//!     .request("/callback");
//! assert_eq!(sink.service().oneshot(twice).await.unwrap().status(), 400);
//!
//! // A client that goes away in the middle of the file: a malformed form.
//! let cut = Callback::new("s3cret", "Tok5", Format::Png);
//! let half = cut.body().len() / 2;
//! let cut = cut.chunked_request("/callback", 16 * 1024, Some(half));
//! assert_eq!(sink.service().oneshot(cut).await.unwrap().status(), 400);
//! # }
//! ```

mod callback;
mod service;

pub use callback::{Callback, ChunkedBody};
pub use service::{Delivery, LocalCaptureService, LocalCaptureServiceBuilder};

use bytes::Bytes;

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

/// A file of `format` and exactly `size` bytes (at least 512) that the sink
/// accepts as that format: the sample repeated (or cut) to the size, so its
/// header is the sample's whole header, and a PDF ends with `%%EOF`.
pub fn generated(format: Format, size: usize) -> Bytes {
    const PDF_END: &[u8] = b"\n%%EOF\n";
    let sample = sample(format);
    let size = size.max(512);
    let body = match format {
        Format::Pdf => size - PDF_END.len(),
        _ => size,
    };
    let mut file = Vec::with_capacity(size);
    while file.len() < body {
        let take = sample.len().min(body - file.len());
        file.extend_from_slice(&sample[..take]);
    }
    if format == Format::Pdf {
        file.extend_from_slice(PDF_END);
    }
    Bytes::from(file)
}
