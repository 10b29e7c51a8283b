//! The rejections the pipeline gives, each worded once.

use object_store::path::Path;

use super::bounds::BodyError;
use crate::{BoxError, Rejection, RejectionKind};

pub(crate) fn invalid_secret() -> Rejection {
    Rejection::new(RejectionKind::Forbidden, "invalid callback_secret")
}

pub(crate) fn missing_secret() -> Rejection {
    Rejection::new(RejectionKind::Forbidden, "missing callback_secret")
}

pub(crate) fn duplicate(name: &str) -> Rejection {
    Rejection::new(
        RejectionKind::Malformed,
        format!("field `{name}` sent more than once"),
    )
}

pub(crate) fn missing(name: &str) -> Rejection {
    Rejection::new(RejectionKind::Malformed, format!("missing field `{name}`"))
}

pub(crate) fn conflict(key: &Path) -> Rejection {
    Rejection::new(
        RejectionKind::Conflict,
        format!("a capture is already stored at {key}"),
    )
}

pub(crate) fn not_multipart() -> Rejection {
    Rejection::new(
        RejectionKind::NotMultipart,
        "expected a multipart/form-data body",
    )
}

/// What the form parser reported, as the sender should read it.
pub(crate) fn form_error(error: multer::Error) -> Rejection {
    match &error {
        multer::Error::FieldSizeExceeded { limit, field_name } => Rejection::new(
            RejectionKind::TooLarge,
            format!(
                "field `{}` is larger than {limit} bytes",
                field_name.as_deref().unwrap_or("")
            ),
        ),
        multer::Error::StreamSizeExceeded { limit } => Rejection::new(
            RejectionKind::TooLarge,
            format!("request body is larger than {limit} bytes"),
        ),
        multer::Error::StreamReadFailed(source) if source.is::<BodyError>() => {
            let kind = match source.downcast_ref::<BodyError>() {
                Some(BodyError::ParserStall) => RejectionKind::Malformed,
                Some(BodyError::Overloaded(_)) => RejectionKind::Overloaded,
                _ => RejectionKind::Timeout,
            };
            Rejection::new(kind, source.to_string())
        }
        multer::Error::StreamReadFailed(_) => Rejection::new(
            RejectionKind::Malformed,
            "request body could not be read to its end",
        ),
        _ => Rejection::new(
            RejectionKind::Malformed,
            "malformed multipart/form-data body",
        ),
    }
    .with_source(error)
}

/// A store failure before anything could become visible: the upload, if
/// any, is aborted, so nothing was stored.
pub(crate) fn store_error(error: object_store::Error) -> Rejection {
    crate::metrics::store_error(false);
    let kind = match error {
        object_store::Error::JoinError { .. } => RejectionKind::Internal,
        _ => RejectionKind::StoreFailed,
    };
    Rejection::new(kind, "the object store failed; nothing was stored").with_source(error)
}

/// A failure of the write that makes the capture visible: the request may
/// have reached the store and only its answer been lost.
pub(crate) fn unconfirmed(error: object_store::Error) -> Rejection {
    crate::metrics::store_error(true);
    Rejection::new(
        RejectionKind::StoreFailed,
        "the object store did not confirm the write; the capture may or may not be stored; retry",
    )
    .with_source(error)
}

/// A `BoxError` as an error type of its own, to keep it as a source.
#[derive(Debug)]
pub(crate) struct BoxedError(pub(crate) BoxError);

impl std::fmt::Display for BoxedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for BoxedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// No budget for the stranger's ticket within the admission timeout.
pub(crate) fn overloaded(error: super::budget::Overloaded) -> Rejection {
    Rejection::new(RejectionKind::Overloaded, error.to_string()).with_source(error)
}

/// The capture's event could not be recorded: the sender retries, and
/// finds the capture stored if it was.
#[cfg(feature = "notify")]
pub(crate) fn unrecorded(error: crate::notify::EventLogError) -> Rejection {
    Rejection::new(
        RejectionKind::Unavailable,
        "the capture's event could not be recorded for the app; retry",
    )
    .with_source(error)
}
