//! Where a verified capture goes, and every outcome built from it once;
//! the check that a file ended whole.

use object_store::PutResult;
use object_store::path::Path;

use crate::prove::probe::Dimensions;
use crate::receive::destination::or_abort;
use crate::receive::wording::{conflict, store_error, unconfirmed};
use crate::store::upload::{FinishError, Upload};
use crate::{
    ExistingCapture, Format, OnExisting, Outcome, Rejection, RejectionKind, StoredCapture,
};

/// Where a verified capture goes.
pub(super) struct Placed {
    pub(super) key: Path,
    pub(super) token: String,
    pub(super) format: Format,
    pub(super) dims: Option<Dimensions>,
}

impl Placed {
    pub(super) fn already_stored(self) -> Outcome {
        Outcome::AlreadyStored(ExistingCapture {
            key: self.key,
            token: self.token,
            format: self.format,
            size: None,
            sha256: None,
            width: None,
            height: None,
            url: None,
        })
    }

    /// The outcome of a write that made the capture visible; the store's
    /// tag and version when the write was to the key itself.
    pub(super) fn stored(
        self,
        size: u64,
        sha256: Option<String>,
        put: Option<PutResult>,
    ) -> Outcome {
        let (e_tag, version) = put.map_or((None, None), |put| (put.e_tag, put.version));
        Outcome::Stored(StoredCapture {
            key: self.key,
            token: self.token,
            format: self.format,
            size,
            sha256,
            e_tag,
            version,
            width: self.dims.map(|d| d.width),
            height: self.dims.map(|d| d.height),
            url: None,
        })
    }

    /// Maps a failed final write: an object that appeared at the key
    /// meanwhile is the overwrite policy's business, anything else a store
    /// failure, worded by what is known of the write.
    pub(super) fn failed(
        self,
        error: FinishError,
        policy: OnExisting,
    ) -> Result<Outcome, Rejection> {
        match (error.already_exists(), policy) {
            (true, OnExisting::KeepFirst) => Ok(self.already_stored()),
            (true, _) => Err(conflict(&self.key)),
            (false, _) => Err(match error {
                FinishError::Aborted(error) => store_error(error),
                FinishError::Unconfirmed(error) => unconfirmed(error),
            }),
        }
    }
}

/// The upload, if the file ended as its format requires (a PDF's `%%EOF`
/// near its end); otherwise it is aborted and the callback refused.
pub(super) async fn whole(upload: Upload) -> Result<Upload, Rejection> {
    if upload.ends_whole() {
        return Ok(upload);
    }
    let refused = Rejection::new(
        RejectionKind::UnsupportedType,
        "pdf without %%EOF within its last KiB",
    );
    or_abort(upload, Err::<(), _>(refused))
        .await
        .map(|(upload, ())| upload)
}
