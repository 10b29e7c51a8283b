//! What reading a PNG a row at a time holds and reads: a band's reach of
//! rows at most, only the top of the page for a fold, rows skipped a few
//! at a time, and no chunk inflated past an allowance.

use image::ExtendedColorType;

use super::make::window_rows;
use super::pixels;
use super::rows::Rows;
use super::spec::{Fit, Rendition, RenditionFormat};
use super::stream::render_all;
use super::stream_tests::{encode, noise, pixels_of, streamed, whole};

#[test]
fn a_tall_page_is_never_whole_in_memory() {
    let (width, height) = (200, 12_000);
    let png = encode(
        &noise(width, height, 3),
        width,
        height,
        ExtendedColorType::Rgb8,
    );
    let renditions = vec![Rendition::thumb(), Rendition::card()];
    let (made, widest) = streamed(&png, &renditions);
    assert_eq!(made.len(), 2);
    let reach = window_rows((width, height), &renditions);
    assert!(widest <= reach, "held {widest} rows, reach {reach}");
    assert!(widest < height / 10, "held {widest} of {height} rows");
}

#[test]
fn a_fold_reads_only_the_top_of_the_page() {
    let (width, height) = (300, 6000);
    let png = encode(
        &noise(width, height, 3),
        width,
        height,
        ExtendedColorType::Rgb8,
    );
    let fold = vec![
        Rendition::new("top")
            .width(300)
            .height(150)
            .fit(Fit::Fold)
            .format(RenditionFormat::Png),
    ];
    // The file cut off in the middle of its pixels: the whole image does
    // not decode, the top of it does.
    let cut = &png[..png.len() * 6 / 10];
    assert!(pixels::decode(cut, u64::MAX).is_err());
    let (made, _) = streamed(cut, &fold);
    assert_eq!(pixels_of(&made[0]), pixels_of(&whole(&png, &fold)[0]));
    // A thumbnail needs every row: a clear error of its own, not a panic.
    let rows = Rows::png(cut, u64::MAX).unwrap().unwrap();
    let made = render_all(rows, &[Rendition::thumb(), fold[0].clone()]).unwrap();
    let err = made[0].as_ref().unwrap_err();
    assert!(err.to_string().contains("decode"), "{err}");
    // The fold, above the damage, stands beside it.
    assert_eq!(made[1].as_ref().unwrap().height, 150);
}

#[test]
fn rows_no_rendition_reads_are_skipped_within_the_reach() {
    // A cover crop of the middle of a tall page: the rows above it are read
    // and let go of a few at a time, never more than a band's reach.
    let (width, height) = (200, 6000);
    let png = encode(
        &noise(width, height, 3),
        width,
        height,
        ExtendedColorType::Rgb8,
    );
    let cover = [Rendition::new("mid")
        .width(40)
        .height(8)
        .fit(Fit::Cover)
        .format(RenditionFormat::Png)];
    let (rows, widest) = streamed(&png, &cover);
    assert_eq!(pixels_of(&rows[0]), pixels_of(&whole(&png, &cover)[0]));
    let reach = window_rows((width, height), &cover);
    assert!(
        widest <= reach && reach < 100,
        "held {widest} rows, reach {reach}"
    );
}

#[test]
fn an_inflating_chunk_is_not_inflated_past_an_allowance() {
    // 24 MiB of ICC profile in a few dozen kilobytes (over PNG_CHUNKS).
    let mut info = png::Info::with_size(8, 8);
    info.color_type = png::ColorType::Rgb;
    info.bit_depth = png::BitDepth::Eight;
    info.icc_profile = Some(vec![0; 24 << 20].into());
    let mut png = Vec::new();
    let mut writer = png::Encoder::with_info(&mut png, info)
        .unwrap()
        .write_header()
        .unwrap();
    writer.write_image_data(&[7; 8 * 8 * 3]).unwrap();
    writer.finish().unwrap();
    assert!(png.len() < 100_000, "{} bytes", png.len());
    // The header read inflates no further than the decoder's allowance (the
    // profile is dropped, unused), the header itself read.
    let mut decoder = pixels::reader(&png).unwrap().into_decoder().unwrap();
    use image::ImageDecoder;
    assert_eq!(decoder.icc_profile().unwrap(), None);
    assert_eq!(pixels::header(&png, 1 << 30).unwrap().width, 8);
    // The row reader does not inflate it at all.
    let (made, _) = streamed(
        &png,
        &[Rendition::new("t").width(4).format(RenditionFormat::Png)],
    );
    assert_eq!(pixels_of(&made[0]).0, 4);
}
