//! The senders: valid callbacks of the mix, retried as a capture service
//! retries, each acknowledged one looked up and deleted; wrong secrets;
//! and the run that drives them beside the tricklers and the sampler.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use shotsink::object_store::{ObjectStore, ObjectStoreExt};
use shotsink::testing::{Callback, generated, sample};
use shotsink::{Format, KeyContext, KeyLayout};
use tokio::sync::Semaphore;

use super::sample::{Samples, take};
use super::{Kind, Options, trickle};
use crate::simulate::body::request_body;
use crate::{BoxError, open_store};

/// Most callbacks in flight at once in the open loop: beyond, a callback
/// due is counted as `behind` and not sent.
const MAX_IN_FLIGHT: usize = 4096;
/// Attempts per valid callback before it counts as given up.
const ATTEMPTS: u32 = 8;

/// What the run counted.
#[derive(Debug, Default)]
pub struct Tally {
    pub sent: AtomicU64,
    /// Valid callbacks answered 200 and found in the store, at their size.
    pub stored: AtomicU64,
    pub retries: AtomicU64,
    /// Valid callbacks never answered 200.
    pub gave_up: AtomicU64,
    /// Answered 200 and not in the store (or not at their size).
    pub missing: AtomicU64,
    /// Wrong secrets answered 403.
    pub refused: AtomicU64,
    /// Any other answer, or a wrong secret not answered 403.
    pub unexpected: AtomicU64,
    /// Open loop: due, not sent, as `MAX_IN_FLIGHT` were in flight.
    pub behind: AtomicU64,
    /// Tricklers cut by the sink, and the longest any was held, in ms.
    pub trickles_cut: AtomicU64,
    pub longest_trickle_ms: AtomicU64,
}

impl Tally {
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// What every sender shares.
struct Ctx {
    http: reqwest::Client,
    store: Arc<dyn ObjectStore>,
    layout: KeyLayout,
    url: String,
    secret: String,
    run: String,
    files: [(Format, Bytes); 3],
    tally: Arc<Tally>,
}

/// Runs the soak: the senders, the tricklers and the sampler, until the
/// duration is over and every callback in flight is answered.
pub async fn run(o: Options) -> Result<(Arc<Tally>, Samples), BoxError> {
    let ctx = Arc::new(Ctx {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()?,
        store: open_store(&o.store)?,
        layout: KeyLayout::default(),
        url: o.url.clone(),
        secret: o.secret.clone(),
        run: format!("{:x}", Utc::now().timestamp_micros()),
        files: [
            (Format::Webp, sample(Format::Webp)),
            (Format::Png, sample(Format::Png)),
            (Format::Pdf, generated(Format::Pdf, 8 << 20)),
        ],
        tally: Arc::default(),
    });
    let started = Instant::now();
    let deadline = started + o.duration;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let tricklers = trickle::start(&o.url, o.tricklers, stopped, ctx.tally.clone()).await?;
    let senders = tokio::spawn(send_all(ctx.clone(), o.rate, o.concurrency, deadline));
    let mut samples = Samples::new(o.csv.as_deref())?;
    let metrics_http = reqwest::Client::new();
    let metrics = o.metrics_url.as_deref().map(|u| (&metrics_http, u));
    let mut next = started;
    while !senders.is_finished() {
        if let Some(pid) = o.pid
            && Instant::now() >= next
        {
            let stored = Tally::get(&ctx.tally.stored);
            let s = take(pid, metrics, started, stored).await?;
            eprintln!(
                "{:>6.0} s  rss {:>7.1} MiB  fds {:>5}  threads {:>3}  tasks {:>5}  stored {}",
                s.seconds,
                s.rss_kib as f64 / 1024.0,
                s.fds,
                s.threads,
                s.tasks,
                s.stored
            );
            samples.push(s)?;
            next += o.every;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    senders.await??;
    let _ = stop.send(true);
    for t in tricklers {
        let _ = t.await;
    }
    Ok((ctx.tally.clone(), samples))
}

/// The senders, open loop at `rate` or closed loop at `concurrency`.
async fn send_all(
    ctx: Arc<Ctx>,
    rate: Option<f64>,
    concurrency: usize,
    deadline: Instant,
) -> Result<(), BoxError> {
    let start = Instant::now();
    let Some(rate) = rate else {
        let counter = Arc::new(AtomicU64::new(0));
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (ctx, counter) = (ctx.clone(), counter.clone());
                tokio::spawn(async move {
                    while Instant::now() < deadline {
                        one(&ctx, counter.fetch_add(1, Ordering::Relaxed)).await;
                    }
                })
            })
            .collect();
        for w in workers {
            w.await?;
        }
        return Ok(());
    };
    let slots = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut due = 0u64;
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    while Instant::now() < deadline {
        tick.tick().await;
        let now = (start.elapsed().as_secs_f64() * rate) as u64;
        while due < now {
            let i = due;
            due += 1;
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                ctx.tally.behind.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            let ctx = ctx.clone();
            tokio::spawn(async move {
                one(&ctx, i).await;
                drop(slot);
            });
        }
    }
    // Every callback in flight answered (and checked).
    let _all = slots.acquire_many(MAX_IN_FLIGHT as u32).await?;
    Ok(())
}

/// Sends callback `i` of the mix, retrying a valid one on 5xx (and 429,
/// and connection errors) as a capture service does, then checks the
/// store for it.
async fn one(ctx: &Ctx, i: u64) {
    let t = &ctx.tally;
    t.sent.fetch_add(1, Ordering::Relaxed);
    let kind = Kind::of(i);
    let (format, file) = match kind {
        Kind::Large => ctx.files[2].clone(),
        Kind::Png => ctx.files[1].clone(),
        Kind::Webp | Kind::WrongSecret => ctx.files[0].clone(),
    };
    let token = format!("soak{}n{i}", ctx.run);
    if kind == Kind::WrongSecret {
        let wrong = format!("{}-wrong", ctx.secret);
        let counter = match post(ctx, &wrong, &token, format, &file).await {
            Ok((403, _)) => &t.refused,
            _ => &t.unexpected,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let first = Utc::now();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            t.retries.fetch_add(1, Ordering::Relaxed);
        }
        match post(ctx, &ctx.secret, &token, format, &file).await {
            Ok((200, _)) => {
                let landed = check(ctx, &token, format, file.len(), first, Utc::now()).await;
                let counter = if landed { &t.stored } else { &t.missing };
                counter.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Ok((status, retry_after)) if status == 429 || status >= 500 => {
                tokio::time::sleep(retry_after.min(Duration::from_secs(5))).await;
            }
            Ok(_) => {
                t.unexpected.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
    t.gave_up.fetch_add(1, Ordering::Relaxed);
}

/// Posts one callback: its status and `Retry-After` (1 s if absent).
async fn post(
    ctx: &Ctx,
    secret: &str,
    token: &str,
    format: Format,
    file: &Bytes,
) -> Result<(u16, Duration), reqwest::Error> {
    let callback = Callback::new(secret, token, format).file(file.clone());
    let (body, length) = request_body(&callback);
    let response = ctx
        .http
        .post(&ctx.url)
        .header("content-type", callback.content_type())
        .header("content-length", length)
        .body(body)
        .send()
        .await?;
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .map_or(Duration::from_secs(1), Duration::from_secs);
    Ok((response.status().as_u16(), retry_after))
}

/// Whether the capture is in the store at its size (at the key of either
/// date, should the run cross midnight); deleted once found, as an app
/// that takes its captures away does.
async fn check(
    ctx: &Ctx,
    token: &str,
    format: Format,
    size: usize,
    first: DateTime<Utc>,
    acknowledged: DateTime<Utc>,
) -> bool {
    for at in [acknowledged, first] {
        let key = ctx.layout.key(&KeyContext::new(token, format, at));
        if let Ok(meta) = ctx.store.head(&key).await {
            let _ = ctx.store.delete(&key).await;
            return meta.size == size as u64;
        }
    }
    false
}
