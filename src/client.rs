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
//! [`SecretMint`], a fresh self-verifying secret per capture or batch that
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
use crate::mint::SecretMint;

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
    fn issue(&self) -> String {
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

#[derive(Serialize)]
struct CaptureBody<'a> {
    key: &'a str,
    url: &'a str,
    format: &'a str,
    callback_url: &'a str,
    callback_secret: &'a str,
}

#[derive(Serialize)]
struct BatchBody<'a> {
    key: &'a str,
    callback_url: &'a str,
    callback_secret: &'a str,
    format: &'a str,
    jobs: Vec<Job<'a>>,
}

#[derive(Serialize)]
struct Job<'a> {
    url: &'a str,
}

#[derive(Deserialize)]
struct ApiError {
    error: String,
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
