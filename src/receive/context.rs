//! What every stage shares while one callback is read: the sink's
//! configuration, the callback's account and clocks, and the field-level
//! reads that count as the parser's progress.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use multer::Field;
use object_store::path::Path;

use super::bounds::{Progress, Timing};
use super::wording::{conflict, form_error, store_error};
use crate::authorize::Placement;
use crate::configure::runtime::Config;
use crate::prove::probe::{Identified, Probe};
use crate::prove::sniff::Head;
use crate::receive::budget::Account;
use crate::store::upload::{Upload, exists};
use crate::{AuthorizeRequest, Format, KeyContext, OnExisting, Rejection, RejectionKind};

pub(super) struct Context {
    pub(super) config: Arc<Config>,
    /// What the callback holds; every dropped body byte is released here.
    pub(super) account: Arc<Account>,
    pub(super) progress: Arc<Progress>,
    pub(super) timing: Timing,
    pub(super) received_at: DateTime<Utc>,
}

impl Context {
    /// The next chunk of a field, counted as progress for the parser.
    pub(super) async fn chunk(
        &self,
        field: &mut Field<'static>,
    ) -> Result<Option<Bytes>, Rejection> {
        let chunk = field.chunk().await.map_err(form_error)?;
        self.progress.made();
        Ok(chunk)
    }

    /// Reads a field to its end and drops it.
    pub(super) async fn skip(&self, field: &mut Field<'static>) -> Result<(), Rejection> {
        while let Some(chunk) = self.chunk(field).await? {
            self.account.release(chunk.len());
        }
        Ok(())
    }

    /// Reads a text field chunk by chunk, releasing its bytes once parsed.
    pub(super) async fn text(
        &self,
        mut field: Field<'static>,
        name: &str,
    ) -> Result<String, Rejection> {
        let mut bytes = Vec::new();
        while let Some(chunk) = self.chunk(&mut field).await? {
            bytes.extend_from_slice(&chunk);
            self.account.release(chunk.len());
        }
        String::from_utf8(bytes).map_err(|_| {
            Rejection::new(
                RejectionKind::Malformed,
                format!("field `{name}` is not UTF-8"),
            )
        })
    }

    /// The first chunks of a field, read until the file's header is proved
    /// or refused (at most about `PROBE_MAX` bytes), and what they show.
    pub(super) async fn head(
        &self,
        field: &mut Field<'static>,
    ) -> Result<(Vec<Bytes>, Probe), Rejection> {
        let mut head = Head::default();
        let mut answer = None;
        while answer.is_none() {
            let Some(chunk) = self.chunk(field).await? else {
                break;
            };
            answer = head.push(chunk);
        }
        Ok(head.finish(answer))
    }

    /// Writes the chunks already read, then the rest of the field if there
    /// is one, into the upload.
    pub(super) async fn write(
        &self,
        upload: &mut Upload,
        chunks: Vec<Bytes>,
        rest: Option<&mut Field<'static>>,
    ) -> Result<(), Rejection> {
        for chunk in chunks {
            upload.write(chunk).await.map_err(store_error)?;
        }
        if let Some(field) = rest {
            while let Some(chunk) = self.chunk(field).await? {
                upload.write(chunk).await.map_err(store_error)?;
            }
        }
        Ok(())
    }

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
