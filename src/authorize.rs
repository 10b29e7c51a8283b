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

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use http::StatusCode;
use object_store::path::Path;
use tokio::sync::Semaphore;

use crate::{BoxError, Format, Rejection, RejectionKind};

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

/// Where an allowed capture goes: the prefix and metadata checked.
#[derive(Debug, Clone, Default)]
pub(crate) struct Placement {
    pub(crate) prefix: Option<Path>,
    pub(crate) metadata: Vec<(String, String)>,
}

impl Placement {
    /// `key` under the prefix.
    pub(crate) fn key(&self, key: Path) -> Path {
        match &self.prefix {
            Some(prefix) => prefix.parts().chain(key.parts()).collect(),
            None => key,
        }
    }
}

/// The authorizer with its bounds, as the sink holds it.
pub(crate) struct Gate {
    authorizer: Arc<dyn Authorizer>,
    timeout: Duration,
    permits: Semaphore,
    /// First segments an app's prefix may not start with (lowercase): the
    /// journal's and the staging area's.
    reserved: Vec<String>,
}

impl Gate {
    pub(crate) fn new(
        authorizer: Arc<dyn Authorizer>,
        timeout: Duration,
        concurrency: usize,
        staging_prefix: &Path,
    ) -> Self {
        let mut reserved = vec![".shotsink".to_owned()];
        reserved.extend(
            staging_prefix
                .parts()
                .next()
                .map(|p| p.as_ref().to_ascii_lowercase()),
        );
        Self {
            authorizer,
            timeout,
            permits: Semaphore::new(concurrency.clamp(1, Semaphore::MAX_PERMITS)),
            reserved,
        }
    }

    /// Asks the app, within the timeout (the wait for a free slot
    /// included).
    pub(crate) async fn ask(&self, request: AuthorizeRequest) -> Result<Placement, Rejection> {
        let token = request.token.clone();
        let asked = async {
            let _permit = self.permits.acquire().await.ok();
            self.authorizer.authorize(request).await
        };
        let answer = match tokio::time::timeout(self.timeout, asked).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(error)) => {
                return Err(unavailable("the app could not be asked; retry later")
                    .with_source(Boxed(error)));
            }
            Err(_) => return Err(unavailable("the app did not answer in time; retry later")),
        };
        match answer {
            Authorization::Allow { prefix, metadata } => {
                let placement = check(prefix, metadata, &self.reserved).map_err(|why| {
                    tracing::warn!(%token, why, "the app's authorization is not usable");
                    unavailable("the app's answer is not usable; retry later")
                })?;
                Ok(placement)
            }
            Authorization::Refuse { status, reason } => {
                let status = if status.is_client_error() {
                    status
                } else {
                    StatusCode::FORBIDDEN
                };
                let reason: String = reason
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect();
                let reason = match reason.is_empty() {
                    true => "the app refused this capture".to_owned(),
                    false => format!("the app refused this capture: {reason}"),
                };
                Err(Rejection::new(RejectionKind::Refused, reason).with_status(status))
            }
        }
    }
}

fn unavailable(reason: &'static str) -> Rejection {
    Rejection::new(RejectionKind::Unavailable, reason)
}

/// The prefix and metadata within their rules.
fn check(
    prefix: Option<String>,
    metadata: Vec<(String, String)>,
    reserved: &[String],
) -> Result<Placement, &'static str> {
    let prefix = match prefix.as_deref().map(|p| p.trim_matches('/')) {
        None | Some("") => None,
        Some(p) if p.len() > MAX_PREFIX_BYTES => return Err("the prefix is too long"),
        Some(p) => {
            let segment = |s: &str| {
                !s.is_empty()
                    && s != "."
                    && s != ".."
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            };
            if !p.split('/').all(segment) {
                return Err("the prefix has a segment outside [A-Za-z0-9._-]");
            }
            let first = p.split('/').next().unwrap_or_default().to_ascii_lowercase();
            if reserved.contains(&first) {
                return Err("the prefix is the journal's or the staging area's");
            }
            Some(Path::from(p))
        }
    };
    if metadata.len() > MAX_METADATA {
        return Err("too many metadata entries");
    }
    let bytes: usize = metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
    if bytes > MAX_METADATA_BYTES {
        return Err("the metadata is too large");
    }
    let reserved = ["token", "width", "height", "size", "sha256"];
    for (key, value) in &metadata {
        let key_ok = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !reserved.contains(&key.as_str());
        if !key_ok || !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err("a metadata key or value is not allowed");
        }
    }
    Ok(Placement { prefix, metadata })
}

/// A `BoxError` kept as a source.
#[derive(Debug)]
struct Boxed(BoxError);

impl std::fmt::Display for Boxed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Boxed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}
