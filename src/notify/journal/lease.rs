//! Leases: each process's heartbeat, and the takeover of a silent
//! process's events by exactly one other, through a conditional write.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload};

use super::{EventLog, EventLogError, id_of, store};

impl EventLog {
    /// Renews this process's lease.
    pub(crate) async fn beat(&self) -> Result<(), EventLogError> {
        let key = self.path(&["owners", self.owner()]);
        let body = format!(
            "{{\"owner\":\"{}\",\"at\":\"{}\"}}",
            self.owner(),
            Utc::now()
        );
        let payload = PutPayload::from(Bytes::from(body));
        self.inner.store.put(&key, payload).await.map_err(store)?;
        Ok(())
    }

    /// Gives up this process's lease at a graceful stop, so that its
    /// undelivered events are taken over at once rather than after the
    /// lease.
    pub(crate) async fn end(&self) -> Result<(), EventLogError> {
        let key = self.path(&["owners", self.owner()]);
        match self.inner.store.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(store(error)),
        }
    }

    /// Owners with pending events whose lease has run out (or who never
    /// had one), this process excepted. Heartbeats run out without pending
    /// events (a process killed with none) are deleted on the way.
    pub(crate) async fn orphans(&self) -> Result<Vec<String>, EventLogError> {
        let pending = self.path(&["pending"]);
        let listed = self
            .inner
            .store
            .list_with_delimiter(Some(&pending))
            .await
            .map_err(store)?;
        let beats = self.beats().await?;
        let folders: HashSet<String> = listed
            .common_prefixes
            .iter()
            .filter_map(|prefix| prefix.filename().map(str::to_owned))
            .collect();
        for owner in beats.at.keys() {
            if !folders.contains(owner)
                && owner != self.owner()
                && !beats.alive(owner, self.lease())
            {
                let beat = self.path(&["owners", owner]);
                if let Err(error) = self.inner.store.delete(&beat).await {
                    tracing::debug!(%owner, %error, "a stale heartbeat could not be deleted");
                }
            }
        }
        Ok(folders
            .into_iter()
            .filter(|owner| owner != self.owner() && !beats.alive(owner, self.lease()))
            .collect())
    }

    /// Whether `owner`'s lease is current.
    pub(crate) async fn alive(&self, owner: &str) -> Result<bool, EventLogError> {
        Ok(self.beats().await?.alive(owner, self.lease()))
    }

    /// Every owner's last heartbeat, and the store's time now as the
    /// newest of them tells it (this process's own is renewed every
    /// quarter of the lease), so that no machine's clock is compared with
    /// the store's.
    async fn beats(&self) -> Result<Beats, EventLogError> {
        let owners = self.path(&["owners"]);
        let listed = self.list_all(&owners).await?;
        let at: HashMap<String, DateTime<Utc>> = listed
            .into_iter()
            .filter_map(|meta| Some((meta.location.filename()?.to_owned(), meta.last_modified)))
            .collect();
        let now = match at.get(self.owner()) {
            // Without a heartbeat of its own, the local clock is all there is.
            None => Utc::now(),
            Some(_) => at.values().copied().max().unwrap_or_else(Utc::now),
        };
        Ok(Beats { at, now })
    }

    /// Tries to take `owner`'s events over: `true` if this process holds
    /// them now (it won the conditional write, or had already), `false` if
    /// another live process does or won the race.
    pub(crate) async fn take_over(&self, owner: &str) -> Result<bool, EventLogError> {
        let dir = self.path(&["takeovers", owner]);
        let listed = self.list_all(&dir).await?;
        let last = listed
            .iter()
            .filter_map(|meta| meta.location.filename()?.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        if last > 0 {
            let key = dir.clone().join(format!("{last:010}"));
            let taker = match self.inner.store.get(&key).await {
                Ok(got) => got.bytes().await.map_err(store)?,
                Err(object_store::Error::NotFound { .. }) => Bytes::new(),
                Err(error) => return Err(store(error)),
            };
            let taker = String::from_utf8_lossy(&taker).into_owned();
            if taker == self.owner() {
                return Ok(true);
            }
            if self.alive(&taker).await? {
                return Ok(false);
            }
        }
        let next = dir.join(format!("{:010}", last + 1));
        let claim = PutPayload::from(Bytes::from(self.owner().to_owned()));
        let options = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        match self
            .inner
            .store
            .put_opts(&next, claim.clone(), options)
            .await
        {
            Ok(_) => Ok(true),
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => Ok(false),
            Err(object_store::Error::NotImplemented { .. }) => {
                // No conditional writes: the last writer wins, and a
                // racing replica may win too (a duplicate, never a loss).
                self.inner.store.put(&next, claim).await.map_err(store)?;
                let got = self.inner.store.get(&next).await.map_err(store)?;
                Ok(got.bytes().await.map_err(store)? == self.owner().as_bytes())
            }
            Err(error) => Err(store(error)),
        }
    }

    /// The ids and keys of `owner`'s pending events.
    pub(crate) async fn records_of(
        &self,
        owner: &str,
    ) -> Result<Vec<(String, Path)>, EventLogError> {
        let dir = self.path(&["pending", owner]);
        let listed = self.list_all(&dir).await?;
        let mut records: Vec<_> = listed
            .into_iter()
            .filter_map(|meta| Some((id_of(&meta.location)?, meta.location)))
            .collect();
        records.sort();
        Ok(records)
    }

    /// Forgets a taken-over owner whose events are all gone: its
    /// takeovers, and its heartbeat unless it has come back to life.
    pub(crate) async fn release(&self, owner: &str) -> Result<(), EventLogError> {
        let dir = self.path(&["takeovers", owner]);
        let listed = self.list_all(&dir).await?;
        for meta in listed {
            match self.inner.store.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => return Err(store(error)),
            }
        }
        if self.alive(owner).await? {
            return Ok(());
        }
        let beat = self.path(&["owners", owner]);
        match self.inner.store.delete(&beat).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(store(error)),
        }
    }
}

/// The heartbeats, and the store's time.
struct Beats {
    at: HashMap<String, DateTime<Utc>>,
    now: DateTime<Utc>,
}

impl Beats {
    fn alive(&self, owner: &str, lease: std::time::Duration) -> bool {
        let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
        self.at
            .get(owner)
            .is_some_and(|at| self.now.signed_duration_since(*at) < lease)
    }
}
