//! The file field: what becomes of it depends on the fields read before it,
//! and what it became decides how the callback finishes.
//!
//! | fields before the file | plan | state after the file field |
//! |---|---|---|
//! | `status` other than `OK` | [`FilePlan::Discard`] | [`FileState::Discarded`] |
//! | secret proved and `token` read | [`FilePlan::Stream`] | [`FileState::Streaming`], or [`FileState::AlreadyStored`] when the overwrite policy finds a capture at the key |
//! | anything less | [`FilePlan::Hold`] | [`FileState::Held`], or past `max_unverified_file_size` with [`EarlyFile::Stage`](crate::EarlyFile::Stage) [`FileState::Staged`] |
//!
//! Fields after the file: a `status` other than `OK` discards whatever the
//! file became (an upload is aborted); a `format` is checked at once
//! against a streaming or staged file, and against a held one when it is
//! identified. [`FileState::Absent`] is the state before the field, and a
//! callback that ends in it is refused.

use bytes::Bytes;
use multer::Field;
use object_store::path::Path;

use super::context::Context;
use super::destination::or_abort;
use crate::prove::sniff;
use crate::receive::budget::Tracked;
use crate::store::upload::Upload;
use crate::{Format, Rejection};

mod finish;
mod hold;
mod placed;
mod staged;

pub(super) use finish::finish;

/// What the file became.
#[derive(Default)]
pub(super) enum FileState {
    /// No file field yet.
    #[default]
    Absent,
    /// It came before the fields that verify or place it: held in memory,
    /// up to `max_unverified_file_size`, its bytes counted by `tracked`.
    Held {
        chunks: Vec<Bytes>,
        tracked: Tracked,
    },
    /// It outgrew the bound and goes up, unverified, to a staging key, as a
    /// multipart upload that stays invisible until completed.
    Staged { upload: Upload, format: Format },
    /// It is going up to its final key (not yet visible).
    Streaming { upload: Upload, format: Format },
    /// A capture is already at the key and the policy keeps it; the file
    /// was read and dropped.
    AlreadyStored { key: Path, format: Format },
    /// The render failed; the file was read and dropped.
    Discarded,
}

/// What to do with the file, decided from the fields read before it.
pub(super) enum FilePlan {
    /// The render failed: read and drop it.
    Discard,
    /// It cannot be verified or placed yet: hold it.
    Hold,
    /// Verified sender and known token: stream it to its key.
    Stream {
        token: String,
        declared: Option<Format>,
    },
}

impl FileState {
    /// The identified format of a file on its way to the store.
    pub(super) fn uploading_format(&self) -> Option<Format> {
        match self {
            FileState::Streaming { format, .. } | FileState::Staged { format, .. } => Some(*format),
            _ => None,
        }
    }

    /// Drops whatever the file became; an upload under way is aborted.
    pub(super) async fn discard(&mut self) {
        match std::mem::take(self) {
            FileState::Absent => {}
            FileState::Streaming { upload, .. } | FileState::Staged { upload, .. } => {
                upload.abort().await;
                *self = FileState::Discarded;
            }
            FileState::Held { .. } | FileState::AlreadyStored { .. } | FileState::Discarded => {
                *self = FileState::Discarded;
            }
        }
    }
}

/// Reads the file field as planned.
pub(super) async fn read(
    ctx: &Context,
    plan: FilePlan,
    field: &mut Field<'static>,
) -> Result<FileState, Rejection> {
    match plan {
        FilePlan::Discard => {
            ctx.skip(field).await?;
            Ok(FileState::Discarded)
        }
        FilePlan::Hold => hold::hold(ctx, field).await,
        FilePlan::Stream { token, declared } => stream(ctx, &token, declared, field).await,
    }
}

/// Identifies the file from its first bytes, then streams it to its key,
/// unless the policy finds a capture already there.
async fn stream(
    ctx: &Context,
    token: &str,
    declared: Option<Format>,
    field: &mut Field<'static>,
) -> Result<FileState, Rejection> {
    let (head, answer) = ctx.head(field).await?;
    let file = sniff::check(answer, declared, ctx.max_pixels())?;
    let format = file.format;
    let placement = ctx.place(token, format).await?;
    let key = placement.key(ctx.key(token, format));
    if ctx.already_stored(&key).await? {
        for chunk in head {
            ctx.account.release(chunk.len());
        }
        ctx.skip(field).await?;
        return Ok(FileState::AlreadyStored { key, format });
    }
    let mut upload = ctx.upload(key, file, Some(token));
    upload.add_metadata(placement.metadata);
    let written = ctx.write(&mut upload, head, Some(field)).await;
    let (upload, ()) = or_abort(upload, written).await?;
    Ok(FileState::Streaming { upload, format })
}
