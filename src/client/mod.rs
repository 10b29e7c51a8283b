//! A typed client for the capture API (cargo feature `client`): submit
//! captures and batches whose results are posted back to your callback URL.
//!
//! - `POST /capture`: `key`, `url`, `format`, `callback_url`,
//!   `callback_secret`; answers a `token`.
//! - `POST /capture/batch`: `key`, `callback_url`, `callback_secret`,
//!   `format`, `jobs` of `{url}`; answers how many were `queued`. A batch
//!   holds at most 500 jobs, 5,000 on the paid plan: [`CaptureClient::capture_batch`]
//!   refuses a larger one with [`ClientError::BatchTooLarge`] before sending
//!   anything, and [`CaptureClient::capture_all`] splits any number of URLs
//!   into batches of the plan's size.
//!
//! The callback secret is either one shared secret or, with a
//! [`SecretMint`](crate::verify::mint::SecretMint), a fresh self-verifying secret per capture or batch that
//! the sink checks with no database ([`CaptureSinkBuilder::secret_mint`](crate::CaptureSinkBuilder::secret_mint)).
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use shotsink::Format;
//! use shotsink::client::{CallbackSecret, CaptureClient, Plan};
//! use shotsink::mint::{MintKey, SecretMint};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mint = SecretMint::new(MintKey::new("2026-11", std::env::var("MINT_KEY")?)?);
//! let client = CaptureClient::builder(std::env::var("SHOTBOT_KEY")?)
//!     .callback_url("https://example.com/callback")
//!     .callback_secret(CallbackSecret::Minted { mint, ttl: Duration::from_secs(24 * 3600) })
//!     .plan(Plan::Pro)
//!     .build()?;
//! let accepted = client.capture("https://example.com", Format::Png).await?;
//! println!("capture {:?} queued", accepted.token);
//! let batches = client.capture_all(&["https://a.example", "https://b.example"], Format::Webp).await?;
//! # let _ = batches;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Format;

mod types;
mod wire;

pub use types::{
    BatchAccepted, CallbackSecret, CaptureAccepted, ClientError, DEFAULT_BASE_URL, Plan,
};
use wire::{ApiError, BatchBody, CaptureBody, Job};

/// A client for the capture API. Cheap to clone.
#[derive(Clone)]
pub struct CaptureClient {
    http: reqwest::Client,
    base_url: String,
    key: String,
    callback_url: String,
    secret: CallbackSecret,
    plan: Plan,
}

impl fmt::Debug for CaptureClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureClient")
            .field("base_url", &self.base_url)
            .field("key", &"<redacted>")
            .field("callback_url", &self.callback_url)
            .field("secret", &self.secret)
            .field("plan", &self.plan)
            .finish()
    }
}

/// Configures a [`CaptureClient`].
#[must_use]
pub struct CaptureClientBuilder {
    key: String,
    base_url: String,
    callback_url: Option<String>,
    secret: Option<CallbackSecret>,
    plan: Plan,
    timeout: Duration,
}

impl fmt::Debug for CaptureClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureClientBuilder")
            .field("key", &"<redacted>")
            .field("base_url", &self.base_url)
            .field("callback_url", &self.callback_url)
            .field("secret", &self.secret)
            .field("plan", &self.plan)
            .finish()
    }
}

impl CaptureClientBuilder {
    /// The API's base URL. Default: [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Where results are posted: the URL your sink is mounted at. Required.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// The secret sent for your sink to check. Required.
    pub fn callback_secret(mut self, secret: CallbackSecret) -> Self {
        self.secret = Some(secret);
        self
    }

    /// The account's plan. Default: [`Plan::Free`].
    pub fn plan(mut self, plan: Plan) -> Self {
        self.plan = plan;
        self
    }

    /// Timeout of one API request. Default: 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<CaptureClient, ClientError> {
        Ok(CaptureClient {
            http: reqwest::Client::builder().timeout(self.timeout).build()?,
            base_url: self.base_url,
            key: self.key,
            callback_url: self
                .callback_url
                .ok_or(ClientError::Config("callback_url is required"))?,
            secret: self
                .secret
                .ok_or(ClientError::Config("callback_secret is required"))?,
            plan: self.plan,
        })
    }
}

impl CaptureClient {
    /// Starts configuring a client with the account's API key.
    pub fn builder(key: impl Into<String>) -> CaptureClientBuilder {
        CaptureClientBuilder {
            key: key.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            callback_url: None,
            secret: None,
            plan: Plan::default(),
            timeout: Duration::from_secs(30),
        }
    }

    /// Submits one capture.
    pub async fn capture(&self, url: &str, format: Format) -> Result<CaptureAccepted, ClientError> {
        let secret = self.secret.issue();
        let body = CaptureBody {
            key: &self.key,
            url,
            format: format.extension(),
            callback_url: &self.callback_url,
            callback_secret: &secret,
        };
        self.post("/capture", &body).await
    }

    /// Submits one batch; refused without sending if it holds more jobs
    /// than the plan allows.
    pub async fn capture_batch<U: AsRef<str>>(
        &self,
        urls: &[U],
        format: Format,
    ) -> Result<BatchAccepted, ClientError> {
        let limit = self.plan.batch_limit();
        if urls.len() > limit {
            return Err(ClientError::BatchTooLarge {
                jobs: urls.len(),
                limit,
            });
        }
        let secret = self.secret.issue();
        let body = BatchBody {
            key: &self.key,
            callback_url: &self.callback_url,
            callback_secret: &secret,
            format: format.extension(),
            jobs: urls.iter().map(|u| Job { url: u.as_ref() }).collect(),
        };
        self.post("/capture/batch", &body).await
    }

    /// Submits any number of URLs as batches of the plan's size, one after
    /// the other (each with its own minted secret, if minting). Stops at
    /// the first error; the batches already accepted stay queued.
    pub async fn capture_all<U: AsRef<str>>(
        &self,
        urls: &[U],
        format: Format,
    ) -> Result<Vec<BatchAccepted>, ClientError> {
        let mut accepted = Vec::new();
        for batch in urls.chunks(self.plan.batch_limit()) {
            accepted.push(self.capture_batch(batch, format).await?);
        }
        Ok(accepted)
    }

    async fn post<B: Serialize, R: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<R, ClientError> {
        let response = self
            .http
            .post(format!("{}{path}", self.base_url))
            .json(body)
            .send()
            .await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.json().await?);
        }
        let text = response.text().await.unwrap_or_default();
        let message = serde_json::from_str::<ApiError>(&text)
            .map(|e| e.error)
            .unwrap_or(text);
        Err(ClientError::Api {
            status: status.as_u16(),
            message,
        })
    }
}
