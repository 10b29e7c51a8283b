//! The [`Callback`] builder: a capture callback as a multipart form, valid
//! by default, and the body of its chunked requests ([`ChunkedBody`]).

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::{self, BoxStream};
use http_body_util::{Full, StreamBody};

use super::sample;
use crate::Format;

/// The body of [`Callback::chunked_request`]: the callback's bytes as a
/// stream of frames, ending with an I/O error where the body is cut.
pub type ChunkedBody =
    StreamBody<BoxStream<'static, Result<http_body::Frame<Bytes>, std::io::Error>>>;

const DEFAULT_BOUNDARY: &str = "shotsink-callback-boundary-7d2f";

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
            boundary: DEFAULT_BOUNDARY.to_owned(),
        }
    }

    /// A form with no parts at all (only its closing delimiter): build any
    /// form, valid or not, part by part with [`push_field`](Self::push_field)
    /// and [`push_file`](Self::push_file), in the order they are pushed.
    pub fn empty() -> Self {
        Self {
            parts: Vec::new(),
            boundary: DEFAULT_BOUNDARY.to_owned(),
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

    /// Adds a text part last, even if a part of that name is already there
    /// (a field sent twice), with any bytes as its value (not UTF-8, a
    /// delimiter inside, ...).
    pub fn push_field(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.parts.push(Part {
            name: name.to_owned(),
            value: Bytes::copy_from_slice(value.as_ref()),
            file: false,
        });
        self
    }

    /// Adds a file part named `name` last, even if the callback already has
    /// a file (a file sent twice). [`file`](Self::file) replaces the first
    /// file part's bytes.
    pub fn push_file(mut self, name: &str, bytes: Bytes) -> Self {
        self.parts.push(Part {
            name: name.to_owned(),
            value: bytes,
            file: true,
        });
        self
    }

    /// Drops every part with this name.
    pub fn without(mut self, name: &str) -> Self {
        self.parts.retain(|p| p.name != name);
        self
    }

    /// Moves every part with this name before the others, keeping their
    /// order.
    pub fn move_to_front(mut self, name: &str) -> Self {
        self.parts.sort_by_key(|p| p.name != name);
        self
    }

    /// Moves every part with this name after the others, keeping their
    /// order (a `callback_secret` after the file, a `format` declared only
    /// once the file was streamed).
    pub fn move_to_end(mut self, name: &str) -> Self {
        self.parts.sort_by_key(|p| p.name == name);
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

    /// Sets the multipart boundary (default: `shotsink-callback-boundary-7d2f`).
    /// It must be a valid one (1 to 70 of the characters RFC 2046 allows,
    /// found nowhere in the parts): the form is built with it as given.
    pub fn boundary(mut self, boundary: &str) -> Self {
        boundary.clone_into(&mut self.boundary);
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

    /// The callback as a `POST` request to `uri`, with its
    /// `Content-Length`.
    pub fn request(&self, uri: &str) -> http::Request<Full<Bytes>> {
        let body = self.body();
        let length = body.len();
        let mut request = self.post(uri, Full::new(body));
        request
            .headers_mut()
            .insert(http::header::CONTENT_LENGTH, length.into());
        request
    }

    /// The callback as a `POST` request to `uri` whose body arrives in
    /// chunks of `chunk_size` bytes, without a `Content-Length` (as a
    /// sender using chunked transfer encoding sends it).
    ///
    /// With `cut_after`, the body stops after that many bytes with a
    /// [`ConnectionReset`](std::io::ErrorKind::ConnectionReset) error: the
    /// way a client that goes away mid-upload looks to the server.
    pub fn chunked_request(
        &self,
        uri: &str,
        chunk_size: usize,
        cut_after: Option<usize>,
    ) -> http::Request<ChunkedBody> {
        let body = self.body();
        let chunk_size = chunk_size.max(1);
        let end = cut_after.map_or(body.len(), |cut| cut.min(body.len()));
        let mut frames: Vec<Result<http_body::Frame<Bytes>, std::io::Error>> = (0..end)
            .step_by(chunk_size)
            .map(|start| {
                let chunk = body.slice(start..end.min(start.saturating_add(chunk_size)));
                Ok(http_body::Frame::data(chunk))
            })
            .collect();
        if cut_after.is_some() {
            frames.push(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "client went away",
            )));
        }
        self.post(uri, StreamBody::new(stream::iter(frames).boxed()))
    }

    /// A `POST` to `uri` with this callback's `Content-Type` and `body`.
    fn post<B>(&self, uri: &str, body: B) -> http::Request<B> {
        let mut request = http::Request::new(body);
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = uri.parse().unwrap_or_else(|_| http::Uri::from_static("/"));
        if let Ok(value) = http::HeaderValue::from_str(&self.content_type()) {
            request
                .headers_mut()
                .insert(http::header::CONTENT_TYPE, value);
        }
        request
    }
}
