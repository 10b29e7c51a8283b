//! A file that came before its secret and token: held in memory up to the
//! bound, then refused or staged as configured.

use bytes::Bytes;
use multer::Field;
use object_store::path::Path;

use super::FileState;
use crate::prove::sniff;
use crate::receive::budget::Tracked;
use crate::receive::coalesce::Coalesced;
use crate::receive::context::Context;
use crate::receive::destination::or_abort;
use crate::{EarlyFile, Rejection, RejectionKind, hex, random};

/// Holds the file up to `max_unverified_file_size`; past it, refuses it or
/// stages it.
pub(super) async fn hold(
    ctx: &Context,
    field: &mut Field<'static>,
) -> Result<FileState, Rejection> {
    let bound = ctx.config.limits.max_unverified_file_size;
    // Small chunks are copied together, so that what is held costs about
    // what it counts however the client cut its segments.
    let mut chunks = Coalesced::default();
    let mut tracked = Tracked::new(ctx.account.clone());
    let mut len = 0u64;
    while let Some(chunk) = ctx.chunk(field).await? {
        len += chunk.len() as u64;
        tracked.add(chunk.len());
        chunks.push(chunk);
        if len > bound {
            if ctx.config.early_file == EarlyFile::Stage {
                return stage(ctx, chunks.finish(), tracked, field).await;
            }
            return Err(Rejection::new(
                RejectionKind::TooLarge,
                format!(
                    "file sent before callback_secret and token is larger than {bound} bytes; \
                     send those fields first"
                ),
            ));
        }
    }
    Ok(FileState::Held {
        chunks: chunks.finish(),
        tracked,
    })
}

/// Streams an early file, unverified, to a fresh staging key.
async fn stage(
    ctx: &Context,
    chunks: Vec<Bytes>,
    tracked: Tracked,
    field: &mut Field<'static>,
) -> Result<FileState, Rejection> {
    // The type is checked now (the declaration, if any, later): a file that
    // is no accepted type is not worth staging. Its header must be within
    // what is held (headers take a few hundred bytes; a JPEG's may take
    // more after large metadata).
    let file = sniff::identify(&chunks, false, None, ctx.max_pixels())?;
    let format = file.format;
    let key = staging_key(&ctx.config.staging_prefix);
    let mut upload = ctx.upload(key, file, None);
    // The held bytes move into the upload, which counts them itself.
    tracked.hand_over();
    let written = ctx.write(&mut upload, chunks, Some(field)).await;
    let (upload, ()) = or_abort(upload, written).await?;
    Ok(FileState::Staged { upload, format })
}

/// A fresh key under the staging prefix: 128 random bits, so replicas
/// sharing a bucket never collide.
fn staging_key(prefix: &Path) -> Path {
    prefix.clone().join(hex::encode(&random::bytes::<16>()))
}
