//! Why a callback was refused, and the one mapping of reasons to statuses.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use http::StatusCode;

/// Why a callback was refused.
///
/// Each kind maps to one HTTP status; the mapping lives in
/// [`RejectionKind::status`] and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectionKind {
    /// The request was not a `POST` (405).
    MethodNotAllowed,
    /// The body is not `multipart/form-data` (415).
    NotMultipart,
    /// The form is malformed or misses a required field (400).
    Malformed,
    /// The callback secret is missing or wrong (403).
    Forbidden,
    /// A size limit was exceeded (413).
    TooLarge,
    /// The client stopped sending the body for longer than the idle
    /// timeout, sent it slower than the minimum rate, or did not prove the
    /// secret within its deadline (408).
    Timeout,
    /// A capture is already stored at the key and the overwrite policy is
    /// [`OnExisting::Reject`](crate::OnExisting::Reject) (409).
    Conflict,
    /// The file is not an accepted format, or not the declared one (415).
    UnsupportedType,
    /// The object store failed (502).
    StoreFailed,
    /// The secret resolver failed, or the callback's event could not be
    /// recorded; the sender should retry (503, with `Retry-After`).
    Unavailable,
    /// The sink had no memory budget free within the admission timeout;
    /// the sender should retry after a pause (503, with `Retry-After` and
    /// `Connection: close`).
    Overloaded,
    /// The sink could not finish for a reason of its own (500).
    Internal,
    /// The app's authorizer (`CaptureSinkBuilder::authorizer`) refused the capture
    /// (the 4xx it chose; 403 by default); nothing was stored.
    Refused,
}

impl RejectionKind {
    /// The HTTP status for this kind of rejection.
    pub fn status(self) -> StatusCode {
        match self {
            RejectionKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            RejectionKind::NotMultipart | RejectionKind::UnsupportedType => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            RejectionKind::Malformed => StatusCode::BAD_REQUEST,
            RejectionKind::Forbidden => StatusCode::FORBIDDEN,
            RejectionKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            RejectionKind::Timeout => StatusCode::REQUEST_TIMEOUT,
            RejectionKind::Conflict => StatusCode::CONFLICT,
            RejectionKind::Unavailable | RejectionKind::Overloaded => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            RejectionKind::StoreFailed => StatusCode::BAD_GATEWAY,
            RejectionKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            RejectionKind::Refused => StatusCode::FORBIDDEN,
        }
    }
}

/// A refused callback: its kind, a short reason for the sender, and the
/// underlying error where there is one.
#[derive(Clone)]
pub struct Rejection {
    kind: RejectionKind,
    /// A status chosen for this rejection (an app's refusal), else the
    /// kind's.
    status: Option<StatusCode>,
    reason: Cow<'static, str>,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl Rejection {
    pub(crate) fn new(kind: RejectionKind, reason: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            status: None,
            reason: reason.into(),
            source: None,
        }
    }

    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// What kind of rejection this is.
    pub fn kind(&self) -> RejectionKind {
        self.kind
    }

    /// The HTTP status the sender is answered with.
    pub fn status(&self) -> StatusCode {
        self.status.unwrap_or_else(|| self.kind.status())
    }

    /// The short plain-text reason sent in the response body.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Debug for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rejection")
            .field("kind", &self.kind)
            .field("status", &self.status())
            .field("reason", &self.reason)
            .field("source", &self.source.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl StdError for Rejection {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}
