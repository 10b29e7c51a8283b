//! Choices the sink offers where there is more than one right answer.

/// What to do when a capture is already stored at the key: the sender may
/// deliver the same callback twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnExisting {
    /// Write again, replacing the object (what the sender's reference
    /// handlers do). Every write is whole, so the object is never corrupt.
    #[default]
    Overwrite,
    /// Keep the first capture and acknowledge the re-delivery with 200
    /// ([`Outcome::AlreadyStored`](crate::Outcome::AlreadyStored)) without
    /// writing: the replay guard.
    ///
    /// The key is checked before any byte is uploaded, so a re-delivery costs
    /// one `HEAD`. A single put is then a conditional create
    /// (`PutMode::Create`), which settles a race between two deliveries in
    /// the store. A multipart upload is checked again just before it is
    /// completed; `object_store` offers no conditional completion, so two
    /// large deliveries racing within that window may both complete, the
    /// later one replacing the earlier: best effort, and still never a
    /// corrupt object.
    KeepFirst,
    /// Refuse the re-delivery with 409, with the same checks as `KeepFirst`.
    Reject,
}

impl OnExisting {
    pub(crate) fn checks(self) -> bool {
        self != OnExisting::Overwrite
    }
}

/// What to do with a file that arrives before `callback_secret` and
/// `token`, once it outgrows `max_unverified_file_size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum EarlyFile {
    /// Answer 413 and ask for the fields first.
    #[default]
    Refuse,
    /// Stream it as a multipart upload to a staging key under the staging
    /// prefix (`_incoming/` by default). The upload stays invisible until the
    /// callback is verified; it is then completed, copied to its final key
    /// and deleted. On any failure it is aborted (or, if already completed,
    /// deleted).
    Stage,
}
