//! Proof of type: a signature followed by something else is refused, a PDF
//! must end as a PDF does, an image's size is read from its header and
//! bounded, and nothing of a refused file stays in the store.

use bytes::Bytes;
use http::StatusCode;
use object_store::ObjectStoreExt;
use shotsink::{CaptureSink, EarlyFile, Outcome};
use tower::ServiceExt;

use crate::common::*;

const HTML: &[u8] = b"<html><body><script>document.cookie</script></body></html>\n";

/// `head` followed by HTML, to `len` bytes.
fn polyglot(head: &[u8], len: usize) -> Bytes {
    let mut data = head.to_vec();
    while data.len() < len {
        data.extend_from_slice(HTML);
    }
    data.truncate(len.max(head.len()));
    Bytes::from(data)
}

/// A WebP header (`VP8X`) declaring a canvas of 16,384 × 16,384 pixels,
/// over the default `max_pixels` (100 million), then padding.
fn huge_webp() -> Bytes {
    let mut data = b"RIFF".to_vec();
    data.extend_from_slice(&(4 + 8 + 10 + 4000u32).to_le_bytes());
    data.extend_from_slice(b"WEBPVP8X");
    data.extend_from_slice(&10u32.to_le_bytes());
    data.extend_from_slice(&[0, 0, 0, 0]);
    data.extend_from_slice(&16383u32.to_le_bytes()[..3]);
    data.extend_from_slice(&16383u32.to_le_bytes()[..3]);
    data.resize(data.len() + 4000, 0);
    Bytes::from(data)
}

/// The bad-input table's files of the wrong type: each format's signature
/// (and a RIFF or ftyp box where the format has one) followed by HTML, a
/// PDF without `%%EOF`, and an image over `max_pixels`. All are 415.
pub(crate) fn polyglots() -> Vec<(&'static str, &'static str, Bytes)> {
    let avif = fixture("capture.avif");
    vec![
        ("PngSig", "png", polyglot(b"\x89PNG\r\n\x1a\n", 4000)),
        ("PngEight", "png", Bytes::from_static(b"\x89PNG\r\n\x1a\n")),
        ("JpegSig", "jpg", polyglot(&[0xFF, 0xD8, 0xFF, 0xE0], 4000)),
        (
            "WebpSig",
            "webp",
            polyglot(b"RIFF\x00\x10\x00\x00WEBPVP8 ", 4000),
        ),
        // The sample's own `ftyp` box (its first 32 bytes), then HTML.
        ("AvifSig", "avif", polyglot(&avif[..32], 4000)),
        ("PdfNoEof", "pdf", polyglot(b"%PDF-1.4\n", 4000)),
        ("WebpHuge", "webp", huge_webp()),
    ]
}

#[tokio::test]
async fn a_signature_followed_by_html_is_refused_for_every_format_and_nothing_is_stored() {
    let server = S3Server::start().await;
    let store = server.store();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .build()
        .unwrap();
    for (token, format, data) in polyglots() {
        let response = sink
            .service()
            .oneshot(chunked(&callback(token, format, data)))
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{token}"
        );
        let text = body_text(response).await;
        let says = text.contains(format) || text.contains("pixels");
        assert!(says, "{token}: {text}");
    }
    assert_eq!(all_keys(store.as_ref()).await, Vec::<String>::new());
    assert!(server.upload_leftovers().is_empty());
}

#[tokio::test]
async fn a_large_pdf_without_its_end_is_aborted_after_streaming_and_nothing_is_left() {
    // 12 MiB in 5 MiB parts: parts are uploaded before the end shows that
    // the file is no PDF; the multipart upload is aborted.
    let server = S3Server::start().await;
    let store = server.store();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .part_size(5 * MIB as u64)
        .build()
        .unwrap();
    let mut data = large_pdf(12 * MIB).to_vec();
    data.truncate(data.len() - 7);
    data.extend_from_slice(b"</html>");
    let response = sink
        .service()
        .oneshot(chunked(&callback("Cut", "pdf", Bytes::from(data))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(body_text(response).await.contains("%%EOF"));
    let seen = server.requests.lock().unwrap().clone();
    let parts = seen.iter().filter(|r| r.uri.contains("partNumber")).count();
    assert!(parts >= 1, "no part was sent: {seen:?}");
    assert_eq!(all_keys(store.as_ref()).await, Vec::<String>::new());
    assert!(server.upload_leftovers().is_empty());
}

/// The PNG sample's size, read from its IHDR here, independently of the
/// sink: every image sample is the same page at the same size.
fn sample_size() -> (u32, u32) {
    let png = fixture("capture.png");
    let be32 = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be32(16), be32(20))
}

#[tokio::test]
async fn every_image_sample_reports_its_size_and_an_image_over_max_pixels_is_refused() {
    let (width, height) = sample_size();
    let store = memory();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .build()
        .unwrap();
    for (file, format, ext, _) in FIXTURES {
        let response = sink
            .service()
            .oneshot(request(&callback("Sized", format, fixture(file))))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{file}");
        let Some(Outcome::Stored(stored)) = response.extensions().get::<Outcome>() else {
            panic!("{file}: no stored outcome");
        };
        let expected = (ext != "pdf").then_some((width, height));
        let got = stored.width.zip(stored.height);
        assert_eq!(got, expected, "{file}");
    }

    let pixels = u64::from(width) * u64::from(height);
    let bounded = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .max_pixels(Some(pixels - 1))
        .build()
        .unwrap();
    for (file, format, ext, _) in FIXTURES.iter().filter(|f| f.2 != "pdf") {
        let response = bounded
            .service()
            .oneshot(request(&callback("TooBig", format, fixture(file))))
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{file}"
        );
        assert!(body_text(response).await.contains("pixels"), "{file}");
        let key = key_today("TooBig", ext);
        assert!(store.head(&key).await.is_err(), "{file} was stored");
    }
}

/// The JPEG sample with `segments` `APP1` segments of 32 KiB before its
/// own: its frame header moves further in, as a photo's metadata would
/// push it.
fn jpeg_with_metadata(segments: usize) -> Bytes {
    let jpeg = fixture("capture.jpg");
    let mut data = vec![0xFF, 0xD8];
    for _ in 0..segments {
        data.extend_from_slice(&[0xFF, 0xE1, 0x80, 0x00]);
        data.resize(data.len() + 0x8000 - 2, 0);
    }
    data.extend_from_slice(&jpeg[2..]);
    Bytes::from(data)
}

#[tokio::test]
async fn a_header_must_come_within_what_is_held_before_the_secret_or_within_64_kib() {
    let store = memory();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .max_unverified_file_size(1024)
        .early_file(EarlyFile::Stage)
        .build()
        .unwrap();
    let data = jpeg_with_metadata(1);
    // Before the secret, sent slowly in 256-byte pieces: about 1 KiB is
    // held before the file is staged, and the header is past it.
    let early = callback_file_first("Early", "jpg", data.clone()).body();
    let slow = super::timed_request(
        super::pieces(&early, 256),
        std::time::Duration::from_micros(200),
        true,
        None,
    );
    let response = sink.service().oneshot(slow).await.unwrap();
    let status = response.status();
    let text = body_text(response).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{text}");
    assert!(text.contains("max_unverified_file_size"), "{text}");
    assert_eq!(all_keys(store.as_ref()).await, Vec::<String>::new());
    // After the secret, the same file is read up to its header and stored.
    let response = sink
        .service()
        .oneshot(chunked(&callback("Late", "jpg", data.clone())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Late", "jpg")).await,
        data
    );
    // A header further in than 64 KiB is not looked for.
    let far = jpeg_with_metadata(3);
    let response = sink
        .service()
        .oneshot(chunked(&callback("Far", "jpg", far)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(body_text(response).await.contains("64 KiB"));
    assert!(
        !all_keys(store.as_ref())
            .await
            .iter()
            .any(|k| k.contains("Far"))
    );
}
