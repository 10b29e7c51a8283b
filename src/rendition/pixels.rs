//! The capture's header read and checked, then its pixels decoded as 8-bit
//! RGB or RGBA, at most once per capture.

use std::io::Cursor;

use image::{ColorType, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::error::RenditionError;

/// What the header says, before any pixel is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// Bytes per pixel of the pixels as they are used: 3 (RGB) or 4 (RGBA).
    pub(crate) channels: u8,
    /// Bytes the decoder writes (the source's own layout and depth).
    pub(crate) decoded: u64,
    /// Bytes of the 8-bit copy when the source is not 8-bit RGB or RGBA.
    pub(crate) converted: u64,
    /// What the decoder holds beside its output: a JPEG's copy of the file
    /// and a progressive JPEG's coefficients, a lossless WebP's scratch.
    pub(crate) overhead: u64,
    /// Whether the rows can be read one at a time (a PNG not interlaced).
    pub(crate) streamed: bool,
}

impl Header {
    /// The pixels as the renditions use them (width × height × channels).
    pub(crate) fn pixels_bytes(&self) -> u64 {
        (u64::from(self.width) * u64::from(self.height)).saturating_mul(u64::from(self.channels))
    }
}

/// The most a PNG decoder may allocate for itself (a row, and chunks it
/// inflates: an ICC profile, text), whatever the image's size: a few
/// hundred compressed bytes of a chunk could otherwise inflate to
/// gigabytes while the header is read, before anything is admitted.
pub(crate) const PNG_CHUNKS: u64 = 8 << 20;

pub(crate) fn reader(source: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, RenditionError> {
    let format = image::guess_format(source).ok();
    match format {
        Some(f @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP)) => {
            let mut reader = ImageReader::with_format(Cursor::new(source), f);
            // The header is checked here against our own limits, and the
            // decoder given its allocation limit before decoding; a PNG
            // decoder's own allocations are bounded from the start.
            reader.no_limits();
            if f == ImageFormat::Png {
                let mut limits = Limits::no_limits();
                limits.max_alloc = Some(PNG_CHUNKS);
                reader.limits(limits);
            }
            Ok(reader)
        }
        _ => Err(RenditionError::Unsupported {
            format: describe(source),
        }),
    }
}

fn describe(source: &[u8]) -> String {
    if source.starts_with(b"%PDF-") {
        "PDF".into()
    } else if source.get(4..12).is_some_and(|b| b.starts_with(b"ftyp")) {
        "AVIF".into()
    } else {
        "unrecognised".into()
    }
}

/// Reads the header only, and refuses what is over `max_pixels`.
pub(crate) fn header(source: &[u8], max_pixels: u64) -> Result<Header, RenditionError> {
    let decoder = reader(source)?
        .into_decoder()
        .map_err(|e| RenditionError::Decode(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(RenditionError::TooManyPixels {
            width,
            height,
            max_pixels,
        });
    }
    let color = decoder.color_type();
    let overhead = decoder_overhead(source, width, height);
    let channels = if color.has_alpha() { 4 } else { 3 };
    let decoded = decoder.total_bytes();
    let used = (u64::from(width) * u64::from(height)).saturating_mul(channels);
    let converted = if matches!(color, ColorType::Rgb8 | ColorType::Rgba8) {
        0
    } else {
        used
    };
    Ok(Header {
        width,
        height,
        channels: channels as u8,
        decoded,
        converted,
        overhead,
        // IHDR's last byte, 0 when not interlaced.
        streamed: image::guess_format(source).ok() == Some(ImageFormat::Png)
            && source.get(28) == Some(&0),
    })
}

/// Bytes a decoder holds beside the pixels it writes (read in `image`
/// 0.25's decoders: zune-jpeg copies the file and, for a progressive JPEG,
/// keeps every coefficient at 2 bytes a sample; image-webp decodes a
/// lossless image through 4 bytes a pixel of scratch).
fn decoder_overhead(source: &[u8], width: u32, height: u32) -> u64 {
    let pixels = u64::from(width) * u64::from(height);
    match image::guess_format(source) {
        Ok(ImageFormat::Jpeg) => {
            let progressive = jpeg_progressive(source);
            source.len() as u64
                + if progressive {
                    pixels.saturating_mul(8)
                } else {
                    0
                }
        }
        Ok(ImageFormat::WebP) => {
            let head = &source[..source.len().min(4096)];
            let lossless = head.windows(4).any(|w| w == b"VP8L");
            if lossless {
                pixels.saturating_mul(4)
            } else {
                0
            }
        }
        _ => 0,
    }
}

/// Whether a JPEG's frame header is a progressive one (SOF2, SOF6, SOF10,
/// SOF14), walking the segments before it.
fn jpeg_progressive(source: &[u8]) -> bool {
    let mut at = 2;
    while at + 4 <= source.len() {
        if source[at] != 0xFF {
            return false;
        }
        let marker = source[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            return matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
        }
        let length = usize::from(u16::from_be_bytes([source[at + 2], source[at + 3]]));
        at += 2 + length;
    }
    false
}

/// Decoded pixels, 8-bit RGB or RGBA, rows packed.
pub(crate) struct Pixels {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) alpha: bool,
    pub(crate) data: Vec<u8>,
}

/// Decodes `source` (whose header was checked), allocating at most
/// `max_alloc` bytes in the decoder.
pub(crate) fn decode(source: &[u8], max_alloc: u64) -> Result<Pixels, RenditionError> {
    let decode_error = |e: image::ImageError| RenditionError::Decode(e.to_string());
    let mut decoder = reader(source)?.into_decoder().map_err(decode_error)?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(max_alloc);
    decoder.set_limits(limits).map_err(decode_error)?;
    let image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    let (width, height) = (image.width(), image.height());
    let (alpha, data) = match image {
        DynamicImage::ImageRgb8(i) => (false, i.into_raw()),
        DynamicImage::ImageRgba8(i) => (true, i.into_raw()),
        other if other.color().has_alpha() => (true, other.into_rgba8().into_raw()),
        other => (false, other.into_rgb8().into_raw()),
    };
    Ok(Pixels {
        width,
        height,
        alpha,
        data,
    })
}
