//! Proof of type: a file's header structure, not only its first bytes, must
//! be the format's, and an image's size is read from it.
//!
//! A signature alone proves little: `\x89PNG\r\n\x1a\n` followed by HTML is
//! no PNG. Each format is held to the structure a decoder needs before its
//! first pixel:
//!
//! | format | checked |
//! |---|---|
//! | PNG | the signature, then the `IHDR` chunk: its length (13), its CRC, a non-zero size |
//! | JPEG | the markers from `SOI` to a frame header (`SOFn`), each segment's length walked (`imagesize`) |
//! | WebP | `RIFF` with a size that holds the first chunk, `WEBP`, then a `VP8 ` (with its start code), `VP8L` (with its signature) or `VP8X` chunk, and the canvas size from it |
//! | AVIF | the `ftyp` brand, then an `ispe` property in the `meta` box (`imagesize`) |
//! | PDF | `%PDF-` and a version `d.d`; at the end, `%%EOF` within the last KiB (see [`pdf_ends`]) |
//!
//! The header must be complete within [`PROBE_MAX`] bytes.

use crate::Format;

/// The most bytes read to find a file's header: a JPEG's frame header comes
/// after its metadata segments.
pub(crate) const PROBE_MAX: usize = 64 * 1024;

/// How far from its end a PDF's `%%EOF` may be.
pub(crate) const PDF_TAIL: usize = 1024;

/// An image's size in pixels, from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dimensions {
    pub(crate) width: u32,
    pub(crate) height: u32,
}

impl Dimensions {
    pub(crate) fn pixels(self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// A file whose type is proved, with an image's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Identified {
    pub(crate) format: Format,
    pub(crate) dims: Option<Dimensions>,
}

/// What the header shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Probe {
    /// The header is whole and right: the format, and an image's size.
    Valid(Format, Option<Dimensions>),
    /// The bytes so far are a right beginning: read on.
    NeedMore,
    /// Not the format its signature claims, or no accepted format at all.
    Invalid(&'static str),
}

impl Format {
    /// The format `file` proves, as the sink proves it: the signature, then
    /// the header's structure (a PNG's IHDR and its CRC, a JPEG's markers to
    /// its frame header, a WebP's RIFF size and first chunk, an AVIF's
    /// `ispe`, a PDF's `%PDF-d.d` and its `%%EOF` within the last KiB).
    /// `None` for anything else: HTML after a PNG signature, SVG, GIF, a
    /// truncated header.
    pub fn of(file: &[u8]) -> Option<Format> {
        match probe(file, true) {
            Probe::Valid(Format::Pdf, _)
                if !pdf_ends(&file[file.len().saturating_sub(PDF_TAIL)..]) =>
            {
                None
            }
            Probe::Valid(format, _) => Some(format),
            Probe::NeedMore | Probe::Invalid(_) => None,
        }
    }
}

/// Probes the first bytes of a file; `complete` says the file ends there.
pub(crate) fn probe(head: &[u8], complete: bool) -> Probe {
    let Some(format) = Format::sniff(head) else {
        return if complete || head.len() >= crate::prove::format::SNIFF_LEN {
            Probe::Invalid("file is not a jpg, png, webp, avif or pdf")
        } else {
            Probe::NeedMore
        };
    };
    let probed = match format {
        Format::Png => png(head),
        Format::Jpeg => jpeg(head),
        Format::Webp => webp(head),
        Format::Avif => avif(head),
        Format::Pdf => pdf(head),
    };
    match probed {
        Probe::NeedMore if complete || head.len() >= PROBE_MAX => Probe::Invalid(truncated(format)),
        Probe::Valid(_, dims) => Probe::Valid(format, dims),
        other => other,
    }
}

/// Whether a PDF's last bytes (at most [`PDF_TAIL`]) hold its `%%EOF`.
pub(crate) fn pdf_ends(tail: &[u8]) -> bool {
    tail.windows(5).any(|w| w == b"%%EOF")
}

fn truncated(format: Format) -> &'static str {
    match format {
        Format::Png => "png without a whole IHDR header",
        Format::Jpeg => "jpg without a frame header within 64 KiB",
        Format::Webp => "webp without a whole VP8/VP8L/VP8X header",
        Format::Avif => "avif without an image size (ispe) within 64 KiB",
        Format::Pdf => "pdf without a whole header",
    }
}

/// An image header's size; [`probe`] fills in the format it sniffed.
fn sized(width: u32, height: u32, broken: &'static str) -> Probe {
    if width == 0 || height == 0 {
        return Probe::Invalid(broken);
    }
    let dims = Some(Dimensions { width, height });
    Probe::Valid(Format::Png, dims)
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn le16(b: &[u8]) -> u32 {
    u32::from(u16::from_le_bytes([b[0], b[1]]))
}

fn le24(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], 0])
}

/// Signature (8), then `IHDR`: length 13, type, 13 bytes of data, CRC.
fn png(head: &[u8]) -> Probe {
    let Some(ihdr) = head.get(8..33) else {
        return Probe::NeedMore;
    };
    if be32(&ihdr[0..4]) != 13 || &ihdr[4..8] != b"IHDR" {
        return Probe::Invalid("png whose first chunk is not IHDR");
    }
    if crc32fast::hash(&ihdr[4..21]) != be32(&ihdr[21..25]) {
        return Probe::Invalid("png whose IHDR checksum is wrong");
    }
    sized(be32(&ihdr[8..12]), be32(&ihdr[12..16]), "png of zero size")
}

fn jpeg(head: &[u8]) -> Probe {
    match imagesize::blob_size(head) {
        Ok(size) => match (u32::try_from(size.width), u32::try_from(size.height)) {
            (Ok(w), Ok(h)) => sized(w, h, "jpg of zero size"),
            _ => Probe::Invalid("jpg of impossible size"),
        },
        Err(imagesize::ImageError::CorruptedImage) => {
            Probe::Invalid("jpg whose markers break before a frame header")
        }
        Err(_) => Probe::NeedMore,
    }
}

/// `RIFF`, size, `WEBP`, then the first chunk's fourcc and size (20 bytes),
/// then that chunk's header.
fn webp(head: &[u8]) -> Probe {
    let Some(header) = head.get(..30) else {
        return Probe::NeedMore;
    };
    let riff_size = u64::from(u32::from_le_bytes([
        header[4], header[5], header[6], header[7],
    ]));
    let chunk_size = u64::from(u32::from_le_bytes([
        header[16], header[17], header[18], header[19],
    ]));
    if riff_size < 4 + 8 + chunk_size {
        return Probe::Invalid("webp whose RIFF size cannot hold its first chunk");
    }
    let data = &header[20..];
    match &header[12..16] {
        b"VP8 " => {
            // A key frame's tag (3 bytes), the start code, 14-bit sizes.
            if data[0] & 1 != 0 || data[3..6] != [0x9d, 0x01, 0x2a] {
                return Probe::Invalid("webp whose VP8 key frame header is broken");
            }
            sized(
                le16(&data[6..8]) & 0x3fff,
                le16(&data[8..10]) & 0x3fff,
                "webp of zero size",
            )
        }
        b"VP8L" => {
            if data[0] != 0x2f {
                return Probe::Invalid("webp whose VP8L signature is wrong");
            }
            let bits = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
            sized(
                (bits & 0x3fff) + 1,
                ((bits >> 14) & 0x3fff) + 1,
                "webp of zero size",
            )
        }
        b"VP8X" => sized(
            le24(&data[4..7]) + 1,
            le24(&data[7..10]) + 1,
            "webp of zero size",
        ),
        _ => Probe::Invalid("webp whose first chunk is not VP8, VP8L or VP8X"),
    }
}

fn avif(head: &[u8]) -> Probe {
    match imagesize::blob_size(head) {
        Ok(size) => match (u32::try_from(size.width), u32::try_from(size.height)) {
            (Ok(w), Ok(h)) => sized(w, h, "avif of zero size"),
            _ => Probe::Invalid("avif of impossible size"),
        },
        // A box cut short and a box missing look alike: read on, up to the
        // bound.
        Err(_) => Probe::NeedMore,
    }
}

/// `%PDF-` and a version of one digit, a dot, one digit.
fn pdf(head: &[u8]) -> Probe {
    let Some(version) = head.get(5..8) else {
        return Probe::NeedMore;
    };
    if version[0].is_ascii_digit() && version[1] == b'.' && version[2].is_ascii_digit() {
        Probe::Valid(Format::Pdf, None)
    } else {
        Probe::Invalid("pdf without a version in its header")
    }
}

#[cfg(test)]
mod tests;
