//! The soak: the capture service's traffic for a long while, open loop at
//! a set rate (or closed loop to measure the peak), with the mix a real
//! sink sees: valid callbacks of 15 KB, 180 KB and 8 MiB, wrong secrets,
//! and strangers trickling their bodies. Every valid callback is retried
//! on 5xx as a capture service would; every one answered 200 is looked up
//! in the store (its size checked) and then deleted, as an app that takes
//! its captures away does, so the store stays small however long the run.
//! Meanwhile the sink's resident memory, open file descriptors, threads
//! and live tasks are sampled (`sample.rs`). The `soak` binary is its
//! command line; `scripts/soak.sh` runs it against the server binary.

mod sample;
mod traffic;
mod trickle;

use std::time::Duration;

pub use sample::{Sample, Samples, flatness};
pub use traffic::{Tally, run};

/// What to send, where, for how long, and what to watch.
pub struct Options {
    pub url: String,
    pub secret: String,
    /// The sink's store, where every acknowledged capture is looked up.
    pub store: String,
    pub duration: Duration,
    /// Callbacks per second, open loop; `None`: closed loop at
    /// `concurrency` (the peak).
    pub rate: Option<f64>,
    pub concurrency: usize,
    /// Strangers trickling their bodies at any time.
    pub tricklers: usize,
    /// The sink's process, sampled from `/proc`.
    pub pid: Option<u32>,
    /// The sink's Prometheus endpoint, for its live tasks.
    pub metrics_url: Option<String>,
    pub every: Duration,
    /// Where the samples go, as CSV.
    pub csv: Option<std::path::PathBuf>,
}

/// What a callback of the mix is, by its number: out of every 100, one
/// 8 MiB PDF, five with a wrong secret, 47 PNGs of 180 KB and 47 WebPs of
/// 15 KB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Large,
    WrongSecret,
    Png,
    Webp,
}

impl Kind {
    pub fn of(i: u64) -> Kind {
        match i % 100 {
            0 => Kind::Large,
            1..=5 => Kind::WrongSecret,
            n if n % 2 == 0 => Kind::Png,
            _ => Kind::Webp,
        }
    }
}
