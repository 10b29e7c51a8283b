//! Renditions as the events' owed work: named pending when the capture's
//! event is recorded, made when the event is delivered (the source read
//! back from the store), each stored next to the capture (`put.rs`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use object_store::ObjectStoreExt;
use object_store::path::Path;
use tokio::sync::OwnedSemaphorePermit;

use super::{Rendered, Renderer, Rendition, RenditionError};
use crate::notify::owed::Renditions;
use crate::notify::{EventData, RenditionEntry};
use crate::store::link::Links;
use crate::store::upload::Destination;
use crate::{Format, OnExisting, Outcome};

/// What the sink gives its notifier to make renditions with.
pub(crate) struct Jobs {
    pub(crate) renderer: Renderer,
    pub(crate) renditions: Arc<[Rendition]>,
    pub(crate) destination: Destination,
    pub(crate) links: Option<Links>,
    pub(crate) on_existing: OnExisting,
}

/// `a/b/<token>.png` → `a/b/<token>.<name>.<ext>`: next to the capture.
pub(crate) fn rendition_key(capture_key: &str, name: &str, ext: &str) -> String {
    let (dir, file) = match capture_key.rfind('/') {
        Some(i) => capture_key.split_at(i + 1),
        None => ("", capture_key),
    };
    let stem = match file.rfind('.') {
        Some(i) if i > 0 => &file[..i],
        _ => file,
    };
    format!("{dir}{stem}.{name}.{ext}")
}

/// Whether `entry` was owed for `rendition` as configured now: same name,
/// same format (the key's extension).
fn same(entry: &RenditionEntry, rendition: &Rendition) -> bool {
    entry.name == rendition.name && entry.format == rendition.format.extension()
}

/// Each owed rendition, made or failed.
type Made = Vec<Result<Rendered, RenditionError>>;

/// Every pending entry failed for `error`.
fn fail_pending(entries: Vec<RenditionEntry>, error: &RenditionError) -> Vec<RenditionEntry> {
    let reason = error.to_string();
    let failed = entries.into_iter().map(|e| match e.is_pending() {
        true => e.failed(reason.clone()),
        false => e,
    });
    failed.collect()
}

impl Renditions for Jobs {
    fn owed(&self, outcome: &Outcome) -> Option<Vec<RenditionEntry>> {
        let Outcome::Stored(capture) = outcome else {
            return None;
        };
        let decodable = matches!(capture.format, Format::Png | Format::Jpeg | Format::Webp);
        if !decodable {
            crate::metrics::renditions(0, self.renditions.len(), None);
        }
        let key = capture.key.as_ref();
        let entries = self.renditions.iter().map(|r| {
            let ext = r.format.extension();
            let entry = RenditionEntry::pending(&r.name, &rendition_key(key, &r.name, ext), ext);
            match decodable {
                true => entry,
                false => entry.failed(
                    RenditionError::Unsupported {
                        format: capture.format.extension().to_uppercase(),
                    }
                    .to_string(),
                ),
            }
        });
        Some(entries.collect())
    }

    fn make<'a>(
        &'a self,
        data: &'a EventData,
    ) -> Pin<Box<dyn Future<Output = Vec<RenditionEntry>> + Send + 'a>> {
        Box::pin(self.make_all(data))
    }
}

impl Jobs {
    async fn make_all(&self, data: &EventData) -> Vec<RenditionEntry> {
        let started = std::time::Instant::now();
        let owed: Vec<String> = (data.renditions.iter().flatten())
            .filter(|e| e.is_pending())
            .map(|e| e.name.clone())
            .collect();
        tracing::debug!(
            token = data.token.as_deref(),
            owed = owed.len(),
            "making renditions"
        );
        let made = self.make_owed(data).await;
        let now: Vec<&RenditionEntry> = made.iter().filter(|e| owed.contains(&e.name)).collect();
        let failed: Vec<&&RenditionEntry> = now
            .iter()
            .filter(|e| e.state == RenditionEntry::FAILED)
            .collect();
        let done = now.len() - failed.len();
        crate::metrics::renditions(done, failed.len(), Some(started.elapsed()));
        let ms = started.elapsed().as_millis() as u64;
        let token = data.token.as_deref();
        match failed.first().and_then(|e| e.reason.as_deref()) {
            // Formats with no decoder are expected: not a warning.
            Some(reason) if !reason.starts_with("no renditions are made of") => {
                tracing::warn!(
                    token,
                    done,
                    failed = failed.len(),
                    ms,
                    reason,
                    "renditions failed; the capture stays stored"
                );
            }
            _ => tracing::debug!(token, done, failed = failed.len(), ms, "renditions made"),
        }
        made
    }

    async fn make_owed(&self, data: &EventData) -> Vec<RenditionEntry> {
        let entries = data.renditions.clone().unwrap_or_default();
        let owed: Vec<Rendition> = self
            .renditions
            .iter()
            .filter(|r| entries.iter().any(|e| e.is_pending() && same(e, r)))
            .cloned()
            .collect();
        if owed.is_empty() {
            // Every pending entry's configuration changed: nothing to read.
            let changed = RenditionError::Encode(
                "this rendition is no longer configured as it was when the capture was stored (name and format)".into(),
            );
            return fail_pending(entries, &changed);
        }
        let (made, slot) = match self.render(data, owed.clone().into()).await {
            Ok(made) => made,
            Err(error) => return fail_pending(entries, &error),
        };
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            if !entry.is_pending() {
                out.push(entry);
                continue;
            }
            let result = owed
                .iter()
                .position(|r| same(&entry, r))
                .and_then(|i| made.get(i));
            out.push(match result {
                Some(Ok(rendered)) => self.store(entry, rendered, data.token.as_deref()).await,
                Some(Err(error)) => entry.failed(error.to_string()),
                None => entry.failed(
                    "this rendition is no longer configured as it was when the capture was stored (name and format)",
                ),
            });
        }
        drop(slot);
        out
    }

    /// Reads the capture back and makes `owed` of it, within the budget:
    /// admitted from the event's dimensions before it is read (a capture
    /// larger than the whole budget is not even read), corrected from the
    /// header once read.
    /// Returns the renditions and the thread's place, held until every one
    /// is stored: at most `threads` captures' renditions are in hand at once.
    async fn render(
        &self,
        data: &EventData,
        owed: Arc<[Rendition]>,
    ) -> Result<(Made, Arc<OwnedSemaphorePermit>), RenditionError> {
        let unknown = || RenditionError::Decode("the capture's size is not in its event".into());
        let (w, h) = data.width.zip(data.height).ok_or_else(unknown)?;
        let size = data.size.ok_or_else(unknown)?;
        // Refused before the read only when even the least it can need
        // exceeds the budget; the estimate is capped at the budget, and the
        // header's figure decides once read.
        let budget = self.renderer.budget_bytes();
        let png = data.format.as_deref() == Some(Format::Png.extension());
        let least = Renderer::least((w, h), size, &owed, png);
        if least > budget {
            return Err(RenditionError::OverBudget {
                needed: least,
                budget,
            });
        }
        let estimate = Renderer::estimate((w, h), size, &owed, png).min(budget);
        let admitted = self.renderer.admit(estimate).await?;
        let unreadable = |e: object_store::Error| {
            RenditionError::Decode(format!("the capture could not be read back: {e}"))
        };
        let key = data.key.as_deref().unwrap_or_default();
        let path = Path::parse(key).map_err(|e| RenditionError::Decode(e.to_string()))?;
        let source = self
            .destination
            .store
            .get(&path)
            .await
            .map_err(unreadable)?;
        // Checked before the body is read: a larger object (replaced since)
        // is never held beyond what was admitted.
        if source.meta.size != size {
            return Err(RenditionError::Decode(format!(
                "the capture changed since its event: {} bytes stored, {size} announced",
                source.meta.size
            )));
        }
        let source = source.bytes().await.map_err(unreadable)?;
        let renderer = &self.renderer;
        let (memory, needed) = renderer.admitted(Some(admitted), &source, &owed).await?;
        let slot = Arc::new(renderer.slot().await?);
        let made = renderer
            .run(slot.clone(), memory, needed, source, owed)
            .await?;
        Ok((made, slot))
    }
}
