//! The builder's size, count and time limits.

use std::time::Duration;

use super::CaptureSinkBuilder;
use crate::configure::runtime::{Limits, per_callback, unverified_per_callback};
use crate::{ConfigError, EarlyFile};

impl CaptureSinkBuilder {
    /// Largest file accepted, in bytes; a larger one is answered 413 and
    /// nothing is stored. Default: 64 MiB.
    pub fn max_file_size(mut self, bytes: u64) -> Self {
        self.limits.max_file_size = bytes;
        self
    }

    /// Largest text field (`callback_secret`, `status`, `token`, `format`,
    /// or any other) in bytes. Default: 4 KiB.
    pub fn max_text_field_size(mut self, bytes: u64) -> Self {
        self.limits.max_text_field_size = bytes;
        self
    }

    /// Largest image accepted, in pixels (width × height, read from the
    /// header before any byte is stored); a larger one is answered 415 and
    /// nothing is stored, so that what lands can be decoded without a
    /// decompression bomb. `None` turns the check off; PDFs have no pixel
    /// size. Default: 100,000,000 (a page 1,920 pixels wide and 52,000
    /// tall).
    pub fn max_pixels(mut self, pixels: Option<u64>) -> Self {
        self.limits.max_pixels = pixels;
        self
    }

    /// Most form fields accepted in one callback; at least the protocol's
    /// five. Default: 16.
    pub fn max_fields(mut self, count: usize) -> Self {
        self.limits.max_fields = count;
        self
    }

    /// Size of each multipart-upload part, in bytes, and the size up to
    /// which a file goes up as one put. S3 and most compatible stores need
    /// at least 5 MiB. Default: 8 MiB.
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.limits.part_size = bytes;
        self
    }

    /// Parts uploaded concurrently for one file. See
    /// [`max_buffered_bytes`](Self::max_buffered_bytes) for what one
    /// callback can hold. Default: 2.
    pub fn max_parts_in_flight(mut self, parts: usize) -> Self {
        self.limits.max_parts_in_flight = parts;
        self
    }

    /// A file that arrives before `callback_secret` and `token` cannot be
    /// verified or placed yet: it is held in memory up to this many bytes,
    /// and refused with 413 past it (or staged, see
    /// [`early_file`](Self::early_file)). Default: 8 MiB.
    pub fn max_unverified_file_size(mut self, bytes: u64) -> Self {
        self.limits.max_unverified_file_size = bytes;
        self
    }

    /// Largest request body, in bytes (413 above, before a byte is read
    /// when `Content-Length` says so). Default: the file limit plus room for
    /// every text field and the form's framing.
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.limits.max_body_size = Some(bytes);
        self
    }

    #[doc = concat!(
        "Most bytes all callbacks together may hold, in bytes. Default: 64 MiB.\n\n",
        "Every body byte is charged to its callback as it arrives, before the form ",
        "parser sees it, and released when dropped. A callback that proved its secret ",
        "claims, in one go, what the rest of its body can make it hold: the remaining ",
        "`Content-Length` plus 256 KiB for the buffers that carry a body, at most the ",
        "per-callback bound\n\n`",
        per_callback!(),
        "`\n\nA callback whose client pauses for 150 ms gives back what it claimed and ",
        "does not hold. While the budget is spent, callbacks wait unread (the client ",
        "meets backpressure), at most [`admission_timeout`](Self::admission_timeout), ",
        "and are answered with `Connection: close`, so that a saturated sink does not ",
        "keep thousands of idle connections and their buffers. `build` refuses a budget ",
        "smaller than the unverified pool plus one callback's bound."
    )]
    pub fn max_buffered_bytes(mut self, bytes: u64) -> Self {
        self.limits.max_buffered_bytes = bytes;
        self
    }

    #[doc = concat!(
        "The part of [`max_buffered_bytes`](Self::max_buffered_bytes) set aside for ",
        "callbacks that have not yet proved their secret (text fields, files sent before ",
        "the secret, parser buffers), in bytes, so that strangers can only crowd out each ",
        "other; the rest is for verified callbacks' claims. Default: 16 MiB or a quarter ",
        "of the budget, whichever is less, raised to one callback's need before its ",
        "secret:\n\n`",
        unverified_per_callback!(),
        "`"
    )]
    pub fn max_unverified_bytes(mut self, bytes: u64) -> Self {
        self.limits.max_unverified_bytes = Some(bytes);
        self
    }

    /// How long the client may send nothing while the sink waits for the
    /// body; past it the callback is answered 408 and any upload aborted.
    /// Time the sink spends waiting on the store does not count. Default:
    /// 30 s.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.idle_timeout = timeout;
        self
    }

    /// The longest a callback waits for memory budget; past it, it is
    /// answered 503 with `Retry-After` and `Connection: close`, and whatever
    /// it held is released. Default: 10 s.
    pub fn admission_timeout(mut self, timeout: Duration) -> Self {
        self.limits.admission_timeout = timeout;
        self
    }

    /// The slowest the body may arrive, in bytes per second, averaged over
    /// the time the sink waited for it, once `grace` of such waiting has
    /// passed; a slower client is answered 408 and any upload aborted. A
    /// trickle that never pauses long enough for the idle timeout is cut
    /// this way. `0` turns the check off. Default: 240 bytes/s after 5 s
    /// (Kestrel's).
    pub fn min_data_rate(mut self, bytes_per_second: u64, grace: Duration) -> Self {
        self.limits.min_data_rate = bytes_per_second;
        self.limits.min_data_rate_grace = grace;
        self
    }

    /// How long after it arrives a callback has to prove its secret (the
    /// `callback_secret` field read and checked, a resolver's answer
    /// included); past it, it is answered 408. With
    /// [`EarlyFile::Stage`](crate::EarlyFile::Stage), a large file sent
    /// before the secret must arrive within it: raise it to match the
    /// slowest sender you expect. Default: 10 s.
    pub fn verify_timeout(mut self, timeout: Duration) -> Self {
        self.limits.verify_timeout = timeout;
        self
    }

    /// After an answer given before the body ended (403, 413, 415, 400,
    /// 503), the rest of the body is read and dropped for at most this
    /// long (and at most four times the body limit), so that a client
    /// still sending can read the answer instead of meeting a reset. No
    /// budget is held meanwhile. Default: 5 s.
    pub fn linger_timeout(mut self, timeout: Duration) -> Self {
        self.limits.linger_timeout = timeout;
        self
    }

    /// How many refused bodies are drained (see
    /// [`linger_timeout`](Self::linger_timeout)) at once. A drain holds no
    /// budget, but every read it makes can grow the HTTP server's read
    /// buffer (hyper's, to about 400 KiB for a fast sender), so many at
    /// once would cost memory outside the budget: in a burst past
    /// `admission_timeout`, thousands of 503s. Past the cap, the answer goes
    /// out at once with `Connection: close` and the body is not read (the
    /// client, still sending, may see a reset instead, and retries either
    /// way). `0` never drains. Default: 64.
    pub fn max_draining(mut self, count: usize) -> Self {
        self.limits.max_draining = count;
        self
    }
}

/// Checks that each limit is usable and that the memory budget holds what
/// one callback can need.
pub(super) fn validate(l: &Limits, early_file: EarlyFile) -> Result<(), ConfigError> {
    let invalid = |name, reason| Err(ConfigError::InvalidLimit { name, reason });
    let zero = [
        ("max_file_size", l.max_file_size == 0),
        ("max_text_field_size", l.max_text_field_size == 0),
        ("part_size", l.part_size == 0),
        ("max_parts_in_flight", l.max_parts_in_flight == 0),
        ("idle_timeout", l.idle_timeout.is_zero()),
        ("admission_timeout", l.admission_timeout.is_zero()),
        ("verify_timeout", l.verify_timeout.is_zero()),
    ];
    if let Some((name, _)) = zero.iter().find(|(_, bad)| *bad) {
        return invalid(name, "must be greater than zero");
    }
    if l.max_fields < 5 {
        return invalid("max_fields", "must allow at least the five protocol fields");
    }
    let unverified = l.unverified_bytes(early_file);
    if l.max_buffered_bytes < l.per_callback().saturating_add(unverified) {
        return invalid(
            "max_buffered_bytes",
            concat!(
                "must hold the unverified pool (max_unverified_bytes) and one verified callback: ",
                per_callback!()
            ),
        );
    }
    if unverified < l.unverified_per_callback(early_file) {
        return invalid(
            "max_unverified_bytes",
            concat!(
                "must hold one callback before its secret, within max_buffered_bytes: ",
                unverified_per_callback!()
            ),
        );
    }
    Ok(())
}
