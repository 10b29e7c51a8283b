//! One rendition stored next to its capture: one PUT, visible whole or
//! not at all, with the capture's attributes and overwrite policy; a
//! rendition kept under `keep_first` is measured as stored.

use object_store::path::Path;
use object_store::{ObjectStoreExt, PutMode, PutPayload};

use super::Rendered;
use super::jobs::Jobs;
use crate::notify::RenditionEntry;
use crate::prove::probe::{Dimensions, Identified};
use crate::store::attributes::Known;
use crate::store::upload::Target;
use crate::{Format, OnExisting};

use super::RenditionFormat;

fn stored_format(format: RenditionFormat) -> Format {
    match format {
        RenditionFormat::WebP => Format::Webp,
        RenditionFormat::Jpeg => Format::Jpeg,
        RenditionFormat::Png => Format::Png,
        RenditionFormat::Avif => Format::Avif,
    }
}

impl Jobs {
    /// Stores one rendition with one PUT: visible whole or not at all.
    pub(super) async fn store(
        &self,
        entry: RenditionEntry,
        rendered: &Rendered,
        token: Option<&str>,
    ) -> RenditionEntry {
        let Ok(key) = Path::parse(&entry.key) else {
            return entry.failed("the rendition's key is not a valid object key");
        };
        let file = Identified {
            format: stored_format(rendered.format),
            dims: Some(Dimensions {
                width: rendered.width,
                height: rendered.height,
            }),
        };
        let target = Target::new(&self.destination, key.clone(), file, token);
        let mode = match self.on_existing {
            OnExisting::Overwrite => PutMode::Overwrite,
            _ => PutMode::Create,
        };
        let size = rendered.bytes.len() as u64;
        let known = Known { size, sha256: None };
        let payload = PutPayload::from(rendered.bytes.clone());
        let (width, height, size) = match target.put(payload, mode, known).await {
            Ok(_) => (rendered.width, rendered.height, size),
            // Kept first: made before (by this process or another, maybe
            // with other settings); the event says what is stored.
            Err(object_store::Error::AlreadyExists { .. }) => match self.existing(&key).await {
                Ok(found) => found,
                Err(reason) => return entry.failed(reason),
            },
            Err(error) => {
                return entry.failed(format!("the rendition could not be stored: {error}"));
            }
        };
        let url = match &self.links {
            Some(links) => links.url(&key).await,
            None => None,
        };
        RenditionEntry {
            state: RenditionEntry::DONE.to_owned(),
            url,
            width: Some(width),
            height: Some(height),
            size: Some(size),
            ..entry
        }
    }

    /// The width, height and size of a rendition already stored at `key`:
    /// its size from a HEAD, its dimensions from its first 64 KiB.
    async fn existing(&self, key: &Path) -> Result<(u32, u32, u64), String> {
        let kept = "an object is already stored at this key and kept (the overwrite policy)";
        let unreadable = |e: object_store::Error| format!("{kept}, but could not be read: {e}");
        let store = &self.destination.store;
        let size = store.head(key).await.map_err(unreadable)?.size;
        let head = store
            .get_range(key, 0..size.min(64 * 1024))
            .await
            .map_err(unreadable)?;
        let dims = std::panic::catch_unwind(|| {
            image::ImageReader::new(std::io::Cursor::new(&head))
                .with_guessed_format()
                .ok()?
                .into_dimensions()
                .ok()
        });
        match dims {
            Ok(Some((width, height))) => Ok((width, height, size)),
            _ => Err(format!("{kept}, and it is not an image")),
        }
    }
}
