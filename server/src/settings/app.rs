//! The app's side of the configuration: `[notify]` (the events sent to
//! it) and `[hooks]` (the app asked before a capture is stored).

use std::time::Duration;

use serde::Deserialize;

/// `[notify]`: present means notifications are on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NotifyConfig {
    pub(crate) url: String,
    pub(crate) secret: String,
    #[serde(default = "defaults::queue_capacity")]
    pub(crate) queue_capacity: usize,
    /// Svix's schedule unless set; or a doubling backoff with these three.
    #[serde(default)]
    pub(crate) schedule: Option<Vec<humantime_serde::Serde<Duration>>>,
    #[serde(default)]
    pub(crate) max_attempts: Option<u32>,
    #[serde(default, with = "humantime_serde::option")]
    pub(crate) first_backoff: Option<Duration>,
    #[serde(default, with = "humantime_serde::option")]
    pub(crate) max_backoff: Option<Duration>,
    /// How long a silent process keeps its undelivered events before
    /// another takes them over.
    #[serde(default = "defaults::lease", with = "humantime_serde")]
    pub(crate) lease: Duration,
    #[serde(default = "defaults::timeout", with = "humantime_serde")]
    pub(crate) timeout: Duration,
    #[serde(default = "defaults::concurrency")]
    pub(crate) concurrency: usize,
}

/// `[hooks]`: the app asked before each verified capture is stored.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct HooksConfig {
    /// The app's URL; absent means nobody is asked.
    pub(crate) authorize: Option<String>,
    /// `whsec_…`; `[notify] secret` when left out.
    pub(crate) secret: Option<String>,
    #[serde(with = "humantime_serde")]
    pub(crate) timeout: Duration,
    pub(crate) concurrency: usize,
    #[serde(with = "humantime_serde")]
    pub(crate) cache_ttl: Duration,
}

impl Default for HooksConfig {
    fn default() -> Self {
        Self {
            authorize: None,
            secret: None,
            timeout: Duration::from_secs(5),
            concurrency: 64,
            cache_ttl: Duration::from_secs(30),
        }
    }
}

/// The notifier's defaults, as `shotsink::notify` documents them.
mod defaults {
    use std::time::Duration;

    pub(super) fn queue_capacity() -> usize {
        10_000
    }
    pub(super) fn lease() -> Duration {
        shotsink::notify::journal::DEFAULT_LEASE
    }
    pub(super) fn timeout() -> Duration {
        Duration::from_secs(10)
    }
    pub(super) fn concurrency() -> usize {
        4
    }
}
