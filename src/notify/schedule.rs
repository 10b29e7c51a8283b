//! When a failed delivery is tried again: a fixed schedule (Svix's by
//! default) or a doubling backoff, both with jitter.

use std::time::Duration;

/// The waits of Svix's retry schedule, after the first attempt fails:
/// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. Eight attempts over about
/// 27 h 35 min.
/// A doubling backoff's attempts, unless set.
pub(super) const DOUBLING_ATTEMPTS: u32 = 10;
/// A doubling backoff's first wait, unless set.
pub(super) const DOUBLING_FIRST: Duration = Duration::from_secs(1);
/// A doubling backoff's largest wait, unless set.
pub(super) const DOUBLING_MAX: Duration = Duration::from_secs(5 * 60);

pub(super) const SVIX: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// How failed attempts are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Retry {
    /// The wait after the first, second, … failed attempt, each within
    /// ±20 % at random; as many attempts as waits, plus the first.
    Schedule(Vec<Duration>),
    /// Up to `attempts`, waiting between half and all of
    /// `min(max, first × 2^(n−1))` after the n-th failure.
    Doubling {
        first: Duration,
        max: Duration,
        attempts: u32,
    },
}

impl Retry {
    /// How many attempts an event gets, the first included.
    pub(super) fn attempts(&self) -> u32 {
        match self {
            Retry::Schedule(waits) => u32::try_from(waits.len())
                .unwrap_or(u32::MAX)
                .saturating_add(1),
            Retry::Doubling { attempts, .. } => *attempts,
        }
    }

    /// The wait after `failed` failed attempts (1 for the first retry), from
    /// `random`; `None` once the attempts are spent.
    pub(super) fn wait(&self, failed: u32, random: u64) -> Option<Duration> {
        if failed == 0 || failed >= self.attempts() {
            return None;
        }
        match self {
            Retry::Schedule(waits) => {
                let wait = *waits.get(usize::try_from(failed - 1).ok()?)?;
                Some(jitter(wait, random))
            }
            Retry::Doubling { first, max, .. } => Some(backoff(*first, *max, failed, random)),
        }
    }

    /// The longest an event can wait in all, jitter included.
    #[cfg(test)]
    pub(super) fn span(&self) -> Duration {
        (1..self.attempts())
            .filter_map(|failed| self.wait(failed, u64::MAX))
            .fold(Duration::ZERO, Duration::saturating_add)
    }
}

/// `wait` moved by up to ±20 %, uniformly from `random`.
pub(super) fn jitter(wait: Duration, random: u64) -> Duration {
    let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
    let fifth = nanos / 5;
    let range = fifth.saturating_mul(2).saturating_add(1);
    Duration::from_nanos((nanos - fifth).saturating_add(random % range))
}

/// The wait after `failed` failed attempts (1 for the first retry):
/// uniformly random between half and all of
/// `min(max, first × 2^(failed − 1))`, from `random`. Never less than
/// `first / 2`, never more than `max`.
pub(super) fn backoff(first: Duration, max: Duration, failed: u32, random: u64) -> Duration {
    let factor = 1u32
        .checked_shl(failed.saturating_sub(1))
        .unwrap_or(u32::MAX);
    let cap = first.saturating_mul(factor).min(max);
    let cap = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
    let half = cap / 2;
    // At most 2^63 + 1: no overflow, and never zero.
    let range = cap - half + 1;
    Duration::from_nanos(half + random % range)
}
