//! Charged bytes kept at one holding point.

use std::sync::Arc;

use super::Account;

/// Charged bytes that a holding point (a held file, a pending or in-flight
/// part) keeps: released from the account when this value is dropped.
#[derive(Debug)]
pub(crate) struct Tracked {
    account: Arc<Account>,
    bytes: usize,
}

impl Tracked {
    pub(crate) fn new(account: Arc<Account>) -> Self {
        Self { account, bytes: 0 }
    }

    /// Counts `bytes` more (already charged on arrival) as kept here.
    pub(crate) fn add(&mut self, bytes: usize) {
        self.bytes += bytes;
    }

    /// Stops counting without releasing: the bytes are handed to another
    /// holding point that counts them from now on.
    pub(crate) fn hand_over(mut self) {
        self.bytes = 0;
    }

    /// Moves everything counted here into a new value (for a part that
    /// leaves for its upload task).
    pub(crate) fn take(&mut self) -> Tracked {
        Tracked {
            account: self.account.clone(),
            bytes: std::mem::take(&mut self.bytes),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if self.bytes > 0 {
            self.account.release(self.bytes);
        }
    }
}
