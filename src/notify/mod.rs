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
//! `capture.render_failed` (with `data.status`, the sender's). `url` and
//! `sha256` appear when the sink is configured to give them.
//!
//! # Delivery
//!
//! A 2xx answer delivers the event. Anything else (another status, a
//! connection refused, no answer within [`timeout`](NotifierBuilder::timeout))
//! is retried after a backoff that doubles, with jitter, up to
//! [`max_attempts`](NotifierBuilder::max_attempts); then the event is
//! dropped, logged and counted. At most
//! [`concurrency`](NotifierBuilder::concurrency) attempts are in flight; an
//! event waiting for its retry does not hold up the others.
//!
//! Delivery is **at least once**: an attempt whose answer was lost is sent
//! again, so your app may see an event twice, always with the same
//! `webhook-id`. De-duplicate by it. Events are not ordered.
//!
//! The queue lives in memory and is bounded
//! ([`queue_capacity`](NotifierBuilder::queue_capacity) events queued or
//! being delivered; past it `notify` refuses). Events still queued when the
//! process dies are lost; [`Notifier::shutdown`] gives them until a
//! deadline, then logs and counts what is left. An app that must not miss a
//! capture can also list the store.
//!
//! With the `metrics` feature: `shotsink_notifications_total` (`result`:
//! `delivered`, `dropped_queue_full`, `dropped_after_retries`,
//! `dropped_at_shutdown`), `shotsink_notification_attempts_total`
//! (`result`: `ok`, `failed`) and the gauge `shotsink_notifications_pending`.
//! The secret and the signatures are never logged.
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
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::{self, error::TrySendError};

use crate::Outcome;

mod builder;
mod counters;
mod delivery;
mod event;
#[cfg(test)]
mod tests;

pub use builder::NotifierBuilder;
pub use counters::ShutdownReport;
pub use event::{Event, EventData};

use counters::Fate;
use delivery::Shared;

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
    queue: mpsc::Sender<Event>,
    shared: Arc<Shared>,
    capacity: usize,
}

impl Notifier {
    /// A builder for a notifier that POSTs to `url` (`http` or `https`),
    /// signing with `secret` (`whsec_` and the key in base64, as Standard
    /// Webhooks libraries take it).
    pub fn builder(url: &str, secret: &str) -> NotifierBuilder {
        NotifierBuilder::new(url, secret)
    }

    fn new(queue: mpsc::Sender<Event>, shared: Arc<Shared>, capacity: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                queue,
                shared,
                capacity,
            }),
        }
    }

    /// Queues the event for `outcome`, a callback received at
    /// `received_at`; never waits.
    ///
    /// Returns `false` when the event is refused: `queue_capacity` events
    /// are already queued or being delivered, or the notifier is shutting
    /// down. A refusal is logged as a warning and counted
    /// ([`ShutdownReport::dropped_queue_full`] or
    /// [`ShutdownReport::dropped_at_shutdown`]).
    pub fn notify(&self, outcome: &Outcome, received_at: DateTime<Utc>) -> bool {
        self.send(Event::from_outcome(outcome, received_at))
    }

    /// Queues `event`, made elsewhere; the same as [`notify`](Self::notify).
    pub fn send(&self, event: Event) -> bool {
        let shared = &self.inner.shared;
        if shared.stop.is_cancelled() {
            shared.refuse(&event, Fate::AtShutdown);
            return false;
        }
        let capacity = self.inner.capacity;
        let reserved = shared
            .pending
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < capacity).then_some(n + 1)
            });
        let Ok(before) = reserved else {
            shared.refuse(&event, Fate::QueueFull);
            return false;
        };
        counters::pending(before + 1);
        match self.inner.queue.try_send(event) {
            Ok(()) => true,
            Err(TrySendError::Full(event)) => {
                shared.release();
                shared.refuse(&event, Fate::QueueFull);
                false
            }
            Err(TrySendError::Closed(event)) => {
                shared.release();
                shared.refuse(&event, Fate::AtShutdown);
                false
            }
        }
    }

    /// Events queued or being delivered, retries waiting included.
    pub fn pending(&self) -> usize {
        self.inner.shared.pending.load(Ordering::Acquire)
    }

    /// Stops taking events, then lets the queued and retrying ones be
    /// delivered until `deadline` has passed; what is still undelivered then
    /// is dropped, logged and counted (an attempt in flight is cut off: your
    /// app may have received it). Returns the counts over the notifier's
    /// whole life.
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
            tracing::warn!(
                pending = self.pending(),
                deadline_ms = u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX),
                "notifications still undelivered at the shutdown deadline; dropping them"
            );
            shared.abort.cancel();
            shared.tasks.wait().await;
        }
        self.report()
    }

    /// The counts so far, without shutting down.
    pub fn report(&self) -> ShutdownReport {
        self.inner.shared.counters.report()
    }
}

impl fmt::Debug for Notifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.inner.shared;
        f.debug_struct("Notifier")
            .field("url", &builder::redacted(&shared.url))
            .field("secret", &"<redacted>")
            .field("queue_capacity", &self.inner.capacity)
            .field("max_attempts", &shared.max_attempts)
            .field("pending", &self.pending())
            .field("stopped", &shared.stop.is_cancelled())
            .finish_non_exhaustive()
    }
}
