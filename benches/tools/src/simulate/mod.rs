//! The load tool: it acts as the capture service, sending N callbacks with
//! unique tokens and real files at concurrency C to a URL, then prints
//! callbacks per second, latency percentiles and status counts. Given the
//! sink's store, it lists it afterwards and reports every acknowledged
//! capture that did not land, at the key the sink's [`KeyLayout`] gives it.
//! With `raw_put` it instead puts the same files straight into a store at
//! the same concurrency: the ceiling for the setup. The `load` binary is
//! its command line.

pub(crate) mod body;
mod raw_put;
mod run;

use std::collections::BTreeMap;
use std::time::Duration;

use shotsink::{Format, KeyLayout};

pub use run::run;

/// What to send, where, and how many at once.
pub struct Options {
    pub url: String,
    pub count: usize,
    pub concurrency: usize,
    pub size: Option<usize>,
    pub format: Option<Format>,
    /// One file of one's own, sent by every callback.
    pub file: Option<(Format, bytes::Bytes)>,
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
            file: None,
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
