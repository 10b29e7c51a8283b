//! The notifier's settings checked, without starting anything, and the
//! retry policy they describe.

use std::time::Duration;

use standardwebhooks::Webhook;

use super::NotifierBuilder;
use super::builder::MIN_LEASE;
use super::endpoint::{parse_secret, parse_url};
use super::schedule::{DOUBLING_ATTEMPTS, DOUBLING_FIRST, DOUBLING_MAX, Retry, SVIX};
use crate::ConfigError;

impl NotifierBuilder {
    /// Checks the settings without starting anything (no runtime needed),
    /// as a server's `check-config` does.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidSetting`] for a URL that is not `http` or
    /// `https` (`Notifier::builder(url)`), a secret that is not `whsec_`
    /// followed by a base64 key of at least 16 bytes
    /// (`Notifier::builder(secret)`, its value shown as `<redacted>`), a
    /// schedule set together with a backoff or a number of attempts
    /// (`NotifierBuilder::schedule`); [`ConfigError::InvalidLimit`] for a
    /// zero `queue_capacity`, `max_attempts`, `concurrency`, `timeout`,
    /// first backoff or wait of the schedule, or a maximum backoff below
    /// the first, each named by its setter.
    pub fn check(&self) -> Result<(), ConfigError> {
        self.checked().map(|_| ())
    }

    pub(super) fn checked(&self) -> Result<(reqwest::Url, Webhook, Retry), ConfigError> {
        if let Some((setter, value, reason)) = &self.unparsed {
            return Err(crate::configure::value::invalid(
                setter,
                value,
                reason.clone(),
            ));
        }
        let url = parse_url(&self.url, "Notifier::builder(url)")?;
        let webhook = parse_secret(&self.secret, "Notifier::builder(secret)")?;
        let limit = |name, reason| Err(ConfigError::InvalidLimit { name, reason });
        if self.queue_capacity == 0 {
            return limit("NotifierBuilder::queue_capacity", "must be at least 1");
        }
        let retry = self.retry()?;
        if self.concurrency == 0 {
            return limit("NotifierBuilder::concurrency", "must be at least 1");
        }
        if self.timeout.is_zero() {
            return limit("NotifierBuilder::timeout", "must be more than zero");
        }
        if self.lease.is_some_and(|lease| lease < MIN_LEASE) {
            return limit(
                "NotifierBuilder::lease",
                "must be at least 2s (the lease is renewed every quarter of it)",
            );
        }
        Ok((url, webhook, retry))
    }

    /// The retry policy: the schedule, or a doubling backoff.
    fn retry(&self) -> Result<Retry, ConfigError> {
        let limit = |name, reason| Err(ConfigError::InvalidLimit { name, reason });
        if let Some(waits) = &self.schedule {
            if self.doubling() {
                return Err(ConfigError::InvalidSetting {
                    setting: "NotifierBuilder::schedule",
                    value: String::new(),
                    reason: "set either a schedule or a backoff and a number of attempts, not both"
                        .to_owned(),
                });
            }
            if waits.iter().any(Duration::is_zero) {
                return limit(
                    "NotifierBuilder::schedule",
                    "every wait must be more than zero",
                );
            }
            return Ok(Retry::Schedule(waits.clone()));
        }
        if !self.doubling() {
            return Ok(Retry::Schedule(SVIX.to_vec()));
        }
        let (attempts, first, max) = self.doubling_settings();
        if attempts == 0 {
            return limit("NotifierBuilder::max_attempts", "must be at least 1");
        }
        if first.is_zero() {
            return limit("NotifierBuilder::backoff(first)", "must be more than zero");
        }
        if max < first {
            return limit(
                "NotifierBuilder::backoff(max)",
                "must be at least the first backoff",
            );
        }
        Ok(Retry::Doubling {
            first,
            max,
            attempts,
        })
    }

    /// Whether a doubling backoff is asked for rather than a schedule.
    pub(super) fn doubling(&self) -> bool {
        self.max_attempts.is_some() || self.first_backoff.is_some() || self.max_backoff.is_some()
    }

    /// The doubling backoff's attempts, first and largest wait, defaults
    /// filled in.
    pub(super) fn doubling_settings(&self) -> (u32, Duration, Duration) {
        (
            self.max_attempts.unwrap_or(DOUBLING_ATTEMPTS),
            self.first_backoff.unwrap_or(DOUBLING_FIRST),
            self.max_backoff.unwrap_or(DOUBLING_MAX),
        )
    }
}
