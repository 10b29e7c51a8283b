//! The notifier set and read by key: [`NotifierConfigKey`] onto
//! [`NotifierBuilder`]'s setters.

use std::time::Duration;

use super::NotifierBuilder;
use super::journal::DEFAULT_LEASE;
use super::schedule::SVIX;
use crate::configure::config_keys;
use crate::configure::value::{self, write_duration};

config_keys! {
    /// A setting of [`NotifierBuilder`], set from text by
    /// [`with_config`](NotifierBuilder::with_config). Each key's meaning
    /// and default are those of the method [`setter`](Self::setter) names.
    /// See [`configure`](crate::configure).
    NotifierConfigKey {
        /// `notify.url`: your app's `http` or `https` endpoint.
        Url = "notify.url", "Notifier::builder(url)", "https://app.example.com/hooks/shotsink";
        /// `notify.secret`: `whsec_` and the key in base64.
        Secret = "notify.secret", "Notifier::builder(secret)", "whsec_MDEyMzQ1Njc4OWFiY2RlZg==";
        /// `notify.queue_capacity`, a count.
        QueueCapacity = "notify.queue_capacity", "NotifierBuilder::queue_capacity", "500";
        /// `notify.schedule`, durations separated by commas.
        Schedule = "notify.schedule", "NotifierBuilder::schedule", "10s, 1m, 10m";
        /// `notify.max_attempts`, a count: a doubling backoff instead of
        /// the schedule.
        MaxAttempts = "notify.max_attempts", "NotifierBuilder::max_attempts", "5";
        /// `notify.first_backoff`, a duration: the first argument of
        /// [`backoff`](NotifierBuilder::backoff).
        FirstBackoff = "notify.first_backoff", "NotifierBuilder::backoff(first)", "2s";
        /// `notify.max_backoff`, a duration: the second argument of
        /// [`backoff`](NotifierBuilder::backoff).
        MaxBackoff = "notify.max_backoff", "NotifierBuilder::backoff(max)", "10m";
        /// `notify.timeout`, a duration: per attempt.
        Timeout = "notify.timeout", "NotifierBuilder::timeout", "3s";
        /// `notify.concurrency`, a count.
        Concurrency = "notify.concurrency", "NotifierBuilder::concurrency", "8";
        /// `notify.lease`, a duration: the journal's.
        Lease = "notify.lease", "NotifierBuilder::lease", "30s";
    }
}

impl NotifierConfigKey {
    /// Whether the value is a credential, never to be shown.
    pub fn is_secret(self) -> bool {
        matches!(self, NotifierConfigKey::Secret)
    }
}

impl NotifierBuilder {
    /// Sets `key` from text, as its method would (see
    /// [`configure`](crate::configure)). A value that does not parse makes
    /// [`check`](Self::check) and [`build`](Self::build) fail naming the
    /// method.
    pub fn with_config(mut self, key: NotifierConfigKey, value: impl Into<String>) -> Self {
        use NotifierConfigKey as K;
        let text = value.into();
        let t = text.as_str();
        let parsed: Result<(), String> = (|| {
            match key {
                K::Url => self.url = t.to_owned(),
                K::Secret => self.secret = t.to_owned(),
                K::QueueCapacity => self.queue_capacity = value::count(t)?,
                K::Schedule => {
                    let waits: Result<Vec<Duration>, String> =
                        value::list(t).map(value::duration).collect();
                    self.schedule = Some(waits?);
                }
                K::MaxAttempts => self.max_attempts = Some(value::count(t)?),
                K::FirstBackoff => self.first_backoff = Some(value::duration(t)?),
                K::MaxBackoff => self.max_backoff = Some(value::duration(t)?),
                K::Timeout => self.timeout = value::duration(t)?,
                K::Concurrency => self.concurrency = value::count(t)?,
                K::Lease => self.lease = Some(value::duration(t)?),
            }
            Ok(())
        })();
        if let Err(reason) = parsed {
            let shown = if key.is_secret() { "<redacted>" } else { t };
            self.unparsed
                .get_or_insert((key.setter(), shown.to_owned(), reason));
        }
        self
    }

    /// The value `key` will be used with, as text
    /// [`with_config`](Self::with_config) reads: what was set, or the
    /// default. With a schedule (Svix's by default) the doubling backoff's
    /// keys are `None`, and the other way round.
    pub fn get_config(&self, key: NotifierConfigKey) -> Option<String> {
        use NotifierConfigKey as K;
        let doubling = self.doubling();
        let (attempts, first, max) = self.doubling_settings();
        Some(match key {
            K::Url => self.url.clone(),
            K::Secret => self.secret.clone(),
            K::QueueCapacity => self.queue_capacity.to_string(),
            K::Schedule if doubling => return None,
            K::Schedule => {
                let waits = self.schedule.as_deref().unwrap_or(&SVIX);
                let waits: Vec<String> = waits.iter().map(|w| write_duration(*w)).collect();
                waits.join(", ")
            }
            K::MaxAttempts | K::FirstBackoff | K::MaxBackoff if !doubling => return None,
            K::MaxAttempts => attempts.to_string(),
            K::FirstBackoff => write_duration(first),
            K::MaxBackoff => write_duration(max),
            K::Timeout => write_duration(self.timeout),
            K::Concurrency => self.concurrency.to_string(),
            K::Lease => {
                let journal = self.journal.as_ref().map(|j| j.lease());
                write_duration(self.lease.or(journal).unwrap_or(DEFAULT_LEASE))
            }
        })
        .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_back_its_example_which_is_not_its_default() {
        for &key in NotifierConfigKey::ALL {
            let fresh = NotifierBuilder::default().get_config(key);
            assert_ne!(fresh.as_deref(), Some(key.example()), "{key}");
            let set = NotifierBuilder::default().with_config(key, key.example());
            assert_eq!(set.get_config(key).as_deref(), Some(key.example()), "{key}");
            assert_eq!(key.as_str().parse::<NotifierConfigKey>().unwrap(), key);
        }
    }

    #[test]
    fn keys_alone_make_a_notifier_and_mistakes_name_the_method() {
        let set = |pairs: &[(NotifierConfigKey, &str)]| {
            pairs.iter().fold(NotifierBuilder::default(), |b, (k, v)| {
                b.with_config(*k, *v)
            })
        };
        let url = (NotifierConfigKey::Url, "https://app.example.com/");
        let secret = (
            NotifierConfigKey::Secret,
            NotifierConfigKey::Secret.example(),
        );
        assert!(set(&[url, secret]).check().is_ok());
        let lease = set(&[url, secret, (NotifierConfigKey::Lease, "1s")]).check();
        assert!(
            lease
                .unwrap_err()
                .to_string()
                .contains("NotifierBuilder::lease")
        );
        let bad = set(&[url, secret, (NotifierConfigKey::Schedule, "5s, soon")]).check();
        let bad = bad.unwrap_err().to_string();
        assert!(
            bad.contains("NotifierBuilder::schedule") && bad.contains("soon"),
            "{bad}"
        );
        let hidden = set(&[url, (NotifierConfigKey::Secret, "whsec_!!")]).check();
        assert!(!hidden.unwrap_err().to_string().contains("!!"));
        assert!(set(&[secret]).check().is_err(), "a URL is needed");
    }
}
