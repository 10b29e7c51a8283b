//! The app in the loop: an optional [`Authorizer`] asked, once the
//! callback's secret is proved and before any byte of its file is stored,
//! whether the capture may be stored, and where.
//!
//! A stranger never reaches it: it is asked only after the secret is
//! proved. It answers [`Authorization::Allow`] (optionally with a key
//! prefix and metadata to add to the object), or [`Authorization::Refuse`]
//! with a 4xx status that the sender is answered with, nothing stored. An
//! error, or no answer within the sink's
//! [`authorize_timeout`](crate::CaptureSinkBuilder::authorize_timeout), is
//! a 503 with `Retry-After`: a capture is never stored unasked. At most
//! [`authorize_concurrency`](crate::CaptureSinkBuilder::authorize_concurrency)
//! questions are in flight; a callback that finds none free within the
//! timeout is a 503 too.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use http::StatusCode;
//! use object_store::memory::InMemory;
//! use shotsink::{Authorization, AuthorizeRequest, CaptureSink};
//!
//! let sink = CaptureSink::builder(Arc::new(InMemory::new()))
//!     .secret("s3cret")
//!     .authorizer(|request: AuthorizeRequest| async move {
//!         // Look the token up in the app's own records.
//!         if request.token.starts_with("Cancelled") {
//!             return Ok(Authorization::refuse(StatusCode::GONE, "this capture was cancelled"));
//!         }
//!         Ok(Authorization::allow().with_prefix("customer-42"))
//!     })
//!     .build()
//!     .unwrap();
//! # let _ = sink;
//! ```

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use http::StatusCode;

use crate::{BoxError, Format};

mod gate;

pub(crate) use gate::{Gate, Placement};

/// How long an HTTP authorizer keeps an answer per token, by default.
pub(crate) const HTTP_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// The longest key prefix an app may ask for, in bytes.
pub const MAX_PREFIX_BYTES: usize = 256;
/// The most metadata entries an app may add.
pub const MAX_METADATA: usize = 8;
/// The most bytes of metadata (keys and values) an app may add; S3 keeps
/// 2 KiB of user metadata in all.
pub const MAX_METADATA_BYTES: usize = 1024;

/// What the app is asked about a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizeRequest {
    /// The capture's token, reduced to `[A-Za-z0-9]`.
    pub token: String,
    /// The format the file's bytes were identified as.
    pub format: Format,
    /// When the callback arrived.
    pub received_at: DateTime<Utc>,
}

/// The app's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Authorization {
    /// Store it: under `prefix` before the whole key (the configured key
    /// prefix included, so store credentials limited to that prefix must
    /// allow the app's too), with `metadata` added to the object's user
    /// metadata (where the store keeps it; not on a staged file, whose copy
    /// keeps the staging object's).
    Allow {
        /// Segments of `[A-Za-z0-9._-]`, separated by `/`, at most
        /// [`MAX_PREFIX_BYTES`]; not starting with `.shotsink` or the
        /// staging prefix's first segment, in any case.
        prefix: Option<String>,
        /// Keys of `[a-z0-9-]` other than the sink's own (`token`, `width`,
        /// `height`, `size`, `sha256`); at most [`MAX_METADATA`] entries and
        /// [`MAX_METADATA_BYTES`] in all, printable ASCII values. Azure
        /// takes only C# identifiers as names: no `-` there.
        metadata: Vec<(String, String)>,
    },
    /// Do not store it: the sender is answered `status` (a 4xx; anything
    /// else is taken as 403) with `reason`.
    Refuse {
        /// The status the sender gets.
        status: StatusCode,
        /// One line for the sender (cut to 200 characters).
        reason: String,
    },
}

impl Authorization {
    /// Store it, as the sink would without an authorizer.
    pub fn allow() -> Self {
        Authorization::Allow {
            prefix: None,
            metadata: Vec::new(),
        }
    }

    /// Do not store it; the sender is answered `status` with `reason`.
    pub fn refuse(status: StatusCode, reason: impl Into<String>) -> Self {
        Authorization::Refuse {
            status,
            reason: reason.into(),
        }
    }

    /// An allowance under `prefix`; no change to a refusal.
    pub fn with_prefix(self, prefix: impl Into<String>) -> Self {
        match self {
            Authorization::Allow { metadata, .. } => Authorization::Allow {
                prefix: Some(prefix.into()),
                metadata,
            },
            refuse => refuse,
        }
    }

    /// An allowance with one more metadata entry; no change to a refusal.
    pub fn with_metadata(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        match self {
            Authorization::Allow {
                prefix,
                mut metadata,
            } => {
                metadata.push((key.into(), value.into()));
                Authorization::Allow { prefix, metadata }
            }
            refuse => refuse,
        }
    }
}

/// Decides whether a verified capture may be stored: see the
/// [module documentation](self). Implemented for async closures taking an
/// [`AuthorizeRequest`].
pub trait Authorizer: Send + Sync + 'static {
    /// The answer for `request`; an error is a 503 for the sender.
    fn authorize(
        &self,
        request: AuthorizeRequest,
    ) -> BoxFuture<'static, Result<Authorization, BoxError>>;
}

impl<F, Fut> Authorizer for F
where
    F: Fn(AuthorizeRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Authorization, BoxError>> + Send + 'static,
{
    fn authorize(
        &self,
        request: AuthorizeRequest,
    ) -> BoxFuture<'static, Result<Authorization, BoxError>> {
        Box::pin(self(request))
    }
}
