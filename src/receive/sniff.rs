//! What the file is: identified from its leading bytes, whatever it claims,
//! and checked against the declared `format`.

use bytes::Bytes;

use crate::format::SNIFF_LEN;
use crate::{Format, Rejection, RejectionKind};

/// Identifies the file from its leading bytes (spread over one or more
/// chunks) and checks it against the declared format.
pub(super) fn identify(chunks: &[Bytes], declared: Option<Format>) -> Result<Format, Rejection> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    for chunk in chunks {
        let room = SNIFF_LEN - head.len();
        head.extend_from_slice(&chunk[..room.min(chunk.len())]);
        if head.len() == SNIFF_LEN {
            break;
        }
    }
    let format = Format::sniff(&head).ok_or_else(|| {
        Rejection::new(
            RejectionKind::UnsupportedType,
            "file is not a jpg, png, webp, avif or pdf",
        )
    })?;
    if let Some(declared) = declared {
        check_declared(declared, format)?;
    }
    Ok(format)
}

/// The declared format must be the one the bytes show.
pub(super) fn check_declared(declared: Format, actual: Format) -> Result<(), Rejection> {
    if declared == actual {
        return Ok(());
    }
    Err(Rejection::new(
        RejectionKind::UnsupportedType,
        format!("format is {declared} but the file is {actual}"),
    ))
}
