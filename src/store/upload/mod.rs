//! Streaming a file into the store: one put for a small file, a multipart
//! upload with bounded parts in flight for a large one, aborted on every
//! path that does not complete it.

use std::mem;
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutResult};
use sha2::{Digest, Sha256};
use tokio_util::task::TaskTracker;

use crate::prove::probe::{self, Identified, PDF_TAIL};
use crate::receive::budget::Account;
use crate::store::attributes::{Known, ObjectAttributes};
use crate::{Format, hex};

mod error;
mod multipart;
mod pending;
mod target;

pub(crate) use target::Target;

pub(crate) use error::FinishError;

use multipart::Multipart;
use pending::Pending;

/// What every upload of a sink shares: the store and how to write to it.
#[derive(Clone)]
pub(crate) struct Destination {
    pub(crate) store: Arc<dyn ObjectStore>,
    pub(crate) part_size: usize,
    pub(crate) max_parts_in_flight: usize,
    pub(crate) attributes: Arc<ObjectAttributes>,
    /// Whether to hash what is stored: it costs about as much CPU as the
    /// rest of the pipeline for a typical capture.
    pub(crate) sha256: bool,
    /// The tasks that outlive a request (aborts of dropped uploads, staged
    /// copies), so that a shutdown can wait for them.
    pub(crate) tasks: TaskTracker,
}

/// One object being written.
///
/// Bytes collect in `pending` until a full part is there. A file that never
/// exceeds one part goes up as a single put in [`Upload::finish`]; past that,
/// a multipart upload is created and parts of exactly `part_size` bytes are
/// sent as tasks, at most `max_parts_in_flight` at a time. Memory held is
/// therefore at most `part_size * (max_parts_in_flight + 1)`, and every byte
/// of it stays charged to the callback's account while held.
///
/// Dropping an `Upload` that has a multipart upload open (the request future
/// was dropped, say, because the client went away) aborts it in a task of
/// its own, so no orphan parts are left behind on S3 or GCS.
pub(crate) struct Upload {
    target: Target,
    sha256: Option<Sha256>,
    /// A PDF's last bytes, to find its `%%EOF`.
    tail: Option<Vec<u8>>,
    pending: Pending,
    size: u64,
    /// The multipart upload, once the file outgrew one part: open until
    /// completed or aborted, and aborted if the `Upload` is dropped. `None`:
    /// a single put so far (or nothing left to clean up).
    multipart: Option<Multipart>,
}

/// What a finished upload reports.
pub(crate) struct Finished {
    pub(crate) result: PutResult,
    pub(crate) size: u64,
    pub(crate) sha256: Option<String>,
}

impl Upload {
    pub(crate) fn new(
        destination: &Destination,
        account: Arc<Account>,
        key: Path,
        file: Identified,
        token: Option<&str>,
    ) -> Self {
        Self {
            sha256: destination.sha256.then(Sha256::new),
            tail: (file.format == Format::Pdf).then(Vec::new),
            target: Target::new(destination, key, file, token),
            pending: Pending::new(account),
            size: 0,
            multipart: None,
        }
    }

    /// User metadata to add to the object (the app's, from its
    /// authorization).
    pub(crate) fn add_metadata(&mut self, metadata: Vec<(String, String)>) {
        self.target.metadata = metadata;
    }

    pub(crate) fn key(&self) -> &Path {
        &self.target.key
    }

    /// What the file was proved to be.
    pub(crate) fn file(&self) -> Identified {
        self.target.file
    }

    /// Whether the file ended as its format requires: a PDF's `%%EOF`
    /// within its last KiB (kept as it streamed by).
    pub(crate) fn ends_whole(&self) -> bool {
        self.tail.as_deref().is_none_or(probe::pdf_ends)
    }

    /// Takes the next bytes of the file. Splitting `Bytes` is zero-copy, so
    /// the parts reference the buffers the parser handed over.
    pub(crate) async fn write(&mut self, mut data: Bytes) -> object_store::Result<()> {
        let part_size = self.target.destination.part_size;
        self.size += data.len() as u64;
        if let Some(sha256) = &mut self.sha256 {
            sha256.update(&data);
        }
        if let Some(tail) = &mut self.tail {
            keep_tail(tail, &data);
        }
        while !data.is_empty() {
            // A full part is only sent once more data shows the file goes on,
            // so a file of exactly one part still goes up as a single put.
            if self.pending.len == part_size {
                self.send_part().await?;
            }
            let take = (part_size - self.pending.len).min(data.len());
            let head = if take == data.len() {
                mem::take(&mut data)
            } else {
                data.split_to(take)
            };
            self.pending.push(head);
        }
        Ok(())
    }

    /// Sends the pending bytes as a part, opening the multipart upload
    /// first if this is the first part. The open upload stays in `stage`
    /// across every wait, so that dropping the `Upload` aborts it.
    async fn send_part(&mut self) -> object_store::Result<()> {
        let max_in_flight = self.target.destination.max_parts_in_flight;
        let m = match &mut self.multipart {
            Some(m) => m,
            none => {
                let upload = self.target.start_multipart().await?;
                let tasks = self.target.destination.tasks.clone();
                none.insert(Multipart::new(upload, tasks))
            }
        };
        let (payload, tracked) = self.pending.take();
        m.wait_below(max_in_flight).await?;
        m.spawn_part(payload, tracked);
        Ok(())
    }

    /// Writes what remains and makes the object visible. With `create`, an
    /// object already at the key is not replaced: the result is
    /// `Error::AlreadyExists`.
    pub(crate) async fn finish(mut self, create: bool) -> Result<Finished, FinishError> {
        let sha256 = self.sha256.take().map(|h| hex::encode(&h.finalize()));
        let size = self.size;
        let result = match self.multipart.as_mut() {
            None => {
                let (payload, _tracked) = self.pending.take_single();
                let mode = if create {
                    PutMode::Create
                } else {
                    PutMode::Overwrite
                };
                let known = Known {
                    size,
                    sha256: sha256.as_deref(),
                };
                self.target
                    .put(payload, mode, known)
                    .await
                    .map_err(FinishError::Unconfirmed)
            }
            // The upload stays in `self.multipart` until completed, so that
            // dropping this future aborts it.
            Some(m) => match complete(m, &mut self.pending, &self.target, create).await {
                Ok(result) => {
                    self.multipart = None;
                    Ok(result)
                }
                Err(error) => {
                    self.abort().await;
                    Err(error)
                }
            },
        };
        result.map(|result| Finished {
            result,
            size,
            sha256,
        })
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
        let tasks = &self.target.destination.tasks;
        if let Err(error) = tokio::spawn(tasks.track_future(m.abort(key))).await {
            tracing::warn!(key = %self.target.key, %error, "multipart abort task failed");
        }
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if let Some(m) = self.multipart.take() {
            m.abort_in_background(self.target.key.clone());
        }
    }
}

/// Sends the last part, waits for every part, and completes `m`: with
/// `create`, only if nothing appeared at the key meanwhile.
async fn complete(
    m: &mut Multipart,
    pending: &mut Pending,
    target: &Target,
    create: bool,
) -> Result<PutResult, FinishError> {
    if pending.len > 0 {
        let (payload, tracked) = pending.take();
        m.spawn_part(payload, tracked);
    }
    m.wait_below(1).await.map_err(FinishError::Aborted)?;
    // No conditional completion in `object_store`: check just before.
    let store = &*target.destination.store;
    if create
        && exists(store, &target.key)
            .await
            .map_err(FinishError::Aborted)?
    {
        return Err(FinishError::Aborted(object_store::Error::AlreadyExists {
            path: target.key.to_string(),
            source: "found before completing the multipart upload".into(),
        }));
    }
    m.complete().await.map_err(FinishError::Unconfirmed)
}

/// Keeps the last [`PDF_TAIL`] bytes seen.
fn keep_tail(tail: &mut Vec<u8>, data: &[u8]) {
    if data.len() >= PDF_TAIL {
        tail.clear();
        tail.extend_from_slice(&data[data.len() - PDF_TAIL..]);
        return;
    }
    let excess = (tail.len() + data.len()).saturating_sub(PDF_TAIL);
    tail.drain(..excess);
    tail.extend_from_slice(data);
}

/// Whether an object is at `key`.
pub(crate) async fn exists(store: &dyn ObjectStore, key: &Path) -> object_store::Result<bool> {
    match store.head(key).await {
        Ok(_) => Ok(true),
        Err(object_store::Error::NotFound { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}
