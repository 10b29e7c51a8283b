//! The capture formats the sink accepts, and how a file proves it is one.

use std::fmt;
use std::str::FromStr;

/// How many leading bytes of a file are inspected to identify its format.
///
/// Enough for every signature below, including an AVIF `ftyp` box with a
/// dozen compatible brands.
pub(crate) const SNIFF_LEN: usize = 256;

/// A capture format: what the sender declares in the `format` field, and
/// what the file's leading bytes prove.
///
/// The stored object's extension and `Content-Type` always come from the
/// format the bytes were identified as, never from the declaration alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JPEG image, stored as `.jpg` with `image/jpeg`.
    Jpeg,
    /// PNG image, stored as `.png` with `image/png`.
    Png,
    /// WebP image, stored as `.webp` with `image/webp`.
    Webp,
    /// AVIF image, stored as `.avif` with `image/avif`.
    Avif,
    /// PDF document, stored as `.pdf` with `application/pdf`.
    Pdf,
}

impl Format {
    /// Every accepted format.
    pub const ALL: [Format; 5] = [
        Format::Jpeg,
        Format::Png,
        Format::Webp,
        Format::Avif,
        Format::Pdf,
    ];

    /// The file extension used in object keys (`jpg`, `png`, `webp`, `avif`, `pdf`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Webp => "webp",
            Format::Avif => "avif",
            Format::Pdf => "pdf",
        }
    }

    /// The `Content-Type` stored with the object.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
            Format::Avif => "image/avif",
            Format::Pdf => "application/pdf",
        }
    }

    /// Identifies the format of a file from its leading bytes.
    ///
    /// Pass at least the first 256 bytes, or the whole file if it is shorter.
    /// Returns `None` for anything that is not one of the accepted formats:
    /// HTML, SVG, GIF, text, truncated headers.
    ///
    /// The matchers come from the `infer` crate; PNG and WebP are held to
    /// their full signatures on top, since `infer` accepts a 4-byte PNG
    /// prefix and a WebP tag without its RIFF header.
    pub(crate) fn sniff(head: &[u8]) -> Option<Format> {
        if infer::image::is_jpeg(head) {
            Some(Format::Jpeg)
        } else if infer::image::is_png(head) && head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if infer::image::is_webp(head) && head.starts_with(b"RIFF") {
            Some(Format::Webp)
        } else if infer::image::is_avif(head) {
            Some(Format::Avif)
        } else if infer::archive::is_pdf(head) && head.starts_with(b"%PDF-") {
            Some(Format::Pdf)
        } else {
            None
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// The error returned when a `format` value names no accepted format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(());

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown capture format (expected jpg, png, webp, avif or pdf)")
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Parses a declared format, ignoring ASCII case; `jpeg` is taken for `jpg`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Format::ALL
            .into_iter()
            .find(|f| s.eq_ignore_ascii_case(f.extension()))
            .or_else(|| s.eq_ignore_ascii_case("jpeg").then_some(Format::Jpeg))
            .ok_or(UnknownFormat(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_formats_parse_case_insensitively() {
        assert_eq!("PNG".parse(), Ok(Format::Png));
        assert_eq!(" jpeg ".parse(), Ok(Format::Jpeg));
        assert_eq!("jpg".parse(), Ok(Format::Jpeg));
        assert!("gif".parse::<Format>().is_err());
        assert!("".parse::<Format>().is_err());
    }

    #[test]
    fn truncated_or_partial_signatures_are_not_images() {
        assert_eq!(Format::sniff(b""), None);
        assert_eq!(Format::sniff(b"\x89PNG"), None);
        assert_eq!(Format::sniff(b"xxxxxxxxWEBPVP8 "), None);
        assert_eq!(
            Format::sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\">"),
            None
        );
        assert_eq!(Format::sniff(b"%PDF"), None);
        assert_eq!(Format::sniff(b"%PDF-1.7\n"), Some(Format::Pdf));
        assert_eq!(Format::sniff(b"\xff\xd8\xff\xe0"), Some(Format::Jpeg));
    }
}
