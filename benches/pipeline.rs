//! The pipeline in process, into `InMemory` and `LocalFileSystem`, for files
//! of 15 KB, 180 KB, 8 MiB and 256 MiB, beside the naive baseline (axum's
//! `Multipart`, the whole file buffered, one put; `benches/tools/src/naive.rs`).
//!
//! Run with `cargo bench --bench pipeline --all-features`. The runtime is
//! current-thread, so the time per callback is the CPU time of receiving it
//! (the stores are in process too; `LocalFileSystem` adds its file I/O).

#[path = "tools/src/naive.rs"]
#[allow(dead_code)]
mod naive;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use futures_util::{StreamExt, stream};
use http_body_util::StreamBody;
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use shotsink::testing::{Callback, generated, sample};
use shotsink::{CaptureSink, Format};
use tower::ServiceExt;

const SECRET: &str = "bench-secret";
const CHUNK: usize = 64 * 1024;

type Body = StreamBody<stream::BoxStream<'static, Result<http_body::Frame<Bytes>, std::io::Error>>>;

/// The body as a server would hand it over: 64 KiB chunks of one buffer.
fn request(body: &Bytes, content_type: &str) -> http::Request<Body> {
    let body = body.clone();
    let chunks = (0..body.len()).step_by(CHUNK).map(move |i| {
        Ok(http_body::Frame::data(
            body.slice(i..(i + CHUNK).min(body.len())),
        ))
    });
    http::Request::post("/callback")
        .header("content-type", content_type)
        .body(StreamBody::new(
            stream::iter(chunks.collect::<Vec<_>>()).boxed(),
        ))
        .unwrap()
}

fn stores(dir: &std::path::Path) -> Vec<(&'static str, Arc<dyn ObjectStore>)> {
    vec![
        ("memory", Arc::new(InMemory::new())),
        (
            "local",
            Arc::new(LocalFileSystem::new_with_prefix(dir).unwrap()),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sizes: [(&str, Format, Bytes); 4] = [
        ("15KB", Format::Webp, sample(Format::Webp)),
        ("180KB", Format::Png, sample(Format::Png)),
        ("8MiB", Format::Pdf, generated(Format::Pdf, 8 << 20)),
        ("256MiB", Format::Pdf, generated(Format::Pdf, 256 << 20)),
    ];
    for (size, format, file) in sizes {
        let callback = Callback::new(SECRET, "Bench", format).file(file.clone());
        let (body, content_type) = (callback.body(), callback.content_type());

        let mut group = c.benchmark_group(format!("callback/{size}"));
        group.throughput(Throughput::Bytes(file.len() as u64));
        if file.len() > 1 << 20 {
            group
                .sample_size(10)
                .measurement_time(Duration::from_secs(20));
        }
        for (store_name, store) in stores(dir.path()) {
            let sink = CaptureSink::builder(store.clone())
                .secret(SECRET)
                .max_file_size(512 << 20)
                .build()
                .unwrap();
            group.bench_function(BenchmarkId::new("shotsink", store_name), |b| {
                b.to_async(&rt).iter(|| async {
                    let response = sink
                        .service()
                        .oneshot(request(&body, &content_type))
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 200);
                })
            });
            let app = naive::app(store.clone(), SECRET.to_owned());
            group.bench_function(BenchmarkId::new("naive", store_name), |b| {
                b.to_async(&rt).iter(|| async {
                    let response = app
                        .clone()
                        .oneshot(request(&body, &content_type))
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 200);
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
