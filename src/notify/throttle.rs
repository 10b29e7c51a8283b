//! Warnings about failed deliveries, at most one per interval for the
//! endpoint, with a count of those held back: an outage gives a few
//! lines, not one per attempt.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The shortest time between two warnings about the endpoint.
pub(super) const WARN_EVERY: Duration = Duration::from_secs(30);

/// One endpoint's warnings.
#[derive(Debug)]
pub(super) struct Throttle {
    every: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The last warning.
    last: Option<Instant>,
    held_back: u64,
    failing: bool,
    /// The last "delivered again".
    recovered: Option<Instant>,
}

impl Throttle {
    pub(super) fn new(every: Duration) -> Self {
        Self {
            every,
            state: Mutex::new(State::default()),
        }
    }

    /// A failed attempt: `Some(n)` when it is to be logged, `n` being the
    /// failures held back since the last warning.
    pub(super) fn failed(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.failing = true;
        let now = Instant::now();
        match state.last {
            Some(last) if now.duration_since(last) < self.every => {
                state.held_back += 1;
                None
            }
            _ => {
                state.last = Some(now);
                Some(std::mem::take(&mut state.held_back))
            }
        }
    }

    /// A delivered event: `Some(n)` the first time after failures (`n`
    /// held back since the last warning), at most once per interval too,
    /// so that an endpoint failing one event in two gives a few lines, not
    /// one per attempt.
    pub(super) fn delivered(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if !state.failing {
            return None;
        }
        if state.recovered.is_some_and(|at| at.elapsed() < self.every) {
            return None;
        }
        state.failing = false;
        state.recovered = Some(Instant::now());
        Some(std::mem::take(&mut state.held_back))
    }
}
