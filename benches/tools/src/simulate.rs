//! The load tool: it acts as the capture service, sending N callbacks with
//! unique tokens and real files at concurrency C to a URL, then prints
//! callbacks per second, latency percentiles and status counts. Given the
//! sink's store, it lists it afterwards and reports every acknowledged
//! capture that did not land, at the key the sink's [`KeyLayout`] gives it.
//! With `raw_put` it instead puts the same files straight into a store at
//! the same concurrency: the ceiling for the setup. The `load` binary is
//! its command line.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::Utc;
use futures_util::{StreamExt, stream};
use shotsink::object_store::path::Path;
use shotsink::object_store::{
    Attribute, Attributes, ObjectStore, PutMultipartOptions, PutOptions, PutPayload, WriteMultipart,
};
use shotsink::testing::{Callback, generated, sample};
use shotsink::{Format, KeyContext, KeyLayout};

use crate::{BoxError, landed, open_store};

/// What to send, where, and how many at once.
pub struct Options {
    pub url: String,
    pub count: usize,
    pub concurrency: usize,
    pub size: Option<usize>,
    pub format: Option<Format>,
    pub secret: String,
    pub store: Option<String>,
    pub raw_put: Option<String>,
    pub part_size: usize,
    pub in_flight: usize,
    /// With `raw_put`, skip listing the store afterwards.
    pub no_check: bool,
    /// Print a progress bar on stderr.
    pub progress: bool,
    /// Where the sink puts a capture (and where raw puts go).
    pub key_layout: KeyLayout,
}

/// What a run measured.
#[derive(Debug)]
pub struct Report {
    pub seconds: f64,
    pub per_second: f64,
    pub statuses: BTreeMap<String, usize>,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    /// Tokens acknowledged with 200 whose capture is not in the store
    /// (`None` when no store was given to check).
    pub missing: Option<Vec<String>>,
}

impl Options {
    /// The defaults, with a secret.
    pub fn new(url: &str, secret: &str) -> Self {
        Self {
            url: url.into(),
            count: 500,
            concurrency: 32,
            size: None,
            format: None,
            secret: secret.into(),
            store: None,
            raw_put: None,
            part_size: 8 << 20,
            in_flight: 2,
            no_check: false,
            progress: false,
            key_layout: KeyLayout::default(),
        }
    }
}

/// The files to send, made before the clock starts: a generated PDF of the
/// asked size, one sample format, or the five samples (callback `i` sends
/// file `i % len`; the bytes are shared, never copied per callback).
fn files_for(o: &Options) -> Vec<(Format, Bytes)> {
    match (o.size, o.format) {
        (Some(size), format) => {
            let format = format.unwrap_or(Format::Pdf);
            vec![(format, generated(format, size))]
        }
        (None, Some(format)) => vec![(format, sample(format))],
        (None, None) => Format::ALL.iter().map(|&f| (f, sample(f))).collect(),
    }
}

/// A request body sent as the pieces it is made of (the callback's
/// multipart framing around the shared file bytes), with its exact length.
struct Chunks {
    chunks: std::collections::VecDeque<Bytes>,
    remaining: u64,
}

impl Chunks {
    fn new(chunks: Vec<Bytes>) -> Self {
        let remaining = chunks.iter().map(|c| c.len() as u64).sum();
        Self {
            chunks: chunks.into(),
            remaining,
        }
    }
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let next = self.chunks.pop_front();
        if let Some(chunk) = &next {
            self.remaining -= chunk.len() as u64;
        }
        std::task::Poll::Ready(next.map(|c| Ok(http_body::Frame::data(c))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

/// Sends the callbacks (or the raw puts), prints the table, and checks the
/// store if one was given.
pub async fn run(o: Options) -> Result<Report, BoxError> {
    let o = Arc::new(o);
    let started_at = Utc::now();
    let run = format!("{:x}", started_at.timestamp_micros());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(o.concurrency)
        .build()?;
    let raw = match &o.raw_put {
        Some(location) => Some(open_store(location)?),
        None => None,
    };
    let files = Arc::new(files_for(&o));
    let done = Arc::new(AtomicUsize::new(0));
    let progress = {
        let (done, total, show) = (done.clone(), o.count, o.progress);
        tokio::spawn(async move {
            if !show {
                return;
            }
            loop {
                let n = done.load(Ordering::Relaxed);
                eprint!("\r{n}/{total} [{:<40}]", "#".repeat(n * 40 / total.max(1)));
                if n >= total {
                    eprintln!();
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };

    let started = Instant::now();
    let results: Vec<(Result<u16, String>, Duration, String, Format)> = stream::iter(0..o.count)
        .map(|i| {
            let (o, http, raw, done, run) = (
                o.clone(),
                http.clone(),
                raw.clone(),
                done.clone(),
                run.clone(),
            );
            let (format, file) = files[i % files.len()].clone();
            async move {
                let token = format!("sim{run}n{i}");
                let t = Instant::now();
                let outcome = match &raw {
                    Some(store) => {
                        let key = o
                            .key_layout
                            .key(&KeyContext::new(&token, format, Utc::now()));
                        raw_put(store.as_ref(), &o, &key, format, file)
                            .await
                            .map(|()| 200)
                    }
                    None => {
                        let callback = Callback::new(&o.secret, &token, format).file(file);
                        // Small bodies go as one buffer (one write); large
                        // ones as their pieces, the file's bytes not copied.
                        let chunks = callback.chunks();
                        let length: usize = chunks.iter().map(Bytes::len).sum();
                        let body = if length <= 1 << 20 {
                            reqwest::Body::from(chunks.concat())
                        } else {
                            reqwest::Body::wrap(Chunks::new(chunks))
                        };
                        http.post(&o.url)
                            .header("content-type", callback.content_type())
                            .header("content-length", length)
                            .body(body)
                            .send()
                            .await
                            .map(|r| r.status().as_u16())
                            .map_err(|e| e.to_string())
                    }
                };
                done.fetch_add(1, Ordering::Relaxed);
                (outcome, t.elapsed(), token, format)
            }
        })
        .buffer_unordered(o.concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let _ = progress.await;

    let mut latencies: Vec<Duration> = results.iter().map(|r| r.1).collect();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for (outcome, ..) in &results {
        let label = match outcome {
            Ok(status) => status.to_string(),
            Err(e) => format!("error: {e}"),
        };
        *statuses.entry(label).or_default() += 1;
    }
    let bytes: usize = (0..o.count).map(|i| files[i % files.len()].1.len()).sum();
    let mode = if o.raw_put.is_some() {
        "raw put"
    } else {
        "callbacks"
    };
    let report = Report {
        seconds: elapsed.as_secs_f64(),
        per_second: o.count as f64 / elapsed.as_secs_f64(),
        p50: pct(0.50),
        p95: pct(0.95),
        p99: pct(0.99),
        statuses,
        missing: None,
    };
    println!(
        "| mode | n | concurrency | seconds | per second | MiB/s | p50 ms | p95 ms | p99 ms | statuses |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {mode} | {} | {} | {:.2} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
        o.count,
        o.concurrency,
        report.seconds,
        report.per_second,
        bytes as f64 / report.seconds / (1 << 20) as f64,
        report.p50.as_secs_f64() * 1e3,
        report.p95.as_secs_f64() * 1e3,
        report.p99.as_secs_f64() * 1e3,
        report
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect::<Vec<_>>()
            .join(", "),
    );

    let check = o
        .store
        .clone()
        .or_else(|| o.raw_put.clone().filter(|_| !o.no_check));
    let Some(location) = check else {
        return Ok(report);
    };
    let store = open_store(&location)?;
    let expected: Vec<(String, Format)> = results
        .iter()
        .filter(|(outcome, ..)| matches!(outcome, Ok(200)))
        .map(|(_, _, token, format)| (token.clone(), *format))
        .collect();
    let found = landed(
        store.as_ref(),
        &o.key_layout,
        &expected,
        started_at,
        Utc::now(),
    )
    .await?;
    let missing: Vec<String> = expected
        .into_iter()
        .map(|(token, _)| token)
        .filter(|token| !found.contains(token))
        .collect();
    let acknowledged = report.statuses.get("200").copied().unwrap_or(0);
    println!(
        "\nchecked {location}: {} of {acknowledged} acknowledged captures landed; missing: {missing:?}",
        acknowledged - missing.len()
    );
    Ok(Report {
        missing: Some(missing),
        ..report
    })
}

/// The ceiling: the file put straight into the store, as one put up to one
/// part, else as a multipart upload with the sink's part size and parts in
/// flight.
async fn raw_put(
    store: &dyn ObjectStore,
    o: &Options,
    key: &Path,
    format: Format,
    file: Bytes,
) -> Result<(), String> {
    let attributes = Attributes::from_iter([(Attribute::ContentType, format.content_type())]);
    match put_with(store, o, key, file.clone(), attributes).await {
        // Local disk takes no attributes.
        Err(shotsink::object_store::Error::NotImplemented { .. }) => {
            put_with(store, o, key, file, Attributes::new()).await
        }
        other => other,
    }
    .map_err(|e| e.to_string())
}

async fn put_with(
    store: &dyn ObjectStore,
    o: &Options,
    key: &Path,
    file: Bytes,
    attributes: Attributes,
) -> shotsink::object_store::Result<()> {
    if file.len() <= o.part_size {
        let opts = PutOptions {
            attributes,
            ..Default::default()
        };
        return store
            .put_opts(key, PutPayload::from(file), opts)
            .await
            .map(|_| ());
    }
    let opts = PutMultipartOptions {
        attributes,
        ..Default::default()
    };
    let upload = store.put_multipart_opts(key, opts).await?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, o.part_size);
    for chunk in file.chunks(o.part_size) {
        writer.wait_for_capacity(o.in_flight).await?;
        writer.put(file.slice_ref(chunk));
    }
    writer.finish().await.map(|_| ())
}
