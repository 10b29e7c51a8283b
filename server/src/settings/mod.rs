//! The server's configuration: defaults, then a TOML file, then the
//! environment. `SHOTSINK_<SECTION>__<KEY>` sets any key
//! (`SHOTSINK_LIMITS__MAX_FILE_SIZE="10 MiB"`, `SHOTSINK_LISTEN=...`); the
//! examples' variables (`SHOTSINK_STORE`, `SHOTSINK_ADDR`,
//! `SHOTSINK_SECRET` comma-separated, `SHOTSINK_MAX_FILE_SIZE`,
//! `SHOTSINK_MAX_BUFFERED`) keep working and win over the file. An unknown
//! key or a bad value is an error naming it.

use std::fmt;
use std::str::FromStr;

use figment::Figment;
use figment::providers::{Format, Toml};
use figment::value::Value;
use shotsink::SinkConfigKey;
use shotsink::notify::NotifierConfigKey;

mod apply;
mod describe;
mod library;
mod schema;
#[cfg(test)]
mod tests;

pub(crate) use schema::{Config, LogConfig, LogFormat};

/// The short forms, the same as the examples' variables: part of the
/// interface (the README lists them), each with the key it sets.
const SHORT_FORMS: [(&str, &str); 5] = [
    ("SHOTSINK_STORE", "store.url"),
    ("SHOTSINK_ADDR", "listen"),
    ("SHOTSINK_SECRET", "secrets.values"),
    ("SHOTSINK_MAX_FILE_SIZE", "limits.max_file_size"),
    ("SHOTSINK_MAX_BUFFERED", "limits.max_buffered_bytes"),
];

/// The variable that names the configuration file: not a setting.
const NOT_SETTINGS: [&str; 1] = ["SHOTSINK_CONFIG"];

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

impl From<shotsink::ConfigError> for ConfigLoadError {
    fn from(error: shotsink::ConfigError) -> Self {
        ConfigLoadError(in_server_terms(error).to_string())
    }
}

impl From<shotsink::StoreUrlError> for ConfigLoadError {
    fn from(error: shotsink::StoreUrlError) -> Self {
        ConfigLoadError(format!("`store`: {error}"))
    }
}

impl From<shotsink::mint::MintKeyError> for ConfigLoadError {
    fn from(error: shotsink::mint::MintKeyError) -> Self {
        ConfigLoadError(format!("`secrets.mint_keys`: {error}"))
    }
}

impl From<figment::Error> for ConfigLoadError {
    fn from(error: figment::Error) -> Self {
        // Every error of the chain, each with its key and source; where the
        // value may be a secret, the key alone (figment quotes the value).
        let all: Vec<String> = error
            .into_iter()
            .map(|e| {
                let key = e.path.join(".");
                let secret = key.starts_with("secrets")
                    || key.starts_with("store.options")
                    || key == "notify.secret"
                    || key == "hooks.secret";
                match secret {
                    true => format!("invalid value for key `{key}` (value not shown)"),
                    false => e.to_string(),
                }
            })
            .collect();
        ConfigLoadError(all.join("; "))
    }
}

impl Config {
    /// Defaults, the file (if given; a file given but missing is an
    /// error), then the process's environment.
    pub(crate) fn load(file: Option<&std::path::Path>) -> Result<Config, ConfigLoadError> {
        let toml = match file {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| ConfigLoadError(format!("cannot read {}: {e}", path.display())))?,
            ),
            None => None,
        };
        // Variables that are not Unicode are no settings of ours.
        let env = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        Self::from_parts(toml.as_deref(), env)
    }

    /// As [`load`](Self::load), from a TOML text and the environment given.
    pub(crate) fn from_parts(
        toml: Option<&str>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigLoadError> {
        // Nothing set: the structs' own `Default`s apply.
        let mut figment = Figment::new();
        if let Some(toml) = toml {
            figment = figment.merge(Toml::string(toml));
        }
        let mut short = Vec::new();
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("SHOTSINK_") else {
                continue;
            };
            if NOT_SETTINGS.contains(&name.as_str()) {
                continue;
            }
            if let Some((_, key)) = SHORT_FORMS.iter().find(|(n, _)| *n == name) {
                short.push((*key, value));
                continue;
            }
            let key = rest.to_ascii_lowercase().replace("__", ".");
            figment = figment.merge((key, parse(&value)));
        }
        // The examples' variables win over everything else.
        for (key, value) in short {
            figment = match key {
                "secrets.values" => {
                    let values: Vec<String> = value
                        .split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect();
                    // Empty, as the examples read it: not set.
                    if values.is_empty() {
                        continue;
                    }
                    figment.merge((key, values))
                }
                _ => figment.merge((key, parse(&value))),
            };
        }
        let mut config: Config = figment.extract()?;
        config.settings = library::Library::read(&config.library)?;
        config.validate()?;
        Ok(config)
    }

    /// What serde cannot check: routes that can be mounted, a log filter
    /// that parses.
    fn validate(&self) -> Result<(), ConfigLoadError> {
        let bad = |key: &str, why: &str| Err(ConfigLoadError(format!("invalid `{key}`: {why}")));
        for (key, path) in [("path", &self.path), ("metrics.path", &self.metrics.path)] {
            // `{`, `}` and `*` would be route parameters (a panic in axum).
            if !path.starts_with('/') || path.contains(['?', '#', ' ', '{', '}', '*']) {
                return bad(key, "must be a plain path starting with `/`");
            }
        }
        if ["/healthz", "/readyz"].contains(&self.metrics.path.as_str()) {
            return bad("metrics.path", "is taken by a probe (/healthz, /readyz)");
        }
        let probes = ["/healthz", "/readyz", self.metrics.path.as_str()];
        if probes.contains(&self.path.as_str()) {
            return bad(
                "path",
                "is taken by a probe (/healthz, /readyz, metrics.path)",
            );
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return bad(
                "log.level",
                "not a log filter (e.g. `info`, `shotsink=debug`)",
            );
        }
        Ok(())
    }

    /// The store's location, as configured.
    pub(crate) fn store_url(&self) -> &str {
        &self.store.url
    }

    /// Whether neither static secrets nor mint keys are configured (the
    /// server then generates one for the run).
    pub(crate) fn needs_generated_secret(&self) -> bool {
        self.secrets.values.is_empty() && self.secrets.mint_keys.is_empty()
    }

    /// The static secrets.
    pub(crate) fn secrets(&self) -> &[String] {
        &self.secrets.values
    }
}

/// A variable's value as TOML would read it (`10`, `true`, `"5s"`), or as
/// a string.
fn parse(value: &str) -> Value {
    Value::from_str(value).unwrap_or_else(|_| Value::from(value.to_owned()))
}
