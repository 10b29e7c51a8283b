//! Where an upload goes, and the store calls that carry its attributes.

use object_store::path::Path;
use object_store::{
    MultipartUpload, PutMode, PutMultipartOptions, PutOptions, PutPayload, PutResult, TagSet,
};

use super::Destination;
use crate::prove::probe::Identified;
use crate::store::attributes::Known;

/// Where the object goes; kept apart from the upload state so that store
/// calls borrow only this (`Sync`) part across their awaits.
pub(crate) struct Target {
    pub(super) destination: Destination,
    pub(super) key: Path,
    pub(super) file: Identified,
    /// For the `token` metadata and the file name; unknown for a staged file.
    token: Option<String>,
    /// Metadata the app added.
    pub(super) metadata: Vec<(String, String)>,
}

impl Target {
    pub(crate) fn new(
        destination: &Destination,
        key: Path,
        file: Identified,
        token: Option<&str>,
    ) -> Self {
        Self {
            destination: destination.clone(),
            key,
            file,
            token: token.map(str::to_owned),
            metadata: Vec::new(),
        }
    }

    pub(super) async fn start_multipart(&self) -> object_store::Result<Box<dyn MultipartUpload>> {
        let d = &self.destination;
        let tags = self.tags();
        if let Some(attributes) =
            d.attributes
                .for_file(self.file, self.token.as_deref(), None, &self.metadata)
        {
            let opts = PutMultipartOptions {
                attributes,
                tags: tags.clone(),
                ..Default::default()
            };
            match d.store.put_multipart_opts(&self.key, opts).await {
                Err(object_store::Error::NotImplemented { .. }) => self.attributes_unsupported(),
                other => return other,
            }
        }
        let opts = PutMultipartOptions {
            tags,
            ..Default::default()
        };
        d.store.put_multipart_opts(&self.key, opts).await
    }

    pub(crate) async fn put(
        &self,
        payload: PutPayload,
        mode: PutMode,
        known: Known<'_>,
    ) -> object_store::Result<PutResult> {
        let d = &self.destination;
        let tags = self.tags();
        let attributes = d.attributes.for_file(
            self.file,
            self.token.as_deref(),
            Some(known),
            &self.metadata,
        );
        if let Some(attributes) = attributes {
            let opts = PutOptions {
                mode: mode.clone(),
                attributes,
                tags: tags.clone(),
                ..Default::default()
            };
            match d.store.put_opts(&self.key, payload.clone(), opts).await {
                Err(object_store::Error::NotImplemented { .. }) => self.attributes_unsupported(),
                other => return other,
            }
        }
        let opts = PutOptions {
            mode,
            tags,
            ..Default::default()
        };
        d.store.put_opts(&self.key, payload, opts).await
    }

    fn tags(&self) -> TagSet {
        let format = self.file.format;
        (self.destination.attributes).tags(format, self.token.as_deref())
    }

    fn attributes_unsupported(&self) {
        let store = &self.destination.store;
        tracing::debug!(%store, "store takes no object attributes; storing without them");
        self.destination.attributes.mark_unsupported();
    }
}
