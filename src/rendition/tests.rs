//! Renditions of real captures, decoded back; crops, bombs and the budget.

use std::sync::Arc;

use bytes::Bytes;
use image::{GenericImageView, ImageEncoder, ImageFormat, Rgba};

use super::*;

fn fixture(name: &str) -> Bytes {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    Bytes::from(std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

fn png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 4]) -> Bytes {
    let mut data = Vec::with_capacity((width * height * 4) as usize);
    for y in 0..height {
        for x in 0..width {
            data.extend_from_slice(&pixel(x, y));
        }
    }
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(&data, width, height, image::ExtendedColorType::Rgba8)
        .unwrap();
    out.into()
}

fn renditions(list: Vec<Rendition>) -> Arc<[Rendition]> {
    list.into()
}

async fn one(source: Bytes, rendition: Rendition) -> Result<Rendered, RenditionError> {
    let mut made = Renderer::new(RenditionLimits::default())
        .render(source, renditions(vec![rendition]))
        .await?;
    made.pop().unwrap()
}

#[tokio::test]
async fn every_decodable_format_makes_every_rendition_format() {
    let small = Rendition::new("small")
        .width(100)
        .format(RenditionFormat::Png);
    for name in ["capture.png", "capture.jpg", "capture.webp"] {
        let made = Renderer::new(RenditionLimits::default())
            .render(
                fixture(name),
                renditions(vec![Rendition::thumb(), Rendition::card(), small.clone()]),
            )
            .await
            .unwrap();
        let expected = [
            (ImageFormat::WebP, 320, 200),
            (ImageFormat::Jpeg, 1200, 630),
            (ImageFormat::Png, 100, 63),
        ];
        for (made, (format, w, h)) in made.into_iter().zip(expected) {
            let made = made.unwrap();
            assert_eq!((made.width, made.height), (w, h), "{name} {}", made.name);
            assert_eq!(image::guess_format(&made.bytes).unwrap(), format);
            let back = image::load_from_memory(&made.bytes).unwrap();
            assert_eq!(
                back.dimensions(),
                (w, h),
                "{name} {} decoded back",
                made.name
            );
        }
    }
}

#[tokio::test]
async fn avif_and_pdf_get_a_reason_not_a_rendition() {
    for (name, format) in [("capture.avif", "AVIF"), ("capture.pdf", "PDF")] {
        let error = Renderer::new(RenditionLimits::default())
            .render(fixture(name), renditions(vec![Rendition::thumb()]))
            .await
            .unwrap_err();
        assert_eq!(
            error,
            RenditionError::Unsupported {
                format: format.into()
            }
        );
        assert!(error.to_string().contains(format), "{error}");
    }
}

#[tokio::test]
async fn the_fold_is_the_top_and_cover_the_middle() {
    // A full-page capture: red for its first 300 rows, blue below.
    let page = png(400, 2000, |_, y| match y < 300 {
        true => [255, 0, 0, 255],
        false => [0, 0, 255, 255],
    });
    let banner = |fit| Rendition::new("b").width(200).height(100).fit(fit);
    for (fit, colour) in [(Fit::Fold, [255, 0, 0]), (Fit::Cover, [0, 0, 255])] {
        let made = one(page.clone(), banner(fit).format(RenditionFormat::Png))
            .await
            .unwrap();
        let back = image::load_from_memory(&made.bytes).unwrap().to_rgb8();
        assert_eq!(back.dimensions(), (200, 100));
        assert!(
            back.pixels().all(|p| p.0 == colour),
            "{fit:?}: every pixel {colour:?}"
        );
    }
}

#[tokio::test]
async fn alpha_is_kept_in_webp_and_laid_on_white_in_jpeg() {
    // Left half transparent, right half opaque green.
    let source = png(400, 200, |x, _| match x < 200 {
        true => [0, 0, 0, 0],
        false => [0, 255, 0, 255],
    });
    let webp = one(source.clone(), Rendition::new("w").width(100).quality(100))
        .await
        .unwrap();
    let back = image::load_from_memory(&webp.bytes).unwrap().to_rgba8();
    assert_eq!(back.get_pixel(5, 25)[3], 0);
    assert_eq!(back.get_pixel(95, 25)[3], 255);
    let jpeg = Rendition::new("j").width(100).format(RenditionFormat::Jpeg);
    let back = image::load_from_memory(&one(source, jpeg).await.unwrap().bytes)
        .unwrap()
        .to_rgba8();
    let Rgba([r, g, b, _]) = *back.get_pixel(5, 25);
    assert!(r > 245 && g > 245 && b > 245, "white, got {r} {g} {b}");
}

/// A PNG of a few dozen bytes whose header declares `width` × `height`.
fn bomb(width: u32, height: u32) -> Bytes {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32fast::hash(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    // An empty zlib stream (stored, final): a valid start, nothing more.
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff],
    );
    chunk(&mut out, b"IEND", &[]);
    out.into()
}

#[tokio::test]
async fn a_bomb_is_refused_from_its_header() {
    let error = one(bomb(100_000, 100_000), Rendition::thumb())
        .await
        .unwrap_err();
    assert_eq!(
        error,
        RenditionError::TooManyPixels {
            width: 100_000,
            height: 100_000,
            max_pixels: 100_000_000
        }
    );
    // Within max_pixels but larger than the whole budget (read a row at a
    // time, the rows a thumbnail's band reaches of an 8,000-pixel-wide
    // page): not decoded either.
    let limits = RenditionLimits {
        memory_budget: 32 << 20,
        ..RenditionLimits::default()
    };
    let error = Renderer::new(limits)
        .render(bomb(8_000, 8_000), renditions(vec![Rendition::thumb()]))
        .await
        .unwrap_err();
    assert!(
        matches!(error, RenditionError::OverBudget { needed, budget } if needed > budget && budget == 32 << 20),
        "{error:?}"
    );
}

#[tokio::test]
async fn captures_wait_for_the_budget_and_give_it_back() {
    let source = fixture("capture.png");
    let limits = RenditionLimits {
        threads: 2,
        ..RenditionLimits::default()
    };
    let probe = Renderer::new(limits);
    let needed = probe.peak_bytes(&source, &[Rendition::thumb()]).unwrap();
    // Room for one capture at a time: the second waits for the first.
    let renderer = Renderer::new(RenditionLimits {
        memory_budget: needed + needed / 2,
        ..limits
    });
    assert_eq!(renderer.memory_in_use(), 0);
    let all = renditions(vec![Rendition::thumb()]);
    // While the first holds its memory, the second cannot have its own.
    let held = renderer.admit(needed).await.unwrap();
    assert_eq!(renderer.memory_in_use(), needed.div_ceil(1024) * 1024);
    let waiting = renderer.render(source.clone(), all.clone());
    tokio::pin!(waiting);
    let early = tokio::time::timeout(std::time::Duration::from_millis(200), &mut waiting).await;
    assert!(early.is_err(), "rendered within a budget already taken");
    drop(held);
    assert!(waiting.await.unwrap()[0].is_ok());
    let (a, b) = tokio::join!(
        renderer.render(source.clone(), all.clone()),
        renderer.render(source, all)
    );
    assert!(a.unwrap()[0].is_ok() && b.unwrap()[0].is_ok());
    // All given back.
    assert_eq!(renderer.memory_in_use(), 0);
}

#[test]
fn settings_are_checked_with_what_to_fix() {
    assert!(Rendition::thumb().check().is_ok() && Rendition::card().check().is_ok());
    let cases = [
        (Rendition::new("a/b"), "letters, digits"),
        (Rendition::new("q").quality(0), "quality 0"),
        (Rendition::new("w").width(0), "width 0"),
        (Rendition::new("f").width(10).fit(Fit::Fold), "needs both"),
    ];
    for (rendition, words) in cases {
        let message = rendition.check().unwrap_err();
        assert!(message.contains(words), "{message}");
    }
}

#[tokio::test]
async fn avif_renditions_with_the_feature_and_a_reason_without() {
    let avif = Rendition::new("a").width(160).format(RenditionFormat::Avif);
    let made = one(fixture("capture.png"), avif).await;
    if cfg!(feature = "renditions-avif") {
        let made = made.unwrap();
        assert_eq!(image::guess_format(&made.bytes).unwrap(), ImageFormat::Avif);
        // No AVIF decoder here: the size from the header's `ispe` box.
        let size = imagesize::blob_size(&made.bytes).unwrap();
        assert_eq!((size.width, size.height), (160, 100));
        assert_eq!((made.width, made.height), (160, 100));
    } else {
        let error = made.unwrap_err().to_string();
        assert!(error.contains("renditions-avif"), "{error}");
    }
}
