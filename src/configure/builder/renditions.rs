//! The builder's renditions: what to make of every stored capture, and
//! the limits they are made within.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::CaptureSinkBuilder;
use crate::configure::runtime::Limits;
use crate::rendition::jobs::Jobs;
use crate::rendition::{Renderer, Rendition, RenditionLimits};
use crate::store::link::Links;
use crate::store::upload::Destination;
use crate::{ConfigError, OnExisting};

/// The smallest rendition budget `build` takes.
const MIN_BUDGET: u64 = 16 << 20;

/// The renditions set, checked and handed to the notifier by `build`.
#[derive(Debug, Default)]
pub(super) struct RenditionSettings {
    pub(super) list: Vec<Rendition>,
    pub(super) memory_budget: Option<u64>,
    pub(super) threads: Option<usize>,
    pub(super) max_pixels: Option<u64>,
}

impl CaptureSinkBuilder {
    /// Makes these renditions of every stored PNG, JPEG and WebP capture
    /// (see [`rendition`](crate::rendition)); AVIF and PDF captures get a
    /// reason instead. They are durable jobs of the capture's event: named
    /// pending in the [notifier](Self::notifier)'s journal before the 200,
    /// made when the event is delivered (by this process, after a restart,
    /// or by the replica that takes the lease over), each stored with one
    /// PUT at `<capture key without its extension>.<name>.<ext>`, with the
    /// capture's Cache-Control, metadata, tags and overwrite policy; the
    /// event then lists each, done or failed. The callback's answer never
    /// waits for them. Needs a notifier with a journal.
    pub fn renditions(mut self, renditions: impl IntoIterator<Item = Rendition>) -> Self {
        self.renditions.list = renditions.into_iter().collect();
        self
    }

    /// What renditions may spend: their own memory budget and threads
    /// (default: 256 MiB, one thread per core), and the most pixels a
    /// capture may have to be decoded (without this call, the sink's own
    /// `max_pixels`; with it, the limits' own).
    pub fn rendition_limits(mut self, limits: RenditionLimits) -> Self {
        self.renditions.memory_budget = Some(limits.memory_budget);
        self.renditions.threads = Some(limits.threads);
        self.renditions.max_pixels = Some(limits.max_pixels);
        self
    }
}

impl RenditionSettings {
    /// The limits renditions will be made within.
    pub(super) fn limits(&self, sink: &Limits) -> RenditionLimits {
        let default = RenditionLimits::default();
        RenditionLimits {
            memory_budget: self.memory_budget.unwrap_or(default.memory_budget),
            threads: self.threads.unwrap_or(default.threads),
            max_pixels: self.max_pixels.or(sink.max_pixels).unwrap_or(u64::MAX),
        }
    }

    /// The list as `renditions.list` writes it.
    pub(super) fn list_text(&self) -> Option<String> {
        let all: Vec<String> = self.list.iter().map(ToString::to_string).collect();
        (!all.is_empty()).then(|| all.join(", "))
    }

    /// Reads `renditions.list`.
    pub(super) fn parse_list(text: &str) -> Result<Vec<Rendition>, String> {
        crate::configure::value::list(text)
            .map(str::parse)
            .collect()
    }
}

impl RenditionSettings {
    /// Checks the list and gives the notifier what makes them.
    pub(super) fn attach(
        self,
        notifier: Option<&crate::notify::Notifier>,
        destination: &Destination,
        links: &Option<Links>,
        on_existing: OnExisting,
        limits: &Limits,
    ) -> Result<(), ConfigError> {
        if self.list.is_empty() {
            return Ok(());
        }
        let invalid = |value: String, reason: String| ConfigError::InvalidSetting {
            setting: "renditions",
            value,
            reason,
        };
        let mut names = BTreeSet::new();
        for rendition in &self.list {
            rendition
                .check()
                .map_err(|reason| invalid(rendition.name().to_owned(), reason))?;
            if !names.insert(rendition.name()) {
                let reason =
                    "two renditions have this name; each needs its own (it is part of the key)";
                return Err(invalid(rendition.name().to_owned(), reason.into()));
            }
        }
        let Some(notifier) = notifier.filter(|n| n.journal().is_some()) else {
            return Err(invalid(
                names.into_iter().collect::<Vec<_>>().join(","),
                "renditions are made as durable jobs of the capture's event: they need a notifier with a journal (NotifierBuilder::journal; in the server, a [notify] section)".into(),
            ));
        };
        if self.threads == Some(0) {
            return Err(ConfigError::InvalidLimit {
                name: "rendition_limits(threads)",
                reason: "must be at least 1",
            });
        }
        if self.memory_budget.is_some_and(|b| b < MIN_BUDGET) {
            return Err(ConfigError::InvalidLimit {
                name: "rendition_limits(memory_budget)",
                reason: "must be at least 16 MiB: one 1920 x 1080 capture and its renditions need about 10 MB",
            });
        }
        let jobs = Jobs {
            renderer: Renderer::new(self.limits(limits)),
            renditions: self.list.into(),
            destination: destination.clone(),
            links: links.clone(),
            on_existing,
        };
        if !notifier.attach_renditions(Arc::new(jobs)) {
            return Err(invalid(
                String::new(),
                "this notifier already makes another sink's renditions: give each sink its own notifier".into(),
            ));
        }
        Ok(())
    }
}
