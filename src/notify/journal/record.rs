//! One event as the journal keeps it: the event, where it stands, and what
//! its last attempt met.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::notify::Event;

/// Where an event stands in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventState {
    /// Not delivered yet: waiting for an attempt or for its retry.
    Pending,
    /// Every attempt failed: kept in the dead letter until replayed.
    Failed,
}

impl EventState {
    /// `pending` or `failed`, as the CLI and the admin endpoint spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            EventState::Pending => "pending",
            EventState::Failed => "failed",
        }
    }
}

impl std::str::FromStr for EventState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(EventState::Pending),
            "failed" => Ok(EventState::Failed),
            other => Err(format!("unknown event state `{other}`: pending or failed")),
        }
    }
}

/// An event in the journal, as its JSON file holds it (`schema` 1).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct EventRecord {
    /// The version of this file's layout: 1.
    pub schema: u32,
    /// The event, exactly as it is POSTed to the app.
    pub event: Event,
    /// Attempts made so far, across restarts and replicas.
    pub attempts: u32,
    /// What the last failed attempt met (`answered 302 Found, location
    /// /login`, `timed out`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When the next attempt is due (RFC 3339); absent means now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    /// When the event went to the dead letter (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_at: Option<String>,
    /// Where the event stands; not stored, known from where it is kept.
    #[serde(skip, default = "pending")]
    pub state: EventState,
}

fn pending() -> EventState {
    EventState::Pending
}

impl EventRecord {
    /// A new record for `event`, not attempted yet.
    pub fn new(event: Event) -> Self {
        Self {
            schema: 1,
            event,
            attempts: 0,
            last_error: None,
            next_attempt_at: None,
            failed_at: None,
            state: EventState::Pending,
        }
    }

    /// The event's id (`msg_…`), its `webhook-id`.
    pub fn id(&self) -> &str {
        &self.event.id
    }

    /// When the next attempt is due; `None` for now.
    pub(crate) fn due(&self) -> Option<DateTime<Utc>> {
        let at = self.next_attempt_at.as_deref()?;
        DateTime::parse_from_rfc3339(at)
            .ok()
            .map(|at| at.with_timezone(&Utc))
    }
}
