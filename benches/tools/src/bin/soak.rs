//! The soak tool: the capture service's traffic mix for a long while,
//! with the sink sampled; see `shotsink_bench_tools::soak`.

use std::time::Duration;

use clap::Parser;
use shotsink_bench_tools::BoxError;
use shotsink_bench_tools::soak::{Options, Sample, Tally, flatness, run};

/// Sends the traffic a sink sees for a long while: valid callbacks of
/// 15 KB, 180 KB and 8 MiB (retried on 5xx), wrong secrets and strangers
/// trickling their bodies; checks every acknowledged capture in the store
/// (then deletes it); samples the sink's memory, file descriptors,
/// threads and live tasks; prints how flat each stayed after the warm-up.
///
/// Exit status 1 if an acknowledged capture is missing, a valid callback
/// was never acknowledged, or an answer was unexpected.
#[derive(Parser)]
#[command(name = "soak")]
struct Args {
    /// Callback URL
    #[arg(long, default_value = "http://127.0.0.1:3000/callback")]
    url: String,
    /// Callback secret
    #[arg(long, env = "SHOTSINK_SECRET", hide_env_values = true)]
    secret: String,
    /// The sink's store (path or URL)
    #[arg(long)]
    store: String,
    /// How long to send, e.g. 30m, 120s
    #[arg(long, value_parser = humantime::parse_duration, default_value = "2m")]
    duration: Duration,
    /// Callbacks per second (open loop); without it, closed loop at -c (the peak)
    #[arg(long)]
    rate: Option<f64>,
    /// Concurrency of the closed loop
    #[arg(short = 'c', default_value_t = 32)]
    concurrency: usize,
    /// Strangers trickling their bodies at any time
    #[arg(long, default_value_t = 16)]
    tricklers: usize,
    /// The sink's process id, sampled from /proc
    #[arg(long)]
    pid: Option<u32>,
    /// The sink's metrics URL (for shotsink_runtime_tasks)
    #[arg(long)]
    metrics: Option<String>,
    /// Sample every
    #[arg(long, value_parser = humantime::parse_duration, default_value = "10s")]
    every: Duration,
    /// Samples written here as CSV
    #[arg(long)]
    csv: Option<std::path::PathBuf>,
    /// The warm-up left out of the flatness [default: a fifth of the duration]
    #[arg(long, value_parser = humantime::parse_duration)]
    warm_up: Option<Duration>,
}

/// How a series is read from a sample.
type Series = fn(&Sample) -> u64;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let a = Args::parse();
    let warm_up = a.warm_up.unwrap_or(a.duration / 5);
    let started = std::time::Instant::now();
    let (t, samples) = run(Options {
        url: a.url,
        secret: a.secret,
        store: a.store,
        duration: a.duration,
        rate: a.rate,
        concurrency: a.concurrency,
        tricklers: a.tricklers,
        pid: a.pid,
        metrics_url: a.metrics,
        every: a.every,
        csv: a.csv,
    })
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    let g = Tally::get;
    println!(
        "sent {} in {seconds:.0} s ({:.1}/s): stored and checked {}, retries {}, gave up {}, \
         missing {}, wrong secrets refused {}, unexpected {}, behind {}; tricklers cut {} \
         (longest held {:.1} s)",
        g(&t.sent),
        g(&t.sent) as f64 / seconds,
        g(&t.stored),
        g(&t.retries),
        g(&t.gave_up),
        g(&t.missing),
        g(&t.refused),
        g(&t.unexpected),
        g(&t.behind),
        g(&t.trickles_cut),
        g(&t.longest_trickle_ms) as f64 / 1000.0,
    );
    let series: [(&str, Series); 4] = [
        ("resident memory (KiB)", |s| s.rss_kib),
        ("open file descriptors", |s| s.fds),
        ("threads", |s| s.threads),
        ("live tasks", |s| s.tasks),
    ];
    println!("after a warm-up of {warm_up:?}: the last third's mean against the first third's");
    for (name, value) in series {
        if let Some((drift, lo, hi)) = flatness(&samples.all, warm_up, value) {
            let verdict = if drift.abs() <= 0.05 {
                "flat"
            } else {
                "NOT FLAT"
            };
            println!("  {name}: {:+.1} % ({lo} to {hi}) {verdict}", drift * 100.0);
        }
    }
    let failed = g(&t.missing) + g(&t.gave_up) + g(&t.unexpected);
    std::process::exit(i32::from(failed > 0));
}
