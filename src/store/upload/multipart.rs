//! An open multipart upload and its parts in flight.

use std::sync::{Mutex, PoisonError};

use object_store::path::Path;
use object_store::{MultipartUpload, PutPayload, PutResult};
use tokio::task::JoinSet;
use tokio_util::task::TaskTracker;

use crate::receive::budget::Tracked;

/// How long an abort waits for the parts in flight to end.
const PART_DRAIN: std::time::Duration = std::time::Duration::from_secs(5);

pub(super) struct Multipart {
    /// Only ever reached through `get_mut` (never locked): the mutex is
    /// there to make `Upload` `Sync`, which `dyn MultipartUpload` is not.
    upload: Mutex<Box<dyn MultipartUpload>>,
    parts: JoinSet<object_store::Result<()>>,
    /// Where an abort in the background is tracked.
    tasks: TaskTracker,
}

impl Multipart {
    pub(super) fn new(upload: Box<dyn MultipartUpload>, tasks: TaskTracker) -> Self {
        Self {
            upload: Mutex::new(upload),
            parts: JoinSet::new(),
            tasks,
        }
    }

    fn upload(&mut self) -> &mut Box<dyn MultipartUpload> {
        self.upload
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends a part as a task; its bytes stay counted until the task ends
    /// (or is cancelled).
    pub(super) fn spawn_part(&mut self, payload: PutPayload, tracked: Tracked) {
        let part = self.upload().put_part(payload);
        self.parts.spawn(async move {
            let result = part.await;
            drop(tracked);
            result
        });
    }

    /// Waits until fewer than `parts` are in flight; the first failed part
    /// fails the upload.
    pub(super) async fn wait_below(&mut self, parts: usize) -> object_store::Result<()> {
        while self.parts.len() >= parts.max(1) {
            match self.parts.join_next().await {
                Some(Ok(result)) => result?,
                Some(Err(e)) => return Err(object_store::Error::JoinError { source: e }),
                None => break,
            }
        }
        Ok(())
    }

    /// Completes the upload once every part is in.
    pub(super) async fn complete(&mut self) -> object_store::Result<PutResult> {
        self.upload().complete().await
    }

    /// Lets the parts in flight end (for at most [`PART_DRAIN`], then
    /// cancels the rest), then aborts the upload. A part cancelled while its
    /// request is in the store's hands may still be written after an abort
    /// (S3 says as much), and stay as a leftover; one that ended cannot.
    pub(super) async fn abort(mut self, key: Path) {
        crate::metrics::upload_aborted();
        let drained = async { while self.parts.join_next().await.is_some() {} };
        if tokio::time::timeout(PART_DRAIN, drained).await.is_err() {
            tracing::debug!(%key, "parts still in flight at the abort; cancelled");
        }
        self.parts.shutdown().await;
        match self.upload().abort().await {
            Ok(()) => tracing::debug!(%key, "multipart upload aborted"),
            Err(error) => tracing::warn!(%key, %error, "multipart upload could not be aborted"),
        }
    }

    /// [`abort`](Self::abort) in a task of its own, for an upload dropped
    /// unfinished.
    pub(super) fn abort_in_background(self, key: Path) {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                let tasks = self.tasks.clone();
                handle.spawn(tasks.track_future(self.abort(key)));
            }
            Err(_) => {
                tracing::warn!(%key, "multipart upload dropped outside a runtime; not aborted")
            }
        }
    }
}
