//! One backend-independent suite, run against every backend: `InMemory`,
//! `LocalFileSystem`, S3 through the in-process `s3s-fs` server, S3 again
//! through moto's server (a second, independent implementation), and Azure
//! through Azurite.
//!
//! Each capability is a function taking the store (and, where it matters,
//! what the backend keeps), named by what it checks, in the manner of
//! `object_store`'s own `integration.rs`; each backend's test runs them
//! all, through [`suite`].
//!
//! The capabilities are in `capabilities`; the backends' tests are here.
//!
//! Azurite runs when `TEST_AZURITE` names its blob endpoint
//! (`scripts/azurite.sh` starts it; `.ci/run` does both), moto when
//! `TEST_MOTO` names its endpoint (`scripts/moto.sh`, likewise).
//! Without its variable either backend is reported as not run, except
//! under CI (`CI` set), where its test fails instead; with it, an
//! unreachable server fails the test. Both servers keep their data between
//! runs, so each run writes under a fresh key prefix of its own.

use std::sync::Arc;

use object_store::ObjectStore;
use object_store::local::LocalFileSystem;

use crate::common::*;

mod capabilities;

use capabilities::{
    a_failed_part_aborts_the_upload_and_leaves_nothing,
    keep_first_leaves_the_first_delivery_in_place, large_files_go_multipart_and_arrive_whole,
    overwrite_replaces_a_redelivery, reject_refuses_a_redelivery_with_409_and_keeps_the_first,
    single_puts_carry_the_attributes_the_backend_keeps, stores_every_format_byte_exact,
};

/// Which attributes a backend keeps.
#[derive(Debug, Clone, Copy)]
pub struct Keeps {
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

/// Every capability, on one backend. `leftovers` lists what the backend
/// keeps of unfinished multipart uploads.
async fn suite(store: Arc<dyn ObjectStore>, keeps: Keeps, leftovers: impl Fn() -> Vec<String>) {
    stores_every_format_byte_exact(store.clone()).await;
    single_puts_carry_the_attributes_the_backend_keeps(store.clone(), keeps).await;
    large_files_go_multipart_and_arrive_whole(store.clone(), keeps).await;
    keep_first_leaves_the_first_delivery_in_place(store.clone()).await;
    reject_refuses_a_redelivery_with_409_and_keeps_the_first(store.clone()).await;
    overwrite_replaces_a_redelivery(store.clone()).await;
    a_failed_part_aborts_the_upload_and_leaves_nothing(store, leftovers).await;
}

#[tokio::test]
async fn the_suite_passes_on_in_memory() {
    suite(memory(), ALL, Vec::new).await;
}

#[tokio::test]
async fn the_suite_passes_on_local_disk() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let nothing_kept = Keeps {
        content_type: false,
        cache_control: false,
        content_disposition: false,
        metadata: false,
    };
    suite(
        Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap()),
        nothing_kept,
        // In-progress uploads are files named `<key>#<id>` beside the key.
        move || {
            walk(&root)
                .into_iter()
                .filter(|p| p.contains('#'))
                .collect()
        },
    )
    .await;
}

#[tokio::test]
async fn the_suite_passes_on_s3() {
    let server = S3Server::start().await;
    suite(server.store(), ALL, || server.upload_leftovers()).await;
}

#[tokio::test]
async fn the_suite_passes_on_moto() {
    let Some(moto) = Moto::from_env("the moto backend") else {
        return;
    };
    // moto keeps the content type, cache control, content disposition and
    // user metadata of a single put, and those given when a multipart
    // upload is created; in-progress uploads are listed by `?uploads`.
    suite(moto.store(), ALL, || moto.upload_leftovers()).await;
}

#[tokio::test]
async fn the_suite_passes_on_azure() {
    let Ok(endpoint) = std::env::var("TEST_AZURITE") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the Azure backend: set TEST_AZURITE (scripts/azurite.sh starts Azurite)"
        );
        eprintln!("NOT RUN: Azure backend (set TEST_AZURITE; scripts/azurite.sh starts Azurite)");
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
    // Azure keeps uncommitted blocks out of sight and drops them itself.
    suite(store, ALL, Vec::new).await;
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
