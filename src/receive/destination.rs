//! Where a verified capture goes: its key, its upload, the app's
//! placement, and what the overwrite policy finds at the key; and the
//! one way a refusal aborts an upload.

use object_store::path::Path;

use super::context::Context;
use super::wording::{conflict, store_error};
use crate::authorize::Placement;
use crate::prove::probe::Identified;
use crate::store::upload::{Upload, exists};
use crate::{AuthorizeRequest, Format, KeyContext, OnExisting, Rejection};

impl Context {
    /// The capture's key.
    pub(super) fn key(&self, token: &str, format: Format) -> Path {
        let context = KeyContext::new(token, format, self.received_at);
        self.config.layout.key(&context)
    }

    /// A new upload to `key`, its bytes charged to this callback.
    pub(super) fn upload(&self, key: Path, file: Identified, token: Option<&str>) -> Upload {
        let destination = &self.config.destination;
        Upload::new(destination, self.account.clone(), key, file, token)
    }

    /// Asks the app, if there is an authorizer, where a verified capture of
    /// `token` and `format` may go; a refusal or a silent app is the
    /// rejection.
    pub(super) async fn place(&self, token: &str, format: Format) -> Result<Placement, Rejection> {
        let Some(gate) = &self.config.authorize else {
            return Ok(Placement::default());
        };
        let request = AuthorizeRequest {
            token: token.to_owned(),
            format,
            received_at: self.received_at,
        };
        // While the app thinks, the callback keeps only what it holds, and
        // the client's clocks stand still.
        self.account.shrink();
        let started = tokio::time::Instant::now();
        let answer = gate.ask(request).await;
        self.progress.paused(started.elapsed());
        answer
    }

    /// The pixel limit.
    pub(super) fn max_pixels(&self) -> Option<u64> {
        self.config.limits.max_pixels
    }

    /// Whether the overwrite policy finds a capture already at `key`:
    /// `Ok(true)` to keep it, an error to refuse the callback.
    pub(super) async fn already_stored(&self, key: &Path) -> Result<bool, Rejection> {
        let policy = self.config.on_existing;
        if !policy.checks() {
            return Ok(false);
        }
        let store = &*self.config.destination.store;
        if !exists(store, key).await.map_err(store_error)? {
            return Ok(false);
        }
        match policy {
            OnExisting::Reject => Err(conflict(key)),
            _ => Ok(true),
        }
    }
}

/// The upload with `result`'s value, if it holds; otherwise the upload is
/// aborted and the rejection returned: "abort, then return the error",
/// written once.
pub(super) async fn or_abort<T>(
    upload: Upload,
    result: Result<T, Rejection>,
) -> Result<(Upload, T), Rejection> {
    match result {
        Ok(value) => Ok((upload, value)),
        Err(rejection) => {
            upload.abort().await;
            Err(rejection)
        }
    }
}
