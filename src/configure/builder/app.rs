//! The builder's settings that bring your app in: the notifier that
//! records and sends each accepted callback's event, and the authorizer
//! asked before a capture is stored.

use std::sync::Arc;
use std::time::Duration;

use super::CaptureSinkBuilder;
use crate::{Authorizer, ConfigError};

/// The `hooks.*` keys: an HTTP authorizer made by `build`.
#[derive(Debug)]
pub(super) struct HttpHooks {
    pub(super) url: Option<String>,
    pub(super) secret: Option<String>,
    pub(super) cache_ttl: Duration,
}

impl Default for HttpHooks {
    fn default() -> Self {
        Self {
            url: None,
            secret: None,
            cache_ttl: crate::authorize::HTTP_CACHE_TTL,
        }
    }
}

impl CaptureSinkBuilder {
    /// Tells your app of every accepted callback through `notifier`: the
    /// event is recorded (in the notifier's
    /// [journal](crate::notify::NotifierBuilder::journal), when it has
    /// one) before the callback is answered 200. If it cannot be recorded,
    /// the sender is answered 503 with `Retry-After` and retries; the
    /// capture may already be stored, and the retry then finds it
    /// (`already_stored` with [`OnExisting::KeepFirst`](crate::OnExisting::KeepFirst)).
    #[cfg(feature = "notify")]
    #[cfg_attr(docsrs, doc(cfg(feature = "notify")))]
    pub fn notifier(mut self, notifier: crate::notify::Notifier) -> Self {
        self.notifier = Some(notifier);
        self
    }

    /// Asks `authorizer` (your app) before each verified capture is
    /// stored, whether it may be and under which prefix: see
    /// [`authorize`](crate::authorize). Never asked for a stranger's
    /// callback, nor for a render failure reported before the file.
    pub fn authorizer(mut self, authorizer: impl Authorizer) -> Self {
        self.authorizer = Some(Arc::new(authorizer));
        self
    }

    /// How long the [`authorizer`](Self::authorizer) may take, the wait for
    /// a free slot included, before the sender is answered 503 with
    /// `Retry-After`. 5 s by default; more than zero.
    pub fn authorize_timeout(mut self, timeout: Duration) -> Self {
        self.authorize_timeout = timeout;
        self
    }

    /// How many questions to the [`authorizer`](Self::authorizer) may be
    /// in flight at once. 64 by default; at least 1.
    pub fn authorize_concurrency(mut self, concurrency: usize) -> Self {
        self.authorize_concurrency = concurrency;
        self
    }

    /// The authorizer the `hooks.*` keys describe, if `hooks.authorize`
    /// is set: an `HttpAuthorizer` (the `notify` feature).
    pub(super) fn http_authorizer(&self) -> Result<Option<Arc<dyn Authorizer>>, ConfigError> {
        let Some(url) = &self.hooks.url else {
            return Ok(None);
        };
        if self.authorizer.is_some() {
            return Err(ConfigError::InvalidSetting {
                setting: "HttpAuthorizer::new(url)",
                value: url.clone(),
                reason: "an authorizer is set too: set one or the other".to_owned(),
            });
        }
        #[cfg(feature = "notify")]
        {
            let secret = self.hooks.secret.as_deref().unwrap_or_default();
            let http = crate::notify::HttpAuthorizer::new(url, secret, self.authorize_timeout)?
                .cache_ttl(self.hooks.cache_ttl);
            Ok(Some(Arc::new(Arc::new(http))))
        }
        #[cfg(not(feature = "notify"))]
        Err(ConfigError::InvalidSetting {
            setting: "HttpAuthorizer::new(url)",
            value: url.clone(),
            reason: "asking an app over HTTP needs shotsink's `notify` feature".to_owned(),
        })
    }
}
