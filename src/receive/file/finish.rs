//! Finishing a verified callback's file, whatever state it is in.

use super::placed::{Placed, whole};
use super::{FileState, staged};
use crate::prove::sniff;
use crate::receive::context::Context;
use crate::receive::destination::or_abort;
use crate::receive::wording::missing;
use crate::store::upload::Upload;
use crate::verify::Verified;
use crate::{Format, Outcome, Rejection};

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
            let (upload, ()) = or_abort(upload, written).await?;
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
