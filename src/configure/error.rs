//! Errors in the sink's configuration.

use std::fmt;

/// An invalid setting: the builders' errors. [`CaptureSinkBuilder::build`](crate::CaptureSinkBuilder::build)
/// reports any of them (a setter's mistake is kept until then);
/// `NotifierBuilder::check` and `build` and `HttpAuthorizer::new` report
/// [`InvalidSetting`](Self::InvalidSetting) and
/// [`InvalidLimit`](Self::InvalidLimit), [`KeyLayout::with_prefix`](crate::KeyLayout::with_prefix)
/// [`InvalidPrefix`](Self::InvalidPrefix), [`Secret::new`](crate::Secret::new)
/// [`EmptySecret`](Self::EmptySecret). Opening a store has its own error,
/// [`StoreUrlError`](crate::StoreUrlError), as has a mint key
/// (`mint::MintKeyError`) and a key parsed from text
/// ([`UnknownConfigKey`](crate::configure::UnknownConfigKey)).
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// A secret was empty: it would let anyone write to the store.
    EmptySecret,
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
            ConfigError::InvalidLimit { name, reason } => write!(f, "invalid `{name}`: {reason}"),
            ConfigError::InvalidTag { key, reason } => write!(f, "invalid tag {key:?}: {reason}"),
            ConfigError::InvalidSetting {
                setting,
                value,
                reason,
            } => write!(f, "invalid `{setting}` {value:?}: {reason}"),
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
            _ => None,
        }
    }
}

/// A configuration key that does not exist: what parsing a
/// [`SinkConfigKey`](crate::SinkConfigKey) (or the notifier's key) from
/// text returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownConfigKey {
    /// The key as given.
    pub key: String,
}

impl fmt::Display for UnknownConfigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown configuration key `{}`", self.key)
    }
}

impl std::error::Error for UnknownConfigKey {}
