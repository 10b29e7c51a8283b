//! Renditions made from a PNG a row at a time against the same made from
//! the whole decoded image: equal, holding at most a band's rows, and a
//! fold crop reading only the top of the page.

use image::{ExtendedColorType, ImageEncoder};

use super::make::{Rendered, window_rows};
use super::pixels;
use super::rows::Rows;
use super::spec::{Fit, Rendition, RenditionFormat};
use super::stream::{render_all, render_rows};

/// Noise in stripes of 20 rows, `channels` bytes a pixel, the alpha (if
/// any) varied so that premultiplying matters.
pub(super) fn noise(width: u32, height: u32, channels: u32) -> Vec<u8> {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut data = Vec::with_capacity((width * height * channels) as usize);
    for y in 0..height {
        for _ in 0..width {
            for c in 0..channels {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let v = if (y / 20) % 2 == 0 { seed as u8 } else { 200 };
                let alpha = c == channels - 1 && channels.is_multiple_of(2);
                data.push(if alpha && y % 3 == 0 { v | 0x80 } else { v });
            }
        }
    }
    data
}

pub(super) fn encode(data: &[u8], width: u32, height: u32, color: ExtendedColorType) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(data, width, height, color)
        .unwrap();
    out
}

/// A palette PNG with transparency (tRNS), which expands to RGBA.
fn indexed(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(
        (0..=255u8)
            .flat_map(|i| [i, 255 - i, i / 2])
            .collect::<Vec<_>>(),
    );
    encoder.set_trns((0..=255u8).map(|i| i | 0x0F).collect::<Vec<_>>());
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&noise(width, height, 1)).unwrap();
    writer.finish().unwrap();
    out
}

fn set() -> Vec<Rendition> {
    let png = RenditionFormat::Png;
    vec![
        Rendition::new("thumb").width(100).format(png),
        Rendition::new("fold")
            .width(200)
            .height(120)
            .fit(Fit::Fold)
            .format(png),
        Rendition::new("cover")
            .width(90)
            .height(90)
            .fit(Fit::Cover)
            .format(png),
        Rendition::new("box").width(150).height(150).format(png),
    ]
}

pub(super) fn whole(png: &[u8], renditions: &[Rendition]) -> Vec<Rendered> {
    let pixels = pixels::decode(png, u64::MAX).unwrap();
    let made = render_all(Rows::Whole(Some(pixels)), renditions).unwrap();
    made.into_iter().map(Result::unwrap).collect()
}

pub(super) fn streamed(png: &[u8], renditions: &[Rendition]) -> (Vec<Rendered>, u32) {
    let rows = Rows::png(png, u64::MAX)
        .unwrap()
        .expect("read a row at a time");
    let mut widest = 0;
    let made = render_rows(rows, renditions, &mut widest).unwrap();
    (made.into_iter().map(Result::unwrap).collect(), widest)
}

pub(super) fn pixels_of(made: &Rendered) -> (u32, u32, Vec<u8>) {
    let image = image::load_from_memory(&made.bytes).unwrap().to_rgba8();
    (image.width(), image.height(), image.into_raw())
}

#[test]
fn rows_one_at_a_time_make_what_the_whole_image_makes() {
    let colors = [
        (ExtendedColorType::Rgb8, 3, 1),
        (ExtendedColorType::Rgba8, 4, 1),
        (ExtendedColorType::L8, 1, 1),
        (ExtendedColorType::La8, 2, 1),
        // 16 bits: `image` rounds to 8 where the row reader truncates.
        (ExtendedColorType::Rgb16, 6, 2),
    ];
    for (width, height) in [(300, 2000), (401, 77), (640, 3001), (97, 1), (1, 500)] {
        let mut inputs: Vec<(String, Vec<u8>, u8)> = colors
            .iter()
            .map(|&(color, bytes, tolerance)| {
                let data = noise(width, height, bytes);
                (
                    format!("{color:?}"),
                    encode(&data, width, height, color),
                    tolerance,
                )
            })
            .collect();
        inputs.push(("indexed".into(), indexed(width, height), 1));
        let renditions = set();
        for (name, png, tolerance) in inputs {
            let (rows, widest) = streamed(&png, &renditions);
            for (a, b) in whole(&png, &renditions).iter().zip(&rows) {
                let ((aw, ah, a_px), (bw, bh, b_px)) = (pixels_of(a), pixels_of(b));
                assert_eq!((aw, ah), (bw, bh), "{width}x{height} {name} {}", a.name);
                let most = a_px.iter().zip(&b_px).map(|(x, y)| x.abs_diff(*y)).max();
                assert!(
                    most <= Some(tolerance),
                    "{width}x{height} {name} {}: differs by {most:?}",
                    a.name
                );
            }
            assert!(widest <= window_rows((width, height), &renditions).max(1));
        }
    }
}

#[test]
fn bands_join_as_one_resize_would() {
    use fast_image_resize::images::{Image, ImageRef};
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
    // 300 x 2000: the thumbnail spans several bands.
    let (w, h) = (300u32, 2000u32);
    let data = noise(w, h, 3);
    let png = encode(&data, w, h, ExtendedColorType::Rgb8);
    let rendition = Rendition::new("t").width(100).format(RenditionFormat::Png);
    let (banded, _) = streamed(&png, std::slice::from_ref(&rendition));
    let banded = image::load_from_memory(&banded[0].bytes).unwrap().to_rgb8();
    assert_eq!(banded.dimensions(), (100, 667));
    let src = ImageRef::new(w, h, &data, PixelType::U8x3).unwrap();
    let mut one = Image::new(100, 667, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new().resize(&src, &mut one, &options).unwrap();
    let most = banded
        .as_raw()
        .iter()
        .zip(one.buffer())
        .map(|(a, b)| a.abs_diff(*b))
        .max();
    assert!(most <= Some(1), "banded and whole differ by {most:?}");
}

#[test]
fn awkward_sizes_make_every_rendition() {
    // Found by review: heights whose bands end a floating-point step past
    // the source's edge (1920 x 2024, 1920 x 225), and a cover crop.
    for (w, h) in [(1920, 2024), (1920, 225), (1366, 3001), (401, 77)] {
        let png = encode(
            &vec![128; (w * h * 3) as usize],
            w,
            h,
            ExtendedColorType::Rgb8,
        );
        let square = Rendition::new("sq").width(400).height(400).fit(Fit::Cover);
        let renditions = [Rendition::thumb(), Rendition::card(), square];
        let rows = Rows::png(&png, u64::MAX).unwrap().unwrap();
        for made in render_all(rows, &renditions).unwrap() {
            made.unwrap_or_else(|e| panic!("{w}x{h}: {e}"));
        }
        for made in render_all(
            Rows::Whole(Some(pixels::decode(&png, u64::MAX).unwrap())),
            &renditions,
        )
        .unwrap()
        {
            made.unwrap_or_else(|e| panic!("{w}x{h} whole: {e}"));
        }
    }
}

#[test]
fn alpha_arriving_late_is_divided_back_out() {
    use fast_image_resize::images::{Image, ImageRef};
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
    // Opaque for the first half, then ever more transparent: the fold is
    // made before the first transparent row is read, the thumbnail after.
    let (w, h) = (300u32, 1500u32);
    let mut data = noise(w, h, 4);
    for (i, p) in data.chunks_exact_mut(4).enumerate() {
        let y = i as u32 / w;
        p[3] = if y < h / 2 {
            255
        } else {
            (255 - (y - h / 2) * 255 / (h / 2)) as u8
        };
    }
    let png = encode(&data, w, h, ExtendedColorType::Rgba8);
    let png_format = RenditionFormat::Png;
    let renditions = [
        Rendition::new("top")
            .width(150)
            .height(100)
            .fit(Fit::Fold)
            .format(png_format),
        Rendition::new("thumb").width(100).format(png_format),
    ];
    let (rows, _) = streamed(&png, &renditions);
    let whole = whole(&png, &renditions);
    assert_eq!(pixels_of(&rows[0]), pixels_of(&whole[0]));
    // The thumbnail against one resize of the whole image by the resizer's
    // own premultiplying.
    let src = ImageRef::new(w, h, &data, PixelType::U8x4).unwrap();
    let mut one = Image::new(100, 500, PixelType::U8x4);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new().resize(&src, &mut one, &options).unwrap();
    let (tw, th, thumb) = pixels_of(&rows[1]);
    assert_eq!((tw, th), (100, 500));
    for (a, b) in thumb.chunks_exact(4).zip(one.buffer().chunks_exact(4)) {
        assert!(a[3].abs_diff(b[3]) <= 1, "alpha {a:?} against {b:?}");
        if b[3] >= 32 {
            let most = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max();
            assert!(most <= Some(2), "{a:?} against {b:?}");
        }
    }
}
