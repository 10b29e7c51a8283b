//! What an operator asks of the journal: the events in a state, one
//! event, and a replay of the dead letter.

use chrono::{DateTime, Utc};
use object_store::ObjectStoreExt;

use super::{EventLog, EventLogError, EventRecord, EventState, store};

impl EventLog {
    /// Up to `limit` events in `state`, oldest first, made at or after
    /// `since` when given.
    ///
    /// # Errors
    ///
    /// The store failed, or a record is not one this crate wrote.
    pub async fn list(
        &self,
        state: EventState,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<EventRecord>, EventLogError> {
        let mut found = self.keys(state).await?;
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let since = since.map(|at| at.timestamp_millis());
        let mut records = Vec::new();
        for (id, key) in found {
            if records.len() >= limit {
                break;
            }
            let made = crate::notify::event::id_time(&id).map(|at| at.timestamp_millis());
            if since.is_some_and(|since| made.is_none_or(|made| made < since)) {
                continue;
            }
            // Delivered (and deleted) since it was listed: skipped; so is a
            // record that is not one (with a warning), rather than hiding
            // every other.
            match self.read(&key, state).await {
                Ok(Some(record)) => records.push(record),
                Ok(None) => {}
                Err(error @ EventLogError::Corrupt { .. }) => {
                    tracing::warn!(%error, "skipped in the list");
                }
                Err(error) => return Err(error),
            }
        }
        Ok(records)
    }

    /// The event with this id, pending or failed; `None` if the journal
    /// does not hold it (never recorded, or delivered).
    ///
    /// # Errors
    ///
    /// The store failed, or the record is not one this crate wrote.
    pub async fn get(&self, id: &str) -> Result<Option<EventRecord>, EventLogError> {
        if let Some(record) = self.read(&self.failed_key(id), EventState::Failed).await? {
            return Ok(Some(record));
        }
        for (found, key) in self.keys(EventState::Pending).await? {
            if found == id {
                return self.read(&key, EventState::Pending).await;
            }
        }
        Ok(None)
    }

    /// Gives a failed event a new round of attempts: it goes back to
    /// pending with its id, and is delivered by a running process (this
    /// one if it delivers, or whichever takes over this owner's events).
    ///
    /// # Errors
    ///
    /// [`EventLogError::NotFound`] if the dead letter does not hold it, or
    /// the store failed.
    pub async fn replay(&self, id: &str) -> Result<EventRecord, EventLogError> {
        let from = self.failed_key(id);
        let Some(mut record) = self.read(&from, EventState::Failed).await? else {
            return Err(EventLogError::NotFound { id: id.to_owned() });
        };
        record.attempts = 0;
        record.next_attempt_at = None;
        record.failed_at = None;
        record.state = EventState::Pending;
        self.write(&self.home(record.id()), &record).await?;
        self.inner.store.delete(&from).await.map_err(store)?;
        Ok(record)
    }

    /// Replays every failed event; returns their ids.
    ///
    /// # Errors
    ///
    /// The store failed; the events replayed before it did stay replayed.
    pub async fn replay_failed(&self) -> Result<Vec<String>, EventLogError> {
        let mut ids = Vec::new();
        for (id, _) in self.keys(EventState::Failed).await? {
            match self.replay(&id).await {
                Ok(_) => ids.push(id),
                // Replayed by someone else meanwhile.
                Err(EventLogError::NotFound { .. }) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(ids)
    }
}
