//! The configuration's types, as serde reads them from the file and the
//! environment. Every table refuses keys it does not know; every key has a
//! default. The library's own settings are `Option`s where the library has a
//! default, so that it stays the one place that states it: an absent key
//! leaves the builder's setter uncalled.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use bytesize::ByteSize;
use serde::Deserialize;

use super::values;

/// The whole configuration.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Config {
    /// Where callbacks are received.
    pub(crate) listen: SocketAddr,
    /// The callback route.
    #[serde(deserialize_with = "values::route")]
    pub(crate) path: String,
    /// When set, `/healthz`, `/readyz` and the metrics are served there
    /// instead of on `listen`.
    pub(crate) admin_listen: Option<SocketAddr>,
    /// How long callbacks in flight may take to finish after SIGTERM.
    #[serde(with = "humantime_serde")]
    pub(crate) shutdown_timeout: Duration,
    /// How long a `/readyz` answer is kept.
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
    /// Absent: no notifications.
    pub(crate) notify: Option<NotifyConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 3000)),
            path: "/callback".to_owned(),
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
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct LogConfig {
    pub(crate) format: LogFormat,
    /// An `EnvFilter` directive; `RUST_LOG` wins when set.
    pub(crate) level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Plain,
            level: "info".to_owned(),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    #[default]
    Plain,
    /// One JSON object per line.
    Json,
}

/// `[metrics]`: Prometheus text at `path`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct MetricsConfig {
    pub(crate) enabled: bool,
    #[serde(deserialize_with = "values::route")]
    pub(crate) path: String,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            path: "/metrics".to_owned(),
        }
    }
}

/// `[store]`: where captures go.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct StoreConfig {
    /// A directory, or a `file://`, `memory://`, `s3://`, `gs://` or
    /// `az://` URL (`shotsink::store_from_url`).
    pub(crate) url: String,
    /// The cloud builders' options (`aws_region`, `aws_endpoint`, ...),
    /// over the process environment's `AWS_*`, `GOOGLE_*`, `AZURE_*`.
    /// Numbers and booleans are taken as strings.
    #[serde(deserialize_with = "values::string_map")]
    pub(crate) options: BTreeMap<String, String>,
    /// A canned ACL (`public-read`, ...) sent with every request; `s3://`
    /// stores only.
    pub(crate) acl: Option<String>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: "./captures".to_owned(),
            options: BTreeMap::new(),
            acl: None,
        }
    }
}

/// `[secrets]`: what proves a callback.
#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct SecretsConfig {
    /// Static callback secrets, all accepted (rotation).
    #[serde(deserialize_with = "values::strings")]
    pub(crate) values: Vec<String>,
    /// Master keys for minted secrets: the first signs, all are accepted.
    pub(crate) mint_keys: Vec<MintKeyConfig>,
}

/// A master key for minted secrets.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MintKeyConfig {
    /// 1 to 32 of `[A-Za-z0-9-]`.
    pub(crate) id: String,
    /// The key is this string's UTF-8 bytes, used as they are (not decoded
    /// from hex or base64): at least 32 of them. The minting side must use
    /// the same bytes.
    #[serde(deserialize_with = "values::string")]
    pub(crate) key: String,
}

/// `[keys]`: where in the store a capture goes.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct KeysConfig {
    /// `KeyLayout::with_prefix`; absent: the library's layout.
    pub(crate) prefix: Option<String>,
    /// `false` drops the `YYYY/MM/DD` segments (`KeyLayout::undated`).
    pub(crate) dated: bool,
}

impl Default for KeysConfig {
    fn default() -> Self {
        Self {
            prefix: None,
            dated: true,
        }
    }
}

/// `[capture]`: the policies.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct CaptureConfig {
    pub(crate) on_existing: Option<OnExistingSetting>,
    pub(crate) early_file: Option<EarlyFileSetting>,
    pub(crate) staging_prefix: Option<String>,
}

/// `shotsink::OnExisting`, as written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OnExistingSetting {
    Overwrite,
    KeepFirst,
    Reject,
}

/// `shotsink::EarlyFile`, as written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EarlyFileSetting {
    Refuse,
    Stage,
}

/// `[limits]`: one key per limit setter of the builder. Sizes are a number
/// of bytes or a string with a unit (`"64 MiB"`, `"64MB"`), durations a
/// string (`"30s"`, `"1m 30s"`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct LimitsConfig {
    pub(crate) max_file_size: Option<ByteSize>,
    pub(crate) max_text_field_size: Option<ByteSize>,
    /// `0` turns the pixel check off.
    pub(crate) max_pixels: Option<u64>,
    pub(crate) max_fields: Option<usize>,
    pub(crate) part_size: Option<ByteSize>,
    pub(crate) max_parts_in_flight: Option<usize>,
    pub(crate) max_unverified_file_size: Option<ByteSize>,
    pub(crate) max_body_size: Option<ByteSize>,
    pub(crate) max_buffered_bytes: Option<ByteSize>,
    pub(crate) max_unverified_bytes: Option<ByteSize>,
    #[serde(with = "humantime_serde::option")]
    pub(crate) idle_timeout: Option<Duration>,
    #[serde(with = "humantime_serde::option")]
    pub(crate) admission_timeout: Option<Duration>,
    /// Bytes per second; set with `min_data_rate_grace` (`0` alone turns
    /// the check off).
    pub(crate) min_data_rate: Option<ByteSize>,
    #[serde(with = "humantime_serde::option")]
    pub(crate) min_data_rate_grace: Option<Duration>,
    #[serde(with = "humantime_serde::option")]
    pub(crate) verify_timeout: Option<Duration>,
    #[serde(with = "humantime_serde::option")]
    pub(crate) linger_timeout: Option<Duration>,
}

/// `[object]`: what is stored with each capture, and the link reported.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct ObjectConfig {
    pub(crate) cache_control: Option<String>,
    pub(crate) content_disposition: Option<DispositionSetting>,
    pub(crate) metadata: bool,
    pub(crate) sha256: bool,
    pub(crate) storage_class: Option<String>,
    /// S3 object tags; numbers and booleans are taken as strings.
    #[serde(deserialize_with = "values::string_map")]
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) capture_tags: bool,
    /// A base URL (public bucket or CDN) the key is appended to.
    pub(crate) public_urls: Option<String>,
    /// The expiry of presigned `GET` URLs, signed by a client opened from
    /// `[store]`.
    #[serde(with = "humantime_serde::option")]
    pub(crate) presigned_urls: Option<Duration>,
}

/// `shotsink::Disposition`, as written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DispositionSetting {
    Inline,
    Attachment,
}

/// `[notify]`: signed notifications to the app (`shotsink::notify`). `url`
/// and `secret` are required when the table is present; the other defaults
/// are `NotifierBuilder`'s.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NotifyConfig {
    pub(crate) url: String,
    /// `whsec_` and a base64 key (Standard Webhooks).
    pub(crate) secret: String,
    #[serde(default = "notify_defaults::queue_capacity")]
    pub(crate) queue_capacity: usize,
    #[serde(default = "notify_defaults::max_attempts")]
    pub(crate) max_attempts: u32,
    #[serde(default = "notify_defaults::first_backoff", with = "humantime_serde")]
    pub(crate) first_backoff: Duration,
    #[serde(default = "notify_defaults::max_backoff", with = "humantime_serde")]
    pub(crate) max_backoff: Duration,
    #[serde(default = "notify_defaults::timeout", with = "humantime_serde")]
    pub(crate) timeout: Duration,
    #[serde(default = "notify_defaults::concurrency")]
    pub(crate) concurrency: usize,
}

impl std::fmt::Debug for NotifyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyConfig")
            .field("url", &super::describe::redact_url(&self.url))
            .field("secret", &"<redacted>")
            .field("queue_capacity", &self.queue_capacity)
            .field("max_attempts", &self.max_attempts)
            .field("first_backoff", &self.first_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("timeout", &self.timeout)
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

/// `NotifierBuilder`'s defaults (src/notify/builder.rs), restated because
/// `NotifyConfig`'s fields are plain values; keep them in step.
mod notify_defaults {
    use std::time::Duration;

    pub(super) fn queue_capacity() -> usize {
        10_000
    }

    pub(super) fn max_attempts() -> u32 {
        10
    }

    pub(super) fn first_backoff() -> Duration {
        Duration::from_secs(1)
    }

    pub(super) fn max_backoff() -> Duration {
        Duration::from_secs(5 * 60)
    }

    pub(super) fn timeout() -> Duration {
        Duration::from_secs(10)
    }

    pub(super) fn concurrency() -> usize {
        4
    }
}
