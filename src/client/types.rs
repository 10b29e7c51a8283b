//! What the client is configured with and what the API answers.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::verify::mint::SecretMint;

/// The public capture API.
pub const DEFAULT_BASE_URL: &str = "https://api.shotbot.net";

/// The account's plan, which bounds a batch's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Plan {
    /// Up to 500 jobs per batch.
    #[default]
    Free,
    /// Up to 5,000 jobs per batch.
    Pro,
}

impl Plan {
    /// The most jobs one batch may hold.
    pub fn batch_limit(self) -> usize {
        match self {
            Plan::Free => 500,
            Plan::Pro => 5_000,
        }
    }
}

/// The `callback_secret` sent with each capture or batch.
#[derive(Clone)]
#[non_exhaustive]
pub enum CallbackSecret {
    /// The same secret every time (the sink's `secret`).
    Shared(String),
    /// A fresh secret per capture or batch, valid for `ttl`.
    Minted {
        /// The mint (the sink verifies with the same keys).
        mint: SecretMint,
        /// How long a minted secret stays valid: longer than the slowest
        /// render of a batch.
        ttl: Duration,
    },
}

impl CallbackSecret {
    pub(super) fn issue(&self) -> String {
        match self {
            CallbackSecret::Shared(secret) => secret.clone(),
            CallbackSecret::Minted { mint, ttl } => mint.mint(*ttl),
        }
    }
}

impl fmt::Debug for CallbackSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackSecret::Shared(_) => f.write_str("Shared(<redacted>)"),
            CallbackSecret::Minted { mint, ttl } => f
                .debug_struct("Minted")
                .field("mint", mint)
                .field("ttl", ttl)
                .finish(),
        }
    }
}

/// What the API answered to a capture.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CaptureAccepted {
    /// The capture's token; absent when the account's quota is exhausted
    /// and the capture was put on the wait list.
    #[serde(default)]
    pub token: Option<String>,
    /// `queued`, `waitlisted`, ...
    #[serde(default)]
    pub status: String,
    /// The API's estimate of the seconds until the callback.
    #[serde(default)]
    pub eta_seconds: Option<u64>,
}

/// What the API answered to a batch.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct BatchAccepted {
    /// How many jobs were queued.
    pub queued: u64,
}

/// Why a request failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The API answered with an error status.
    Api {
        /// The HTTP status.
        status: u16,
        /// The API's error message (its `error` field, or the raw body).
        message: String,
    },
    /// The request did not complete, or the answer was not understood.
    Transport {
        /// The HTTP client's error.
        source: reqwest::Error,
    },
    /// A batch larger than the plan allows; nothing was sent.
    BatchTooLarge {
        /// Jobs in the batch.
        jobs: usize,
        /// The plan's limit.
        limit: usize,
    },
    /// The client is missing a setting.
    Config(&'static str),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Api { status, message } => {
                write!(f, "capture API answered {status}: {message}")
            }
            ClientError::Transport { .. } => f.write_str("capture API request failed"),
            ClientError::BatchTooLarge { jobs, limit } => write!(
                f,
                "a batch of {jobs} jobs is over the plan's limit of {limit}; use capture_all to split it"
            ),
            ClientError::Config(what) => write!(f, "client configuration: {what}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Transport { source } => Some(source),
            _ => None,
        }
    }
}

impl From<reqwest::Error> for ClientError {
    fn from(source: reqwest::Error) -> Self {
        ClientError::Transport { source }
    }
}
