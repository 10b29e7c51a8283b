//! Renditions made from decoded pixels: cut, resized (Lanczos3, in sRGB,
//! as `vipsthumbnail` does by default), encoded.

use bytes::Bytes;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, MulDiv, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::ExtendedColorType;
use image::ImageEncoder;

use super::error::RenditionError;
use super::geometry::{Plan, band, plan};
use super::spec::{Rendition, RenditionFormat};

/// A rendition made: its encoded bytes and what the event says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The rendition's name.
    pub name: String,
    /// Its encoding.
    pub format: RenditionFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The encoded file.
    pub bytes: Bytes,
}

/// ravif's speed, 1 (slowest, smallest) to 10: 8 keeps a thumbnail's
/// encode within a few times WebP's.
#[cfg(feature = "renditions-avif")]
const AVIF_SPEED: u8 = 8;

/// Output rows resized at a time.
const BAND: u32 = 64;

/// Bytes the renditions of one capture hold beside the source's rows at
/// their peak: every rendition's output (they are made side by side as the
/// rows arrive), and the largest of one band's intermediate image (its
/// source rows, with the filter's reach, at the output's width; or a
/// band's output rows at the source's width, whichever pass goes first)
/// and of an encoder's working copies ([`encoder_bytes`]).
pub(crate) fn working_bytes(src: (u32, u32), channels: u8, renditions: &[Rendition]) -> u64 {
    let c = u64::from(channels);
    let mut outputs = 0u64;
    let mut largest = 0u64;
    for rendition in renditions {
        let p = plan(src, rendition);
        let (ow, oh) = (u64::from(p.out.0), u64::from(p.out.1));
        let scale = (p.crop.3 / f64::from(p.out.1)).max(1.0);
        let band_rows = ((f64::from(BAND) + 6.0) * scale).ceil() as u64 + 2;
        let intermediate = (ow.saturating_mul(band_rows))
            .max((p.crop.2.ceil() as u64).saturating_mul(u64::from(BAND.min(p.out.1))))
            .saturating_mul(c);
        let out = ow.saturating_mul(oh).saturating_mul(c);
        outputs = outputs.saturating_add(out);
        let encoder = encoder_bytes(rendition.format, ow.saturating_mul(oh));
        largest = largest.max(intermediate).max(encoder);
    }
    outputs.saturating_add(largest)
}

/// What encoding `pixels` output pixels holds at its peak, the encoded file
/// included (heaptrack on a 320 × 1334 thumbnail: libwebp copies the pixels
/// to ARGB and to YUVA, 5.5 bytes a pixel; ravif holds 26 bytes a pixel
/// more; `image`'s JPEG and PNG encoders a copy laid on white or the
/// growing file, and deflate's state).
fn encoder_bytes(format: RenditionFormat, pixels: u64) -> u64 {
    match format {
        RenditionFormat::Avif => pixels.saturating_mul(32).saturating_add(1 << 20),
        _ => pixels.saturating_mul(8).saturating_add(512 << 10),
    }
}

/// The most source rows the renditions' bands hold at once when the rows
/// arrive in order: the widest reach of any one band.
pub(crate) fn window_rows(src: (u32, u32), renditions: &[Rendition]) -> u32 {
    let mut widest = 0;
    for rendition in renditions {
        let p = plan(src, rendition);
        for next in (0..p.out.1).step_by(BAND as usize) {
            let (first, end) = reach(&p, src, next);
            widest = widest.max(end - first);
        }
    }
    widest
}

/// Output rows `next..` in one band: how many, and the part of the source
/// they are made from.
fn next_band(p: &Plan, src: (u32, u32), next: u32) -> (u32, (f64, f64, f64, f64)) {
    let rows = BAND.min(p.out.1 - next);
    (rows, band(p, src, next, rows))
}

/// The source rows (first, end) the band from output row `next` reads: its
/// part of the source and the Lanczos3 filter's reach beyond it (3 pixels
/// at the band's scale), a row more each side.
fn reach(p: &Plan, src: (u32, u32), next: u32) -> (u32, u32) {
    let (rows, (_, top, _, height)) = next_band(p, src, next);
    let reach = 3.0 * (height / f64::from(rows)).max(1.0);
    let first = ((top - reach).floor() - 1.0).max(0.0) as u32;
    let end = ((top + height + reach).ceil() + 1.0).min(f64::from(src.1)) as u32;
    (first.min(end), end)
}

/// Premultiplies the alpha of RGBA `rows` (`width` pixels each) in place,
/// unless every pixel is opaque. Returns whether it did.
pub(crate) fn premultiply(rows: &mut [u8], width: u32) -> Result<bool, RenditionError> {
    if rows.chunks_exact(4).all(|p| p[3] == 255) {
        return Ok(false);
    }
    let height = u32::try_from(rows.len() / (width as usize * 4).max(1)).unwrap_or(u32::MAX);
    let mut view = Image::from_slice_u8(width, height, rows, PixelType::U8x4)
        .map_err(|e| RenditionError::Encode(e.to_string()))?;
    MulDiv::default()
        .multiply_alpha_inplace(&mut view)
        .map_err(|e| RenditionError::Encode(e.to_string()))?;
    Ok(true)
}

/// One rendition in the making: its output filled band by band from the
/// source rows the band needs, then encoded.
pub(crate) struct Job<'r> {
    rendition: &'r Rendition,
    planned: Plan,
    src: (u32, u32),
    pixel_type: PixelType,
    dst: Image<'static>,
    /// The first output row not made yet.
    next: u32,
}

impl<'r> Job<'r> {
    pub(crate) fn new(src: (u32, u32), alpha: bool, rendition: &'r Rendition) -> Self {
        let pixel_type = if alpha {
            PixelType::U8x4
        } else {
            PixelType::U8x3
        };
        let planned = plan(src, rendition);
        Self {
            rendition,
            planned,
            src,
            pixel_type,
            dst: Image::new(planned.out.0, planned.out.1, pixel_type),
            next: 0,
        }
    }

    /// Whether every output row is made.
    pub(crate) fn done(&self) -> bool {
        self.next >= self.planned.out.1
    }

    /// The source rows (first, end) the next band reads.
    pub(crate) fn needs(&self) -> (u32, u32) {
        if self.done() {
            return (self.src.1, self.src.1);
        }
        reach(&self.planned, self.src, self.next)
    }

    /// Makes the next band from `window`, which holds the source's rows
    /// from `window_top` on and every row [`Job::needs`].
    pub(crate) fn band(
        &mut self,
        resizer: &mut Resizer,
        window: &[u8],
        window_top: u32,
    ) -> Result<(), RenditionError> {
        let fail = |e: &dyn std::fmt::Display| RenditionError::Encode(e.to_string());
        let row_bytes = self.src.0 as usize * self.pixel_type.size();
        let window_rows = u32::try_from(window.len() / row_bytes.max(1)).unwrap_or(u32::MAX);
        let src = ImageRef::new(self.src.0, window_rows, window, self.pixel_type)
            .map_err(|e| fail(&e))?;
        let (rows, (left, top, width, height)) = next_band(&self.planned, self.src, self.next);
        // The filter reads rows beyond the band's edges (up to the image's
        // own), so bands join exactly; the window holds them.
        let options = ResizeOptions::new()
            .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
            .crop(left, top - f64::from(window_top), width, height)
            .use_alpha(false);
        let out_row = self.planned.out.0 as usize * self.pixel_type.size();
        let span = self.next as usize * out_row..(self.next + rows) as usize * out_row;
        let mut rows_out = Image::from_slice_u8(
            self.planned.out.0,
            rows,
            &mut self.dst.buffer_mut()[span],
            self.pixel_type,
        )
        .map_err(|e| fail(&e))?;
        resizer
            .resize(&src, &mut rows_out, &options)
            .map_err(|e| fail(&e))?;
        self.next += rows;
        Ok(())
    }

    /// The rendition encoded, its alpha divided back out if the source's
    /// was premultiplied.
    pub(crate) fn finish(mut self, premultiplied: bool) -> Result<Rendered, RenditionError> {
        let out = self.planned.out;
        if premultiplied {
            MulDiv::default()
                .divide_alpha_inplace(&mut self.dst)
                .map_err(|e| RenditionError::Encode(e.to_string()))?;
        }
        let alpha = self.pixel_type == PixelType::U8x4;
        let bytes = encode(self.dst.buffer(), out, alpha, self.rendition)?;
        Ok(Rendered {
            name: self.rendition.name.clone(),
            format: self.rendition.format,
            width: out.0,
            height: out.1,
            bytes,
        })
    }
}

fn encode(
    data: &[u8],
    (w, h): (u32, u32),
    alpha: bool,
    rendition: &Rendition,
) -> Result<Bytes, RenditionError> {
    let fail = |e: &dyn std::fmt::Debug| RenditionError::Encode(format!("{e:?}"));
    let quality = rendition.quality;
    match rendition.format {
        RenditionFormat::WebP => {
            let encoder = if alpha {
                webp::Encoder::from_rgba(data, w, h)
            } else {
                webp::Encoder::from_rgb(data, w, h)
            };
            let encoded = encoder
                .encode_simple(false, f32::from(quality))
                .map_err(|e| fail(&e))?;
            Ok(Bytes::copy_from_slice(&encoded))
        }
        RenditionFormat::Jpeg => {
            let flat;
            let rgb = if alpha {
                flat = on_white(data);
                &flat[..]
            } else {
                data
            };
            let mut out = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
                .write_image(rgb, w, h, ExtendedColorType::Rgb8)
                .map_err(|e| fail(&e))?;
            Ok(out.into())
        }
        #[cfg(feature = "renditions-avif")]
        RenditionFormat::Avif => {
            let color = if alpha {
                ExtendedColorType::Rgba8
            } else {
                ExtendedColorType::Rgb8
            };
            let mut out = Vec::new();
            image::codecs::avif::AvifEncoder::new_with_speed_quality(&mut out, AVIF_SPEED, quality)
                .write_image(data, w, h, color)
                .map_err(|e| fail(&e))?;
            Ok(out.into())
        }
        #[cfg(not(feature = "renditions-avif"))]
        RenditionFormat::Avif => Err(RenditionError::Encode(
            "AVIF renditions need the library's `renditions-avif` feature".into(),
        )),
        RenditionFormat::Png => {
            let color = if alpha {
                ExtendedColorType::Rgba8
            } else {
                ExtendedColorType::Rgb8
            };
            let mut out = Vec::new();
            image::codecs::png::PngEncoder::new(&mut out)
                .write_image(data, w, h, color)
                .map_err(|e| fail(&e))?;
            Ok(out.into())
        }
    }
}

/// RGBA laid on white, as RGB (JPEG has no alpha).
fn on_white(rgba: &[u8]) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
    for p in rgba.chunks_exact(4) {
        let a = u16::from(p[3]);
        for &c in &p[..3] {
            rgb.push(((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8);
        }
    }
    rgb
}
