//! The bytes of a file waiting to be sent.

use bytes::Bytes;
use object_store::PutPayload;

use std::sync::Arc;

use crate::receive::budget::{Account, Tracked};
use crate::receive::coalesce::Coalesced;

/// Single puts up to this size are sent as one contiguous buffer. Larger
/// ones are not: the copy would double their memory under a burst.
const COALESCE_BELOW: usize = 64 * 1024;

/// The bytes waiting to be sent, as a part or as the single put; small
/// chunks are copied together (see [`Coalesced`]).
pub(super) struct Pending {
    chunks: Coalesced,
    pub(super) len: usize,
    tracked: Tracked,
}

impl Pending {
    pub(super) fn new(account: Arc<Account>) -> Self {
        Self {
            chunks: Coalesced::default(),
            len: 0,
            tracked: Tracked::new(account),
        }
    }

    pub(super) fn push(&mut self, bytes: Bytes) {
        self.len += bytes.len();
        self.tracked.add(bytes.len());
        self.chunks.push(bytes);
    }

    pub(super) fn take(&mut self) -> (PutPayload, Tracked) {
        self.len = 0;
        let payload = self.chunks.take().into_iter().collect();
        (payload, self.tracked.take())
    }

    /// As the payload of a single put. A small file scattered over many
    /// chunks is copied into one: one buffer costs the store client and
    /// server less than many small frames, and the copy is cheap at this
    /// size.
    pub(super) fn take_single(&mut self) -> (PutPayload, Tracked) {
        let (payload, tracked) = self.take();
        if payload.iter().count() > 1 && payload.content_length() <= COALESCE_BELOW {
            return (PutPayload::from(Bytes::from(payload)), tracked);
        }
        (payload, tracked)
    }
}
