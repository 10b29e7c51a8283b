//! The event sent for an outcome: what the JSON body holds.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::Outcome;

/// One event, serialized as the JSON body of a notification.
///
/// `None` fields are left out of the JSON.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// `msg_` and 32 lowercase hex digits (the first 12 the event's time in
    /// milliseconds since the Unix epoch, the rest random), so ids sort by
    /// time; sent as `webhook-id` and the same on every attempt, after a
    /// restart and from any replica, so the app de-duplicates by it.
    pub id: String,
    /// `capture.stored`, `capture.already_stored` or `capture.render_failed`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When the event was made, RFC 3339 in UTC (`2026-01-31T12:00:00.000Z`).
    pub timestamp: String,
    /// What landed.
    pub data: EventData,
}

/// What an [`Event`] is about: the outcome of one callback.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct EventData {
    /// The capture's token, reduced to `[A-Za-z0-9]`; absent for a render
    /// failure sent without a usable one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// `stored`, `already_stored` or `render_failed`.
    pub outcome: String,
    /// The object's key (stored and already stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Where to fetch the capture, when the sink is configured to give a
    /// public or presigned URL (stored only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The format's extension: `png`, `jpg`, `webp`, `avif` or `pdf`
    /// (stored and already stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The number of bytes stored (stored only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The SHA-256 of the bytes stored, lowercase hex, when the sink
    /// computes it (stored only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The image's width in pixels (stored images only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// The image's height in pixels (stored images only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// The `status` the sender reported (render failures only), cut to its
    /// first [`MAX_STATUS_BYTES`] bytes (at a character boundary).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the callback arrived, RFC 3339 in UTC.
    pub received_at: String,
    /// The capture's renditions, each done or failed, when the sink makes
    /// renditions (stored captures only; the event is sent once every one
    /// is done or has failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renditions: Option<Vec<RenditionEntry>>,
}

/// One rendition of a capture, as an [`EventData`] lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct RenditionEntry {
    /// The rendition's name (`thumb`, `card`, …).
    pub name: String,
    /// `done` or `failed` (`pending` only in the journal, never sent).
    pub state: String,
    /// The rendition's object key, next to the capture's.
    pub key: String,
    /// Where to fetch it, when the sink gives URLs (done only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its format's extension: `webp`, `jpg`, `png` or `avif`.
    pub format: String,
    /// Width in pixels (done only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels (done only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Bytes stored (done only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Why it was not made (failed only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl RenditionEntry {
    /// `pending`: owed, not made yet.
    pub const PENDING: &'static str = "pending";
    /// `done`: stored.
    pub const DONE: &'static str = "done";
    /// `failed`: not made; `reason` says why.
    pub const FAILED: &'static str = "failed";

    /// An entry owed for rendition `name`, to be stored at `key`.
    pub fn pending(name: &str, key: &str, format: &str) -> Self {
        Self {
            name: name.to_owned(),
            state: Self::PENDING.to_owned(),
            key: key.to_owned(),
            url: None,
            format: format.to_owned(),
            width: None,
            height: None,
            size: None,
            reason: None,
        }
    }

    /// This entry failed for `reason`.
    pub fn failed(mut self, reason: impl Into<String>) -> Self {
        self.state = Self::FAILED.to_owned();
        self.reason = Some(reason.into());
        self
    }

    /// Whether it is still owed.
    pub fn is_pending(&self) -> bool {
        self.state == Self::PENDING
    }
}

impl Event {
    /// The event for `outcome`, for a callback received at `received_at`,
    /// with a fresh random id and the current time as its timestamp.
    pub fn from_outcome(outcome: &Outcome, received_at: DateTime<Utc>) -> Event {
        let mut data = EventData {
            token: outcome.token().map(str::to_owned),
            outcome: String::new(),
            key: None,
            url: None,
            format: None,
            size: None,
            sha256: None,
            width: None,
            height: None,
            status: None,
            received_at: rfc3339(received_at),
            renditions: None,
        };
        let kind = match outcome {
            Outcome::Stored(s) => {
                data.outcome = "stored".to_owned();
                data.key = Some(s.key.to_string());
                data.url.clone_from(&s.url);
                data.format = Some(s.format.extension().to_owned());
                data.size = Some(s.size);
                data.sha256.clone_from(&s.sha256);
                data.width = s.width;
                data.height = s.height;
                "capture.stored"
            }
            Outcome::AlreadyStored(e) => {
                data.outcome = "already_stored".to_owned();
                data.key = Some(e.key.to_string());
                data.url.clone_from(&e.url);
                data.format = Some(e.format.extension().to_owned());
                data.size = e.size;
                data.sha256.clone_from(&e.sha256);
                data.width = e.width;
                data.height = e.height;
                "capture.already_stored"
            }
            Outcome::RenderFailed(r) => {
                data.outcome = "render_failed".to_owned();
                data.status = Some(bounded(&r.status).to_owned());
                "capture.render_failed"
            }
        };
        Event {
            id: new_id(),
            kind: kind.to_owned(),
            timestamp: rfc3339(Utc::now()),
            data,
        }
    }
}

/// The most bytes of a sender's render-failure `status` an event carries.
pub const MAX_STATUS_BYTES: usize = 256;

/// `status` cut to at most [`MAX_STATUS_BYTES`], at a character boundary.
fn bounded(status: &str) -> &str {
    let mut end = status.len().min(MAX_STATUS_BYTES);
    while !status.is_char_boundary(end) {
        end -= 1;
    }
    &status[..end]
}

/// `msg_`, the time in milliseconds as 12 hex digits, then 80 random bits
/// in hex: unique, and sorted by time.
fn new_id() -> String {
    let millis = u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0) & 0xFFFF_FFFF_FFFF;
    let random = crate::hex::encode(&crate::random::bytes::<10>());
    format!("msg_{millis:012x}{random}")
}

/// The time an id was made, from its first 12 hex digits; `None` for an
/// id this crate did not make.
pub(crate) fn id_time(id: &str) -> Option<DateTime<Utc>> {
    let millis = id.strip_prefix("msg_")?.get(..12)?;
    let millis = i64::from_str_radix(millis, 16).ok()?;
    DateTime::from_timestamp_millis(millis)
}

/// RFC 3339 in UTC with milliseconds and a `Z`.
pub(crate) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}
