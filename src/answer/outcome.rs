//! What became of an accepted callback: stored, already stored, or a render
//! failure acknowledged.

use object_store::path::Path;

use crate::Format;

/// What became of a callback the sink accepted (answered 200).
///
/// These are the only outcomes a handler behind
/// [`CaptureSink::layer`](crate::CaptureSink::layer) can see: a refused
/// callback is answered by the sink itself, with the
/// [`Rejection`](crate::Rejection) in the response extensions, and never
/// reaches the handler. The outcome is in the request extensions when the
/// inner service is called, and in the response extensions afterwards (in
/// the endpoint form too), for outer layers such as metrics. Every outcome
/// is also logged through `tracing`.
///
/// The three arms are the protocol's: a handler can match them
/// exhaustively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The file was verified and stored.
    Stored(StoredCapture),
    /// A capture with this key was already stored and the overwrite policy
    /// keeps the first ([`OnExisting::KeepFirst`](crate::OnExisting::KeepFirst)):
    /// a re-delivered callback, acknowledged with 200 without writing again.
    AlreadyStored(ExistingCapture),
    /// The sender reported a failed render (`status` other than `OK`);
    /// nothing was stored and the callback is acknowledged with 200.
    RenderFailed(RenderFailure),
}

impl Outcome {
    /// What happened, in a few words (`stored <key>`, `already stored
    /// <key>`, `render failure acknowledged`): the sender's answer is this
    /// line.
    pub fn summary(&self) -> String {
        match self {
            Outcome::Stored(s) => format!("stored {}", s.key),
            Outcome::AlreadyStored(e) => format!("already stored {}", e.key),
            Outcome::RenderFailed(_) => "render failure acknowledged".to_owned(),
        }
    }

    /// The capture's token, when the callback carried a usable one.
    pub fn token(&self) -> Option<&str> {
        match self {
            Outcome::Stored(s) => Some(&s.token),
            Outcome::AlreadyStored(e) => Some(&e.token),
            Outcome::RenderFailed(r) => r.token.as_deref(),
        }
    }
}

/// A capture that landed in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredCapture {
    /// The object's key.
    pub key: Path,
    /// The capture's token, reduced to `[A-Za-z0-9]`.
    pub token: String,
    /// The format the file's bytes were identified as.
    pub format: Format,
    /// The number of bytes stored.
    pub size: u64,
    /// The SHA-256 of the bytes stored, lowercase hex, computed while
    /// streaming; `None` unless enabled with
    /// [`sha256`](crate::CaptureSinkBuilder::sha256) or
    /// [`metadata`](crate::CaptureSinkBuilder::metadata).
    pub sha256: Option<String>,
    /// The store's entity tag for the new object, if it returns one.
    pub e_tag: Option<String>,
    /// The store's version of the new object, if it is versioned.
    pub version: Option<String>,
    /// The image's width in pixels, from its header; `None` for a PDF.
    pub width: Option<u32>,
    /// The image's height in pixels, from its header; `None` for a PDF.
    pub height: Option<u32>,
    /// Where to fetch the capture: its public URL or a presigned one, when
    /// configured with
    /// [`public_urls`](crate::CaptureSinkBuilder::public_urls) or
    /// [`presigned_urls`](crate::CaptureSinkBuilder::presigned_urls).
    /// A presigned URL grants access to whoever holds it until it expires;
    /// the log line shows it without its query, where the signature is.
    pub url: Option<String>,
}

impl StoredCapture {
    /// The object's `Content-Type`, from the verified format.
    pub fn content_type(&self) -> &'static str {
        self.format.content_type()
    }
}

/// A capture found already stored at its key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExistingCapture {
    /// The object's key.
    pub key: Path,
    /// The capture's token, reduced to `[A-Za-z0-9]`.
    pub token: String,
    /// The format of the file in this (re-delivered) callback.
    pub format: Format,
    /// The stored object's size in bytes, from the store; `None` if the
    /// store could not say.
    pub size: Option<u64>,
    /// The stored capture's SHA-256, lowercase hex, when it was stored with
    /// [`metadata`](crate::CaptureSinkBuilder::metadata) in one put (a
    /// multipart upload declares its metadata before the hash is known)
    /// and the store keeps user metadata.
    pub sha256: Option<String>,
    /// The stored image's width in pixels, known as `sha256` is.
    pub width: Option<u32>,
    /// The stored image's height in pixels, known as `sha256` is.
    pub height: Option<u32>,
    /// Where to fetch the capture, when the sink gives links (as
    /// [`StoredCapture::url`]).
    pub url: Option<String>,
}

/// A render failure reported by the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RenderFailure {
    /// The capture's token, reduced to `[A-Za-z0-9]`, if one was sent.
    pub token: Option<String>,
    /// The `status` value the sender reported.
    pub status: String,
}
