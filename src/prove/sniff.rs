//! What the file is: proved from its header structure (see `probe`),
//! whatever it claims, and checked against the declared `format` and the
//! pixel limit.

use std::borrow::Cow;

use bytes::Bytes;

use crate::prove::probe::{self, Identified, PROBE_MAX, Probe};
use crate::{Format, Rejection, RejectionKind};

/// The first chunks of a file, gathered until its header is proved or
/// refused.
#[derive(Default)]
pub(crate) struct Head {
    chunks: Vec<Bytes>,
    len: usize,
    /// The length at the last probe: the next waits until it has doubled,
    /// so that a header sent a byte at a time is not copied and probed
    /// once per byte.
    probed_at: usize,
}

impl Head {
    /// Takes the next chunk; the probe's answer once there is one.
    pub(crate) fn push(&mut self, chunk: Bytes) -> Option<Probe> {
        self.len += chunk.len();
        self.chunks.push(chunk);
        if self.len < 2 * self.probed_at && self.len < PROBE_MAX {
            return None;
        }
        self.probed_at = self.len;
        match probe::probe(&contiguous(&self.chunks), false) {
            Probe::NeedMore => None,
            answer => Some(answer),
        }
    }

    /// The chunks read, and the probe's answer: `probe` if there was one,
    /// or, the file having ended, a last look.
    pub(crate) fn finish(self, probe: Option<Probe>) -> (Vec<Bytes>, Probe) {
        let answer = probe.unwrap_or_else(|| probe::probe(&contiguous(&self.chunks), true));
        (self.chunks, answer)
    }
}

/// Proves the type of a file held whole (or its first `PROBE_MAX` bytes)
/// and checks it against the declaration and the pixel limit.
pub(crate) fn identify(
    chunks: &[Bytes],
    complete: bool,
    declared: Option<Format>,
    max_pixels: Option<u64>,
) -> Result<Identified, Rejection> {
    match probe::probe(&contiguous(chunks), complete) {
        Probe::NeedMore => Err(Rejection::new(
            RejectionKind::UnsupportedType,
            "file's header is not within the bytes held before the secret \
             (max_unverified_file_size)",
        )),
        answer => check(answer, declared, max_pixels),
    }
}

/// Turns a probe's answer into the identified file, or the rejection.
pub(crate) fn check(
    answer: Probe,
    declared: Option<Format>,
    max_pixels: Option<u64>,
) -> Result<Identified, Rejection> {
    let (format, dims) = match answer {
        Probe::Valid(format, dims) => (format, dims),
        Probe::Invalid(reason) => {
            return Err(Rejection::new(RejectionKind::UnsupportedType, reason));
        }
        Probe::NeedMore => {
            return Err(Rejection::new(
                RejectionKind::UnsupportedType,
                "file ends before its header does",
            ));
        }
    };
    if let Some(declared) = declared {
        check_declared(declared, format)?;
    }
    if let (Some(dims), Some(max)) = (dims, max_pixels)
        && dims.pixels() > max
    {
        return Err(Rejection::new(
            RejectionKind::UnsupportedType,
            format!(
                "image of {}x{} pixels is larger than {max} pixels",
                dims.width, dims.height
            ),
        ));
    }
    Ok(Identified { format, dims })
}

/// The declared format must be the one the bytes show.
pub(crate) fn check_declared(declared: Format, actual: Format) -> Result<(), Rejection> {
    if declared == actual {
        return Ok(());
    }
    Err(Rejection::new(
        RejectionKind::UnsupportedType,
        format!("format is {declared} but the file is {actual}"),
    ))
}

/// The first `PROBE_MAX` bytes of the chunks in one slice: borrowed when
/// the first chunk holds them (the usual case), copied otherwise.
fn contiguous(chunks: &[Bytes]) -> Cow<'_, [u8]> {
    let total: usize = chunks.iter().map(Bytes::len).sum();
    let want = total.min(PROBE_MAX);
    match chunks.first() {
        Some(first) if first.len() >= want => Cow::Borrowed(&first[..want]),
        _ => {
            let mut head = Vec::with_capacity(want);
            for chunk in chunks {
                let room = want - head.len();
                head.extend_from_slice(&chunk[..room.min(chunk.len())]);
                if head.len() == want {
                    break;
                }
            }
            Cow::Owned(head)
        }
    }
}
