//! The bounds a body is read under: bursts, the parser's hold, the clocks
//! (idle, minimum rate, secret deadline), and why a body was cut short.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::receive::budget::Overloaded;

/// Bytes handed to the parser in one go before the reader yields.
pub(super) const BURST: usize = 64 * 1024;

/// The most the parser may be handed without yielding anything (bytes
/// before the first boundary, a part's header block): past it, the body is
/// refused. The parser rescans what it holds on every wake, so this also
/// bounds the work a trickle of tiny segments can cause per segment.
pub(crate) const MAX_PARSER_HOLD: usize = 16 * 1024;

/// How long the client may pause before a verified callback gives back
/// the part of its claim it does not hold.
pub(super) const STALL: Duration = Duration::from_millis(150);

/// The time bounds of one body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    pub(crate) idle: Duration,
    /// Bytes per second; 0 turns the check off.
    pub(crate) min_rate: u64,
    pub(crate) grace: Duration,
    /// When the secret must have been verified.
    pub(crate) verify_by: Instant,
    pub(crate) verify_timeout: Duration,
}

/// Why the body stopped before its end.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The client sent nothing for the idle timeout.
    Idle(Duration),
    /// The client sent slower than the minimum rate after the grace period.
    TooSlow(u64),
    /// The secret was not verified within its deadline.
    Unverified(Duration),
    /// The parser held [`MAX_PARSER_HOLD`] bytes without yielding anything.
    ParserStall,
    /// No budget was free within the admission timeout.
    Overloaded(Overloaded),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::Idle(d) => write!(f, "no body bytes received for {d:?}"),
            BodyError::TooSlow(rate) => {
                write!(f, "request body arrived slower than {rate} bytes/s")
            }
            BodyError::Unverified(d) => {
                write!(f, "callback_secret was not verified within {d:?}")
            }
            BodyError::ParserStall => write!(
                f,
                "no multipart boundary or part header end within {MAX_PARSER_HOLD} bytes"
            ),
            BodyError::Overloaded(o) => o.fmt(f),
        }
    }
}

impl std::error::Error for BodyError {}

/// Bytes handed to the parser since it last yielded something (a field or
/// a piece of one), which the pipeline resets on each; and time the sink
/// spent waiting on its own (for the app), which the client's clocks must
/// not count.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    handed: AtomicUsize,
    paused_nanos: AtomicU64,
}

impl Progress {
    /// The parser yielded something.
    pub(crate) fn made(&self) {
        self.handed.store(0, Ordering::Relaxed);
    }

    pub(super) fn since(&self) -> usize {
        self.handed.load(Ordering::Relaxed)
    }

    pub(super) fn handed(&self, n: usize) {
        self.handed.fetch_add(n, Ordering::Relaxed);
    }

    /// The sink waited `paused` on its own, not reading the body.
    pub(crate) fn paused(&self, paused: std::time::Duration) {
        let nanos = u64::try_from(paused.as_nanos()).unwrap_or(u64::MAX);
        self.paused_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// The pauses since the last call, taken.
    pub(super) fn take_paused(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.paused_nanos.swap(0, Ordering::Relaxed))
    }
}
