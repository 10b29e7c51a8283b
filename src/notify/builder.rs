//! Configures a [`Notifier`] and starts its worker.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use standardwebhooks::Webhook;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::Notifier;
use super::counters::Counters;
use super::delivery::{self, Shared};
use crate::ConfigError;

/// The shortest key a `whsec_` secret may carry, in bytes; the Standard
/// Webhooks specification recommends 24 to 64.
const MIN_SECRET_BYTES: usize = 16;

/// Configures a [`Notifier`]: made by [`Notifier::builder`], checked and
/// started by [`build`](Self::build).
#[must_use]
pub struct NotifierBuilder {
    url: String,
    secret: String,
    queue_capacity: usize,
    max_attempts: u32,
    first_backoff: Duration,
    max_backoff: Duration,
    timeout: Duration,
    concurrency: usize,
}

impl NotifierBuilder {
    pub(super) fn new(url: &str, secret: &str) -> Self {
        Self {
            url: url.to_owned(),
            secret: secret.to_owned(),
            queue_capacity: 10_000,
            max_attempts: 10,
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(5 * 60),
            timeout: Duration::from_secs(10),
            concurrency: 4,
        }
    }

    /// The most events held at once, queued or being delivered (retries
    /// waiting included); past it [`Notifier::notify`] refuses new ones.
    /// 10,000 by default; at least 1.
    pub fn queue_capacity(mut self, events: usize) -> Self {
        self.queue_capacity = events;
        self
    }

    /// How many attempts an event gets, the first included, before it is
    /// dropped. 10 by default; at least 1.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The wait before each retry: after the n-th failed attempt, a random
    /// time between half and all of `min(max, first × 2^(n−1))` (so never
    /// less than `first / 2`, and growing even with bad luck). 1 s and
    /// 5 min by default; `first` more than zero, `max` at least `first`.
    ///
    /// With the defaults, the 9 waits of an event that is never delivered
    /// add up to between about 4 and 8.5 minutes.
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.first_backoff = first;
        self.max_backoff = max;
        self
    }

    /// How long one attempt may take, from connecting to the end of the
    /// answer; a timed-out attempt is retried. 10 s by default.
    pub fn timeout(mut self, per_attempt: Duration) -> Self {
        self.timeout = per_attempt;
        self
    }

    /// How many attempts may be in flight at once. 4 by default; at
    /// least 1. An event waiting for its retry holds none.
    pub fn concurrency(mut self, deliveries: usize) -> Self {
        self.concurrency = deliveries;
        self
    }

    /// Checks the settings and starts the notifier's worker on the current
    /// Tokio runtime.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidSetting`] for a URL that is not `http` or
    /// `https` (`notify.url`), a secret that is not `whsec_` followed by a
    /// base64 key of at least 16 bytes (`notify.secret`, its value shown as
    /// `<redacted>`), no Tokio runtime or an HTTP client that cannot be made
    /// (`notify`); [`ConfigError::InvalidLimit`] for a zero
    /// `queue_capacity`, `max_attempts`, `concurrency`, `timeout` or first
    /// backoff, or a maximum backoff below the first.
    pub fn build(self) -> Result<Notifier, ConfigError> {
        let url = parse_url(&self.url)?;
        let webhook = parse_secret(&self.secret)?;
        let limit = |name, reason| Err(ConfigError::InvalidLimit { name, reason });
        if self.queue_capacity == 0 {
            return limit("notify.queue_capacity", "must be at least 1");
        }
        if self.max_attempts == 0 {
            return limit("notify.max_attempts", "must be at least 1");
        }
        if self.concurrency == 0 {
            return limit("notify.concurrency", "must be at least 1");
        }
        if self.timeout.is_zero() {
            return limit("notify.timeout", "must be more than zero");
        }
        if self.first_backoff.is_zero() {
            return limit("notify.first_backoff", "must be more than zero");
        }
        if self.max_backoff < self.first_backoff {
            return limit("notify.max_backoff", "must be at least the first backoff");
        }
        let failed = |reason: String| ConfigError::InvalidSetting {
            setting: "notify",
            value: String::new(),
            reason,
        };
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| failed("must be built inside a Tokio runtime".to_owned()))?;
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(self.timeout)
            .build()
            .map_err(|error| failed(format!("the HTTP client could not be made: {error}")))?;
        let shared = Arc::new(Shared {
            url,
            webhook,
            client,
            max_attempts: self.max_attempts,
            first_backoff: self.first_backoff,
            max_backoff: self.max_backoff,
            permits: Semaphore::new(self.concurrency.min(Semaphore::MAX_PERMITS)),
            pending: AtomicUsize::new(0),
            counters: Counters::default(),
            stop: CancellationToken::new(),
            abort: CancellationToken::new(),
            tasks: TaskTracker::new(),
        });
        // `pending` is what bounds the events held; the channel's own bound
        // only has to be at least as large.
        let (queue, events) = mpsc::channel(self.queue_capacity.min(Semaphore::MAX_PERMITS));
        let worker = delivery::run(Arc::clone(&shared), events);
        shared.tasks.spawn_on(worker, &runtime);
        Ok(Notifier::new(queue, shared, self.queue_capacity))
    }
}

/// An `http` or `https` URL with a host.
fn parse_url(given: &str) -> Result<reqwest::Url, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidSetting {
        setting: "notify.url",
        value: given.to_owned(),
        reason,
    };
    let url = reqwest::Url::parse(given).map_err(|error| invalid(error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("must be an http or https URL".to_owned()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("has no host".to_owned()));
    }
    Ok(url)
}

/// `whsec_` and a base64 key of at least [`MIN_SECRET_BYTES`]. The value
/// never appears in the error.
fn parse_secret(secret: &str) -> Result<Webhook, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidSetting {
        setting: "notify.secret",
        value: "<redacted>".to_owned(),
        reason: reason.to_owned(),
    };
    let Some(key) = secret.strip_prefix("whsec_") else {
        return Err(invalid("must be `whsec_` followed by the key in base64"));
    };
    let webhook =
        Webhook::new(secret).map_err(|_| invalid("the key after `whsec_` is not valid base64"))?;
    // Base64 carries 3 bytes in 4 characters.
    if key.trim_end_matches('=').len() * 3 / 4 < MIN_SECRET_BYTES {
        return Err(invalid(
            "the key is too short: at least 16 bytes (24 to 64 recommended)",
        ));
    }
    Ok(webhook)
}

/// The URL for logs and `Debug`: no password, no query (either may carry a
/// credential).
pub(super) fn redacted(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("redacted"));
    }
    shown.set_query(None);
    shown.to_string()
}
