//! The builder's settings that bring your app in: the notifier that
//! records and sends each accepted callback's event, and the authorizer
//! asked before a capture is stored.

use super::CaptureSinkBuilder;
use crate::Authorizer;

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
        self.authorizer = Some(std::sync::Arc::new(authorizer));
        self
    }

    /// How long the [`authorizer`](Self::authorizer) may take, the wait for
    /// a free slot included, before the sender is answered 503 with
    /// `Retry-After`. 5 s by default; more than zero.
    pub fn authorize_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.authorize_timeout = timeout;
        self
    }

    /// How many questions to the [`authorizer`](Self::authorizer) may be
    /// in flight at once. 64 by default; at least 1.
    pub fn authorize_concurrency(mut self, concurrency: usize) -> Self {
        self.authorize_concurrency = concurrency;
        self
    }
}
