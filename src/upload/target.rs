//! Where an upload goes, and the store calls that carry its attributes.

use object_store::path::Path;
use object_store::{
    MultipartUpload, PutMode, PutMultipartOptions, PutOptions, PutPayload, PutResult,
};

use super::Destination;
use crate::Format;
use crate::attributes::Known;

/// Where the object goes; kept apart from the upload state so that store
/// calls borrow only this (`Sync`) part across their awaits.
pub(super) struct Target {
    pub(super) destination: Destination,
    pub(super) key: Path,
    format: Format,
    /// For the `token` metadata and the file name; unknown for a staged file.
    token: Option<String>,
}

impl Target {
    pub(super) fn new(
        destination: &Destination,
        key: Path,
        format: Format,
        token: Option<&str>,
    ) -> Self {
        Self {
            destination: destination.clone(),
            key,
            format,
            token: token.map(str::to_owned),
        }
    }

    pub(super) async fn start_multipart(&self) -> object_store::Result<Box<dyn MultipartUpload>> {
        let d = &self.destination;
        if let Some(attributes) = d
            .attributes
            .for_file(self.format, self.token.as_deref(), None)
        {
            let opts = PutMultipartOptions {
                attributes,
                ..Default::default()
            };
            match d.store.put_multipart_opts(&self.key, opts).await {
                Err(object_store::Error::NotImplemented { .. }) => self.attributes_unsupported(),
                other => return other,
            }
        }
        d.store
            .put_multipart_opts(&self.key, PutMultipartOptions::default())
            .await
    }

    pub(super) async fn put(
        &self,
        payload: PutPayload,
        mode: PutMode,
        known: Known<'_>,
    ) -> object_store::Result<PutResult> {
        let d = &self.destination;
        let attributes = d
            .attributes
            .for_file(self.format, self.token.as_deref(), Some(known));
        if let Some(attributes) = attributes {
            let opts = PutOptions {
                mode: mode.clone(),
                attributes,
                ..Default::default()
            };
            match d.store.put_opts(&self.key, payload.clone(), opts).await {
                Err(object_store::Error::NotImplemented { .. }) => self.attributes_unsupported(),
                other => return other,
            }
        }
        let opts = PutOptions {
            mode,
            ..Default::default()
        };
        d.store.put_opts(&self.key, payload, opts).await
    }

    fn attributes_unsupported(&self) {
        let store = &self.destination.store;
        tracing::debug!(%store, "store takes no object attributes; storing without them");
        self.destination.attributes.mark_unsupported();
    }
}
