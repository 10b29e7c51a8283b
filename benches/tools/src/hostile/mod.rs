//! The hostile-load tool: it opens an attack on a sink (attacker
//! connections writing hand-made HTTP/1.1 requests that stall, trickle or
//! flood), then, with the attackers in place, sends N valid callbacks
//! through it and reports their statuses and latency beside what each
//! attacker read back and how long the server took to cut it. Given the
//! sink's store, it also checks that every acknowledged valid callback
//! landed and that no attacker's capture did, at the keys the sink's
//! [`KeyLayout`] gives them. Loopback only. The `hostile` binary is its
//! command line.
//!
//! The attacks (K is the default number of connections):
//!
//! | attack | K | each connection |
//! |---|---|---|
//! | `none` | 0 | (the baseline) |
//! | `stalled-unauth` | 500 | `Content-Length: 10000000`, the first boundary line and part of a part header, then nothing |
//! | `stalled-verified` | 500 | a valid 180 KB callback (secret first, its own token) up to half its file, then nothing |
//! | `trickle-unauth` | 3 | `Content-Length: 60000000` (under the default body limit), no secret: a file part header, then the PNG's bytes one every 2 s |
//! | `trickle` | 1 | a valid 180 KB callback: the fields (right secret first) and the file's part header at once, then the file one byte a second |
//! | `preamble` | 2 | `Content-Length: 50000000`, then 48 MB without a boundary as fast as the socket takes them |
//! | `tiny-segments` | 4 | a file-first callback of a 1 MB PNG (no secret before the file), 200 kB of it in 1-byte writes (no delay), then nothing |
//! | `oversized` | 20 | `Content-Length: 200000000`, a file part with no secret, written as fast as the socket takes it |
//!
//! Every attacker stops writing after the duration and then holds its
//! connection open. The attackers are watched until the valid callbacks are
//! done and the duration has passed (or every attacker was cut), then all
//! connections are closed. Each valid callback times out after 30 s.

mod attack;
mod attacker;
mod report;
mod store;
mod target;
mod valid;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use shotsink::KeyLayout;
use tokio::sync::watch;
use tokio::time::{Instant, sleep};

use attack::Kit;
use attacker::{collect_outcomes, open_attack, wait_in_place};
use report::{print_attackers, print_valid, statuses};
use store::check_store;
use target::Target;
use valid::send_valid;

use crate::BoxError;

pub use attack::Attack;

/// The size of every valid callback's file, and of the files the attacks imitate.
const FILE_SIZE: usize = 180_000;
/// The file of the `tiny-segments` callback: larger than what is sent of it.
const LARGE_FILE_SIZE: usize = 1_000_000;
/// How much of its callback `tiny-segments` sends.
const TINY_SEGMENTS_BYTES: usize = 200_000;
/// How long one valid callback may take before it counts as timed out.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one connection may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the attackers get to connect and send their request heads.
const PLACE_TIMEOUT: Duration = Duration::from_secs(10);
/// The pause between the attackers in place and the first valid callback.
const SETTLE: Duration = Duration::from_secs(1);
/// How long attackers get to report once stopped before they are dropped.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// The most an attacker reads back looking for a status line.
const MAX_STATUS_LINE: usize = 1024;
/// What an attacker not cut by the server reports.
const STILL_OPEN: &str = "still open at end";
/// The multipart boundary of the attacks not made with `Callback`.
const BOUNDARY: &str = "hostile-boundary-5e1c";

/// Which attack, where, and how many valid callbacks to send through it.
pub struct Options {
    pub attack: Attack,
    pub url: String,
    pub secret: String,
    /// Attacker connections (`None`: the attack's default).
    pub attackers: Option<usize>,
    pub count: usize,
    pub concurrency: usize,
    /// How long attackers keep writing, and the least time they are watched for.
    pub duration: Duration,
    /// The sink's store (path or URL), to check what landed in it.
    pub store: Option<String>,
    /// Where the sink puts a capture.
    pub key_layout: KeyLayout,
}

impl Options {
    /// The defaults, for an attack with a secret.
    pub fn new(attack: Attack, url: &str, secret: &str) -> Self {
        Self {
            attack,
            url: url.into(),
            secret: secret.into(),
            attackers: None,
            count: 300,
            concurrency: 16,
            duration: Duration::from_secs(60),
            store: None,
            key_layout: KeyLayout::default(),
        }
    }

    /// The attacker connections to open.
    fn attackers(&self) -> usize {
        match self.attack {
            Attack::None => 0,
            attack => self.attackers.unwrap_or(attack.default_attackers()),
        }
    }
}

/// What a run saw.
#[derive(Debug)]
pub struct Report {
    /// The valid callbacks' statuses (or `timeout`, or the error), with
    /// their counts.
    pub valid: BTreeMap<String, usize>,
    /// Attacker connections opened.
    pub attackers: usize,
    /// How many of them the server cut (answered, closed or reset).
    pub attackers_cut: usize,
    /// With a store: valid callbacks acknowledged with 200 whose capture
    /// is not in it.
    pub missing: Option<Vec<String>>,
    /// With a store: attackers whose capture is in it (none should be: no
    /// attacker sends a whole callback).
    pub attackers_stored: Option<Vec<String>>,
}

/// Opens the attack, sends the valid callbacks through it, prints the
/// report, closes every connection, then checks the store if one was given.
pub async fn run(o: Options) -> Result<Report, BoxError> {
    let target = Target::parse(&o.url)?;
    target.probe().await?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(o.concurrency)
        .build()?;
    let started_at = Utc::now();
    let run = format!("{:x}", started_at.timestamp_micros());
    let kit = Kit::new(&o, &target, &run);
    println!(
        "attack: {}, {} attacker connections to {}, then {} valid callbacks at concurrency {}",
        o.attack.name(),
        o.attackers(),
        target.addr,
        o.count,
        o.concurrency
    );

    let opened = Instant::now();
    let (stop, stopped) = watch::channel(false);
    let (attackers, in_place) = open_attack(&o, &kit, target.addr, opened + o.duration, &stopped);
    drop(kit);
    let placed = wait_in_place(in_place).await;
    println!(
        "attackers in place: {placed} of {} after {:.1} s",
        o.attackers(),
        opened.elapsed().as_secs_f64()
    );
    sleep(SETTLE).await;

    let sent = send_valid(&o, &http, &target.url, &run).await;
    let valid = statuses(&sent);
    print_valid(&sent, &valid);
    let outcomes = collect_outcomes(attackers, opened + o.duration, stop).await;
    print_attackers(&outcomes, opened.elapsed());

    let mut report = Report {
        valid,
        attackers: outcomes.len(),
        attackers_cut: outcomes.iter().filter(|a| a.after.is_some()).count(),
        missing: None,
        attackers_stored: None,
    };
    if let Some(location) = &o.store {
        let (missing, stored) = check_store(&o, location, &run, started_at, &sent).await?;
        report.missing = Some(missing);
        report.attackers_stored = Some(stored);
    }
    Ok(report)
}
