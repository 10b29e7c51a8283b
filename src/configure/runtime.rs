//! What a built sink runs with, shared by its clones: validated once by the
//! builder, read by every stage of the pipeline.

use std::sync::Arc;

use object_store::path::Path;

use crate::receive::budget::Budget;
use crate::store::link::Links;
use crate::store::upload::Destination;
use crate::verify::mint::SecretMint;
use crate::{EarlyFile, KeyLayout, OnExisting, Secret, SecretResolver};

pub(crate) use super::limits::{Limits, in_memory, per_callback, unverified_per_callback};

/// The secrets a callback may prove, checked in this order: static, minted,
/// then looked up by token.
pub(crate) struct Secrets {
    pub(crate) fixed: Vec<Secret>,
    pub(crate) mint: Option<SecretMint>,
    pub(crate) resolver: Option<Arc<dyn SecretResolver>>,
}

/// Everything a sink needs, shared by its clones.
pub(crate) struct Config {
    pub(crate) secrets: Secrets,
    pub(crate) layout: KeyLayout,
    pub(crate) limits: Limits,
    pub(crate) on_existing: OnExisting,
    pub(crate) early_file: EarlyFile,
    pub(crate) staging_prefix: Path,
    pub(crate) destination: Destination,
    /// How a stored capture's URL is made, if at all.
    pub(crate) links: Option<Links>,
    pub(crate) budget: Arc<Budget>,
    /// Refused bodies drained at once, at most `limits.max_draining`.
    pub(crate) drains: tokio::sync::Semaphore,
    /// The app asked before a verified capture is stored, if any.
    pub(crate) authorize: Option<crate::authorize::Gate>,
    /// Who records each outcome's event before the 200.
    #[cfg(feature = "notify")]
    pub(crate) notifier: Option<crate::notify::Notifier>,
}
