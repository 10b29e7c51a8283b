//! Signed notifications to your app when a capture lands (cargo feature
//! `notify`), as [Standard Webhooks](https://www.standardwebhooks.com/)
//! specifies.
//!
//! A [`Notifier`] takes each [`Outcome`] the sink hands your handler and
//! POSTs it to your app's URL, in the background: [`Notifier::notify`]
//! only queues the event and never waits, so the callback's answer does
//! not wait for your app.
//!
//! # The request
//!
//! `POST` to the configured URL, `content-type: application/json`, with
//! the three Standard Webhooks headers:
//!
//! - `webhook-id`: the event's id, `msg_` and 32 hex digits, the same on
//!   every attempt;
//! - `webhook-timestamp`: the attempt's time in Unix seconds;
//! - `webhook-signature`: `v1,` and the base64 HMAC-SHA256 of
//!   `{id}.{timestamp}.{body}` under the key of the `whsec_` secret.
//!
//! Each attempt is signed again with its own timestamp (verifiers refuse
//! timestamps more than 5 minutes old, and a retry may come hours after
//! the event was made); the id and the body stay the same. The body is an
//! [`Event`], fields that do not apply left out:
//!
//! ```json
//! {
//!   "id": "msg_5f0c3e9a1b7d4c2e8f6a0b1c2d3e4f50",
//!   "type": "capture.stored",
//!   "timestamp": "2026-01-31T12:00:01.250Z",
//!   "data": {
//!     "token": "Abc123", "outcome": "stored",
//!     "key": "screenshots/2026/01/31/Abc123.png", "format": "png",
//!     "size": 48213, "width": 1280, "height": 800,
//!     "received_at": "2026-01-31T12:00:01.180Z"
//!   }
//! }
//! ```
//!
//! `type` is `capture.stored`, `capture.already_stored` or
//! `capture.render_failed` (with `data.status`, the sender's, cut to
//! [`MAX_STATUS_BYTES`]). `url` and `sha256` appear when the sink is
//! configured to give them.
//!
//! # Recorded before the 200
//!
//! Give the notifier a [journal](NotifierBuilder::journal) (an
//! [`EventLog`] in the store the captures go to) and the sink
//! ([`CaptureSinkBuilder::notifier`](crate::CaptureSinkBuilder::notifier))
//! and a 200 means "stored, and the app will hear of it": each accepted
//! callback's event is written to the store before the answer (a failed
//! write is a 503 with `Retry-After`), survives a crash, and is delivered
//! by this process, its successor or a replica sharing the store once this
//! one's lease has run out. See [`journal`] for the layout, the leases and
//! the takeovers. Without a journal, events live in memory only: those
//! still queued when the process dies are lost.
//!
//! # Delivery
//!
//! Only a 2xx answer delivers the event; redirects are not followed. Any
//! other answer, a connection refused, or no answer within
//! [`timeout`](NotifierBuilder::timeout) is a failed attempt, logged at
//! WARN with the status and a redirect's `Location` (at most once per 30 s
//! for the endpoint, with the count held back) and retried on
//! [Svix's schedule](NotifierBuilder::schedule) (5 s, 5 min, 30 min, 2 h,
//! 5 h, 10 h, 10 h, each ±20 %), or a doubling
//! [backoff](NotifierBuilder::backoff). With a journal, each attempt is
//! written back to the event's record, so a restart keeps the schedule, and
//! an event whose attempts are spent goes to the dead letter, to be listed
//! and [replayed](EventLog::replay); without one, it is dropped, logged and
//! counted. At most [`concurrency`](NotifierBuilder::concurrency) attempts
//! are in flight; an event waiting for its retry holds none of them.
//!
//! Delivery is **at least once**: an attempt whose answer was lost is sent
//! again, so your app may see an event twice, always with the same
//! `webhook-id`, across retries, restarts and replicas. De-duplicate by
//! it. Events are not ordered. A capture whose 200 was lost after its event
//! was recorded is announced again, under a new id, by the sender's retry
//! (`capture.already_stored`). A presigned `url` may have expired by a late
//! retry.
//!
//! At most [`queue_capacity`](NotifierBuilder::queue_capacity) events are
//! held in memory, those waiting for a retry included; past it, events
//! [`record`](Notifier::record)ed in a journal wait in the store until
//! there is room, and [`notify`](Notifier::notify) refuses (it never
//! writes the journal, with or without one). [`Notifier::shutdown`] gives
//! the undelivered ones until a deadline.
//!
//! With the `metrics` feature: `shotsink_notifications_total` (`result`:
//! `delivered`, `dead_lettered`, `left_in_journal`, and for events held in
//! memory only `dropped_queue_full`, `dropped_after_retries`,
//! `dropped_at_shutdown`),
//! `shotsink_notification_attempts_total` (`result`: `ok`, `failed`), the
//! gauges `shotsink_notifications_pending` and
//! `shotsink_notifications_oldest_pending_seconds`. The secret and the
//! signatures are never logged.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use bytes::Bytes;
//! use http::HeaderMap;
//! use object_store::{memory::InMemory, ObjectStore};
//! use shotsink::CaptureSink;
//! use shotsink::notify::Notifier;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Nobody listens on port 9 here: the event is retried until the shutdown.
//! let notifier = Notifier::builder("http://127.0.0.1:9/", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
//!     .backoff(Duration::from_millis(100), Duration::from_secs(60))
//!     .build()?;
//!
//! // A callback reporting a failed render, received by the sink:
//! let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
//! let sink = CaptureSink::builder(store).secret("s3cret").build()?;
//! let mut headers = HeaderMap::new();
//! headers.insert("content-type", "multipart/form-data; boundary=B".parse()?);
//! let body = "--B\r\n\
//!     Content-Disposition: form-data; name=\"callback_secret\"\r\n\r\ns3cret\r\n--B\r\n\
//!     Content-Disposition: form-data; name=\"status\"\r\n\r\nERR\r\n--B\r\n\
//!     Content-Disposition: form-data; name=\"token\"\r\n\r\nAbc123\r\n--B--\r\n";
//! let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(body))]);
//! let outcome = sink.receive(&headers, chunks).await.into_result()?;
//!
//! // Queued; never waits.
//! assert!(notifier.notify(&outcome, chrono::Utc::now()));
//! assert_eq!(notifier.pending(), 1);
//!
//! let report = notifier.shutdown(Duration::from_millis(300)).await;
//! assert_eq!(report.delivered, 0);
//! assert_eq!(report.dropped_at_shutdown, 1);
//! # Ok(())
//! # }
//! ```
//!
//! Your app checks each request with any Standard Webhooks library before
//! it trusts the body; in Rust, the `standardwebhooks` crate:
//!
//! ```
//! use http::{HeaderMap, StatusCode};
//! use standardwebhooks::Webhook;
//!
//! fn capture_event(webhook: &Webhook, headers: &HeaderMap, body: &[u8]) -> StatusCode {
//!     if webhook.verify(body, headers).is_err() {
//!         return StatusCode::BAD_REQUEST; // forged, altered or stale
//!     }
//!     let Ok(event) = serde_json::from_slice::<serde_json::Value>(body) else {
//!         return StatusCode::BAD_REQUEST;
//!     };
//!     // Already seen this `webhook-id`? Answer 2xx again and do nothing.
//!     println!("{} {}", event["id"], event["type"]);
//!     StatusCode::NO_CONTENT
//! }
//! # let webhook = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
//! # assert_eq!(capture_event(&webhook, &HeaderMap::new(), b"{}"), StatusCode::BAD_REQUEST);
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::Outcome;

mod authorizer;
mod builder;
mod counters;
mod delivery;
mod event;
pub mod journal;
mod recovery;
mod schedule;
#[cfg(test)]
mod tests;
mod throttle;

pub use authorizer::HttpAuthorizer;
pub use builder::NotifierBuilder;
pub use counters::ShutdownReport;
pub use event::{Event, EventData, MAX_STATUS_BYTES};
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
        let event = Event::from_outcome(outcome, received_at);
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
        self.send(Event::from_outcome(outcome, received_at))
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
            .field("url", &builder::redacted(&shared.url))
            .field("secret", &"<redacted>")
            .field("queue_capacity", &shared.capacity)
            .field("attempts", &shared.retry.attempts())
            .field("journal", &shared.journal)
            .field("pending", &self.pending())
            .field("stopped", &shared.stop.is_cancelled())
            .finish_non_exhaustive()
    }
}
