//! A burst the size of the sender's largest batch against one service
//! instance: 5,000 concurrent callbacks, each with its own token.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt, stream};
use http::{Request, StatusCode};
use http_body_util::StreamBody;
use shotsink::CaptureSink;
use tower::ServiceExt;

use crate::common::faulty::{Faults, FaultyStore};
use crate::common::*;

const CALLBACKS: usize = 5_000;
const BUDGET: u64 = 4 * 1024 * 1024;

/// A callback whose body is three chunks: its own fields, the shared file
/// (not copied), and the closing boundary. Carries a `Content-Length`, as
/// the sender's HTTP client does.
fn burst_request(token: &str, format: &str, file: &Bytes) -> Request<ChunkedBody> {
    let mut pieces = callback(token, format, file.clone()).chunks();
    // The pieces end with the file's bytes (shared, not copied) and the
    // closing delimiter; everything before them is the fields' and the
    // file's heads.
    let tail = pieces.pop().unwrap();
    let shared = pieces.pop().unwrap();
    assert!(shared.as_ptr() == file.as_ptr() && shared.len() == file.len());
    let chunks = [Bytes::from(pieces.concat()), shared, tail];
    let len: usize = chunks.iter().map(Bytes::len).sum();
    let frames = stream::iter(chunks.map(|c| Ok(http_body::Frame::data(c)))).boxed();
    let mut request = raw_request(StreamBody::new(frames));
    request.headers_mut().insert("content-length", len.into());
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_concurrent_callbacks_are_all_stored_once_within_the_memory_budget() {
    let store = memory();
    // Each put takes 20 ms: callbacks pile up holding their files, as they
    // do in front of a real store, and the budget has to hold them back.
    let slow = FaultyStore::new(
        store.clone(),
        Faults {
            put_delay: Some(Duration::from_millis(20)),
            ..Faults::default()
        },
    );
    let sink = CaptureSink::builder(slow)
        .secret(SECRET)
        .part_size(256 * 1024)
        .max_unverified_file_size(256 * 1024)
        .max_buffered_bytes(BUDGET)
        // 5,000 callbacks through 4 MiB and a store that takes 20 ms a put
        // queue for longer than the default bound on a wait for budget: this
        // test is about the memory bound, not that wait.
        .admission_timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let files: Vec<(&str, &str, Bytes)> = FIXTURES
        .iter()
        .map(|(name, format, ext, _)| (*format, *ext, fixture(name)))
        .collect();

    let tasks: Vec<_> = (0..CALLBACKS)
        .map(|i| {
            let (format, _, file) = &files[i % files.len()];
            let request = burst_request(&format!("Burst{i}"), format, file);
            tokio::spawn(sink.service().oneshot(request))
        })
        .collect();
    let mut statuses: HashMap<StatusCode, usize> = HashMap::new();
    for task in tasks {
        *statuses
            .entry(task.await.unwrap().unwrap().status())
            .or_default() += 1;
    }
    assert_eq!(statuses, HashMap::from([(StatusCode::OK, CALLBACKS)]));

    // Every capture at its own key, whole; nothing else.
    let stored: HashMap<String, u64> = store
        .list(None)
        .map_ok(|meta| (meta.location.to_string(), meta.size))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(stored.len(), CALLBACKS);
    for i in 0..CALLBACKS {
        let (_, ext, file) = &files[i % files.len()];
        let key = key_today(&format!("Burst{i}"), ext).to_string();
        assert_eq!(stored.get(&key), Some(&(file.len() as u64)), "{key}");
    }
    for i in [0, 1, 2, 3, 4, CALLBACKS - 1] {
        let (_, ext, file) = &files[i % files.len()];
        assert_eq!(
            &stored_bytes(store.as_ref(), &key_today(&format!("Burst{i}"), ext)).await,
            file
        );
    }

    // The bound held: never more file bytes held at once than the budget,
    // which is far below the burst's total (about 270 MB).
    let peak = sink.peak_buffered_bytes();
    assert!(peak <= BUDGET, "peak {peak} over the budget {BUDGET}");
    assert!(peak > 0);
    assert_eq!(sink.buffered_bytes(), 0);
}
