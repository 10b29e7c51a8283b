//! The run: the callbacks (or the raw puts) at the set concurrency, the
//! table, then the check of the store.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::{StreamExt, stream};
use shotsink::testing::Callback;
use shotsink::{Format, KeyContext};

use super::body::{files_for, request_body};
use super::raw_put::raw_put;
use super::{Options, Report};
use crate::{BoxError, landed, open_store};

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
                        let (body, length) = request_body(&callback);
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
