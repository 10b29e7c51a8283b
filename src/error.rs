//! Errors in the sink's configuration.

use std::fmt;

/// An invalid configuration, reported by [`CaptureSinkBuilder::build`](crate::CaptureSinkBuilder::build)
/// or by the builder step that received it.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// A secret was empty: it would let anyone write to the store.
    EmptySecret,
    /// No secret was configured: the sink refuses to run unauthenticated.
    NoSecret,
    /// The key prefix is not a valid object path.
    InvalidPrefix {
        /// The prefix as given.
        prefix: String,
        /// Why `object_store` refused it.
        source: object_store::path::Error,
    },
    /// A store location could not be used.
    InvalidStoreUrl {
        /// The location as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The object store's builder refused its configuration.
    Store {
        /// The error from `object_store`.
        source: object_store::Error,
    },
    /// A limit is out of range.
    InvalidLimit {
        /// The builder setting.
        name: &'static str,
        /// What the setting needs.
        reason: &'static str,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::EmptySecret => f.write_str("callback secret must not be empty"),
            ConfigError::NoSecret => f.write_str(
                "no callback secret configured: call `secret` (or `secrets`) on the builder",
            ),
            ConfigError::InvalidPrefix { prefix, .. } => {
                write!(f, "invalid key prefix {prefix:?}")
            }
            ConfigError::InvalidLimit { name, reason } => write!(f, "invalid `{name}`: {reason}"),
            ConfigError::InvalidStoreUrl { url, reason } => {
                write!(f, "invalid store location {url:?}: {reason}")
            }
            ConfigError::Store { .. } => f.write_str("object store configuration refused"),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::InvalidPrefix { source, .. } => Some(source),
            ConfigError::Store { source } => Some(source),
            _ => None,
        }
    }
}

impl From<object_store::Error> for ConfigError {
    fn from(source: object_store::Error) -> Self {
        ConfigError::Store { source }
    }
}
