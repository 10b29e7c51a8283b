//! How an upload can fail to finish: before or at the write that makes the
//! object visible.

/// Why an upload did not finish.
#[derive(Debug)]
pub(crate) enum FinishError {
    /// It failed before the write that makes the object visible (a part,
    /// a check); the upload was aborted and nothing was stored.
    Aborted(object_store::Error),
    /// The write that makes the object visible failed: it may have reached
    /// the store and only its answer been lost.
    Unconfirmed(object_store::Error),
}

impl FinishError {
    /// The store's error, whatever is known of the write.
    pub(crate) fn into_inner(self) -> object_store::Error {
        match self {
            FinishError::Aborted(e) | FinishError::Unconfirmed(e) => e,
        }
    }

    /// An object appeared at the key meanwhile (a create that lost a race).
    pub(crate) fn already_exists(&self) -> bool {
        matches!(
            self,
            FinishError::Aborted(object_store::Error::AlreadyExists { .. })
                | FinishError::Unconfirmed(object_store::Error::AlreadyExists { .. })
        )
    }
}
