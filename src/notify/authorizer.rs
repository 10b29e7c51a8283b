//! The [`Authorizer`](crate::Authorizer) that asks your app over HTTP: a
//! POST signed as Standard Webhooks specifies, its answer cached a short
//! while per token.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use standardwebhooks::Webhook;

use crate::authorize::{Authorization, AuthorizeRequest, Authorizer};
use crate::{BoxError, ConfigError, Format};

/// The most bytes of the app's answer read.
const MAX_ANSWER_BYTES: usize = 4096;
/// The largest answer kept in the cache: a usable allowance is smaller.
const CACHED_ANSWER_BYTES: usize = 1536;

/// Asks your app, by a signed `POST` of
/// `{"token", "format", "received_at"}` to its URL, whether a verified
/// capture may be stored:
///
/// - a 2xx goes on; its body, if any, is JSON `{"prefix": "customer-42",
///   "metadata": {"plan": "pro"}}`, both optional;
/// - a 4xx refuses, with that status for the sender and the first line of
///   the body (up to 200 characters) as the reason;
/// - anything else (a 3xx, a 5xx, a body that is not that JSON, no answer)
///   is an error: the sender is answered 503 and retries.
///
/// Answers (2xx and 4xx) are kept for [`cache_ttl`](Self::cache_ttl) per
/// token and format (10,000 at most), so a re-delivery within that time
/// asks no more; callbacks for one token arriving together may each ask.
/// The headers are `webhook-id` (`auth_` and 32 hex digits),
/// `webhook-timestamp` and `webhook-signature`, checked by any Standard
/// Webhooks library with the same `whsec_` secret.
pub struct HttpAuthorizer {
    url: reqwest::Url,
    webhook: Webhook,
    client: reqwest::Client,
    ttl: Duration,
    capacity: usize,
    cache: Mutex<HashMap<(String, Format), (Instant, Authorization)>>,
}

impl std::fmt::Debug for HttpAuthorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpAuthorizer")
            .field("url", &super::endpoint::redacted(&self.url))
            .field("secret", &"<redacted>")
            .field("cache_ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Question<'a> {
    token: &'a str,
    format: &'a str,
    received_at: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Allowance {
    #[serde(default)]
    prefix: Option<String>,
    #[serde(default)]
    metadata: std::collections::BTreeMap<String, String>,
}

impl HttpAuthorizer {
    /// An authorizer POSTing to `url` (`http` or `https`), signing with
    /// `secret` (`whsec_…`); answers cached 30 s, for up to 10,000
    /// tokens. Each question times out after `timeout` (the sink's
    /// `authorize_timeout` bounds it too).
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidSetting`] for the URL
    /// (`HttpAuthorizer::new(url)`) or the secret
    /// (`HttpAuthorizer::new(secret)`), as the notifier checks them.
    pub fn new(url: &str, secret: &str, timeout: Duration) -> Result<Self, ConfigError> {
        let url = super::endpoint::parse_url(url, "HttpAuthorizer::new(url)")?;
        let webhook = super::endpoint::parse_secret(secret, "HttpAuthorizer::new(secret)")?;
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .build()
            .map_err(|error| ConfigError::InvalidSetting {
                setting: "HttpAuthorizer::new",
                value: String::new(),
                reason: format!("the HTTP client could not be made: {error}"),
            })?;
        Ok(Self {
            url,
            webhook,
            client,
            ttl: crate::authorize::HTTP_CACHE_TTL,
            capacity: 10_000,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// How long an answer is kept per token and format; zero keeps none.
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    fn cached(&self, key: &(String, Format)) -> Option<Authorization> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let (at, answer) = cache.get(key)?;
        (at.elapsed() < self.ttl).then(|| answer.clone())
    }

    fn keep(&self, key: (String, Format), answer: &Authorization) {
        if self.ttl.is_zero() {
            return;
        }
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= self.capacity {
            let ttl = self.ttl;
            cache.retain(|_, (at, _)| at.elapsed() < ttl);
            if cache.len() >= self.capacity {
                cache.clear();
            }
        }
        cache.insert(key, (Instant::now(), answer.clone()));
    }

    async fn ask(&self, request: AuthorizeRequest) -> Result<Authorization, BoxError> {
        let key = (request.token.clone(), request.format);
        if let Some(answer) = self.cached(&key) {
            return Ok(answer);
        }
        let body = serde_json::to_vec(&Question {
            token: &request.token,
            format: request.format.extension(),
            received_at: super::event::rfc3339(request.received_at),
        })?;
        let id = format!("auth_{}", crate::hex::encode(&crate::random::bytes::<16>()));
        let body = bytes::Bytes::from(body);
        let request =
            super::endpoint::signed_post(&self.client, &self.url, &self.webhook, &id, body)
                .ok_or("the question could not be signed")?;
        let mut response = request.send().await.map_err(reqwest::Error::without_url)?;
        let status = response.status();
        let mut answer = Vec::new();
        let mut cut = false;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(reqwest::Error::without_url)?
        {
            let room = MAX_ANSWER_BYTES - answer.len();
            answer.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if chunk.len() >= room {
                // A refusal's page may be long: its first line is enough.
                cut = true;
                break;
            }
        }
        if cut && status.is_success() {
            return Err(format!("the app's 2xx body is over {MAX_ANSWER_BYTES} bytes").into());
        }
        let decided = if status.is_success() {
            let allowance: Allowance = match answer.iter().all(u8::is_ascii_whitespace) {
                true => Allowance::default(),
                false => serde_json::from_slice(&answer)
                    .map_err(|e| format!("the app's 2xx body is not the expected JSON: {e}"))?,
            };
            Authorization::Allow {
                prefix: allowance.prefix,
                metadata: allowance.metadata.into_iter().collect(),
            }
        } else if status.is_client_error() {
            let text = String::from_utf8_lossy(&answer);
            let reason = text
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect::<String>();
            Authorization::refuse(status, reason)
        } else {
            return Err(format!("the app answered {status}").into());
        };
        // An answer too large to be usable is not kept (nor, then, worth
        // its memory).
        if answer.len() <= CACHED_ANSWER_BYTES {
            self.keep(key, &decided);
        }
        Ok(decided)
    }
}

impl Authorizer for std::sync::Arc<HttpAuthorizer> {
    fn authorize(
        &self,
        request: AuthorizeRequest,
    ) -> BoxFuture<'static, Result<Authorization, BoxError>> {
        let this = self.clone();
        Box::pin(async move { this.ask(request).await })
    }
}
