//! The configuration's shape, as TOML (and `SHOTSINK_*` variables) give it:
//! the server's own settings, typed here, and every other section handed to
//! the library by key (`[limits]`, `[capture]`, `[object]`, `[hooks]`,
//! `[notify]`, ...: see `shotsink::configure`), which writes their defaults.
//! Every struct refuses unknown keys; the library's sections are checked
//! against its keys.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;

/// The whole configuration. Unknown top-level keys land in `library`,
/// where [`Library::read`](super::library::Library::read) refuses them.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct Config {
    pub(crate) listen: SocketAddr,
    pub(crate) path: String,
    /// The metrics and the event endpoints' listener; `"off"` for none.
    #[serde(deserialize_with = "address_or_off")]
    pub(crate) admin_listen: Option<SocketAddr>,
    #[serde(with = "humantime_serde")]
    pub(crate) shutdown_timeout: Duration,
    #[serde(with = "humantime_serde")]
    pub(crate) ready_cache: Duration,
    /// Proxies whose `X-Forwarded-For` names the client in the logs.
    pub(crate) trusted_proxies: Vec<std::net::IpAddr>,
    /// The most connections a listener holds; past it new ones are
    /// closed at once.
    pub(crate) max_connections: usize,
    pub(crate) tls: TlsConfig,
    pub(crate) log: LogConfig,
    pub(crate) metrics: MetricsConfig,
    pub(crate) store: StoreConfig,
    pub(crate) secrets: SecretsConfig,
    /// Every other section: the library's, by key.
    #[serde(flatten)]
    pub(crate) library: BTreeMap<String, Raw>,
    /// `library`, checked against the library's keys by `load`.
    #[serde(skip)]
    pub(crate) settings: super::library::Library,
    /// Where each setting came from.
    #[serde(skip)]
    pub(crate) sources: super::source::Sources,
    /// Whether a configuration file was given.
    #[serde(skip)]
    pub(crate) file_given: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            path: "/callback".into(),
            admin_listen: Some(SocketAddr::from(([127, 0, 0, 1], 9090))),
            shutdown_timeout: Duration::from_secs(30),
            ready_cache: Duration::from_secs(5),
            trusted_proxies: Vec::new(),
            max_connections: 10_000,
            tls: TlsConfig::default(),
            log: LogConfig::default(),
            metrics: MetricsConfig::default(),
            store: StoreConfig::default(),
            secrets: SecretsConfig::default(),
            library: BTreeMap::new(),
            settings: super::library::Library::default(),
            sources: super::source::Sources::default(),
            file_given: false,
        }
    }
}

/// `[tls]`: HTTPS on the callback listener, both or neither.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct TlsConfig {
    /// The certificate chain, PEM.
    pub(crate) certificate: Option<std::path::PathBuf>,
    /// Its private key, PEM.
    pub(crate) key: Option<std::path::PathBuf>,
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

impl LogFormat {
    /// As the file writes it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LogFormat::Plain => "plain",
            LogFormat::Json => "json",
        }
    }
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
    /// A file of secrets, one per line (a Docker or Kubernetes secret),
    /// added to `values`.
    pub(crate) values_file: Option<std::path::PathBuf>,
    pub(crate) mint_keys: Vec<MintKeyConfig>,
}

/// One minted-secret key: the first is the current one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MintKeyConfig {
    pub(crate) id: String,
    /// The key's bytes, as written; or read from `key_file`.
    #[serde(default)]
    pub(crate) key: String,
    #[serde(default)]
    pub(crate) key_file: Option<std::path::PathBuf>,
}

/// A value as the file wrote it: text, a number, a switch, a list or a
/// table, turned into the library's text by [`Raw::text`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub(crate) enum Raw {
    Text(String),
    Flag(bool),
    Whole(i64),
    Number(f64),
    List(Vec<Raw>),
    Table(BTreeMap<String, Raw>),
}

impl Raw {
    /// The library's text for it: a list's items separated by commas, a
    /// table's entries as `key=value` pairs (`shotsink::configure`).
    pub(crate) fn text(&self) -> String {
        match self {
            Raw::Text(s) => s.clone(),
            Raw::Flag(b) => b.to_string(),
            Raw::Whole(n) => n.to_string(),
            Raw::Number(x) => x.to_string(),
            Raw::List(items) => {
                let items: Vec<String> = items.iter().map(Raw::text).collect();
                items.join(", ")
            }
            Raw::Table(entries) => {
                let pairs: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.text()))
                    .collect();
                pairs.join(", ")
            }
        }
    }
}

/// A store option, which may be written as a number or a boolean
/// (`aws_allow_http = true`), kept as its text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scalar(pub(crate) String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        match Raw::deserialize(de)? {
            Raw::List(_) | Raw::Table(_) => Err(serde::de::Error::custom(
                "expected a string, a number or a boolean",
            )),
            scalar => Ok(Scalar(scalar.text())),
        }
    }
}

/// An address, or `"off"`.
fn address_or_off<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<SocketAddr>, D::Error> {
    let text = String::deserialize(de)?;
    match text.as_str() {
        "off" => Ok(None),
        _ => text.parse().map(Some).map_err(|_| {
            serde::de::Error::custom("not an address (e.g. `127.0.0.1:9090`) or `off`")
        }),
    }
}
