//! The configuration's shape, as TOML (and `SHOTSINK_*` variables) give it.
//! Every struct refuses unknown keys; a limit left out keeps the library's
//! default (the library is the only place defaults are written).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use bytesize::ByteSize;
use serde::Deserialize;

pub(crate) use super::app::{HooksConfig, NotifyConfig};

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Config {
    pub(crate) listen: SocketAddr,
    pub(crate) path: String,
    pub(crate) admin_listen: Option<SocketAddr>,
    #[serde(with = "humantime_serde")]
    pub(crate) shutdown_timeout: Duration,
    #[serde(with = "humantime_serde")]
    pub(crate) ready_cache: Duration,
    pub(crate) log: LogConfig,
    pub(crate) metrics: MetricsConfig,
    pub(crate) store: StoreConfig,
    pub(crate) secrets: SecretsConfig,
    pub(crate) keys: KeysConfig,
    pub(crate) capture: CaptureConfig,
    pub(crate) limits: LimitsConfig,
    pub(crate) object: ObjectConfig,
    pub(crate) notify: Option<NotifyConfig>,
    pub(crate) hooks: HooksConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            path: "/callback".into(),
            admin_listen: None,
            shutdown_timeout: Duration::from_secs(30),
            ready_cache: Duration::from_secs(5),
            log: LogConfig::default(),
            metrics: MetricsConfig::default(),
            store: StoreConfig::default(),
            secrets: SecretsConfig::default(),
            keys: KeysConfig::default(),
            capture: CaptureConfig::default(),
            limits: LimitsConfig::default(),
            object: ObjectConfig::default(),
            notify: None,
            hooks: HooksConfig::default(),
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct LogConfig {
    pub(crate) format: LogFormat,
    /// An `EnvFilter` directive; `RUST_LOG` wins when set.
    pub(crate) level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Plain,
            level: "info".into(),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum LogFormat {
    Plain,
    Json,
}

/// `[metrics]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct MetricsConfig {
    pub(crate) enabled: bool,
    pub(crate) path: String,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            path: "/metrics".into(),
        }
    }
}

/// `[store]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct StoreConfig {
    pub(crate) url: String,
    /// Strings, or numbers and booleans written bare.
    pub(crate) options: BTreeMap<String, Scalar>,
    pub(crate) acl: Option<String>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: "./captures".into(),
            options: BTreeMap::new(),
            acl: None,
        }
    }
}

/// `[secrets]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct SecretsConfig {
    pub(crate) values: Vec<String>,
    pub(crate) mint_keys: Vec<MintKeyConfig>,
}

/// One minted-secret key: the first is the current one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MintKeyConfig {
    pub(crate) id: String,
    /// The key's bytes, as written.
    pub(crate) key: String,
}

/// `[keys]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct KeysConfig {
    pub(crate) prefix: Option<String>,
}

/// `[capture]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct CaptureConfig {
    pub(crate) on_existing: Option<OnExisting>,
    pub(crate) early_file: Option<EarlyFile>,
    pub(crate) staging_prefix: Option<String>,
}

/// `OnExisting`, as written in the file.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OnExisting {
    Overwrite,
    KeepFirst,
    Reject,
}

/// `EarlyFile`, as written in the file.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EarlyFile {
    Refuse,
    Stage,
}

/// `[limits]`: each one the builder's setter of the same name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct LimitsConfig {
    pub(crate) max_file_size: Option<ByteSize>,
    pub(crate) max_text_field_size: Option<ByteSize>,
    /// `0` for no bound.
    pub(crate) max_pixels: Option<u64>,
    pub(crate) max_fields: Option<usize>,
    pub(crate) part_size: Option<ByteSize>,
    pub(crate) max_parts_in_flight: Option<usize>,
    pub(crate) max_unverified_file_size: Option<ByteSize>,
    pub(crate) max_body_size: Option<ByteSize>,
    pub(crate) max_buffered_bytes: Option<ByteSize>,
    pub(crate) max_unverified_bytes: Option<ByteSize>,
    #[serde(with = "humantime_serde")]
    pub(crate) idle_timeout: Option<Duration>,
    #[serde(with = "humantime_serde")]
    pub(crate) admission_timeout: Option<Duration>,
    /// Bytes per second; with `min_data_rate_grace`.
    pub(crate) min_data_rate: Option<ByteSize>,
    #[serde(with = "humantime_serde")]
    pub(crate) min_data_rate_grace: Option<Duration>,
    #[serde(with = "humantime_serde")]
    pub(crate) verify_timeout: Option<Duration>,
    #[serde(with = "humantime_serde")]
    pub(crate) linger_timeout: Option<Duration>,
}

/// `[object]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct ObjectConfig {
    pub(crate) cache_control: Option<String>,
    pub(crate) content_disposition: Option<Disposition>,
    pub(crate) metadata: bool,
    pub(crate) sha256: bool,
    pub(crate) storage_class: Option<String>,
    pub(crate) tags: BTreeMap<String, Scalar>,
    pub(crate) capture_tags: bool,
    pub(crate) public_urls: Option<String>,
    /// The expiry of presigned links, e.g. `1h`.
    #[serde(with = "humantime_serde")]
    pub(crate) presigned_urls: Option<Duration>,
}

/// `Disposition`, as written in the file.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Disposition {
    Inline,
    Attachment,
}

/// A string setting that may be written as a number or a boolean
/// (`aws_allow_http = true`), kept as its text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Scalar(pub(crate) String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Any {
            Text(String),
            Flag(bool),
            Whole(i64),
            Number(f64),
        }
        Ok(Scalar(match Any::deserialize(de)? {
            Any::Text(s) => s,
            Any::Flag(b) => b.to_string(),
            Any::Whole(n) => n.to_string(),
            Any::Number(x) => x.to_string(),
        }))
    }
}
