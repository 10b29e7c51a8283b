//! What became of the events: counters kept for [`Notifier::report`](super::Notifier::report),
//! mirrored to the `metrics` facade with the `metrics` feature.

use std::sync::atomic::{AtomicU64, Ordering};

/// What became of a [`Notifier`](super::Notifier)'s events over its whole
/// life, as [`shutdown`](super::Notifier::shutdown) and
/// [`report`](super::Notifier::report) give it.
///
/// Every event the notifier took ends in exactly one of these once it is
/// no longer [`pending`](super::Notifier::pending).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Events the app answered with a 2xx.
    pub delivered: u64,
    /// Events refused because `queue_capacity` events were already queued
    /// or being delivered (without a journal only: with one, the event
    /// waits in the journal instead).
    pub dropped_queue_full: u64,
    /// Events dropped after their last attempt failed (without a journal
    /// only).
    pub dropped_after_retries: u64,
    /// Events refused once the notifier was shutting down, and events
    /// still undelivered when the shutdown's deadline passed (without a
    /// journal only).
    pub dropped_at_shutdown: u64,
    /// Events whose last attempt failed, kept in the journal's dead letter
    /// for a replay.
    pub dead_lettered: u64,
    /// Events still undelivered when the shutdown's deadline passed, left
    /// pending in the journal for the next process.
    pub left_in_journal: u64,
}

/// How an event left the notifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    Delivered,
    QueueFull,
    AfterRetries,
    AtShutdown,
    DeadLettered,
    LeftInJournal,
}

/// The counters behind [`ShutdownReport`].
#[derive(Debug, Default)]
pub(super) struct Counters {
    delivered: AtomicU64,
    queue_full: AtomicU64,
    after_retries: AtomicU64,
    at_shutdown: AtomicU64,
    dead_lettered: AtomicU64,
    left_in_journal: AtomicU64,
}

impl Counters {
    /// Counts one event's end.
    pub(super) fn count(&self, fate: Fate) {
        let (counter, label) = match fate {
            Fate::Delivered => (&self.delivered, "delivered"),
            Fate::QueueFull => (&self.queue_full, "dropped_queue_full"),
            Fate::AfterRetries => (&self.after_retries, "dropped_after_retries"),
            Fate::AtShutdown => (&self.at_shutdown, "dropped_at_shutdown"),
            Fate::DeadLettered => (&self.dead_lettered, "dead_lettered"),
            Fate::LeftInJournal => (&self.left_in_journal, "left_in_journal"),
        };
        counter.fetch_add(1, Ordering::Relaxed);
        #[cfg(feature = "metrics")]
        metrics::counter!("shotsink_notifications_total", "result" => label).increment(1);
        #[cfg(not(feature = "metrics"))]
        let _ = label;
    }

    /// The counts so far.
    pub(super) fn report(&self) -> ShutdownReport {
        ShutdownReport {
            delivered: self.delivered.load(Ordering::Relaxed),
            dropped_queue_full: self.queue_full.load(Ordering::Relaxed),
            dropped_after_retries: self.after_retries.load(Ordering::Relaxed),
            dropped_at_shutdown: self.at_shutdown.load(Ordering::Relaxed),
            dead_lettered: self.dead_lettered.load(Ordering::Relaxed),
            left_in_journal: self.left_in_journal.load(Ordering::Relaxed),
        }
    }
}

/// One HTTP attempt ended: a 2xx (`ok`) or anything else.
pub(super) fn attempt(ok: bool) {
    #[cfg(feature = "metrics")]
    {
        let result = if ok { "ok" } else { "failed" };
        metrics::counter!("shotsink_notification_attempts_total", "result" => result).increment(1);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = ok;
}

/// Events queued or being delivered, now.
pub(super) fn pending(events: usize) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("shotsink_notifications_pending").set(events as f64);
    #[cfg(not(feature = "metrics"))]
    let _ = events;
}

/// The age of the oldest event this process holds undelivered, in seconds
/// (0 when it holds none).
pub(super) fn oldest(seconds: f64) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("shotsink_notifications_oldest_pending_seconds").set(seconds);
    #[cfg(not(feature = "metrics"))]
    let _ = seconds;
}

/// Every notification series at zero, so that it is there from the start.
#[cfg(feature = "metrics")]
pub(crate) fn zero() {
    let results = [
        "delivered",
        "dead_lettered",
        "left_in_journal",
        "dropped_queue_full",
        "dropped_after_retries",
        "dropped_at_shutdown",
    ];
    for result in results {
        metrics::counter!("shotsink_notifications_total", "result" => result).increment(0);
    }
    for result in ["ok", "failed"] {
        metrics::counter!("shotsink_notification_attempts_total", "result" => result).increment(0);
    }
    metrics::gauge!("shotsink_notifications_pending").set(0.0);
    metrics::gauge!("shotsink_notifications_oldest_pending_seconds").set(0.0);
}
