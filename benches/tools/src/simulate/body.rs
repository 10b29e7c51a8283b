//! What is sent: the files, and a request body made of their pieces.

use bytes::Bytes;
use shotsink::Format;
use shotsink::testing::{generated, sample};

use super::Options;

/// The files to send, made before the clock starts: one's own file, a
/// generated PDF of the asked size, one sample format, or the five samples (callback `i` sends
/// file `i % len`; the bytes are shared, never copied per callback).
pub(super) fn files_for(o: &Options) -> Vec<(Format, Bytes)> {
    if let Some(file) = &o.file {
        return vec![file.clone()];
    }
    match (o.size, o.format) {
        (Some(size), format) => {
            let format = format.unwrap_or(Format::Pdf);
            vec![(format, generated(format, size))]
        }
        (None, Some(format)) => vec![(format, sample(format))],
        (None, None) => Format::ALL.iter().map(|&f| (f, sample(f))).collect(),
    }
}

/// A callback's request body and its length: small bodies as one buffer
/// (one write), large ones as their pieces, the file's bytes not copied.
pub(crate) fn request_body(callback: &shotsink::testing::Callback) -> (reqwest::Body, usize) {
    let chunks = callback.chunks();
    let length: usize = chunks.iter().map(Bytes::len).sum();
    let body = if length <= 1 << 20 {
        reqwest::Body::from(chunks.concat())
    } else {
        reqwest::Body::wrap(Chunks::new(chunks))
    };
    (body, length)
}

/// A request body sent as the pieces it is made of (the callback's
/// multipart framing around the shared file bytes), with its exact length.
pub(super) struct Chunks {
    chunks: std::collections::VecDeque<Bytes>,
    remaining: u64,
}

impl Chunks {
    pub(super) fn new(chunks: Vec<Bytes>) -> Self {
        let remaining = chunks.iter().map(|c| c.len() as u64).sum();
        Self {
            chunks: chunks.into(),
            remaining,
        }
    }
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let next = self.chunks.pop_front();
        if let Some(chunk) = &next {
            self.remaining -= chunk.len() as u64;
        }
        std::task::Poll::Ready(next.map(|c| Ok(http_body::Frame::data(c))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}
