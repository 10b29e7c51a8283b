//! A staged file, verified at last: completed at its staging key, copied to
//! its final key and deleted, as one task.

use object_store::path::Path;
use object_store::{CopyMode, CopyOptions, ObjectStore, ObjectStoreExt};

use super::placed::{Placed, whole};
use crate::prove::sniff;
use crate::receive::context::Context;
use crate::receive::destination::or_abort;
use crate::store::upload::{FinishError, Upload};
use crate::{Format, Outcome, Rejection, RejectionKind};

/// Checks the staged file against the declaration and the policy, then
/// completes, copies and deletes it.
pub(super) async fn complete(
    ctx: &Context,
    upload: Upload,
    format: Format,
    token: String,
    declared: Option<Format>,
) -> Result<Outcome, Rejection> {
    // The declared format, then the app: either refusing aborts the upload.
    let placement = match declared.map_or(Ok(()), |d| sniff::check_declared(d, format)) {
        Ok(()) => ctx.place(&token, format).await,
        Err(rejection) => Err(rejection),
    };
    let (upload, placement) = or_abort(upload, placement).await?;
    let placed = Placed {
        key: placement.key(ctx.key(&token, format)),
        token,
        format,
        dims: upload.file().dims,
    };
    let upload = whole(upload).await?;
    let existing = ctx.already_stored(&placed.key).await;
    let (upload, existing) = or_abort(upload, existing).await?;
    if existing {
        upload.abort().await;
        return Ok(placed.already_stored());
    }
    // Completion, copy and clean-up run as a task of their own, so a
    // request dropped midway (the client went away) cannot leave the
    // staged object behind or the multipart upload open.
    let store = ctx.config.destination.store.clone();
    let policy = ctx.config.on_existing;
    let mode = if policy.checks() {
        CopyMode::Create
    } else {
        CopyMode::Overwrite
    };
    let to = placed.key.clone();
    let tasks = ctx.config.destination.tasks.clone();
    let task = tokio::spawn(tasks.track_future(async move {
        let staging = upload.key().clone();
        let finished = match upload.finish(false).await {
            Ok(finished) => finished,
            Err(error) => {
                // Unconfirmed at the staging key: it may be there.
                if matches!(error, FinishError::Unconfirmed(_)) {
                    delete(&*store, &staging).await;
                }
                return Err(FinishError::Aborted(error.into_inner()));
            }
        };
        let copied = copy(&*store, &staging, &to, mode).await;
        delete(&*store, &staging).await;
        copied
            .map(|()| (finished.size, finished.sha256))
            .map_err(FinishError::Unconfirmed)
    }));
    match task.await {
        Ok(Ok((size, sha256))) => Ok(placed.stored(size, sha256, None)),
        Ok(Err(error)) => placed.failed(error, policy),
        Err(error) => Err(Rejection::new(
            RejectionKind::Internal,
            "the staged capture's completion failed",
        )
        .with_source(error)),
    }
}

/// Copies the staged object to its key. S3 has no copy-if-not-exists
/// without extra configuration: the check made before is then the guard
/// (best effort, as for multipart).
async fn copy(
    store: &dyn ObjectStore,
    from: &Path,
    to: &Path,
    mode: CopyMode,
) -> object_store::Result<()> {
    let copied = store
        .copy_opts(from, to, CopyOptions::new().with_mode(mode))
        .await;
    if let Err(object_store::Error::NotSupported { .. }) = copied {
        let overwrite = CopyOptions::new().with_mode(CopyMode::Overwrite);
        return store.copy_opts(from, to, overwrite).await;
    }
    copied
}

async fn delete(store: &dyn ObjectStore, staging: &Path) {
    if let Err(error) = store.delete(staging).await {
        tracing::warn!(%staging, %error, "staged capture could not be deleted");
    }
}
