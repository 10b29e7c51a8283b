//! Inputs the fuzzer found, replayed against the same invariants
//! (`tests/it/common/invariants.rs`): the first byte is the configuration,
//! the rest the body.

use bytes::Bytes;

use crate::common;
use crate::common::invariants::check_input;

#[tokio::test]
async fn every_fuzzer_finding_now_holds_the_invariants() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let (&config, body) = data.split_first().unwrap();
        if let Err(broken) = check_input(config, Bytes::copy_from_slice(body)).await {
            panic!("{}: {broken}", path.display());
        }
        count += 1;
    }
    assert!(count > 0, "no findings in {}", dir.display());
}

#[tokio::test]
async fn a_secret_field_with_junk_after_its_quoted_name_is_still_that_field() {
    // The first finding: `name="callback_secret"_incoming/...` is parsed as
    // `callback_secret` by multer. The sink accepted the right secret there
    // and stored the (staged) capture correctly; the fuzzer's own oracle was
    // too strict and is now phrased on the part's value instead.
    let data = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz-regressions/secret-name-with-trailing-junk"),
    )
    .unwrap();
    let store: std::sync::Arc<dyn object_store::ObjectStore> = common::memory();
    let sink = common::invariants::fuzz_sink(data[0], store.clone());
    let request = http::Request::post("/callback")
        .header("content-type", "multipart/form-data; boundary=B")
        .body(http_body_util::Full::new(Bytes::copy_from_slice(
            &data[1..],
        )))
        .unwrap();
    let response = tower::ServiceExt::oneshot(sink.service(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), http::StatusCode::OK);
    let keys = common::all_keys(store.as_ref()).await;
    assert_eq!(keys.len(), 1);
    assert!(
        keys[0].starts_with("screenshots/") && keys[0].ends_with("/Tok5xfilefirst.webp"),
        "{keys:?}"
    );
}
