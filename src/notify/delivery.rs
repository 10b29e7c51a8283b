//! The worker and the deliveries: the worker takes jobs off the queue and
//! gives each its own task; a task signs and POSTs its event, holding one of
//! `concurrency` permits only while an attempt is in flight, and sleeps out
//! its wait without one, so a retry never holds up other events. With a
//! journal, each attempt's end is written back to the event's record:
//! deleted once delivered, its attempts and next try after a failure, moved
//! to the dead letter once its attempts are spent.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use chrono::Utc;
use object_store::path::Path;
use standardwebhooks::Webhook;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::counters::{self, Counters, Fate};
use super::event::rfc3339;
use super::journal::{EventLog, EventRecord};
use super::schedule::Retry;
use super::throttle::Throttle;

/// An event to deliver, and where its record is kept, if anywhere.
pub(super) struct Job {
    pub(super) record: EventRecord,
    pub(super) home: Option<Path>,
}

/// Everything the worker, the deliveries and the recovery share with the
/// [`Notifier`](super::Notifier).
pub(super) struct Shared {
    pub(super) url: reqwest::Url,
    pub(super) webhook: Webhook,
    pub(super) client: reqwest::Client,
    pub(super) retry: Retry,
    pub(super) journal: Option<EventLog>,
    pub(super) queue: mpsc::Sender<Job>,
    pub(super) capacity: usize,
    /// One per attempt in flight.
    pub(super) permits: Semaphore,
    /// Events queued or being delivered (retries waiting included).
    pub(super) pending: AtomicUsize,
    /// Their ids, sorted by time: a journal scan skips them.
    pub(super) held: Mutex<BTreeSet<String>>,
    pub(super) counters: Counters,
    /// Warnings about failed attempts, and about dead letters.
    pub(super) failures: Throttle,
    pub(super) dead: Throttle,
    /// Cancelled when the shutdown begins: no new events.
    pub(super) stop: CancellationToken,
    /// Cancelled when the shutdown's deadline passes: drop what is left.
    pub(super) abort: CancellationToken,
    /// The worker, the recovery and every delivery.
    pub(super) tasks: TaskTracker,
    /// The heartbeat, which goes on until the deliveries have ended.
    pub(super) heartbeat: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Cancelled once the deliveries have ended: the heartbeat stops.
    pub(super) quiet: CancellationToken,
    /// What makes the renditions an event owes, given by the sink.
    pub(super) renditions: std::sync::OnceLock<Arc<dyn super::owed::Renditions>>,
}

impl Shared {
    pub(super) fn held(&self) -> MutexGuard<'_, BTreeSet<String>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes `job` if there is room (`false` otherwise, nothing counted);
    /// its id must be in `held` already.
    pub(super) fn enqueue(&self, job: Job) -> Result<(), Box<Job>> {
        if self.stop.is_cancelled() {
            return Err(Box::new(job));
        }
        let capacity = self.capacity;
        let reserved = self
            .pending
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < capacity).then_some(n + 1)
            });
        let Ok(before) = reserved else {
            return Err(Box::new(job));
        };
        counters::pending(before + 1);
        match self.queue.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(job) | TrySendError::Closed(job)) => {
                self.release();
                Err(Box::new(job))
            }
        }
    }

    /// Counts an event's end and frees its place.
    fn finish(&self, id: &str, fate: Fate) {
        self.held().remove(id);
        self.counters.count(fate);
        self.release();
    }

    /// Logs and counts an event that was refused.
    pub(super) fn refuse(&self, record: &EventRecord, fate: Fate) {
        let why = match fate {
            Fate::QueueFull => "the queue is full",
            _ => "the notifier is shut down",
        };
        let event = &record.event;
        tracing::warn!(
            id = %event.id, kind = %event.kind, token = event.data.token.as_deref(),
            "notification refused: {why}"
        );
        self.counters.count(fate);
    }

    /// Frees the place an event held in `pending`.
    fn release(&self) {
        let left = self
            .pending
            .fetch_sub(1, Ordering::AcqRel)
            .saturating_sub(1);
        counters::pending(left);
    }
}

/// The worker: hands each queued job to its own delivery task until the
/// queue is closed (shutdown) and empty.
pub(super) async fn run(shared: Arc<Shared>, mut queue: mpsc::Receiver<Job>) {
    let mut closing = false;
    loop {
        let next = tokio::select! {
            biased;
            next = queue.recv() => next,
            () = shared.stop.cancelled(), if !closing => {
                // Refuse new events; what is queued is still received.
                closing = true;
                queue.close();
                continue;
            }
        };
        let Some(job) = next else { break };
        if shared.abort.is_cancelled() {
            cut_off(&shared, &job);
        } else {
            shared.tasks.spawn(deliver(Arc::clone(&shared), job));
        }
    }
}

/// One event, from its first attempt to its end.
async fn deliver(shared: Arc<Shared>, mut job: Job) {
    let fate = tokio::select! {
        biased;
        () = shared.abort.cancelled() => None,
        fate = settle_and_send(&shared, &mut job) => Some(fate),
    };
    match fate {
        Some(fate) => shared.finish(job.record.id(), fate),
        None => cut_off(&shared, &job),
    }
}

/// Makes what the event owes, then attempts it.
async fn settle_and_send(shared: &Shared, job: &mut Job) -> Fate {
    super::owed::settle(shared, job).await;
    match serde_json::to_vec(&job.record.event) {
        Ok(body) => attempts(shared, job, &Bytes::from(body)).await,
        Err(error) => {
            // Not reachable with these types; counted rather than lost.
            tracing::warn!(id = %job.record.id(), %error, "notification could not be serialized; dropped");
            Fate::AfterRetries
        }
    }
}

/// Attempts until a 2xx or the last attempt, waiting in between.
async fn attempts(shared: &Shared, job: &mut Job, body: &Bytes) -> Fate {
    if let Some(due) = job.record.due() {
        let wait = due
            .signed_duration_since(Utc::now())
            .to_std()
            .unwrap_or_default();
        tokio::time::sleep(wait).await;
    }
    let journal = shared.journal.as_ref();
    loop {
        let result = {
            // The semaphore is never closed: `Err` cannot happen.
            let _permit = shared.permits.acquire().await.ok();
            shared.attempt(&job.record.event.id, body).await
        };
        counters::attempt(result.is_ok());
        job.record.attempts = job.record.attempts.saturating_add(1);
        let event = &job.record.event;
        let (id, kind, token, attempt) = (
            &event.id,
            &event.kind,
            event.data.token.as_deref(),
            job.record.attempts,
        );
        let error = match result {
            Ok(()) => {
                if let Some(held_back) = shared.failures.delivered() {
                    tracing::info!(
                        endpoint = %super::endpoint::redacted(&shared.url), held_back,
                        "notifications delivered again"
                    );
                }
                tracing::debug!(%id, %kind, token, attempt, "notification delivered");
                if let (Some(journal), Some(home)) = (journal, &job.home)
                    && let Err(error) = journal.delivered(home).await
                {
                    tracing::warn!(%id, %error, "delivered, but its record could not be deleted: it may be sent again");
                }
                return Fate::Delivered;
            }
            Err(error) => error.to_string(),
        };
        job.record.last_error = Some(error.clone());
        let random = u64::from_le_bytes(crate::random::bytes::<8>());
        let Some(wait) = shared.retry.wait(attempt, random) else {
            return dead_letter(shared, job).await;
        };
        if let Some(held_back) = shared.failures.failed() {
            tracing::warn!(
                endpoint = %super::endpoint::redacted(&shared.url), %id, %kind, token, attempt,
                %error, retry_in_s = wait.as_secs(), held_back,
                "notification attempt failed; retrying"
            );
        } else {
            tracing::debug!(%id, attempt, %error, "notification attempt failed; retrying");
        }
        if let (Some(journal), Some(home)) = (journal, &job.home) {
            let due = chrono::Duration::from_std(wait)
                .ok()
                .and_then(|wait| Utc::now().checked_add_signed(wait));
            job.record.next_attempt_at = due.map(rfc3339);
            if let Err(error) = journal.write(home, &job.record).await {
                tracing::debug!(%id, %error, "the attempt could not be written to the record");
            }
        }
        tokio::time::sleep(wait).await;
    }
}

/// The end of an event whose last attempt failed: the dead letter with a
/// journal, dropped without.
async fn dead_letter(shared: &Shared, job: &mut Job) -> Fate {
    let record = &mut job.record;
    let logged = shared.dead.failed();
    let (id, kind, token) = (
        record.event.id.clone(),
        record.event.kind.clone(),
        record.event.data.token.clone(),
    );
    let error = record.last_error.clone().unwrap_or_default();
    let Some(journal) = &shared.journal else {
        if let Some(held_back) = logged {
            tracing::warn!(%id, %kind, token, attempts = record.attempts, %error, held_back, "notification dropped: its last attempt failed");
        }
        return Fate::AfterRetries;
    };
    record.failed_at = Some(rfc3339(Utc::now()));
    record.next_attempt_at = None;
    match journal.dead_letter(job.home.as_ref(), record).await {
        Ok(()) => {
            if let Some(held_back) = logged {
                tracing::warn!(%id, %kind, token, attempts = record.attempts, %error, held_back, "notification failed: its last attempt failed; kept in the dead letter for a replay");
            }
            Fate::DeadLettered
        }
        Err(journal_error) => {
            tracing::warn!(%id, %error, %journal_error, "notification failed, and could not be moved to the dead letter: it stays pending");
            Fate::LeftInJournal
        }
    }
}

/// Logs, counts and frees an event the shutdown's deadline caught: left
/// in the journal for the next process, or dropped without one.
fn cut_off(shared: &Shared, job: &Job) {
    let event = &job.record.event;
    if shared.journal.is_some() && job.home.is_some() {
        tracing::debug!(id = %event.id, "notification left pending in the journal at shutdown");
        shared.finish(&event.id, Fate::LeftInJournal);
        return;
    }
    tracing::warn!(
        id = %event.id, kind = %event.kind, token = event.data.token.as_deref(),
        "notification dropped: not delivered before the shutdown deadline"
    );
    shared.finish(&event.id, Fate::AtShutdown);
}
