//! The worker and the deliveries: the worker takes events off the queue and
//! gives each its own task; a task signs and POSTs its event, holding one of
//! `concurrency` permits only while an attempt is in flight, and sleeps out
//! its backoff without one, so a retry never holds up other events.

use std::error::Error as _;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use standardwebhooks::Webhook;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::Event;
use super::counters::{self, Counters, Fate};

/// Everything the worker and the deliveries share with the
/// [`Notifier`](super::Notifier).
pub(super) struct Shared {
    pub(super) url: reqwest::Url,
    pub(super) webhook: Webhook,
    pub(super) client: reqwest::Client,
    pub(super) max_attempts: u32,
    pub(super) first_backoff: Duration,
    pub(super) max_backoff: Duration,
    /// One per attempt in flight.
    pub(super) permits: Semaphore,
    /// Events queued or being delivered (retries waiting included).
    pub(super) pending: AtomicUsize,
    pub(super) counters: Counters,
    /// Cancelled when the shutdown begins: no new events.
    pub(super) stop: CancellationToken,
    /// Cancelled when the shutdown's deadline passes: drop what is left.
    pub(super) abort: CancellationToken,
    /// The worker and every delivery.
    pub(super) tasks: TaskTracker,
}

impl Shared {
    /// Counts an event's end and frees its place.
    pub(super) fn finish(&self, fate: Fate) {
        self.counters.count(fate);
        self.release();
    }

    /// Logs and counts an event [`Notifier::send`](super::Notifier::send)
    /// refused.
    pub(super) fn refuse(&self, event: &Event, fate: Fate) {
        let why = match fate {
            Fate::QueueFull => "the queue is full",
            _ => "the notifier is shut down",
        };
        tracing::warn!(
            id = %event.id, kind = %event.kind, token = event.data.token.as_deref(),
            "notification refused: {why}"
        );
        self.counters.count(fate);
    }

    /// Frees the place an event held in `pending`.
    pub(super) fn release(&self) {
        let left = self
            .pending
            .fetch_sub(1, Ordering::AcqRel)
            .saturating_sub(1);
        counters::pending(left);
    }

    /// One attempt: signed with this attempt's timestamp, same id and body
    /// as every other attempt.
    async fn attempt(&self, id: &str, body: &Bytes) -> Result<(), AttemptError> {
        let timestamp = chrono::Utc::now().timestamp();
        let signature = self
            .webhook
            .sign(id, timestamp, body)
            .map_err(|_| AttemptError::Sign)?;
        let response = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.clone())
            .send()
            .await
            .map_err(|error| AttemptError::Request(error.without_url()))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(AttemptError::Status(status))
        }
    }
}

/// Why an attempt failed. Never shows the signature or the URL (which may
/// carry credentials).
enum AttemptError {
    Status(reqwest::StatusCode),
    Request(reqwest::Error),
    /// The body was not UTF-8; `serde_json` never writes such a body.
    Sign,
}

impl fmt::Display for AttemptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptError::Status(status) => write!(f, "answered {status}"),
            AttemptError::Request(error) if error.is_timeout() => f.write_str("timed out"),
            AttemptError::Request(error) => {
                write!(f, "{error}")?;
                let mut source = error.source();
                while let Some(cause) = source {
                    write!(f, ": {cause}")?;
                    source = cause.source();
                }
                Ok(())
            }
            AttemptError::Sign => f.write_str("the body could not be signed"),
        }
    }
}

/// The worker: hands each queued event to its own delivery task until the
/// queue is closed (shutdown) or every sender is gone (the notifier was
/// dropped), and empty.
pub(super) async fn run(shared: Arc<Shared>, mut queue: mpsc::Receiver<Event>) {
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
        let Some(event) = next else { break };
        if shared.abort.is_cancelled() {
            dropped_at_shutdown(&shared, &event);
        } else {
            shared.tasks.spawn(deliver(Arc::clone(&shared), event));
        }
    }
}

/// One event, from its first attempt to its end.
async fn deliver(shared: Arc<Shared>, event: Event) {
    let body = match serde_json::to_vec(&event) {
        Ok(body) => Bytes::from(body),
        Err(error) => {
            // Not reachable with these types; counted rather than lost.
            tracing::warn!(id = %event.id, %error, "notification could not be serialized; dropped");
            shared.finish(Fate::AfterRetries);
            return;
        }
    };
    let fate = tokio::select! {
        biased;
        () = shared.abort.cancelled() => None,
        fate = attempts(&shared, &event, &body) => Some(fate),
    };
    match fate {
        Some(fate) => shared.finish(fate),
        None => dropped_at_shutdown(&shared, &event),
    }
}

/// Attempts until a 2xx or `max_attempts`, backing off in between.
async fn attempts(shared: &Shared, event: &Event, body: &Bytes) -> Fate {
    let token = event.data.token.as_deref();
    let mut attempt: u32 = 1;
    loop {
        let result = {
            // The semaphore is never closed: `Err` cannot happen.
            let _permit = shared.permits.acquire().await.ok();
            shared.attempt(&event.id, body).await
        };
        counters::attempt(result.is_ok());
        let error = match result {
            Ok(()) if attempt > 1 => {
                tracing::info!(
                    id = %event.id, kind = %event.kind, token, attempt,
                    "notification delivered after retries"
                );
                return Fate::Delivered;
            }
            Ok(()) => {
                tracing::debug!(
                    id = %event.id, kind = %event.kind, token, attempt,
                    "notification delivered"
                );
                return Fate::Delivered;
            }
            Err(error) => error,
        };
        if attempt >= shared.max_attempts {
            tracing::warn!(
                id = %event.id, kind = %event.kind, token, attempts = attempt, %error,
                "notification dropped: its last attempt failed"
            );
            return Fate::AfterRetries;
        }
        let random = u64::from_le_bytes(crate::random::bytes::<8>());
        let delay = backoff(shared.first_backoff, shared.max_backoff, attempt, random);
        tracing::debug!(
            id = %event.id, kind = %event.kind, token, attempt, %error,
            retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            "notification attempt failed; retrying"
        );
        tokio::time::sleep(delay).await;
        attempt = attempt.saturating_add(1);
    }
}

/// Logs, counts and frees an event the shutdown's deadline caught.
fn dropped_at_shutdown(shared: &Shared, event: &Event) {
    tracing::warn!(
        id = %event.id, kind = %event.kind, token = event.data.token.as_deref(),
        "notification dropped: not delivered before the shutdown deadline"
    );
    shared.finish(Fate::AtShutdown);
}

/// The wait after `failed` failed attempts (1 for the first retry):
/// uniformly random between half and all of
/// `min(max, first × 2^(failed − 1))`, from `random`. Never less than
/// `first / 2`, never more than `max`.
pub(super) fn backoff(first: Duration, max: Duration, failed: u32, random: u64) -> Duration {
    let factor = 1u32
        .checked_shl(failed.saturating_sub(1))
        .unwrap_or(u32::MAX);
    let cap = first.saturating_mul(factor).min(max);
    let cap = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
    let half = cap / 2;
    // At most 2^63 + 1: no overflow, and never zero.
    let range = cap - half + 1;
    Duration::from_nanos(half + random % range)
}
