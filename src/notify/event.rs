//! The event sent for an outcome: what the JSON body holds.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::Outcome;

/// One event, serialized as the JSON body of a notification.
///
/// `None` fields are left out of the JSON.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// `msg_` and 32 random lowercase hex digits; sent as `webhook-id` and
    /// the same on every attempt, so the app de-duplicates by it.
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
#[derive(Debug, Clone, Serialize, PartialEq)]
#[non_exhaustive]
pub struct EventData {
    /// The capture's token, reduced to `[A-Za-z0-9]`; absent for a render
    /// failure sent without a usable one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// `stored`, `already_stored` or `render_failed`.
    pub outcome: &'static str,
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
    /// The `status` the sender reported (render failures only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the callback arrived, RFC 3339 in UTC.
    pub received_at: String,
}

impl Event {
    /// The event for `outcome`, for a callback received at `received_at`,
    /// with a fresh random id and the current time as its timestamp.
    pub fn from_outcome(outcome: &Outcome, received_at: DateTime<Utc>) -> Event {
        let mut data = EventData {
            token: outcome.token().map(str::to_owned),
            outcome: "",
            key: None,
            url: None,
            format: None,
            size: None,
            sha256: None,
            width: None,
            height: None,
            status: None,
            received_at: rfc3339(received_at),
        };
        let kind = match outcome {
            Outcome::Stored(s) => {
                data.outcome = "stored";
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
                data.outcome = "already_stored";
                data.key = Some(e.key.to_string());
                data.format = Some(e.format.extension().to_owned());
                "capture.already_stored"
            }
            Outcome::RenderFailed(r) => {
                data.outcome = "render_failed";
                data.status = Some(r.status.clone());
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

/// `msg_` and 128 random bits in hex.
fn new_id() -> String {
    format!("msg_{}", crate::hex::encode(&crate::random::bytes::<16>()))
}

/// RFC 3339 in UTC with milliseconds and a `Z`.
fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}
