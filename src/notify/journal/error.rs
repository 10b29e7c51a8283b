//! What can go wrong with the journal.

use std::error::Error as StdError;
use std::fmt;

/// An error of the [`EventLog`](super::EventLog).
#[derive(Debug)]
#[non_exhaustive]
pub enum EventLogError {
    /// The object store failed.
    Store {
        /// The store's error.
        source: object_store::Error,
    },
    /// A record could not be read or written as JSON.
    Corrupt {
        /// The record's key.
        key: String,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// No failed event has this id.
    NotFound {
        /// The id asked for.
        id: String,
    },
}

impl fmt::Display for EventLogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventLogError::Store { source } => {
                write!(f, "the event journal's store failed: {source}")
            }
            EventLogError::Corrupt { key, .. } => write!(f, "the event record {key} is not valid"),
            EventLogError::NotFound { id } => write!(f, "no failed event {id}"),
        }
    }
}

impl StdError for EventLogError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            EventLogError::Store { source } => Some(source),
            EventLogError::Corrupt { source, .. } => Some(source),
            EventLogError::NotFound { .. } => None,
        }
    }
}
