//! Work owed with an event before it is sent: the capture's renditions.
//! The event's record names them pending from the start, so a crash before
//! they are made leaves them pending in the journal, and whoever delivers
//! the event next (this process after a restart, or a replica that took the
//! lease over) makes them.

use std::future::Future;
use std::pin::Pin;

use super::delivery::{Job, Shared};
use super::event::{EventData, RenditionEntry};
use crate::Outcome;

/// Makes the renditions an event owes; given to the notifier by the sink.
pub(crate) trait Renditions: Send + Sync + 'static {
    /// The renditions owed for `outcome`: pending, or failed at once (a
    /// format with no decoder); `None` when none are owed.
    fn owed(&self, outcome: &Outcome) -> Option<Vec<RenditionEntry>>;

    /// Makes the pending entries of `data`; returns every entry, each done
    /// or failed.
    fn make<'a>(
        &'a self,
        data: &'a EventData,
    ) -> Pin<Box<dyn Future<Output = Vec<RenditionEntry>> + Send + 'a>>;
}

/// The maker, waiting a little for it: a record taken over at start-up
/// may be delivered before the sink has given its notifier the maker.
async fn maker(shared: &Shared) -> Option<&std::sync::Arc<dyn Renditions>> {
    for _ in 0..100 {
        if let Some(maker) = shared.renditions.get() {
            return Some(maker);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    shared.renditions.get()
}

/// Makes what `job`'s event owes, then writes the record back, so that a
/// crash after this point does not make them again.
pub(super) async fn settle(shared: &Shared, job: &mut Job) {
    let data = &job.record.event.data;
    let Some(entries) = &data.renditions else {
        return;
    };
    if !entries.iter().any(RenditionEntry::is_pending) {
        return;
    }
    let made = match maker(shared).await {
        Some(renditions) => renditions.make(data).await,
        None => entries
            .iter()
            .map(|e| match e.is_pending() {
                true => e.clone().failed(
                    "renditions are not configured in the process that delivered this event (none was given within 10 s)",
                ),
                false => e.clone(),
            })
            .collect(),
    };
    job.record.event.data.renditions = Some(made);
    if let (Some(journal), Some(home)) = (&shared.journal, &job.home)
        && let Err(error) = journal.write(home, &job.record).await
    {
        tracing::debug!(id = %job.record.id(), %error, "the renditions could not be written to the record; they may be made again");
    }
}
