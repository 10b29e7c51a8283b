//! What the sink reports through the `metrics` facade, with the `metrics`
//! feature: every name and label in one place, listed for users in
//! `docs/metrics.md` (the crate documentation's "Metrics" section includes
//! it; a test below keeps the two in step). Without the feature every call
//! here compiles to nothing.

use std::time::Duration;

#[cfg(feature = "metrics")]
use crate::RejectionKind;
use crate::{Outcome, Rejection};

/// A callback answered: its outcome, how long it took, the bytes stored.
pub(crate) fn callback(result: &Result<Outcome, Rejection>, elapsed: Duration) {
    #[cfg(feature = "metrics")]
    {
        let outcome = match result {
            Ok(Outcome::Stored(s)) => {
                metrics::counter!("shotsink_stored_bytes_total").increment(s.size);
                "stored"
            }
            Ok(Outcome::AlreadyStored(_)) => "already_stored",
            Ok(Outcome::RenderFailed(_)) => "render_failed",
            Err(r) => {
                let kind = kind_label(r.kind());
                metrics::counter!("shotsink_rejections_total", "kind" => kind).increment(1);
                if r.kind() == RejectionKind::Overloaded {
                    metrics::counter!("shotsink_admission_refused_total").increment(1);
                }
                "rejected"
            }
        };
        metrics::counter!("shotsink_callbacks_total", "outcome" => outcome).increment(1);
        metrics::histogram!("shotsink_callback_duration_seconds", "outcome" => outcome)
            .record(elapsed.as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (result, elapsed);
}

/// The body bytes held across all callbacks.
pub(crate) fn buffered(bytes: usize) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("shotsink_buffered_bytes").set(bytes as f64);
    #[cfg(not(feature = "metrics"))]
    let _ = bytes;
}

/// A callback waited this long for budget.
pub(crate) fn budget_wait(waited: Duration) {
    #[cfg(feature = "metrics")]
    metrics::histogram!("shotsink_budget_wait_seconds").record(waited.as_secs_f64());
    #[cfg(not(feature = "metrics"))]
    let _ = waited;
}

/// The store failed; `visible` says whether it was the write that makes
/// the capture visible.
pub(crate) fn store_error(visible: bool) {
    #[cfg(feature = "metrics")]
    {
        let write = if visible {
            "unconfirmed"
        } else {
            "before_visible"
        };
        metrics::counter!("shotsink_store_errors_total", "write" => write).increment(1);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = visible;
}

/// A multipart upload was aborted.
pub(crate) fn upload_aborted() {
    #[cfg(feature = "metrics")]
    metrics::counter!("shotsink_uploads_aborted_total").increment(1);
}

/// A refused body was not drained: `max_draining` drains were under way.
pub(crate) fn drain_skipped() {
    #[cfg(feature = "metrics")]
    metrics::counter!("shotsink_drains_skipped_total").increment(1);
}

/// A capture's renditions made: how many done and failed, and how long
/// reading the capture back and making them all took, waits included
/// (`None` for those failed at once, a format with no decoder).
#[cfg(feature = "renditions")]
pub(crate) fn renditions(done: usize, failed: usize, elapsed: Option<Duration>) {
    #[cfg(feature = "metrics")]
    {
        metrics::counter!("shotsink_renditions_total", "state" => "done").increment(done as u64);
        metrics::counter!("shotsink_renditions_total", "state" => "failed")
            .increment(failed as u64);
        if let Some(elapsed) = elapsed {
            metrics::histogram!("shotsink_rendition_duration_seconds")
                .record(elapsed.as_secs_f64());
        }
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (done, failed, elapsed);
}

/// `bytes` more of the rendition memory budget held (`more`), or given
/// back: moved by as much, so that changes add up in any order.
#[cfg(feature = "renditions")]
pub(crate) fn rendition_memory(bytes: u64, more: bool) {
    #[cfg(feature = "metrics")]
    {
        let gauge = metrics::gauge!("shotsink_rendition_memory_bytes");
        if more {
            gauge.increment(bytes as f64);
        } else {
            gauge.decrement(bytes as f64);
        }
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (bytes, more);
}

/// Every metric the sink reports, described (an exporter's `# HELP`, from
/// the table in `docs/metrics.md`) and its series set to zero, so that
/// they are there from the start rather than from their first event.
#[cfg(feature = "metrics")]
pub(crate) fn describe() {
    let table = include_str!("../docs/metrics.md");
    for row in table.lines().filter(|l| l.starts_with("| `shotsink_")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (Some(name), Some(kind), Some(help)) = (cells.get(1), cells.get(2), cells.get(4))
        else {
            continue;
        };
        let name = name.trim_matches('`').to_owned();
        let help = help.replace('`', "");
        match *kind {
            "counter" => metrics::describe_counter!(name, help),
            "gauge" => metrics::describe_gauge!(name, help),
            _ => metrics::describe_histogram!(name, help),
        }
    }
    for outcome in ["stored", "already_stored", "render_failed", "rejected"] {
        metrics::counter!("shotsink_callbacks_total", "outcome" => outcome).increment(0);
        // A histogram handle registers the series: no sample is recorded.
        let _ = metrics::histogram!("shotsink_callback_duration_seconds", "outcome" => outcome);
    }
    let _ = metrics::histogram!("shotsink_budget_wait_seconds");
    for kind in KINDS {
        metrics::counter!("shotsink_rejections_total", "kind" => kind_label(kind)).increment(0);
    }
    for write in ["before_visible", "unconfirmed"] {
        metrics::counter!("shotsink_store_errors_total", "write" => write).increment(0);
    }
    metrics::counter!("shotsink_stored_bytes_total").increment(0);
    metrics::counter!("shotsink_admission_refused_total").increment(0);
    metrics::counter!("shotsink_uploads_aborted_total").increment(0);
    metrics::counter!("shotsink_drains_skipped_total").increment(0);
    metrics::gauge!("shotsink_buffered_bytes").set(0.0);
    #[cfg(feature = "renditions")]
    {
        for state in ["done", "failed"] {
            metrics::counter!("shotsink_renditions_total", "state" => state).increment(0);
        }
        let _ = metrics::histogram!("shotsink_rendition_duration_seconds");
        metrics::gauge!("shotsink_rendition_memory_bytes").increment(0.0);
    }
    #[cfg(feature = "notify")]
    crate::notify::counters::zero();
}

/// Every kind of refusal, for the series set to zero.
#[cfg(feature = "metrics")]
const KINDS: [RejectionKind; 13] = [
    RejectionKind::Malformed,
    RejectionKind::Forbidden,
    RejectionKind::MethodNotAllowed,
    RejectionKind::Timeout,
    RejectionKind::Conflict,
    RejectionKind::TooLarge,
    RejectionKind::NotMultipart,
    RejectionKind::UnsupportedType,
    RejectionKind::Internal,
    RejectionKind::Refused,
    RejectionKind::StoreFailed,
    RejectionKind::Unavailable,
    RejectionKind::Overloaded,
];

#[cfg(feature = "metrics")]
fn kind_label(kind: RejectionKind) -> &'static str {
    match kind {
        RejectionKind::Malformed => "malformed",
        RejectionKind::Forbidden => "forbidden",
        RejectionKind::MethodNotAllowed => "method_not_allowed",
        RejectionKind::Timeout => "timeout",
        RejectionKind::Conflict => "conflict",
        RejectionKind::TooLarge => "too_large",
        RejectionKind::NotMultipart => "not_multipart",
        RejectionKind::UnsupportedType => "unsupported_type",
        RejectionKind::Internal => "internal",
        RejectionKind::Refused => "refused",
        RejectionKind::StoreFailed => "store_failed",
        RejectionKind::Unavailable => "unavailable",
        RejectionKind::Overloaded => "overloaded",
    }
}

#[cfg(test)]
mod tests {
    /// Every metric the code names is in the users' table, and the other
    /// way round.
    #[test]
    fn the_table_lists_exactly_the_metrics_the_code_reports() {
        let table = include_str!("../docs/metrics.md");
        let code = [
            include_str!("metrics.rs"),
            include_str!("notify/counters.rs"),
        ]
        .concat();
        let names = |text: &str, marker: &str| -> std::collections::BTreeSet<String> {
            text.split(marker)
                .skip(1)
                .filter_map(|rest| rest.split(['"', '`']).next())
                .filter(|name| name.starts_with("shotsink_") && !name.contains(' '))
                .map(str::to_owned)
                .collect()
        };
        let reported = names(&code, "!(\"");
        let listed = names(table, "| `");
        assert!(reported.len() >= 10, "{reported:?}");
        assert_eq!(reported, listed);
    }
}
