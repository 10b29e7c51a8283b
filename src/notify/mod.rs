#![doc = include_str!("../../docs/notify.md")]

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::Outcome;

mod attempt;
mod authorizer;
mod builder;
mod by_key;
mod check;
pub(crate) mod counters;
mod delivery;
mod endpoint;
mod event;
pub mod journal;
pub(crate) mod owed;
mod recovery;
mod schedule;
#[cfg(test)]
mod tests;
mod throttle;

pub use authorizer::HttpAuthorizer;
pub use builder::{MIN_LEASE, NotifierBuilder};
pub use by_key::NotifierConfigKey;
pub use counters::ShutdownReport;
pub use event::{Event, EventData, MAX_STATUS_BYTES, RenditionEntry};
pub use journal::{EventLog, EventLogError, EventRecord, EventState};

use counters::Fate;
use delivery::{Job, Shared};

/// Sends signed notifications of outcomes to your app: see the
/// [module documentation](crate::notify). Cheap to clone; every clone feeds the
/// same queue.
///
/// Built inside a Tokio runtime, whose tasks deliver the events.
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
}

impl Drop for Inner {
    /// The last clone gone without a shutdown: the worker and the recovery
    /// stop taking work. Without a journal, what is queued is still
    /// delivered; with one, the deliveries stop at once and their events
    /// stay in the journal, as after a crash.
    fn drop(&mut self) {
        self.shared.stop.cancel();
        if self.shared.journal.is_some() {
            self.shared.abort.cancel();
            self.shared.quiet.cancel();
        }
    }
}

impl Notifier {
    /// A builder for a notifier that POSTs to `url` (`http` or `https`),
    /// signing with `secret` (`whsec_` and the key in base64, as Standard
    /// Webhooks libraries take it).
    pub fn builder(url: &str, secret: &str) -> NotifierBuilder {
        NotifierBuilder::new(url, secret)
    }

    fn new(shared: Arc<Shared>) -> Self {
        Self {
            inner: Arc::new(Inner { shared }),
        }
    }

    /// The journal events are recorded in, if the notifier has one.
    pub fn journal(&self) -> Option<&EventLog> {
        self.inner.shared.journal.as_ref()
    }

    /// Records the event for `outcome`, a callback received at
    /// `received_at`, then queues it; returns its id.
    ///
    /// With a [journal](NotifierBuilder::journal), the event is written to
    /// the store before this returns, so it survives the process: answer
    /// the callback only once this succeeded, as
    /// [`CaptureSinkBuilder::notifier`](crate::CaptureSinkBuilder::notifier)
    /// makes the sink do. Without one, this is [`notify`](Self::notify).
    ///
    /// # Errors
    ///
    /// The journal's store failed: the event is not recorded.
    pub async fn record(
        &self,
        outcome: &Outcome,
        received_at: DateTime<Utc>,
    ) -> Result<String, EventLogError> {
        let event = self.event(outcome, received_at);
        let id = event.id.clone();
        let shared = &self.inner.shared;
        let Some(journal) = &shared.journal else {
            self.send(event);
            return Ok(id);
        };
        let record = EventRecord::new(event);
        let home = journal.home(&id);
        // Held before it is visible, so that a scan never queues it twice;
        // let go if the write fails or the caller goes away meanwhile (the
        // record, if it landed, is then found by the next scan).
        shared.held().insert(id.clone());
        let guard = Unhold {
            shared,
            id: Some(&id),
        };
        journal.write(&home, &record).await?;
        guard.keep();
        if let Err(job) = shared.enqueue(Job {
            record,
            home: Some(home),
        }) {
            // Recorded: the recovery queues it when there is room, or the
            // next process does.
            shared.held().remove(job.record.id());
            tracing::debug!(%id, "notification queue full; the event waits in the journal");
        }
        Ok(id)
    }

    /// Queues the event for `outcome`, a callback received at
    /// `received_at`, in memory only; never waits.
    ///
    /// Returns `false` when the event is refused: `queue_capacity` events
    /// are already queued or being delivered, or the notifier is shutting
    /// down. A refusal is logged as a warning and counted
    /// ([`ShutdownReport::dropped_queue_full`] or
    /// [`ShutdownReport::dropped_at_shutdown`]).
    pub fn notify(&self, outcome: &Outcome, received_at: DateTime<Utc>) -> bool {
        self.send(self.event(outcome, received_at))
    }

    /// The event for `outcome`, naming the renditions it owes.
    fn event(&self, outcome: &Outcome, received_at: DateTime<Utc>) -> Event {
        let mut event = Event::from_outcome(outcome, received_at);
        if let Some(renditions) = self.inner.shared.renditions.get() {
            event.data.renditions = renditions.owed(outcome);
        }
        event
    }

    /// Has the renditions `owed` made with every event from now on; `false`
    /// if another maker was given first.
    #[cfg(feature = "renditions")]
    pub(crate) fn attach_renditions(&self, owed: std::sync::Arc<dyn owed::Renditions>) -> bool {
        self.inner.shared.renditions.set(owed).is_ok()
    }

    /// Queues `event`, made elsewhere, in memory only; the same as
    /// [`notify`](Self::notify).
    pub fn send(&self, event: Event) -> bool {
        let shared = &self.inner.shared;
        let record = EventRecord::new(event);
        let id = record.id().to_owned();
        if !shared.held().insert(id.clone()) {
            // Already queued under this id.
            return true;
        }
        let stopped = shared.stop.is_cancelled();
        match shared.enqueue(Job { record, home: None }) {
            Ok(()) => true,
            Err(job) => {
                shared.held().remove(&id);
                let fate = if stopped || shared.stop.is_cancelled() {
                    Fate::AtShutdown
                } else {
                    Fate::QueueFull
                };
                shared.refuse(&job.record, fate);
                false
            }
        }
    }

    /// Events queued or being delivered, retries waiting included.
    pub fn pending(&self) -> usize {
        self.inner
            .shared
            .pending
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Stops taking events, then lets the queued and retrying ones be
    /// delivered until `deadline` has passed. What is still undelivered
    /// then stays in the journal for the next process (whose recovery
    /// takes it over at once: this process gives up its lease), or,
    /// without a journal, is dropped, logged and counted. An attempt in
    /// flight is cut off: your app may have received it. Returns the
    /// counts over the notifier's whole life.
    ///
    /// Every clone is shut down; calling it again returns the report at
    /// once.
    pub async fn shutdown(&self, deadline: Duration) -> ShutdownReport {
        let shared = &self.inner.shared;
        shared.stop.cancel();
        shared.tasks.close();
        if tokio::time::timeout(deadline, shared.tasks.wait())
            .await
            .is_err()
        {
            let left = self.pending();
            match shared.journal {
                Some(_) => tracing::info!(
                    pending = left,
                    "notifications still undelivered at the shutdown deadline stay in the journal"
                ),
                None => tracing::warn!(
                    pending = left,
                    deadline_ms = u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX),
                    "notifications still undelivered at the shutdown deadline; dropping them"
                ),
            }
            shared.abort.cancel();
            shared.tasks.wait().await;
        }
        shared.quiet.cancel();
        let heartbeat = shared
            .heartbeat
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(heartbeat) = heartbeat {
            let _ = heartbeat.await;
        }
        if let Some(journal) = &shared.journal
            && let Err(error) = journal.end().await
        {
            tracing::warn!(%error, "the event journal's lease could not be given up; it runs out on its own");
        }
        self.report()
    }

    /// The counts so far, without shutting down.
    pub fn report(&self) -> ShutdownReport {
        self.inner.shared.counters.report()
    }
}

/// Takes an id out of `held` when dropped, unless kept.
struct Unhold<'a> {
    shared: &'a Shared,
    id: Option<&'a str>,
}

impl Unhold<'_> {
    fn keep(mut self) {
        self.id = None;
    }
}

impl Drop for Unhold<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.shared.held().remove(id);
        }
    }
}

impl fmt::Debug for Notifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.inner.shared;
        f.debug_struct("Notifier")
            .field("url", &endpoint::redacted(&shared.url))
            .field("secret", &"<redacted>")
            .field("queue_capacity", &shared.capacity)
            .field("attempts", &shared.retry.attempts())
            .field("journal", &shared.journal)
            .field("pending", &self.pending())
            .field("stopped", &shared.stop.is_cancelled())
            .finish_non_exhaustive()
    }
}
