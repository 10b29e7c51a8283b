//! One delivery attempt: the event signed with this attempt's timestamp
//! and POSTed; only a 2xx delivers, redirects are not followed.

use std::error::Error as _;
use std::fmt;

use bytes::Bytes;

use super::delivery::Shared;
use super::endpoint::signed_post;

impl Shared {
    /// One attempt: signed with this attempt's timestamp, same id and body
    /// as every other attempt. Redirects are not followed: only a 2xx
    /// delivers.
    pub(super) async fn attempt(&self, id: &str, body: &Bytes) -> Result<(), AttemptError> {
        let request = signed_post(&self.client, &self.url, &self.webhook, id, body.clone())
            .ok_or(AttemptError::Sign)?;
        let response = request
            .send()
            .await
            .map_err(|error| AttemptError::Request(error.without_url()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|value| {
                String::from_utf8_lossy(value.as_bytes())
                    .chars()
                    .take(200)
                    .collect()
            });
        Err(AttemptError::Status(status, location))
    }
}

/// Why an attempt failed. Never shows the signature or the URL (which may
/// carry credentials).
pub(super) enum AttemptError {
    /// Any status but a 2xx, with the `Location` of a redirect.
    Status(reqwest::StatusCode, Option<String>),
    Request(reqwest::Error),
    /// The body was not UTF-8; `serde_json` never writes such a body.
    Sign,
}

impl fmt::Display for AttemptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptError::Status(status, None) => write!(f, "answered {status}"),
            AttemptError::Status(status, Some(location)) => write!(
                f,
                "answered {status}, location {location} (redirects are not followed)"
            ),
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
