//! The ceiling: the files put straight into the store.

use bytes::Bytes;
use shotsink::Format;
use shotsink::object_store::path::Path;
use shotsink::object_store::{
    Attribute, Attributes, ObjectStore, PutMultipartOptions, PutOptions, PutPayload, WriteMultipart,
};

use super::Options;

/// The ceiling: the file put straight into the store, as one put up to one
/// part, else as a multipart upload with the sink's part size and parts in
/// flight.
pub(super) async fn raw_put(
    store: &dyn ObjectStore,
    o: &Options,
    key: &Path,
    format: Format,
    file: Bytes,
) -> Result<(), String> {
    let attributes = Attributes::from_iter([(Attribute::ContentType, format.content_type())]);
    match put_with(store, o, key, file.clone(), attributes).await {
        // Local disk takes no attributes.
        Err(shotsink::object_store::Error::NotImplemented { .. }) => {
            put_with(store, o, key, file, Attributes::new()).await
        }
        other => other,
    }
    .map_err(|e| e.to_string())
}

async fn put_with(
    store: &dyn ObjectStore,
    o: &Options,
    key: &Path,
    file: Bytes,
    attributes: Attributes,
) -> shotsink::object_store::Result<()> {
    if file.len() <= o.part_size {
        let opts = PutOptions {
            attributes,
            ..Default::default()
        };
        return store
            .put_opts(key, PutPayload::from(file), opts)
            .await
            .map(|_| ());
    }
    let opts = PutMultipartOptions {
        attributes,
        ..Default::default()
    };
    let upload = store.put_multipart_opts(key, opts).await?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, o.part_size);
    for chunk in file.chunks(o.part_size) {
        writer.wait_for_capacity(o.in_flight).await?;
        writer.put(file.slice_ref(chunk));
    }
    writer.finish().await.map(|_| ())
}
