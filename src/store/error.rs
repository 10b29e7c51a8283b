//! Why a store could not be opened from its URL.

use std::fmt;

/// Why `store_from_url` (or
/// `presigner_from_url`, `s3::canned_acl`) could not open a store.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreUrlError {
    /// The location cannot be used: not a URL or a path, a scheme this
    /// build does not open, a directory that cannot be created, a store
    /// that signs no URLs.
    InvalidLocation {
        /// The location as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A canned ACL cannot be sent as a header value.
    InvalidAcl {
        /// The ACL as given.
        acl: String,
    },
    /// The object store's builder refused its configuration.
    Store {
        /// The error from `object_store`.
        source: object_store::Error,
    },
}

impl fmt::Display for StoreUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreUrlError::InvalidLocation { url, reason } => {
                write!(f, "invalid store location {url:?}: {reason}")
            }
            StoreUrlError::InvalidAcl { acl } => {
                write!(f, "invalid canned ACL {acl:?}: not a valid header value")
            }
            StoreUrlError::Store { source } => {
                write!(f, "object store configuration refused: {source}")
            }
        }
    }
}

impl std::error::Error for StoreUrlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreUrlError::Store { source } => Some(source),
            _ => None,
        }
    }
}

impl From<object_store::Error> for StoreUrlError {
    fn from(source: object_store::Error) -> Self {
        StoreUrlError::Store { source }
    }
}
