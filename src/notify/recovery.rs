//! The recovery: renews this process's lease every quarter of it, in a
//! task of its own so that a long scan never lets it run out; and, on
//! start and every quarter of the lease, takes over the events of
//! processes whose lease has run out and queues the journal's events this
//! process owns but does not hold (taken over, or left there while the
//! queue was full).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use chrono::Utc;
use futures_util::StreamExt;
use object_store::path::Path;

use super::counters;
use super::delivery::{Job, Shared};
use super::journal::{EventLog, EventLogError, EventState};

/// Renews the lease until the deliveries have ended (the shutdown's
/// deadline included), so that no one takes over events still being
/// delivered.
pub(super) async fn beat(shared: Arc<Shared>, journal: EventLog) {
    let every = journal.lease() / 4;
    loop {
        let renewed = tokio::select! {
            () = shared.quiet.cancelled() => break,
            renewed = journal.beat() => renewed,
        };
        if let Err(error) = renewed {
            tracing::warn!(%error, "the event journal's lease could not be renewed");
        }
        tokio::select! {
            () = shared.quiet.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// What the scans remember between rounds.
#[derive(Default)]
struct Memory {
    /// Owners whose events this process took over.
    adopted: BTreeSet<String>,
    /// Silent owners found with nothing to deliver (a local store may keep
    /// their folder), and when: looked at again after a while.
    empty: BTreeMap<String, Instant>,
    /// Records that could not be read as records: warned about once.
    unreadable: BTreeSet<String>,
}

/// Scans until the shutdown begins; a scan in flight stops at the
/// shutdown's deadline.
pub(super) async fn run(shared: Arc<Shared>, journal: EventLog) {
    let every = journal.lease() / 4;
    let mut memory = Memory::default();
    // The first scan judges others on the store's clock, which this
    // process's own heartbeat gives.
    if let Err(error) = journal.beat().await {
        tracing::warn!(%error, "the event journal's lease could not be taken");
    }
    loop {
        tokio::select! {
            () = shared.abort.cancelled() => break,
            () = scan(&shared, &journal, &mut memory) => {}
        }
        tokio::select! {
            () = shared.stop.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// One round: takeovers, then this process's events not yet held.
async fn scan(shared: &Shared, journal: &EventLog, memory: &mut Memory) {
    let forget_after = journal.lease() * 4;
    memory.empty.retain(|_, at| at.elapsed() < forget_after);
    match journal.orphans().await {
        Ok(owners) => {
            let fresh: Vec<String> = owners
                .into_iter()
                .filter(|o| !memory.adopted.contains(o) && !memory.empty.contains_key(o))
                .collect();
            for owner in fresh {
                adopt(journal, owner, memory).await;
            }
        }
        Err(error) => tracing::warn!(%error, "the event journal could not be listed"),
    }
    let mine = journal.owner().to_owned();
    let owners: Vec<String> = std::iter::once(mine.clone())
        .chain(memory.adopted.iter().cloned())
        .collect();
    for owner in owners {
        if shared.stop.is_cancelled() {
            return;
        }
        if owner != mine && journal.alive(&owner).await.unwrap_or(false) {
            // It was only slow: its events are its own again.
            tracing::info!(%owner, "a process taken for dead renewed its lease; leaving its events to it");
            memory.adopted.remove(&owner);
            continue;
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
                    memory.adopted.remove(&owner);
                }
                Err(error) => {
                    tracing::debug!(%owner, %error, "a finished takeover could not be cleared")
                }
            }
            continue;
        }
        load(shared, journal, records, memory).await;
    }
    oldest(shared);
}

/// How many records a scan reads at once.
const READS_IN_FLIGHT: usize = 16;

/// Reads and queues the records not held yet, oldest first, as many as
/// there is room for, several reads at a time.
async fn load(
    shared: &Shared,
    journal: &EventLog,
    records: Vec<(String, Path)>,
    memory: &mut Memory,
) {
    let room = shared
        .capacity
        .saturating_sub(shared.pending.load(Ordering::Acquire));
    let mut wanted = Vec::new();
    for (id, key) in records {
        if wanted.len() >= room {
            break;
        }
        if !memory.unreadable.contains(&id) && shared.held().insert(id.clone()) {
            wanted.push((id, key));
        }
    }
    let mut reads = futures_util::stream::iter(wanted)
        .map(|(id, key)| async move {
            let read = journal.read(&key, EventState::Pending).await;
            (id, key, read)
        })
        .buffered(READS_IN_FLIGHT);
    while let Some((id, key, read)) = reads.next().await {
        let record = match read {
            Ok(Some(record)) if !shared.stop.is_cancelled() => record,
            Ok(_) => {
                shared.held().remove(&id);
                continue;
            }
            Err(error) => {
                shared.held().remove(&id);
                if matches!(error, EventLogError::Corrupt { .. }) {
                    memory.unreadable.insert(id.clone());
                }
                tracing::warn!(%id, %error, "an event record could not be read");
                continue;
            }
        };
        if let Err(job) = shared.enqueue(Job {
            record,
            home: Some(key),
        }) {
            shared.held().remove(job.record.id());
        }
    }
}

/// Takes a silent owner's events over if it left any.
async fn adopt(journal: &EventLog, owner: String, memory: &mut Memory) {
    match journal.records_of(&owner).await {
        Ok(records) if records.is_empty() => {
            if let Err(error) = journal.release(&owner).await {
                tracing::debug!(%owner, %error, "a silent owner's lease could not be cleared");
            }
            memory.empty.insert(owner, Instant::now());
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
            memory.adopted.insert(owner);
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
