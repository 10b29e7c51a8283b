//! Finishing a verified callback's file: every outcome is built here, once.

use object_store::PutResult;
use object_store::path::Path;

use super::{FileState, staged};
use crate::probe::Dimensions;
use crate::receive::context::{Context, or_abort};
use crate::receive::reject::{conflict, missing, store_error, unconfirmed};
use crate::receive::sniff;
use crate::receive::verify::Verified;
use crate::upload::{FinishError, Upload};
use crate::{
    ExistingCapture, Format, OnExisting, Outcome, Rejection, RejectionKind, StoredCapture,
};

/// Where a verified capture goes.
pub(super) struct Placed {
    pub(super) key: Path,
    pub(super) token: String,
    pub(super) format: Format,
    pub(super) dims: Option<Dimensions>,
}

impl Placed {
    pub(super) fn already_stored(self) -> Outcome {
        Outcome::AlreadyStored(ExistingCapture {
            key: self.key,
            token: self.token,
            format: self.format,
            size: None,
            sha256: None,
            width: None,
            height: None,
            url: None,
        })
    }

    /// The outcome of a write that made the capture visible; the store's
    /// tag and version when the write was to the key itself.
    pub(super) fn stored(
        self,
        size: u64,
        sha256: Option<String>,
        put: Option<PutResult>,
    ) -> Outcome {
        let (e_tag, version) = put.map_or((None, None), |put| (put.e_tag, put.version));
        Outcome::Stored(StoredCapture {
            key: self.key,
            token: self.token,
            format: self.format,
            size,
            sha256,
            e_tag,
            version,
            width: self.dims.map(|d| d.width),
            height: self.dims.map(|d| d.height),
            url: None,
        })
    }

    /// Maps a failed final write: an object that appeared at the key
    /// meanwhile is the overwrite policy's business, anything else a store
    /// failure, worded by what is known of the write.
    pub(super) fn failed(
        self,
        error: FinishError,
        policy: OnExisting,
    ) -> Result<Outcome, Rejection> {
        match (error.already_exists(), policy) {
            (true, OnExisting::KeepFirst) => Ok(self.already_stored()),
            (true, _) => Err(conflict(&self.key)),
            (false, _) => Err(match error {
                FinishError::Aborted(error) => store_error(error),
                FinishError::Unconfirmed(error) => unconfirmed(error),
            }),
        }
    }
}

/// The upload, if the file ended as its format requires (a PDF's `%%EOF`
/// near its end); otherwise it is aborted and the callback refused.
pub(super) async fn whole(upload: Upload) -> Result<Upload, Rejection> {
    if upload.ends_whole() {
        return Ok(upload);
    }
    let refused = Rejection::new(
        RejectionKind::UnsupportedType,
        "pdf without %%EOF within its last KiB",
    );
    or_abort(upload, Err(refused)).await
}

/// Makes the verified callback's file visible at its key, or says why not.
/// Needs the proof that the secret was verified.
pub(in crate::receive) async fn finish(
    ctx: &Context,
    file: FileState,
    _verified: Verified,
    token: String,
    declared: Option<Format>,
) -> Result<Outcome, Rejection> {
    match file {
        FileState::Streaming { upload, format } => {
            let placed = Placed {
                key: upload.key().clone(),
                token,
                format,
                dims: upload.file().dims,
            };
            complete(ctx, upload, placed).await
        }
        FileState::AlreadyStored { key, format } => Ok(Placed {
            key,
            token,
            format,
            dims: None,
        }
        .already_stored()),
        FileState::Held { chunks, tracked } => {
            let file = sniff::identify(&chunks, true, declared, ctx.max_pixels())?;
            let placement = ctx.place(&token, file.format).await?;
            let placed = Placed {
                key: placement.key(ctx.key(&token, file.format)),
                token,
                format: file.format,
                dims: file.dims,
            };
            if ctx.already_stored(&placed.key).await? {
                return Ok(placed.already_stored());
            }
            let mut upload = ctx.upload(placed.key.clone(), file, Some(&placed.token));
            upload.add_metadata(placement.metadata);
            // The held bytes move into the upload, which counts them itself.
            tracked.hand_over();
            let written = ctx.write(&mut upload, chunks, None).await;
            let upload = or_abort(upload, written).await?;
            complete(ctx, upload, placed).await
        }
        FileState::Staged { upload, format } => {
            staged::complete(ctx, upload, format, token, declared).await
        }
        FileState::Absent | FileState::Discarded => Err(missing("file")),
    }
}

/// Completes an upload to the capture's own key.
async fn complete(ctx: &Context, upload: Upload, placed: Placed) -> Result<Outcome, Rejection> {
    let upload = whole(upload).await?;
    let policy = ctx.config.on_existing;
    match upload.finish(policy.checks()).await {
        Ok(finished) => Ok(placed.stored(finished.size, finished.sha256, Some(finished.result))),
        Err(error) => placed.failed(error, policy),
    }
}
