//! What the sink reports through the `metrics` facade, with the `metrics`
//! feature (the crate documentation's "Metrics" section and the README
//! list the same table): plug in any exporter; the `shotsink` server serves
//! Prometheus text on `/metrics`. Without the feature every call here
//! compiles to nothing.
//!
//! | name | type | labels | what |
//! |---|---|---|---|
//! | `shotsink_callbacks_total` | counter | `outcome`: `stored`, `already_stored`, `render_failed`, `rejected` | callbacks answered |
//! | `shotsink_rejections_total` | counter | `kind`: `malformed`, `forbidden`, `method_not_allowed`, `timeout`, `conflict`, `too_large`, `not_multipart`, `unsupported_type`, `internal`, `store_failed`, `unavailable`, `overloaded` | callbacks refused, by why |
//! | `shotsink_callback_duration_seconds` | histogram | `outcome` (as above) | from the request's arrival to its answer (before a refused body's drain) |
//! | `shotsink_stored_bytes_total` | counter | | bytes of the captures stored |
//! | `shotsink_budget_wait_seconds` | histogram | | time a callback waited for memory budget, when it had to wait |
//! | `shotsink_admission_refused_total` | counter | | callbacks refused because no budget came free within `admission_timeout` (503) |
//! | `shotsink_buffered_bytes` | gauge | | body bytes the sink holds across all callbacks, set as each callback starts and ends |
//! | `shotsink_store_errors_total` | counter | `write`: `before_visible`, `unconfirmed` | object-store failures: before the write that makes a capture visible (nothing stored), or of that write itself (unknown) |
//! | `shotsink_uploads_aborted_total` | counter | | multipart uploads aborted (a check failed, the store failed, the request was dropped) |
//! | `shotsink_notifications_total` | counter | `result`: `delivered`, `dropped_queue_full`, `dropped_after_retries`, `dropped_at_shutdown` | events of `shotsink::notify` (feature `notify`) |
//! | `shotsink_notification_attempts_total` | counter | `result`: `ok`, `failed` | notification HTTP attempts |
//! | `shotsink_notifications_pending` | gauge | | events queued or being delivered |

use std::time::Duration;

use crate::{Outcome, Rejection, RejectionKind};

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
