//! shotsink's benchmark tools, one module each; `src/bin/` holds their
//! command lines (`--help` on each):
//!
//! | module | binary | what it is |
//! |---|---|---|
//! | [`naive`] | `naive` | the baseline: the handler people write by hand with axum's `Multipart` |
//! | [`s3_server`] | `s3-server` | an S3-protocol server on loopback (`s3s` + `s3s-fs` over a directory) |
//! | [`simulate`] | `load` | the load tool: acts as the capture service, or puts straight into the store |
//! | [`hostile`] | `hostile` | valid callbacks sent through an attack on the sink |
//! | [`soak`] | `soak` | the traffic mix for a long while, the sink sampled |
//!
//! Build them with `cargo build --release -p shotsink-bench-tools`; the
//! scripts in `scripts/bench-*.sh` do, and run them from `target/release/`.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use shotsink::object_store::ObjectStore;
use shotsink::object_store::path::Path;
use shotsink::{Format, KeyContext, KeyLayout};

pub mod hostile;
pub mod naive;
pub mod s3_server;
pub mod simulate;
pub mod soak;

#[cfg(test)]
mod tests;

/// The tools' error type.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Opens a store from a path or URL; cloud URLs take their options from the
/// usual variables (`AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`, ...).
pub fn open_store(location: &str) -> Result<Arc<dyn ObjectStore>, BoxError> {
    let options = std::env::vars().filter(|(k, _)| {
        ["AWS_", "GOOGLE_", "AZURE_"]
            .iter()
            .any(|p| k.starts_with(p))
    });
    Ok(shotsink::store_from_url(location, options)?)
}

/// The sink's key layout: the default (`screenshots/YYYY/MM/DD/<token>.<ext>`),
/// or the same under another prefix (`PREFIX/YYYY/MM/DD/<token>.<ext>`).
pub fn key_layout(prefix: Option<&str>) -> Result<KeyLayout, BoxError> {
    Ok(match prefix {
        Some(prefix) => KeyLayout::with_prefix(prefix)?,
        None => KeyLayout::default(),
    })
}

/// The tokens of `captures` (token and format) whose capture is in `store`
/// at the key `layout` gives it, for a callback received at `from` or at
/// `to` (a run's start and end, which may fall on two dates). Lists each
/// folder those keys are in once.
pub async fn landed(
    store: &dyn ObjectStore,
    layout: &KeyLayout,
    captures: &[(String, Format)],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HashSet<String>, BoxError> {
    let times = if from.date_naive() == to.date_naive() {
        vec![from]
    } else {
        vec![from, to]
    };
    let keys: Vec<(&str, String)> = captures
        .iter()
        .flat_map(|(token, format)| {
            times.iter().map(move |&at| {
                let key = layout.key(&KeyContext::new(token, *format, at));
                (token.as_str(), key.as_ref().to_owned())
            })
        })
        .collect();
    // The folder of each key; a key with none is listed from the root.
    let folders: BTreeSet<Option<String>> = keys
        .iter()
        .map(|(_, key)| key.rsplit_once('/').map(|(folder, _)| folder.to_owned()))
        .collect();
    let mut listed: HashSet<String> = HashSet::new();
    for folder in folders {
        let prefix = folder.as_deref().map(Path::from);
        let metas: Vec<_> = store.list(prefix.as_ref()).try_collect().await?;
        listed.extend(metas.into_iter().map(|m| m.location.as_ref().to_owned()));
    }
    Ok(keys
        .into_iter()
        .filter(|(_, key)| listed.contains(key))
        .map(|(token, _)| token.to_owned())
        .collect())
}
