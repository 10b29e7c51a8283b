use super::*;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

const SIZE: Option<Dimensions> = Some(Dimensions {
    width: 1280,
    height: 800,
});

#[test]
fn real_captures_prove_their_type_and_size() {
    for (name, format, dims) in [
        ("capture.png", Format::Png, SIZE),
        ("capture.jpg", Format::Jpeg, SIZE),
        ("capture.webp", Format::Webp, SIZE),
        ("capture.avif", Format::Avif, SIZE),
        ("capture.pdf", Format::Pdf, None),
    ] {
        let file = fixture(name);
        assert_eq!(probe(&file, true), Probe::Valid(format, dims), "{name}");
        // The header alone is enough, and a piece of it asks for more.
        let head = &file[..file.len().min(PROBE_MAX)];
        assert_eq!(probe(head, false), Probe::Valid(format, dims), "{name}");
        assert_eq!(probe(&file[..7], false), Probe::NeedMore, "{name}");
    }
    assert!(pdf_ends(
        &fixture("capture.pdf")[fixture("capture.pdf").len() - PDF_TAIL..]
    ));
}

#[test]
fn a_signature_followed_by_anything_else_is_refused() {
    let html = fixture("not-an-image.html");
    let html = if html.is_empty() {
        b"<!doctype html><html><body><script>alert(1)</script></body></html>".repeat(40)
    } else {
        html
    };
    for (signature, name) in [
        (&b"\x89PNG\r\n\x1a\n"[..], "png"),
        (b"\xff\xd8\xff", "jpg"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "jpg with JFIF"),
        (b"RIFF\xff\xff\x00\x00WEBPVP8 ", "webp"),
        (
            b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf",
            "avif",
        ),
        (b"%PDF-", "pdf"),
    ] {
        let polyglot = [signature, &html].concat();
        assert!(
            matches!(probe(&polyglot, true), Probe::Invalid(_)),
            "{name}: {:?}",
            probe(&polyglot, true)
        );
    }
    // The bare signatures, once the file ends.
    assert!(matches!(
        probe(b"\x89PNG\r\n\x1a\n", true),
        Probe::Invalid(_)
    ));
    assert!(matches!(probe(b"%PDF-", true), Probe::Invalid(_)));
}

#[test]
fn a_png_whose_header_checksum_or_size_is_wrong_is_refused() {
    let mut png = fixture("capture.png");
    png[29] ^= 1;
    assert_eq!(
        probe(&png, true),
        Probe::Invalid("png whose IHDR checksum is wrong")
    );
    let mut zero = fixture("capture.png");
    zero[16..20].copy_from_slice(&[0; 4]);
    let crc = crc32fast::hash(&zero[12..29]);
    zero[29..33].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(probe(&zero, true), Probe::Invalid("png of zero size"));
}

#[test]
fn a_webp_whose_riff_size_or_chunk_is_wrong_is_refused() {
    let mut small = fixture("capture.webp");
    small[4..8].copy_from_slice(&8u32.to_le_bytes());
    assert!(matches!(probe(&small, true), Probe::Invalid(_)));
    let mut chunk = fixture("capture.webp");
    chunk[12..16].copy_from_slice(b"ABCD");
    assert!(matches!(probe(&chunk, true), Probe::Invalid(_)));
}

#[test]
fn a_pdf_needs_its_end_marker_near_its_end() {
    assert!(pdf_ends(b"...startxref\n123\n%%EOF\n"));
    assert!(!pdf_ends(b"...startxref\n123\n<html>"));
}

#[test]
fn a_header_not_found_within_the_bound_is_refused() {
    // A JPEG whose segments go on past the probe bound with no frame header.
    let mut jpeg = b"\xff\xd8".to_vec();
    while jpeg.len() <= PROBE_MAX {
        jpeg.extend_from_slice(&[0xff, 0xe1, 0x40, 0x00]);
        jpeg.extend(std::iter::repeat_n(0u8, 0x4000 - 2));
    }
    assert_eq!(probe(&jpeg[..PROBE_MAX / 2], false), Probe::NeedMore);
    assert!(matches!(probe(&jpeg, false), Probe::Invalid(_)));
}

#[test]
fn format_of_proves_what_the_sink_proves_and_nothing_weaker() {
    for (name, format) in [
        ("capture.png", Format::Png),
        ("capture.jpg", Format::Jpeg),
        ("capture.webp", Format::Webp),
        ("capture.avif", Format::Avif),
        ("capture.pdf", Format::Pdf),
    ] {
        assert_eq!(Format::of(&fixture(name)), Some(format), "{name}");
    }
    let mut polyglot = b"\x89PNG\r\n\x1a\n".to_vec();
    polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
    assert_eq!(Format::of(&polyglot), None);
    let pdf = fixture("capture.pdf");
    let cut = &pdf[..pdf.len() - PDF_TAIL];
    assert_eq!(Format::of(cut), None, "a pdf without its end");
    assert_eq!(Format::of(b""), None);
}
