//! One backend-independent suite (store in, assertions out), run against
//! every backend: `InMemory`, `LocalFileSystem`, S3 through the in-process
//! `s3s-fs` server, and Azure through Azurite.
//!
//! Azurite runs when `SHOTSINK_AZURITE` names its blob endpoint
//! (`scripts/azurite.sh` starts it; `.ci/run` does both, so CI always runs
//! the Azure backend). Without the variable that one backend is reported as
//! not run; with it, an unreachable Azurite fails the test.

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::faulty::{Faults, FaultyStore};
use common::*;
use http::StatusCode;
use object_store::local::LocalFileSystem;
use object_store::{Attribute, Attributes, ObjectStore, ObjectStoreExt};
use sha2::{Digest, Sha256};
use shotsink::{CaptureSink, Disposition, OnExisting};
use tower::ServiceExt;

const MIB: usize = 1024 * 1024;
const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// Which attributes a backend keeps.
#[derive(Debug, Clone, Copy)]
struct Keeps {
    content_type: bool,
    cache_control: bool,
    content_disposition: bool,
    metadata: bool,
}

const ALL: Keeps = Keeps {
    content_type: true,
    cache_control: true,
    content_disposition: true,
    metadata: true,
};

struct Backend {
    name: &'static str,
    store: Arc<dyn ObjectStore>,
    keeps: Keeps,
    /// Upload leftovers the backend can show (parts of unfinished uploads).
    leftovers: Box<dyn Fn() -> Vec<String>>,
}

fn sink(store: Arc<dyn ObjectStore>, policy: OnExisting) -> CaptureSink {
    CaptureSink::builder(store)
        .secret(SECRET)
        .part_size(5 * MIB)
        .on_existing(policy)
        .cache_control(CACHE_CONTROL)
        .content_disposition(Disposition::Inline)
        .metadata(true)
        .build()
        .unwrap()
}

async fn deliver(sink: &CaptureSink, token: &str, format: &str, data: Bytes) -> StatusCode {
    sink.service()
        .oneshot(chunked_request(&callback(token, format, data), None))
        .await
        .unwrap()
        .status()
}

fn hex_sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn check_attributes(
    name: &str,
    keeps: Keeps,
    got: &Attributes,
    content_type: &str,
    file_name: &str,
    metadata: &[(&str, String)],
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
            want(keeps.metadata, value.clone()),
            "{name}: metadata {key}"
        );
    }
}

/// The suite: bytes, keys and attributes on both upload paths, the
/// overwrite policies, and an abort on failure.
async fn suite(backend: Backend) {
    let name = backend.name;
    let store = backend.store.clone();
    let overwrite = sink(store.clone(), OnExisting::Overwrite);

    // Every format, single put: bytes, key, attributes with size and digest.
    for (file, format, ext, content_type) in FIXTURES {
        let data = fixture(file);
        let token = format!("Suite{ext}");
        assert_eq!(
            deliver(&overwrite, &token, format, data.clone()).await,
            StatusCode::OK,
            "{name}: {file}"
        );
        let got = store.get(&key_today(&token, ext)).await.unwrap();
        let metadata = [
            ("token", token.clone()),
            ("size", data.len().to_string()),
            ("sha256", hex_sha256(&data)),
        ];
        check_attributes(
            name,
            backend.keeps,
            &got.attributes,
            content_type,
            &format!("{token}.{ext}"),
            &metadata,
        );
        assert!(got.bytes().await.unwrap() == data, "{name}: {file} bytes");
    }

    // Multipart: the same, with the token (size and digest come too late).
    let large = large_pdf(11 * MIB + 5);
    assert_eq!(
        deliver(&overwrite, "SuiteLarge", "pdf", large.clone()).await,
        StatusCode::OK,
        "{name}"
    );
    let got = store.get(&key_today("SuiteLarge", "pdf")).await.unwrap();
    check_attributes(
        name,
        backend.keeps,
        &got.attributes,
        "application/pdf",
        "SuiteLarge.pdf",
        &[("token", "SuiteLarge".to_owned())],
    );
    assert!(got.bytes().await.unwrap() == large, "{name}: large bytes");

    // Overwrite policies on a second delivery.
    let first = stored_bytes(store.as_ref(), &key_today("Suitepdf", "pdf")).await;
    let keep = sink(store.clone(), OnExisting::KeepFirst);
    assert_eq!(
        deliver(&keep, "Suitepdf", "pdf", large_pdf(1000)).await,
        StatusCode::OK,
        "{name}"
    );
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Suitepdf", "pdf")).await,
        first,
        "{name}: keep first"
    );
    let reject = sink(store.clone(), OnExisting::Reject);
    assert_eq!(
        deliver(&reject, "Suitepdf", "pdf", large_pdf(1000)).await,
        StatusCode::CONFLICT,
        "{name}"
    );
    assert_eq!(
        deliver(&overwrite, "Suitepdf", "pdf", large_pdf(1000)).await,
        StatusCode::OK,
        "{name}"
    );
    assert_eq!(
        stored_bytes(store.as_ref(), &key_today("Suitepdf", "pdf")).await,
        large_pdf(1000),
        "{name}: overwrite"
    );

    // A failing part aborts the upload; nothing new is visible.
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
        deliver(&failing, "SuiteFail", "pdf", large_pdf(11 * MIB)).await,
        StatusCode::BAD_GATEWAY,
        "{name}"
    );
    assert_eq!(
        faulty.counts.get(&faulty.counts.aborts),
        1,
        "{name}: aborts"
    );
    assert_eq!(
        all_keys(store.as_ref()).await,
        before,
        "{name}: visible after a failure"
    );
    assert_eq!(
        (backend.leftovers)(),
        Vec::<String>::new(),
        "{name}: upload leftovers"
    );
}

#[tokio::test]
async fn the_suite_passes_on_in_memory() {
    suite(Backend {
        name: "InMemory",
        store: memory(),
        keeps: ALL,
        leftovers: Box::new(Vec::new),
    })
    .await;
}

#[tokio::test]
async fn the_suite_passes_on_local_disk() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    suite(Backend {
        name: "LocalFileSystem",
        store: Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap()),
        keeps: Keeps {
            content_type: false,
            cache_control: false,
            content_disposition: false,
            metadata: false,
        },
        // In-progress uploads are files named `<key>#<id>` beside the key.
        leftovers: Box::new(move || {
            walk(&root)
                .into_iter()
                .filter(|p| p.contains('#'))
                .collect()
        }),
    })
    .await;
}

#[tokio::test]
async fn the_suite_passes_on_s3() {
    let server = Arc::new(S3Server::start().await);
    let seen = server.clone();
    suite(Backend {
        name: "S3 (s3s-fs)",
        store: server.store(),
        keeps: ALL,
        leftovers: Box::new(move || seen.upload_leftovers()),
    })
    .await;
}

#[tokio::test]
async fn the_suite_passes_on_azure() {
    let Ok(endpoint) = std::env::var("SHOTSINK_AZURITE") else {
        eprintln!(
            "NOT RUN: Azure backend (set SHOTSINK_AZURITE; scripts/azurite.sh starts Azurite)"
        );
        return;
    };
    let store = object_store::azure::MicrosoftAzureBuilder::new()
        .with_use_emulator(true)
        .with_endpoint(format!("{endpoint}/devstoreaccount1"))
        .with_allow_http(true)
        .with_container_name("captures")
        .build()
        .unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(object_store::prefix::PrefixStore::new(
        store,
        format!("run-{}", std::process::id()).as_str(),
    ));
    suite(Backend {
        name: "Azure (Azurite)",
        store,
        keeps: ALL,
        // Azure keeps uncommitted blocks out of sight and drops them itself.
        leftovers: Box::new(Vec::new),
    })
    .await;
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.to_string_lossy().into_owned());
        }
    }
    out
}
