//! A load tool that acts as the capture service: it sends N callbacks with
//! unique tokens and real files at concurrency C to a URL, then prints
//! callbacks per second, latency percentiles and status counts. Given the
//! store, it lists it afterwards and reports every capture that did not
//! land. With `--raw-put` it instead puts the same files straight into the
//! store at the same concurrency: the ceiling for the setup.
//!
//! Run with `cargo run --release --example simulate --features test-util,aws -- [OPTIONS]`:
//!
//! ```text
//! --url URL        callback URL (default http://127.0.0.1:3000/callback)
//! -n N             callbacks to send (default 500)
//! -c C             concurrency (default 32)
//! --size BYTES     generated PDF files of this size (default: the five samples, mixed)
//! --format FMT     one sample format (jpg, png, webp, avif, pdf) instead of mixed
//! --secret S       callback secret (default $SHOTSINK_SECRET)
//! --store LOC      the sink's store (path or URL): check every capture landed
//! --raw-put LOC    put the files into this store directly instead of calling back
//! --part-size B    with --raw-put, multipart part size for large files (default 8 MiB)
//! --in-flight P    with --raw-put, parts in flight per file (default 2)
//! ```

#[path = "common/mod.rs"]
pub mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt, stream};
use object_store::path::Path;
use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload, WriteMultipart};
use shotsink::Format;
use shotsink::testing::{Callback, generated, sample};

use common::BoxError;

struct Options {
    url: String,
    count: usize,
    concurrency: usize,
    size: Option<usize>,
    format: Option<Format>,
    secret: String,
    store: Option<String>,
    raw_put: Option<String>,
    part_size: usize,
    in_flight: usize,
}

fn options() -> Result<Options, BoxError> {
    let mut o = Options {
        url: "http://127.0.0.1:3000/callback".into(),
        count: 500,
        concurrency: 32,
        size: None,
        format: None,
        secret: std::env::var("SHOTSINK_SECRET").unwrap_or_default(),
        store: None,
        raw_put: None,
        part_size: 8 << 20,
        in_flight: 2,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--url" => o.url = value()?,
            "-n" => o.count = value()?.parse()?,
            "-c" => o.concurrency = value()?.parse()?,
            "--size" => o.size = Some(value()?.parse()?),
            "--format" => o.format = Some(value()?.parse()?),
            "--secret" => o.secret = value()?,
            "--store" => o.store = Some(value()?),
            "--raw-put" => o.raw_put = Some(value()?),
            "--part-size" => o.part_size = value()?.parse()?,
            "--in-flight" => o.in_flight = value()?.parse()?,
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    if o.secret.is_empty() && o.raw_put.is_none() {
        return Err("set --secret or SHOTSINK_SECRET".into());
    }
    Ok(o)
}

/// The file of callback `i`: a generated PDF of the asked size, one sample
/// format, or the five samples in turn.
fn file_for(o: &Options, i: usize) -> (Format, Bytes) {
    match (o.size, o.format) {
        (Some(size), format) => {
            let format = format.unwrap_or(Format::Pdf);
            (format, generated(format, size))
        }
        (None, Some(format)) => (format, sample(format)),
        (None, None) => {
            let format = Format::ALL[i % Format::ALL.len()];
            (format, sample(format))
        }
    }
}

fn open_store(location: &str) -> Result<Arc<dyn ObjectStore>, BoxError> {
    let options = std::env::vars().filter(|(k, _)| {
        ["AWS_", "GOOGLE_", "AZURE_"]
            .iter()
            .any(|p| k.starts_with(p))
    });
    Ok(shotsink::store_from_url(location, options)?)
}

fn key_for(token: &str, format: Format) -> Path {
    let today = chrono::Utc::now().format("%Y/%m/%d");
    Path::from(format!(
        "screenshots/{today}/{token}.{}",
        format.extension()
    ))
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let o = Arc::new(options()?);
    let run = format!("{:x}", chrono::Utc::now().timestamp_millis());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(o.concurrency)
        .build()?;
    let raw = match &o.raw_put {
        Some(location) => Some(open_store(location)?),
        None => None,
    };
    let done = Arc::new(AtomicUsize::new(0));
    let progress = {
        let (done, total) = (done.clone(), o.count);
        tokio::spawn(async move {
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
            async move {
                let token = format!("sim{run}n{i}");
                let (format, file) = file_for(&o, i);
                let t = Instant::now();
                let outcome = match &raw {
                    Some(store) => {
                        raw_put(store.as_ref(), &o, &key_for(&token, format), format, file)
                            .await
                            .map(|()| 200)
                    }
                    None => {
                        let callback = Callback::new(&o.secret, &token, format).file(file);
                        http.post(&o.url)
                            .header("content-type", callback.content_type())
                            .body(callback.body())
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
    let bytes: usize = (0..o.count).map(|i| file_for(&o, i).1.len()).sum();
    let mode = if o.raw_put.is_some() {
        "raw put"
    } else {
        "callbacks"
    };
    println!(
        "| mode | n | concurrency | seconds | per second | MiB/s | p50 ms | p95 ms | p99 ms | statuses |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {mode} | {} | {} | {:.2} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
        o.count,
        o.concurrency,
        elapsed.as_secs_f64(),
        o.count as f64 / elapsed.as_secs_f64(),
        bytes as f64 / elapsed.as_secs_f64() / (1 << 20) as f64,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.95).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        statuses
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect::<Vec<_>>()
            .join(", "),
    );

    let check = o.store.clone().or_else(|| o.raw_put.clone());
    if let Some(location) = check {
        let store = open_store(&location)?;
        let prefix = Path::from(format!(
            "screenshots/{}",
            chrono::Utc::now().format("%Y/%m/%d")
        ));
        let landed: std::collections::HashSet<String> = store
            .list(Some(&prefix))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await?;
        let missing: Vec<&String> = results
            .iter()
            .filter(|(outcome, ..)| matches!(outcome, Ok(200)))
            .map(|(_, _, token, format)| (token, key_for(token, *format).to_string()))
            .filter(|(_, key)| !landed.contains(key))
            .map(|(token, _)| token)
            .collect();
        let acknowledged = results.iter().filter(|r| matches!(r.0, Ok(200))).count();
        println!(
            "\nchecked {location}: {} of {acknowledged} acknowledged captures landed; missing: {missing:?}",
            acknowledged - missing.len()
        );
        if !missing.is_empty() {
            std::process::exit(1);
        }
    }
    Ok(())
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
    if file.len() <= o.part_size {
        let opts = PutOptions {
            attributes,
            ..Default::default()
        };
        return store
            .put_opts(key, PutPayload::from(file), opts)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string());
    }
    let opts = object_store::PutMultipartOptions {
        attributes,
        ..Default::default()
    };
    let upload = store
        .put_multipart_opts(key, opts)
        .await
        .map_err(|e| e.to_string())?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, o.part_size);
    for chunk in file.chunks(o.part_size) {
        writer
            .wait_for_capacity(o.in_flight)
            .await
            .map_err(|e| e.to_string())?;
        writer.put(file.slice_ref(chunk));
    }
    writer.finish().await.map(|_| ()).map_err(|e| e.to_string())
}
