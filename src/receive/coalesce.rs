//! Held chunks copied together when small.
//!
//! The form parser hands over each piece of a field as it arrives: a client
//! that sends its file in tiny TCP segments produces tiny chunks, each with
//! an allocation and a reference count of its own, so that holding them
//! would cost many times the bytes counted. Chunks under [`SMALL`] bytes
//! are therefore copied into shared blocks; larger ones are kept as they
//! are (zero-copy).

use std::mem;

use bytes::{Bytes, BytesMut};

/// Chunks shorter than this are copied into a block.
const SMALL: usize = 4 * 1024;

/// The size of a block of copied chunks.
const BLOCK: usize = 64 * 1024;

/// A sequence of chunks, small ones copied together.
#[derive(Debug, Default)]
pub(crate) struct Coalesced {
    chunks: Vec<Bytes>,
    small: BytesMut,
}

impl Coalesced {
    pub(crate) fn push(&mut self, chunk: Bytes) {
        if chunk.len() >= SMALL {
            self.flush();
            self.chunks.push(chunk);
            return;
        }
        if self.small.capacity() == 0 {
            self.small.reserve(BLOCK);
        }
        self.small.extend_from_slice(&chunk);
        if self.small.len() >= BLOCK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.small.is_empty() {
            self.chunks.push(self.small.split().freeze());
        }
    }

    /// Takes every chunk so far, leaving the sequence empty.
    pub(crate) fn take(&mut self) -> Vec<Bytes> {
        self.flush();
        mem::take(&mut self.chunks)
    }

    /// The chunks, in order.
    pub(crate) fn finish(mut self) -> Vec<Bytes> {
        self.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_chunks_become_few_blocks_and_keep_their_order() {
        let mut coalesced = Coalesced::default();
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        for byte in &data[..150_000] {
            coalesced.push(Bytes::copy_from_slice(std::slice::from_ref(byte)));
        }
        coalesced.push(Bytes::copy_from_slice(&data[150_000..]));
        let chunks = coalesced.finish();
        assert!(chunks.len() <= 4, "{} chunks", chunks.len());
        assert_eq!(chunks.concat(), data);
    }
}
