//! What the store says of a capture found already stored: its size, and,
//! where it was stored with metadata, its SHA-256 and dimensions, so that
//! the outcome of a re-delivery carries what the first one did.

use object_store::{Attribute, GetOptions};

use crate::ExistingCapture;
use crate::configure::runtime::Config;

/// Fills `existing` from a `HEAD` of its key; a store that cannot answer
/// leaves the fields `None` (the callback is answered all the same).
pub(super) async fn existing(config: &Config, existing: &mut ExistingCapture) {
    let store = &*config.destination.store;
    let head = GetOptions {
        head: true,
        ..GetOptions::default()
    };
    let got = match store.get_opts(&existing.key, head).await {
        Ok(got) => got,
        Err(error) => {
            tracing::debug!(key = %existing.key, %error, "the stored capture could not be described");
            return;
        }
    };
    existing.size = Some(got.meta.size);
    let metadata = |name: &str| {
        got.attributes
            .get(&Attribute::Metadata(name.to_owned().into()))
            .map(|value| value.as_ref().to_owned())
    };
    existing.sha256 = metadata("sha256")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    existing.width = metadata("width").and_then(|w| w.parse().ok());
    existing.height = metadata("height").and_then(|h| h.parse().ok());
}
