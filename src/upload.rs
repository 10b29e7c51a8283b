//! Streaming a verified file into the store: one put for a small file, a
//! multipart upload with bounded parts in flight for a large one, aborted on
//! every path that does not complete it.

use std::mem;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use object_store::path::Path;
use object_store::{
    Attribute, AttributeValue, Attributes, MultipartUpload, ObjectStoreExt, PutMode,
    PutMultipartOptions, PutOptions, PutPayload, PutResult,
};
use sha2::{Digest, Sha256};
use tokio::task::JoinSet;

use crate::Format;
use crate::budget::{Account, Tracked};
use crate::coalesce::Coalesced;
use crate::sink::Config;

/// One object being written.
///
/// Bytes collect in `pending` until a full part is there. A file that never
/// exceeds one part goes up as a single put in [`Upload::finish`]; past that,
/// a multipart upload is created and parts of exactly `part_size` bytes are
/// sent as tasks, at most `max_parts_in_flight` at a time. Memory held is
/// therefore at most `part_size * (max_parts_in_flight + 1)`, and every byte
/// of it is counted on the sink's gauge while held.
///
/// Dropping an `Upload` that has a multipart upload open (the request future
/// was dropped, say, because the client went away) aborts it in a task of
/// its own, so no orphan parts are left behind on S3 or GCS.
pub(crate) struct Upload {
    target: Target,
    /// Only when the digest is wanted: hashing costs about as much CPU as
    /// the rest of the pipeline for a typical capture.
    sha256: Option<Sha256>,
    /// Small chunks are copied together (see [`Coalesced`]).
    pending: Coalesced,
    pending_len: usize,
    pending_tracked: Tracked,
    size: u64,
    multipart: Option<Multipart>,
}

/// Where the object goes; kept apart from the upload state so that store
/// calls borrow only this (`Sync`) part across their awaits.
struct Target {
    config: Arc<Config>,
    key: Path,
    format: Format,
    /// For the `token` metadata; unknown for a staged file.
    token: Option<String>,
}

/// Why an upload did not finish.
#[derive(Debug)]
pub(crate) enum FinishError {
    /// It failed before the write that makes the object visible (a part,
    /// a check); the upload was aborted and nothing was stored.
    Aborted(object_store::Error),
    /// The write that makes the object visible failed: it may have reached
    /// the store and only its answer been lost.
    Unconfirmed(object_store::Error),
}

impl FinishError {
    pub(crate) fn into_inner(self) -> object_store::Error {
        match self {
            FinishError::Aborted(e) | FinishError::Unconfirmed(e) => e,
        }
    }
}

/// What a finished upload reports.
pub(crate) struct Finished {
    pub(crate) result: PutResult,
    pub(crate) sha256: Option<String>,
}

struct Multipart {
    /// Only ever reached through `get_mut` (never locked): the mutex is
    /// there to make `Upload` `Sync`, which `dyn MultipartUpload` is not.
    upload: Mutex<Box<dyn MultipartUpload>>,
    parts: JoinSet<object_store::Result<()>>,
}

impl Upload {
    pub(crate) fn new(
        config: Arc<Config>,
        account: Arc<Account>,
        key: Path,
        format: Format,
        token: Option<&str>,
    ) -> Self {
        let pending_tracked = Tracked::new(account);
        let sha256 = config.attributes.sha256.then(Sha256::new);
        Self {
            target: Target {
                config,
                key,
                format,
                token: token.map(str::to_owned),
            },
            sha256,
            pending: Coalesced::default(),
            pending_len: 0,
            pending_tracked,
            size: 0,
            multipart: None,
        }
    }

    pub(crate) fn key(&self) -> &Path {
        &self.target.key
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// Takes the next bytes of the file. Splitting `Bytes` is zero-copy, so
    /// the parts reference the buffers multer handed over.
    pub(crate) async fn write(&mut self, mut data: Bytes) -> object_store::Result<()> {
        let part_size = self.target.config.limits.part_size;
        self.size += data.len() as u64;
        if let Some(sha256) = &mut self.sha256 {
            sha256.update(&data);
        }
        while !data.is_empty() {
            // A full part is only sent once more data shows the file goes on,
            // so a file of exactly one part still goes up as a single put.
            if self.pending_len == part_size {
                self.send_part().await?;
            }
            let take = (part_size - self.pending_len).min(data.len());
            let head = if take == data.len() {
                mem::take(&mut data)
            } else {
                data.split_to(take)
            };
            self.pending_len += head.len();
            self.pending_tracked.add(head.len());
            self.pending.push(head);
        }
        Ok(())
    }

    async fn send_part(&mut self) -> object_store::Result<()> {
        if self.multipart.is_none() {
            let upload = self.target.start_multipart().await?;
            self.multipart = Some(Multipart {
                upload: Mutex::new(upload),
                parts: JoinSet::new(),
            });
        }
        let max_in_flight = self.target.config.limits.max_parts_in_flight;
        let (payload, tracked) = self.take_pending();
        let Some(m) = self.multipart.as_mut() else {
            unreachable!("multipart upload was created above")
        };
        while m.parts.len() >= max_in_flight {
            join_one(&mut m.parts).await?;
        }
        m.spawn_part(payload, tracked);
        Ok(())
    }

    fn take_pending(&mut self) -> (PutPayload, Tracked) {
        self.pending_len = 0;
        let payload = self.pending.take().into_iter().collect();
        (payload, self.pending_tracked.take())
    }

    /// The pending bytes as the payload of a single put. A small file
    /// scattered over many chunks is copied into one: one buffer costs the
    /// store client and server less than many small frames, and the copy is
    /// cheap at this size.
    fn take_single(&mut self) -> (PutPayload, Tracked) {
        let (payload, tracked) = self.take_pending();
        if payload.iter().count() > 1 && payload.content_length() <= COALESCE_BELOW {
            return (PutPayload::from(Bytes::from(payload)), tracked);
        }
        (payload, tracked)
    }

    /// Writes what remains and makes the object visible. With `create`, an
    /// object already at the key is not replaced: the result is
    /// `Error::AlreadyExists`.
    pub(crate) async fn finish(mut self, create: bool) -> Result<Finished, FinishError> {
        let sha256 = self.sha256.take().map(|h| hex(&h.finalize()));
        let result = if self.multipart.is_none() {
            let (payload, _tracked) = self.take_single();
            let mode = if create {
                PutMode::Create
            } else {
                PutMode::Overwrite
            };
            let known = Known {
                size: self.size,
                sha256: sha256.as_deref(),
            };
            self.target
                .put(payload, mode, known)
                .await
                .map_err(FinishError::Unconfirmed)
        } else {
            let result = self.complete_multipart(create).await;
            if result.is_err() {
                self.abort().await;
            }
            result
        };
        result.map(|result| Finished { result, sha256 })
    }

    async fn complete_multipart(&mut self, create: bool) -> Result<PutResult, FinishError> {
        let last = (self.pending_len > 0).then(|| self.take_pending());
        let Some(m) = self.multipart.as_mut() else {
            unreachable!("finish checked for a multipart upload")
        };
        if let Some((payload, tracked)) = last {
            m.spawn_part(payload, tracked);
        }
        while !m.parts.is_empty() {
            join_one(&mut m.parts).await.map_err(FinishError::Aborted)?;
        }
        // No conditional completion in `object_store`: check just before.
        if create && self.target.exists().await.map_err(FinishError::Aborted)? {
            return Err(FinishError::Aborted(object_store::Error::AlreadyExists {
                path: self.target.key.to_string(),
                source: "found before completing the multipart upload".into(),
            }));
        }
        let result = m
            .upload()
            .complete()
            .await
            .map_err(FinishError::Unconfirmed)?;
        self.multipart = None;
        Ok(result)
    }

    /// Discards the upload: in-flight parts are cancelled and the multipart
    /// upload, if one was opened, is aborted. Nothing was made visible.
    ///
    /// The abort runs as a task of its own, awaited here: if this future is
    /// dropped midway (the request was cancelled), the abort still happens.
    pub(crate) async fn abort(mut self) {
        let Some(m) = self.multipart.take() else {
            return;
        };
        let key = self.target.key.clone();
        if let Err(error) = tokio::spawn(async move { abort_multipart(m, &key).await }).await {
            tracing::warn!(key = %self.target.key, %error, "multipart abort task failed");
        }
    }
}

impl Multipart {
    fn upload(&mut self) -> &mut Box<dyn MultipartUpload> {
        self.upload
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends a part as a task; its bytes stay counted until the task ends
    /// (or is cancelled).
    fn spawn_part(&mut self, payload: PutPayload, tracked: Tracked) {
        let part = self.upload().put_part(payload);
        self.parts.spawn(async move {
            let result = part.await;
            drop(tracked);
            result
        });
    }
}

impl Target {
    async fn start_multipart(&self) -> object_store::Result<Box<dyn MultipartUpload>> {
        let store = &self.config.store;
        if let Some(attributes) = self.attributes(None) {
            let opts = PutMultipartOptions {
                attributes,
                ..Default::default()
            };
            match store.put_multipart_opts(&self.key, opts).await {
                Err(object_store::Error::NotImplemented { .. }) => self.attributes_unsupported(),
                other => return other,
            }
        }
        store
            .put_multipart_opts(&self.key, PutMultipartOptions::default())
            .await
    }

    async fn put(
        &self,
        payload: PutPayload,
        mode: PutMode,
        known: Known<'_>,
    ) -> object_store::Result<PutResult> {
        let store = &self.config.store;
        if let Some(attributes) = self.attributes(Some(known)) {
            let opts = PutOptions {
                mode: mode.clone(),
                attributes,
                ..Default::default()
            };
            match store.put_opts(&self.key, payload.clone(), opts).await {
                Err(object_store::Error::NotImplemented { .. }) => self.attributes_unsupported(),
                other => return other,
            }
        }
        let opts = PutOptions {
            mode,
            ..Default::default()
        };
        store.put_opts(&self.key, payload, opts).await
    }

    async fn exists(&self) -> object_store::Result<bool> {
        exists(&self.config, &self.key).await
    }

    /// The attributes to send, or `None` once the store has shown it takes
    /// none (`LocalFileSystem` refuses every attribute; its keys carry the
    /// extension instead). Size and digest are known for a single put only.
    fn attributes(&self, known: Option<Known<'_>>) -> Option<Attributes> {
        if self.config.attributes_unsupported.load(Ordering::Relaxed) {
            return None;
        }
        let wanted = &self.config.attributes;
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, self.format.content_type().into());
        if let Some(cache_control) = &wanted.cache_control {
            attributes.insert(Attribute::CacheControl, cache_control.clone().into());
        }
        if let (Some(disposition), Some(token)) = (wanted.disposition, &self.token) {
            let file_name = format!("{token}.{}", self.format.extension());
            attributes.insert(
                Attribute::ContentDisposition,
                AttributeValue::from(disposition.header(&file_name)),
            );
        }
        if wanted.metadata {
            if let Some(token) = &self.token {
                attributes.insert(Attribute::Metadata("token".into()), token.clone().into());
            }
            if let Some(known) = known {
                attributes.insert(
                    Attribute::Metadata("size".into()),
                    known.size.to_string().into(),
                );
                if let Some(sha256) = known.sha256 {
                    attributes.insert(
                        Attribute::Metadata("sha256".into()),
                        sha256.to_owned().into(),
                    );
                }
            }
        }
        Some(attributes)
    }

    fn attributes_unsupported(&self) {
        tracing::debug!(store = %self.config.store, "store takes no object attributes; storing without them");
        self.config
            .attributes_unsupported
            .store(true, Ordering::Relaxed);
    }
}

/// Single puts up to this size are sent as one contiguous buffer. Larger
/// ones are not: the copy would double their memory under a burst.
const COALESCE_BELOW: usize = 64 * 1024;

/// What is known of a file once it is complete.
#[derive(Clone, Copy)]
struct Known<'a> {
    size: u64,
    sha256: Option<&'a str>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether an object is at `key`.
pub(crate) async fn exists(config: &Config, key: &Path) -> object_store::Result<bool> {
    match config.store.head(key).await {
        Ok(_) => Ok(true),
        Err(object_store::Error::NotFound { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

async fn join_one(parts: &mut JoinSet<object_store::Result<()>>) -> object_store::Result<()> {
    match parts.join_next().await {
        Some(Ok(result)) => result,
        Some(Err(e)) => Err(object_store::Error::JoinError { source: e }),
        None => Ok(()),
    }
}

async fn abort_multipart(mut m: Multipart, key: &Path) {
    m.parts.shutdown().await;
    match m.upload().abort().await {
        Ok(()) => tracing::debug!(%key, "multipart upload aborted"),
        Err(error) => tracing::warn!(%key, %error, "multipart upload could not be aborted"),
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        let Some(m) = self.multipart.take() else {
            return;
        };
        let key = self.target.key.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(async move { abort_multipart(m, &key).await });
            }
            Err(_) => {
                tracing::warn!(%key, "multipart upload dropped outside a runtime; not aborted")
            }
        }
    }
}
