//! The capabilities of the suite, one function each, named by what it
//! checks; each takes the store, and where it matters what the backend
//! keeps ([`Keeps`]).

use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;
use object_store::{Attribute, Attributes, ObjectStore, ObjectStoreExt};
use sha2::{Digest, Sha256};
use shotsink::{CaptureSink, Disposition, OnExisting};
use tower::ServiceExt;

use super::Keeps;
use crate::common::faulty::{Faults, FaultyStore};
use crate::common::*;

const PART: usize = 5 * MIB;
const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

fn sink(store: Arc<dyn ObjectStore>, policy: OnExisting) -> CaptureSink {
    CaptureSink::builder(store)
        .secret(SECRET)
        .part_size(PART as u64)
        .on_existing(policy)
        .cache_control(CACHE_CONTROL)
        .content_disposition(Disposition::Inline)
        .metadata(true)
        .build()
        .unwrap()
}

/// Delivers a callback in 64 KiB chunks; the status and the answer's text.
async fn deliver(
    sink: &CaptureSink,
    token: &str,
    format: &str,
    data: Bytes,
) -> (StatusCode, String) {
    let response = sink
        .service()
        .oneshot(chunked(&callback(token, format, data)))
        .await
        .unwrap();
    let status = response.status();
    (status, body_text(response).await)
}

fn hex_sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The object's attributes are the sink's where the backend keeps them,
/// and absent where it does not; `metadata` is the user metadata expected
/// (`None`: expected absent whatever the backend).
fn check_attributes(
    name: &str,
    keeps: Keeps,
    got: &Attributes,
    content_type: &str,
    file_name: &str,
    metadata: &[(&str, Option<String>)],
) {
    let get = |a: &Attribute| got.get(a).map(|v| v.to_string());
    let want = |keep: bool, v: String| keep.then_some(v);
    assert_eq!(
        get(&Attribute::ContentType),
        want(keeps.content_type, content_type.to_owned()),
        "{name}: content type"
    );
    assert_eq!(
        get(&Attribute::CacheControl),
        want(keeps.cache_control, CACHE_CONTROL.to_owned()),
        "{name}: cache control"
    );
    assert_eq!(
        get(&Attribute::ContentDisposition),
        want(
            keeps.content_disposition,
            format!("inline; filename=\"{file_name}\"")
        ),
        "{name}: content disposition"
    );
    for (key, value) in metadata {
        assert_eq!(
            get(&Attribute::Metadata((*key).to_owned().into())),
            value.clone().and_then(|v| want(keeps.metadata, v)),
            "{name}: metadata {key}"
        );
    }
}

/// Every accepted format, sent as a single put, lands at its key with its
/// bytes unchanged.
pub async fn stores_every_format_byte_exact(store: Arc<dyn ObjectStore>) {
    let name = store.to_string();
    let sink = sink(store.clone(), OnExisting::Overwrite);
    for (file, format, ext, _) in FIXTURES {
        let data = fixture(file);
        let token = format!("Exact{ext}");
        let (status, text) = deliver(&sink, &token, format, data.clone()).await;
        assert_eq!(status, StatusCode::OK, "{name}: {file}: {text}");
        let key = key_today(&token, ext);
        assert_eq!(text, format!("stored {key}\n"), "{name}: {file}");
        assert!(
            stored_bytes(store.as_ref(), &key).await == data,
            "{name}: {file} bytes"
        );
    }
}

/// A single put carries `Content-Type`, `Cache-Control`,
/// `Content-Disposition` and the metadata (`token`, `size`, `sha256`),
/// each where the backend keeps it.
pub async fn single_puts_carry_the_attributes_the_backend_keeps(
    store: Arc<dyn ObjectStore>,
    keeps: Keeps,
) {
    let name = store.to_string();
    let sink = sink(store.clone(), OnExisting::Overwrite);
    for (file, format, ext, content_type) in FIXTURES {
        let data = fixture(file);
        let token = format!("Attr{ext}");
        let (status, text) = deliver(&sink, &token, format, data.clone()).await;
        assert_eq!(status, StatusCode::OK, "{name}: {file}: {text}");
        let got = store.get(&key_today(&token, ext)).await.unwrap();
        let metadata = [
            ("token", Some(token.clone())),
            ("size", Some(data.len().to_string())),
            ("sha256", Some(hex_sha256(&data))),
        ];
        check_attributes(
            &name,
            keeps,
            &got.attributes,
            content_type,
            &format!("{token}.{ext}"),
            &metadata,
        );
        assert!(got.bytes().await.unwrap() == data, "{name}: {file} bytes");
    }
}

/// A file over one part goes up as one multipart upload of equal parts
/// (no single put), arrives whole, and carries the attributes with the
/// token as its only metadata (size and digest are known too late).
pub async fn large_files_go_multipart_and_arrive_whole(store: Arc<dyn ObjectStore>, keeps: Keeps) {
    let name = store.to_string();
    let counting = FaultyStore::new(store.clone(), Faults::default());
    let sink = sink(counting.clone(), OnExisting::Overwrite);
    let large = large_pdf(11 * MIB + 5);
    let (status, text) = deliver(&sink, "SuiteLarge", "pdf", large.clone()).await;
    assert_eq!(status, StatusCode::OK, "{name}: {text}");
    let counts = &counting.counts;
    assert_eq!(counts.get(&counts.puts), 0, "{name}: single puts");
    assert_eq!(counts.get(&counts.uploads), 1, "{name}: uploads");
    assert_eq!(counts.get(&counts.parts), 3, "{name}: parts");
    assert_eq!(counts.get(&counts.completes), 1, "{name}: completed");
    assert_eq!(counts.get(&counts.aborts), 0, "{name}: aborted");
    let got = store.get(&key_today("SuiteLarge", "pdf")).await.unwrap();
    check_attributes(
        &name,
        keeps,
        &got.attributes,
        "application/pdf",
        "SuiteLarge.pdf",
        &[
            ("token", Some("SuiteLarge".to_owned())),
            ("size", None),
            ("sha256", None),
        ],
    );
    assert!(got.bytes().await.unwrap() == large, "{name}: large bytes");
}

/// Delivers `first` under `token` with the overwrite policy, checking it
/// landed; the bytes stored.
async fn first_delivery(store: &Arc<dyn ObjectStore>, token: &str, first: Bytes) -> Bytes {
    let name = store.to_string();
    let overwrite = sink(store.clone(), OnExisting::Overwrite);
    assert_eq!(
        deliver(&overwrite, token, "pdf", first.clone()).await.0,
        StatusCode::OK,
        "{name}: first delivery"
    );
    let stored = stored_bytes(store.as_ref(), &key_today(token, "pdf")).await;
    assert_eq!(stored, first, "{name}: first delivery");
    stored
}

/// `OnExisting::KeepFirst`: a re-delivery is acknowledged as already
/// stored and the first capture stays.
pub async fn keep_first_leaves_the_first_delivery_in_place(store: Arc<dyn ObjectStore>) {
    let name = store.to_string();
    let first = first_delivery(&store, "SuiteKeep", fixture("capture.pdf")).await;
    let keep = sink(store.clone(), OnExisting::KeepFirst);
    let (status, text) = deliver(&keep, "SuiteKeep", "pdf", large_pdf(1000)).await;
    assert_eq!(status, StatusCode::OK, "{name}: {text}");
    assert!(text.starts_with("already stored"), "{name}: {text}");
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("SuiteKeep", "pdf")).await,
        first,
        "{name}: keep first"
    );
}

/// `OnExisting::Reject`: a re-delivery is answered 409 and the first
/// capture stays.
pub async fn reject_refuses_a_redelivery_with_409_and_keeps_the_first(store: Arc<dyn ObjectStore>) {
    let name = store.to_string();
    let first = first_delivery(&store, "SuiteReject", fixture("capture.pdf")).await;
    let reject = sink(store.clone(), OnExisting::Reject);
    assert_eq!(
        deliver(&reject, "SuiteReject", "pdf", large_pdf(1000))
            .await
            .0,
        StatusCode::CONFLICT,
        "{name}"
    );
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("SuiteReject", "pdf")).await,
        first,
        "{name}: reject"
    );
}

/// `OnExisting::Overwrite`: a re-delivery replaces the capture.
pub async fn overwrite_replaces_a_redelivery(store: Arc<dyn ObjectStore>) {
    let name = store.to_string();
    first_delivery(&store, "SuiteOverwrite", fixture("capture.pdf")).await;
    let overwrite = sink(store.clone(), OnExisting::Overwrite);
    assert_eq!(
        deliver(&overwrite, "SuiteOverwrite", "pdf", large_pdf(1000))
            .await
            .0,
        StatusCode::OK,
        "{name}"
    );
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("SuiteOverwrite", "pdf")).await,
        large_pdf(1000),
        "{name}: overwrite"
    );
}

/// A failing part answers 502 and aborts the upload: nothing new is
/// visible, and the backend keeps no parts.
pub async fn a_failed_part_aborts_the_upload_and_leaves_nothing(
    store: Arc<dyn ObjectStore>,
    leftovers: impl Fn() -> Vec<String>,
) {
    let name = store.to_string();
    let before = all_keys(store.as_ref()).await;
    let faulty = FaultyStore::new(
        store.clone(),
        Faults {
            fail_part: Some(2),
            ..Faults::default()
        },
    );
    let failing = sink(faulty.clone(), OnExisting::Overwrite);
    assert_eq!(
        deliver(&failing, "SuiteFail", "pdf", large_pdf(11 * MIB))
            .await
            .0,
        StatusCode::BAD_GATEWAY,
        "{name}"
    );
    let counts = &faulty.counts;
    assert_eq!(counts.get(&counts.aborts), 1, "{name}: aborts");
    assert_eq!(counts.get(&counts.completes), 0, "{name}: completed");
    assert_eq!(
        all_keys(store.as_ref()).await,
        before,
        "{name}: visible after a failure"
    );
    assert_eq!(
        leftovers(),
        Vec::<String>::new(),
        "{name}: upload leftovers"
    );
}
