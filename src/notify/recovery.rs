//! The recovery: on start and every quarter of the lease, renews this
//! process's lease, takes over the events of processes whose lease has run
//! out, and queues the journal's events this process owns but does not
//! hold (taken over, or left there while the queue was full).

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Utc;

use super::counters;
use super::delivery::{Job, Shared};
use super::journal::{EventLog, EventState};

/// Runs until the shutdown begins.
pub(super) async fn run(shared: Arc<Shared>, journal: EventLog) {
    let every = journal.lease() / 4;
    let mut adopted = BTreeSet::new();
    let mut empty = BTreeSet::new();
    loop {
        if let Err(error) = journal.beat().await {
            tracing::warn!(%error, "the event journal's lease could not be renewed");
        }
        scan(&shared, &journal, &mut adopted, &mut empty).await;
        tokio::select! {
            () = shared.stop.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// One round: takeovers, then this process's events not yet held.
/// `adopted` holds the owners taken over; `empty`, the silent owners found
/// with nothing to deliver (a local store may keep their folder).
async fn scan(
    shared: &Shared,
    journal: &EventLog,
    adopted: &mut BTreeSet<String>,
    empty: &mut BTreeSet<String>,
) {
    match journal.orphans().await {
        Ok(owners) => {
            let fresh: Vec<String> = owners
                .into_iter()
                .filter(|o| !adopted.contains(o) && !empty.contains(o))
                .collect();
            for owner in fresh {
                adopt(journal, owner, adopted, empty).await;
            }
        }
        Err(error) => tracing::warn!(%error, "the event journal could not be listed"),
    }
    let mine = journal.owner().to_owned();
    let owners: Vec<String> = std::iter::once(mine.clone())
        .chain(adopted.iter().cloned())
        .collect();
    for owner in owners {
        if shared.stop.is_cancelled() {
            return;
        }
        let records = match journal.records_of(&owner).await {
            Ok(records) => records,
            Err(error) => {
                tracing::warn!(%owner, %error, "the event journal could not be listed");
                continue;
            }
        };
        if owner != mine && records.is_empty() {
            match journal.release(&owner).await {
                Ok(()) => {
                    adopted.remove(&owner);
                }
                Err(error) => {
                    tracing::debug!(%owner, %error, "a finished takeover could not be cleared")
                }
            }
            continue;
        }
        for (id, key) in records {
            if shared.stop.is_cancelled()
                || shared.pending.load(std::sync::atomic::Ordering::Acquire) >= shared.capacity
            {
                break;
            }
            if !shared.held().insert(id.clone()) {
                continue;
            }
            let record = match journal.read(&key, EventState::Pending).await {
                Ok(Some(record)) => record,
                Ok(None) => {
                    shared.held().remove(&id);
                    continue;
                }
                Err(error) => {
                    shared.held().remove(&id);
                    tracing::warn!(%id, %error, "an event record could not be read");
                    continue;
                }
            };
            if let Err(job) = shared.enqueue(Job {
                record,
                home: Some(key),
            }) {
                shared.held().remove(job.record.id());
                break;
            }
        }
    }
    oldest(shared);
}

/// Takes a silent owner's events over if it left any.
async fn adopt(
    journal: &EventLog,
    owner: String,
    adopted: &mut BTreeSet<String>,
    empty: &mut BTreeSet<String>,
) {
    match journal.records_of(&owner).await {
        Ok(records) if records.is_empty() => {
            if let Err(error) = journal.release(&owner).await {
                tracing::debug!(%owner, %error, "a silent owner's lease could not be cleared");
            }
            empty.insert(owner);
            return;
        }
        Ok(_) => {}
        Err(error) => {
            tracing::warn!(%owner, %error, "the event journal could not be listed");
            return;
        }
    }
    match journal.take_over(&owner).await {
        Ok(true) => {
            tracing::info!(%owner, "taking over the undelivered events of a process whose lease ran out");
            adopted.insert(owner);
        }
        Ok(false) => {}
        Err(error) => {
            tracing::warn!(%owner, %error, "could not take over a silent process's events")
        }
    }
}

/// Sets the gauge of the oldest event held undelivered.
pub(super) fn oldest(shared: &Shared) {
    let first = shared.held().first().cloned();
    let age = first
        .and_then(|id| super::event::id_time(&id))
        .map_or(0.0, |made| {
            Utc::now()
                .signed_duration_since(made)
                .num_milliseconds()
                .max(0) as f64
                / 1000.0
        });
    counters::oldest(age);
}
