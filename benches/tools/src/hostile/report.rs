//! The report printed as the run goes: the valid callbacks' statuses and
//! latency, and how the attacker connections ended.

use std::collections::BTreeMap;
use std::time::Duration;

use super::STILL_OPEN;
use super::attacker::Outcome;
use super::valid::Sent;

/// The valid callbacks' statuses (or errors), with their counts.
pub(super) fn statuses(sent: &[Sent]) -> BTreeMap<String, usize> {
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for s in sent {
        *statuses.entry(s.label.clone()).or_default() += 1;
    }
    statuses
}

pub(super) fn print_valid(sent: &[Sent], statuses: &BTreeMap<String, usize>) {
    let mut latencies: Vec<Duration> = sent.iter().map(|s| s.latency).collect();
    latencies.sort();
    let statuses_list = statuses
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "valid: {} sent, {} succeeded (200), statuses {{{statuses_list}}}, p50 {} ms, p99 {} ms",
        sent.len(),
        statuses.get("200").copied().unwrap_or(0),
        percentile_ms(&latencies, 0.50),
        percentile_ms(&latencies, 0.99),
    );
}

pub(super) fn print_attackers(outcomes: &[Outcome], watched: Duration) {
    if outcomes.is_empty() {
        println!("attackers: none");
        return;
    }
    let mut groups: BTreeMap<&str, (usize, Vec<Duration>)> = BTreeMap::new();
    for outcome in outcomes {
        let group = groups.entry(&outcome.label).or_default();
        group.0 += 1;
        group.1.extend(outcome.after);
    }
    println!("attackers: {} connections", outcomes.len());
    for (label, (count, mut times)) in groups {
        if !times.is_empty() {
            println!("  {count} {label} after {}", spread(&mut times));
        } else if label == STILL_OPEN {
            println!("  {count} {label} ({:.1} s)", watched.as_secs_f64());
        } else {
            println!("  {count} {label}");
        }
    }
    let mut cut: Vec<Duration> = outcomes.iter().filter_map(|o| o.after).collect();
    println!(
        "attackers cut by the server: {} of {}, after {}",
        cut.len(),
        outcomes.len(),
        spread(&mut cut)
    );
}

/// The `p` percentile of sorted latencies, in milliseconds.
fn percentile_ms(sorted: &[Duration], p: f64) -> String {
    let Some(last) = sorted.len().checked_sub(1) else {
        return "-".into();
    };
    let at = ((sorted.len() as f64 * p) as usize).min(last);
    format!("{:.1}", sorted[at].as_secs_f64() * 1e3)
}

/// Min, median and max, in seconds.
fn spread(times: &mut [Duration]) -> String {
    times.sort();
    let (Some(min), Some(max)) = (times.first(), times.last()) else {
        return "-".into();
    };
    format!(
        "min {:.1} s, median {:.1} s, max {:.1} s",
        min.as_secs_f64(),
        times[times.len() / 2].as_secs_f64(),
        max.as_secs_f64()
    )
}
