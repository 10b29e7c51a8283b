//! The server's configuration: defaults, then a TOML file, then the
//! environment. `SHOTSINK_<SECTION>__<KEY>` sets any key
//! (`SHOTSINK_LIMITS__MAX_FILE_SIZE="10 MiB"`, `SHOTSINK_LISTEN=...`); the
//! examples' variables (`SHOTSINK_STORE`, `SHOTSINK_ADDR`,
//! `SHOTSINK_SECRET` comma-separated, `SHOTSINK_MAX_FILE_SIZE`,
//! `SHOTSINK_MAX_BUFFERED`) keep working and win over the file. An unknown
//! key or a bad value is an error naming it.

use std::fmt;

use shotsink::SinkConfigKey;
use shotsink::notify::NotifierConfigKey;

mod apply;
mod describe;
mod library;
mod load;
mod schema;
mod secrets;
mod source;
#[cfg(test)]
mod tests;
mod validate;

pub(crate) use schema::{Config, LogConfig, LogFormat};
pub(crate) use secrets::generate_secret;

/// A library error in this server's words: the library names its setters
/// (`NotifierBuilder::timeout`), the operator knows the keys
/// (`notify.timeout`).
pub(crate) fn in_server_terms(error: shotsink::ConfigError) -> shotsink::ConfigError {
    use shotsink::ConfigError;
    match error {
        ConfigError::InvalidSetting {
            setting,
            value,
            reason,
        } => ConfigError::InvalidSetting {
            setting: server_key(setting),
            value,
            reason,
        },
        ConfigError::InvalidLimit { name, reason } => ConfigError::InvalidLimit {
            name: server_key(name),
            reason,
        },
        ConfigError::InvalidPrefix {
            setting,
            prefix,
            source,
        } => ConfigError::InvalidPrefix {
            setting: server_key(setting),
            prefix,
            source,
        },
        other => other,
    }
}

/// The key of this server's configuration that sets a library setting:
/// the library's own key for the method an error names.
fn server_key(setting: &'static str) -> &'static str {
    let sink = SinkConfigKey::ALL.iter().map(|k| (k.setter(), k.as_str()));
    let notify = NotifierConfigKey::ALL
        .iter()
        .map(|k| (k.setter(), k.as_str()));
    sink.chain(notify)
        .find(|(setter, _)| *setter == setting)
        .map_or(setting, |(_, key)| key)
}

/// Why a configuration cannot be used; names the key and where it came
/// from.
#[derive(Debug)]
pub(crate) struct ConfigLoadError(pub(crate) String);

impl fmt::Display for ConfigLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigLoadError {}

impl Config {
    /// The store's location, as configured.
    pub(crate) fn store_url(&self) -> &str {
        &self.store.url
    }

    /// Whether neither static secrets nor mint keys are configured (the
    /// server then generates one for the run).
    pub(crate) fn needs_generated_secret(&self) -> bool {
        self.secrets.values.is_empty() && self.secrets.mint_keys.is_empty() && !self.file_given
    }

    /// The static secrets.
    pub(crate) fn secrets(&self) -> &[String] {
        &self.secrets.values
    }
}
