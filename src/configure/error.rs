//! Errors in the sink's configuration.

use std::fmt;

/// An invalid configuration, reported by [`CaptureSinkBuilder::build`](crate::CaptureSinkBuilder::build)
/// or by the builder step that received it.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// A secret was empty: it would let anyone write to the store.
    EmptySecret,
    /// A configuration key that does not exist (`SinkConfigKey` and
    /// `NotifierConfigKey` name them all).
    UnknownKey {
        /// The key as given.
        key: String,
    },
    /// No secret was configured: the sink refuses to run unauthenticated.
    NoSecret,
    /// A key prefix (`key_prefix` or `staging_prefix`) is not a valid,
    /// non-empty object path.
    InvalidPrefix {
        /// The builder setting.
        setting: &'static str,
        /// The prefix as given.
        prefix: String,
        /// Why `object_store` refused it; `None` for an empty prefix.
        source: Option<object_store::path::Error>,
    },
    /// A master key for minted secrets is unusable.
    InvalidMintKey {
        /// The key's id as given.
        id: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A canned ACL cannot be sent as a header value.
    InvalidAcl {
        /// The ACL as given.
        acl: String,
    },
    /// An object tag S3 would refuse: see
    /// [`CaptureSinkBuilder::tag`](crate::CaptureSinkBuilder::tag).
    InvalidTag {
        /// The tag's key.
        key: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A setting that takes a URL (or a storage class) was given a value
    /// that cannot be used.
    InvalidSetting {
        /// The setting, e.g. `public_urls`.
        setting: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
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
    /// A size, count or time limit is out of range, or the limits do not
    /// fit together.
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
            ConfigError::UnknownKey { key } => write!(f, "unknown configuration key `{key}`"),
            ConfigError::NoSecret => f.write_str(
                "no callback secret configured: call `secret` (or `secrets`) on the builder",
            ),
            ConfigError::InvalidPrefix {
                setting,
                prefix,
                source: None,
            } => write!(f, "invalid `{setting}` {prefix:?}: must not be empty"),
            ConfigError::InvalidPrefix {
                setting, prefix, ..
            } => write!(f, "invalid `{setting}` {prefix:?}"),
            ConfigError::InvalidMintKey { id, reason } => {
                write!(f, "invalid mint key {id:?}: {reason}")
            }
            ConfigError::InvalidAcl { acl } => {
                write!(f, "invalid canned ACL {acl:?}: not a valid header value")
            }
            ConfigError::InvalidLimit { name, reason } => write!(f, "invalid `{name}`: {reason}"),
            ConfigError::InvalidTag { key, reason } => write!(f, "invalid tag {key:?}: {reason}"),
            ConfigError::InvalidSetting {
                setting,
                value,
                reason,
            } => write!(f, "invalid `{setting}` {value:?}: {reason}"),
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
            ConfigError::InvalidPrefix {
                source: Some(source),
                ..
            } => Some(source),
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
