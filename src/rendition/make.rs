//! Renditions made from decoded pixels: cut, resized (Lanczos3, in sRGB,
//! as `vipsthumbnail` does by default), encoded.

use bytes::Bytes;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, MulDiv, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::ExtendedColorType;
use image::ImageEncoder;

use super::error::RenditionError;
use super::geometry::{band, plan};
use super::pixels::Pixels;
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
const BAND: u32 = 128;

/// Bytes a rendition holds beside the source's pixels at its peak: the
/// resizer's intermediate image for one band (its source rows, with the
/// Lanczos3 filter's reach of 3 source-scaled pixels each side, at the
/// output's width; or a band's output rows at the source's width, whichever
/// pass goes first) and the result, twice (pixels and encoded, a bound for
/// the encoder).
pub(crate) fn working_bytes(src: (u32, u32), channels: u8, rendition: &Rendition) -> u64 {
    let p = plan(src, rendition);
    let c = u64::from(channels);
    let (ow, oh) = (u64::from(p.out.0), u64::from(p.out.1));
    let scale = (p.crop.3 / f64::from(p.out.1)).max(1.0);
    let band_rows = ((f64::from(BAND) + 6.0) * scale).ceil() as u64 + 2;
    let intermediate = (ow.saturating_mul(band_rows))
        .max((p.crop.2.ceil() as u64).saturating_mul(u64::from(BAND)))
        .saturating_mul(c);
    intermediate.saturating_add(ow.saturating_mul(oh).saturating_mul(2 * c))
}

/// Premultiplies the source's alpha in place once, for every rendition,
/// unless every pixel is opaque. Returns whether it did.
pub(crate) fn premultiply(pixels: &mut Pixels) -> Result<bool, RenditionError> {
    if !pixels.alpha || pixels.data.chunks_exact(4).all(|p| p[3] == 255) {
        return Ok(false);
    }
    let mut view = Image::from_slice_u8(
        pixels.width,
        pixels.height,
        &mut pixels.data,
        PixelType::U8x4,
    )
    .map_err(|e| RenditionError::Encode(e.to_string()))?;
    MulDiv::default()
        .multiply_alpha_inplace(&mut view)
        .map_err(|e| RenditionError::Encode(e.to_string()))?;
    Ok(true)
}

/// Makes one rendition of `pixels` (premultiplied if `premultiplied`).
pub(crate) fn make(
    pixels: &Pixels,
    premultiplied: bool,
    rendition: &Rendition,
) -> Result<Rendered, RenditionError> {
    let fail = |e: &dyn std::fmt::Display| RenditionError::Encode(e.to_string());
    let pixel_type = if pixels.alpha {
        PixelType::U8x4
    } else {
        PixelType::U8x3
    };
    let src_size = (pixels.width, pixels.height);
    let planned = plan(src_size, rendition);
    let out = planned.out;
    let src = ImageRef::new(pixels.width, pixels.height, &pixels.data, pixel_type)
        .map_err(|e| fail(&e))?;
    let mut dst = Image::new(out.0, out.1, pixel_type);
    // In bands of output rows: the resizer's intermediate image then holds a
    // band's source rows, not the whole height. Its filter reads source rows
    // beyond a band's edges (up to the image's own), so bands join exactly.
    let row_bytes = out.0 as usize * pixel_type.size();
    let mut resizer = Resizer::new();
    for first in (0..out.1).step_by(BAND as usize) {
        let rows = BAND.min(out.1 - first);
        let (left, top, width, height) = band(&planned, src_size, first, rows);
        let options = ResizeOptions::new()
            .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
            .crop(left, top, width, height)
            .use_alpha(false);
        let span = first as usize * row_bytes..(first + rows) as usize * row_bytes;
        let mut rows_out =
            Image::from_slice_u8(out.0, rows, &mut dst.buffer_mut()[span], pixel_type)
                .map_err(|e| fail(&e))?;
        resizer
            .resize(&src, &mut rows_out, &options)
            .map_err(|e| fail(&e))?;
    }
    if premultiplied {
        MulDiv::default()
            .divide_alpha_inplace(&mut dst)
            .map_err(|e| fail(&e))?;
    }
    let bytes = encode(dst.buffer(), out, pixels.alpha, rendition)?;
    Ok(Rendered {
        name: rendition.name.clone(),
        format: rendition.format,
        width: out.0,
        height: out.1,
        bytes,
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rendition::Fit;

    #[test]
    fn bands_join_exactly() {
        use fast_image_resize::images::{Image, ImageRef};
        use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
        // Noise and stripes, 300 x 2000: the thumbnail spans several bands.
        let (w, h) = (300u32, 2000u32);
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let data: Vec<u8> = (0..w * h * 3)
            .map(|i| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                if (i / (w * 3)) % 40 < 20 {
                    seed as u8
                } else {
                    200
                }
            })
            .collect();
        let pixels = Pixels {
            width: w,
            height: h,
            alpha: false,
            data: data.clone(),
        };
        let rendition = Rendition::new("t").width(100).format(RenditionFormat::Png);
        let banded = make(&pixels, false, &rendition).unwrap();
        let banded = image::load_from_memory(&banded.bytes).unwrap().to_rgb8();
        assert_eq!(banded.dimensions(), (100, 667));
        // The same resize in one pass.
        let src = ImageRef::new(w, h, &data, PixelType::U8x3).unwrap();
        let mut whole = Image::new(100, 667, PixelType::U8x3);
        let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
        Resizer::new().resize(&src, &mut whole, &options).unwrap();
        let most = banded
            .as_raw()
            .iter()
            .zip(whole.buffer())
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(most <= 1, "banded and whole differ by {most}");
    }

    #[test]
    fn awkward_sizes_make_every_rendition() {
        // Found by review: heights whose bands end a floating-point step past
        // the source's edge (1920 x 2024, 1920 x 225), and a cover crop.
        for (w, h) in [(1920, 2024), (1920, 225), (1366, 3001), (401, 77)] {
            let pixels = Pixels {
                width: w,
                height: h,
                alpha: false,
                data: vec![128; (w * h * 3) as usize],
            };
            let square = Rendition::new("sq").width(400).height(400).fit(Fit::Cover);
            for rendition in [Rendition::thumb(), Rendition::card(), square] {
                make(&pixels, false, &rendition)
                    .unwrap_or_else(|e| panic!("{w}x{h} {}: {e}", rendition.name()));
            }
        }
    }
}
