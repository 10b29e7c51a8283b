//! Renditions as the events' owed work, through the sink: every stored
//! capture's event lists its renditions, made after the 200 and stored
//! next to the capture; a format without a decoder, or a file that does not
//! decode, is a failed rendition with its reason while the capture stays.

use std::time::Duration;

use http::StatusCode;
use object_store::path::Path;
use object_store::{Attribute, GetOptions, ObjectStoreExt};
use shotsink::notify::{EventLog, EventState, Notifier};
use shotsink::rendition::{Rendition, RenditionLimits};
use shotsink::{CaptureSink, OnExisting};
use tokio::sync::mpsc;
use tower::ServiceExt;

use crate::common::*;

const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

struct Setup {
    sink: CaptureSink,
    store: std::sync::Arc<dyn object_store::ObjectStore>,
    log: EventLog,
    events: mpsc::UnboundedReceiver<(String, serde_json::Value)>,
    _s3: S3Server,
}

async fn setup() -> Setup {
    setup_with(OnExisting::KeepFirst).await
}

async fn setup_with(policy: OnExisting) -> Setup {
    let renditions = [Rendition::thumb(), Rendition::card()];
    setup_limited(policy, &renditions, None).await
}

async fn setup_limited(
    policy: OnExisting,
    renditions: &[Rendition],
    limits: Option<RenditionLimits>,
) -> Setup {
    let s3 = S3Server::start().await;
    let store = s3.store();
    let (url, events) = crate::events::app().await;
    let log = EventLog::new(store.clone());
    let notifier = Notifier::builder(&url, WHSEC)
        .journal(log.clone())
        .build()
        .unwrap();
    let mut sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .on_existing(policy)
        .cache_control("public, max-age=600")
        .notifier(notifier)
        .renditions(renditions.iter().cloned());
    if let Some(limits) = limits {
        sink = sink.rendition_limits(limits);
    }
    let sink = sink.build().unwrap();
    Setup {
        sink,
        store,
        log,
        events,
        _s3: s3,
    }
}

async fn send(sink: &CaptureSink, token: &str, format: &str, file: bytes::Bytes) {
    let answer = sink
        .service()
        .oneshot(request(&callback(token, format, file)))
        .await
        .unwrap();
    assert_eq!(
        answer.status(),
        StatusCode::OK,
        "{}",
        body_text(answer).await
    );
}

async fn next(
    events: &mut mpsc::UnboundedReceiver<(String, serde_json::Value)>,
) -> serde_json::Value {
    let (_id, body) = tokio::time::timeout(Duration::from_secs(30), events.recv())
        .await
        .expect("an event within 30 s")
        .unwrap();
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stored_capture_s_event_lists_its_renditions_stored_next_to_it() {
    let mut s = setup().await;
    for (token, format, file) in [
        ("RendPng", "png", "capture.png"),
        ("RendJpg", "jpg", "capture.jpg"),
        ("RendWebp", "webp", "capture.webp"),
    ] {
        send(&s.sink, token, format, fixture(file)).await;
        let event = next(&mut s.events).await;
        let data = &event["data"];
        assert_eq!(data["token"], token);
        let capture = key_today(token, format).to_string();
        assert_eq!(data["key"], capture.as_str());
        let stem = capture.rsplit_once('.').unwrap().0;
        let renditions = data["renditions"].as_array().expect("renditions listed");
        let expected = [("thumb", "webp", 320, 200), ("card", "jpg", 1200, 630)];
        assert_eq!(renditions.len(), expected.len(), "{event}");
        for (entry, (name, ext, w, h)) in renditions.iter().zip(expected) {
            assert_eq!(entry["name"], name);
            assert_eq!(entry["state"], "done", "{entry}");
            let key = format!("{stem}.{name}.{ext}");
            assert_eq!(entry["key"], key.as_str());
            assert_eq!(
                (entry["width"].as_u64(), entry["height"].as_u64()),
                (Some(w), Some(h))
            );
            let got = s
                .store
                .get_opts(&Path::from(key.as_str()), GetOptions::default())
                .await
                .unwrap();
            let content_type = got.attributes.get(&Attribute::ContentType).cloned();
            let cache = got.attributes.get(&Attribute::CacheControl).cloned();
            let bytes = got.bytes().await.unwrap();
            assert_eq!(entry["size"].as_u64(), Some(bytes.len() as u64));
            let image = image::load_from_memory(&bytes).unwrap();
            assert_eq!((image.width(), image.height()), (w as u32, h as u32));
            let expected_type = if ext == "webp" {
                "image/webp"
            } else {
                "image/jpeg"
            };
            assert_eq!(content_type.as_deref(), Some(expected_type));
            assert_eq!(cache.as_deref(), Some("public, max-age=600"));
        }
    }
    // Delivered: nothing left owed in the journal.
    let left = s.log.list(EventState::Pending, None, 10).await.unwrap();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rendition_that_cannot_be_made_is_reported_and_the_capture_stays() {
    let mut s = setup().await;
    // AVIF and PDF: no decoder here; the reason says so.
    for (token, format, file, named) in [
        ("RendAvif", "avif", "capture.avif", "AVIF"),
        ("RendPdf", "pdf", "capture.pdf", "PDF"),
    ] {
        send(&s.sink, token, format, fixture(file)).await;
        let event = next(&mut s.events).await;
        for entry in event["data"]["renditions"].as_array().unwrap() {
            assert_eq!(entry["state"], "failed", "{entry}");
            let reason = entry["reason"].as_str().unwrap();
            assert!(reason.contains(named), "{reason}");
            let key = Path::from(entry["key"].as_str().unwrap());
            assert!(s.store.head(&key).await.is_err(), "{key} was stored");
        }
        assert!(s.store.head(&key_today(token, format)).await.is_ok());
    }
    // A PNG whose header proves its type but whose pixels are garbage.
    let mut broken = fixture("capture.png").to_vec();
    let middle = broken.len() / 2;
    for b in &mut broken[middle..middle + 4096] {
        *b = !*b;
    }
    send(&s.sink, "RendBroken", "png", broken.into()).await;
    let event = next(&mut s.events).await;
    for entry in event["data"]["renditions"].as_array().unwrap() {
        assert_eq!(entry["state"], "failed", "{entry}");
        let reason = entry["reason"].as_str().unwrap();
        assert!(reason.contains("could not be decoded"), "{reason}");
    }
    assert!(s.store.head(&key_today("RendBroken", "png")).await.is_ok());
}

#[tokio::test]
async fn renditions_need_a_notifier_with_a_journal() {
    let store = std::sync::Arc::new(object_store::memory::InMemory::new());
    let error = CaptureSink::builder(store)
        .secret(SECRET)
        .renditions([Rendition::thumb()])
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.contains("notifier with a journal"), "{error}");
    let store = std::sync::Arc::new(object_store::memory::InMemory::new());
    let error = CaptureSink::builder(store)
        .secret(SECRET)
        .renditions([Rendition::thumb(), Rendition::new("thumb")])
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.contains("two renditions have this name"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renditions_follow_the_overwrite_policy_and_the_event_says_what_is_stored() {
    // A rendition already stored at the key: a 10 x 10 PNG.
    let mut earlier = Vec::new();
    image::RgbImage::new(10, 10)
        .write_to(
            &mut std::io::Cursor::new(&mut earlier),
            image::ImageFormat::Png,
        )
        .unwrap();
    for (policy, kept) in [
        (OnExisting::KeepFirst, true),
        (OnExisting::Overwrite, false),
    ] {
        let mut s = setup_with(policy).await;
        let capture = key_today("Policy", "png").to_string();
        let thumb = format!("{}.thumb.webp", capture.rsplit_once('.').unwrap().0);
        let thumb = Path::from(thumb.as_str());
        s.store.put(&thumb, earlier.clone().into()).await.unwrap();
        send(&s.sink, "Policy", "png", fixture("capture.png")).await;
        let event = next(&mut s.events).await;
        let entry = &event["data"]["renditions"][0];
        assert_eq!(entry["state"], "done", "{event}");
        let now = s.store.get(&thumb).await.unwrap().bytes().await.unwrap();
        assert_eq!(entry["size"].as_u64(), Some(now.len() as u64), "{policy:?}");
        let (w, h) = if kept { (10, 10) } else { (320, 200) };
        assert_eq!(
            (entry["width"].as_u64(), entry["height"].as_u64()),
            (Some(w), Some(h))
        );
        assert_eq!(kept, now[..] == earlier[..], "{policy:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_png_page_larger_than_the_budget_decoded_is_rendered_a_row_at_a_time() {
    // 1200 x 5000 RGB: 18 MB decoded, over a 16 MiB budget. As a PNG it is
    // read a row at a time and its thumbnail made; as a JPEG, decoded
    // whole, it is refused before it is even read back.
    let limits = RenditionLimits {
        memory_budget: 16 << 20,
        threads: 1,
        max_pixels: 100_000_000,
    };
    let mut s = setup_limited(OnExisting::KeepFirst, &[Rendition::thumb()], Some(limits)).await;
    let page = image::RgbImage::from_fn(1200, 5000, |x, y| {
        image::Rgb([(x / 5) as u8, (y / 20) as u8, ((x + y) / 40) as u8])
    });
    for (token, format, encoding) in [
        ("TallPng", "png", image::ImageFormat::Png),
        ("TallJpg", "jpg", image::ImageFormat::Jpeg),
    ] {
        let mut file = Vec::new();
        page.write_to(&mut std::io::Cursor::new(&mut file), encoding)
            .unwrap();
        send(&s.sink, token, format, file.into()).await;
        let event = next(&mut s.events).await;
        let entry = &event["data"]["renditions"][0];
        if format == "png" {
            assert_eq!(entry["state"], "done", "{entry}");
            let key = Path::from(entry["key"].as_str().unwrap());
            let bytes = s.store.get(&key).await.unwrap().bytes().await.unwrap();
            let thumb = image::load_from_memory(&bytes).unwrap();
            assert_eq!((thumb.width(), thumb.height()), (320, 1333));
        } else {
            assert_eq!(entry["state"], "failed", "{entry}");
            let reason = entry["reason"].as_str().unwrap();
            assert!(reason.contains("rendition memory budget"), "{reason}");
        }
    }
}
