//! Configures a [`Notifier`] and starts its worker.

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::Notifier;
use super::counters::Counters;
use super::delivery::{self, Shared};
use super::journal::EventLog;
use super::throttle::{Throttle, WARN_EVERY};
use crate::ConfigError;

/// Configures a [`Notifier`]: made by [`Notifier::builder`], checked and
/// started by [`build`](Self::build).
#[must_use]
pub struct NotifierBuilder {
    pub(super) url: String,
    pub(super) secret: String,
    pub(super) queue_capacity: usize,
    pub(super) schedule: Option<Vec<Duration>>,
    pub(super) max_attempts: Option<u32>,
    pub(super) first_backoff: Option<Duration>,
    pub(super) max_backoff: Option<Duration>,
    pub(super) timeout: Duration,
    pub(super) concurrency: usize,
    pub(super) lease: Option<Duration>,
    pub(super) journal: Option<EventLog>,
    /// The first value set by key that did not parse.
    pub(super) unparsed: Option<(&'static str, String, String)>,
}

/// The shortest [`lease`](NotifierBuilder::lease): it is renewed every
/// quarter of it, and a shorter one would take a process pausing for a
/// moment for dead.
pub const MIN_LEASE: Duration = Duration::from_secs(2);

impl Default for NotifierBuilder {
    /// No URL and no secret: set them by key
    /// ([`NotifierConfigKey::Url`](super::NotifierConfigKey::Url),
    /// [`NotifierConfigKey::Secret`](super::NotifierConfigKey::Secret))
    /// before [`build`](Self::build).
    fn default() -> Self {
        Self::new("", "")
    }
}

impl NotifierBuilder {
    pub(super) fn new(url: &str, secret: &str) -> Self {
        Self {
            url: url.to_owned(),
            secret: secret.to_owned(),
            queue_capacity: 10_000,
            schedule: None,
            max_attempts: None,
            first_backoff: None,
            max_backoff: None,
            timeout: Duration::from_secs(10),
            concurrency: 4,
            lease: None,
            journal: None,
            unparsed: None,
        }
    }

    /// The most events held in memory at once, queued or being delivered
    /// (retries waiting included). Past it, without a journal,
    /// [`Notifier::notify`] refuses new ones; with one, they wait in the
    /// journal until there is room. 10,000 by default; at least 1.
    pub fn queue_capacity(mut self, events: usize) -> Self {
        self.queue_capacity = events;
        self
    }

    /// Records every event in `journal` before it is sent, so that it
    /// survives a crash and is delivered by this process, its successor or
    /// a replica sharing the store; takes over the events of processes
    /// whose lease ran out; keeps the events whose attempts are spent in a
    /// dead letter. See [`journal`](crate::notify::journal).
    pub fn journal(mut self, journal: EventLog) -> Self {
        self.journal = Some(journal);
        self
    }

    /// The waits between attempts: after the first failed attempt the
    /// first wait, and so on, each moved by up to ±20 % at random; the
    /// event gets one attempt more than there are waits. By default
    /// Svix's schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8
    /// attempts over about 27.5 hours).
    pub fn schedule(mut self, waits: impl IntoIterator<Item = Duration>) -> Self {
        self.schedule = Some(waits.into_iter().collect());
        self
    }

    /// Instead of a [`schedule`](Self::schedule): this many attempts, the
    /// first included, with a doubling backoff (see
    /// [`backoff`](Self::backoff); 1 s and 5 min unless set). At least 1.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// Instead of a [`schedule`](Self::schedule): the wait before each
    /// retry is, after the n-th failed attempt, a random time between half
    /// and all of `min(max, first × 2^(n−1))` (so never less than
    /// `first / 2`, and growing even with bad luck); 10 attempts unless
    /// [`max_attempts`](Self::max_attempts) says otherwise. `first` more
    /// than zero, `max` at least `first`.
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.first_backoff = Some(first);
        self.max_backoff = Some(max);
        self
    }

    /// The [journal](Self::journal)'s lease (see
    /// [`EventLog::with_lease`]): how long a silent process keeps its
    /// undelivered events before another takes them over. The journal's
    /// own (60 s by default) unless set; at least [`MIN_LEASE`].
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = Some(lease);
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
    /// What [`check`](Self::check) finds, or
    /// [`ConfigError::InvalidSetting`] naming `NotifierBuilder::build` when
    /// there is no Tokio runtime or the HTTP client cannot be made.
    pub fn build(self) -> Result<Notifier, ConfigError> {
        let (url, webhook, retry) = self.checked()?;
        let failed = |reason: String| ConfigError::InvalidSetting {
            setting: "NotifierBuilder::build",
            value: String::new(),
            reason,
        };
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| failed("must be built inside a Tokio runtime".to_owned()))?;
        let client = reqwest::Client::builder()
            .no_proxy()
            // Only a 2xx delivers: a redirect (an auth middleware's 302 to
            // a login page) is a failed attempt, and the signed body never
            // goes to another origin.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .build()
            .map_err(|error| failed(format!("the HTTP client could not be made: {error}")))?;
        // `pending` is what bounds the events held; the channel's own bound
        // only has to be at least as large.
        let (queue, jobs) = mpsc::channel(self.queue_capacity.min(Semaphore::MAX_PERMITS));
        let shared = Arc::new(Shared {
            url,
            webhook,
            client,
            retry,
            journal: self.journal.clone(),
            queue,
            capacity: self.queue_capacity,
            permits: Semaphore::new(self.concurrency.min(Semaphore::MAX_PERMITS)),
            pending: AtomicUsize::new(0),
            held: Mutex::default(),
            counters: Counters::default(),
            failures: Throttle::new(WARN_EVERY),
            dead: Throttle::new(WARN_EVERY),
            stop: CancellationToken::new(),
            abort: CancellationToken::new(),
            tasks: TaskTracker::new(),
            heartbeat: std::sync::Mutex::new(None),
            quiet: CancellationToken::new(),
            renditions: std::sync::OnceLock::new(),
        });
        let worker = delivery::run(Arc::clone(&shared), jobs);
        shared.tasks.spawn_on(worker, &runtime);
        let journal = match (self.journal, self.lease) {
            (Some(journal), Some(lease)) => Some(journal.with_lease(lease)),
            (journal, _) => journal,
        };
        if let Some(journal) = journal {
            let beat = super::recovery::beat(Arc::clone(&shared), journal.clone());
            let beat = runtime.spawn(beat);
            *shared.heartbeat.lock().unwrap_or_else(|e| e.into_inner()) = Some(beat);
            let recovery = super::recovery::run(Arc::clone(&shared), journal);
            shared.tasks.spawn_on(recovery, &runtime);
        }
        Ok(Notifier::new(shared))
    }
}
