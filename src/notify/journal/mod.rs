//! The journal: every event recorded in the object store before the
//! callback is answered, so that it outlives the process that made it.
//!
//! Records live under a reserved prefix of the store the captures go to
//! (`.shotsink/events/` by default), so a fresh machine needs nothing new
//! and replicas sharing a bucket share the journal:
//!
//! ```text
//! .shotsink/events/pending/{owner}/{id}.json   an event not delivered yet
//! .shotsink/events/failed/{id}.json            the dead letter
//! .shotsink/events/owners/{owner}              a process's heartbeat (its lease)
//! .shotsink/events/takeovers/{owner}/{n}       who took over a dead owner's events
//! ```
//!
//! Each process writes its events under its own owner (a random name per
//! start) and renews its heartbeat every quarter of the lease. A process
//! whose heartbeat is older than the lease, or missing, is taken to be
//! dead: another one (or the same server, restarted) takes its events over
//! by creating the next `takeovers/{owner}/{n}` with a conditional write
//! (`PutMode::Create`), which exactly one process wins. A delivered event's
//! record is deleted; one that spent its attempts is moved to `failed/`.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use object_store::memory::InMemory;
//! use shotsink::notify::{EventLog, EventState};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let log = EventLog::new(Arc::new(InMemory::new()));
//! // What the app has not heard of yet, oldest first.
//! let pending = log.list(EventState::Pending, None, 100).await?;
//! assert!(pending.is_empty());
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use futures_util::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload};

mod error;
mod lease;
mod query;
mod record;

pub use error::EventLogError;
pub use record::{EventRecord, EventState};

/// The prefix the journal uses by default.
pub const DEFAULT_PREFIX: &str = ".shotsink/events";

/// The lease by default: a process silent for this long is taken to be
/// dead and its events are taken over.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// Events recorded in an object store: see the
/// [module documentation](self). Cheap to clone.
///
/// On local disk, give it a `LocalFileSystem` made `with_fsync(true)` (as
/// [`store_from_url`](crate::store_from_url) makes them), so that a record
/// is on the disk, not only visible, before the callback is answered.
#[derive(Clone)]
pub struct EventLog {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn ObjectStore>,
    root: Path,
    owner: String,
    lease: Duration,
}

impl EventLog {
    /// A journal in `store` under [`DEFAULT_PREFIX`], with a lease of
    /// [`DEFAULT_LEASE`] and an owner name of its own.
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                root: Path::from(DEFAULT_PREFIX),
                owner: crate::hex::encode(&crate::random::bytes::<8>()),
                lease: DEFAULT_LEASE,
            }),
        }
    }

    /// The same journal under another prefix (every process sharing it
    /// must use the same).
    pub fn with_prefix(self, prefix: &str) -> Self {
        self.rebuilt(|inner| inner.root = Path::from(prefix))
    }

    /// The same journal with another lease: how long a process may be
    /// silent before its events are taken over. Every process sharing the
    /// journal should use the same. At least one second.
    pub fn with_lease(self, lease: Duration) -> Self {
        self.rebuilt(|inner| inner.lease = lease.max(Duration::from_secs(1)))
    }

    fn rebuilt(self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Inner {
            store: self.inner.store.clone(),
            root: self.inner.root.clone(),
            owner: self.inner.owner.clone(),
            lease: self.inner.lease,
        };
        change(&mut inner);
        Self {
            inner: Arc::new(inner),
        }
    }

    /// This process's name in the journal.
    pub fn owner(&self) -> &str {
        &self.inner.owner
    }

    /// The lease.
    pub fn lease(&self) -> Duration {
        self.inner.lease
    }

    /// Where this process keeps a pending event.
    pub(crate) fn home(&self, id: &str) -> Path {
        self.owned(&self.inner.owner, id)
    }

    fn owned(&self, owner: &str, id: &str) -> Path {
        self.path(&["pending", owner, &format!("{id}.json")])
    }

    fn failed_key(&self, id: &str) -> Path {
        self.path(&["failed", &format!("{id}.json")])
    }

    fn path(&self, parts: &[&str]) -> Path {
        let mut path = self.inner.root.clone();
        for part in parts {
            path = path.clone().join(*part);
        }
        path
    }

    /// Writes `record` at `key`, replacing what is there.
    pub(crate) async fn write(
        &self,
        key: &Path,
        record: &EventRecord,
    ) -> Result<(), EventLogError> {
        let body = serde_json::to_vec(record).map_err(|source| EventLogError::Corrupt {
            key: key.to_string(),
            source,
        })?;
        let payload = PutPayload::from(Bytes::from(body));
        self.inner.store.put(key, payload).await.map_err(store)?;
        Ok(())
    }

    /// A delivered event's record is removed.
    pub(crate) async fn delivered(&self, key: &Path) -> Result<(), EventLogError> {
        match self.inner.store.delete(key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(store(error)),
        }
    }

    /// Moves a record whose attempts are spent to the dead letter.
    pub(crate) async fn dead_letter(
        &self,
        key: Option<&Path>,
        record: &EventRecord,
    ) -> Result<(), EventLogError> {
        self.write(&self.failed_key(record.id()), record).await?;
        match key {
            Some(key) => self.delivered(key).await,
            None => Ok(()),
        }
    }

    /// The record at `key`, `None` if it is gone.
    pub(crate) async fn read(
        &self,
        key: &Path,
        state: EventState,
    ) -> Result<Option<EventRecord>, EventLogError> {
        let got = match self.inner.store.get(key).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(store(error)),
        };
        let bytes = got.bytes().await.map_err(store)?;
        let mut record: EventRecord =
            serde_json::from_slice(&bytes).map_err(|source| EventLogError::Corrupt {
                key: key.to_string(),
                source,
            })?;
        record.state = state;
        Ok(Some(record))
    }

    /// Every object under `prefix`.
    async fn list_all(&self, prefix: &Path) -> Result<Vec<ObjectMeta>, EventLogError> {
        self.inner
            .store
            .list(Some(prefix))
            .try_collect()
            .await
            .map_err(store)
    }

    /// Every event in `state`: its id and its key.
    async fn keys(&self, state: EventState) -> Result<Vec<(String, Path)>, EventLogError> {
        let prefix = self.path(&[match state {
            EventState::Pending => "pending",
            EventState::Failed => "failed",
        }]);
        let listed = self.list_all(&prefix).await?;
        Ok(listed
            .into_iter()
            .filter_map(|meta| Some((id_of(&meta.location)?, meta.location)))
            .collect())
    }
}

/// The id in a record's key (`…/msg_….json`).
fn id_of(key: &Path) -> Option<String> {
    let name = key.filename()?.strip_suffix(".json")?;
    name.starts_with("msg_").then(|| name.to_owned())
}

fn store(source: object_store::Error) -> EventLogError {
    EventLogError::Store { source }
}

impl fmt::Debug for EventLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLog")
            .field("store", &format_args!("{}", self.inner.store))
            .field("prefix", &self.inner.root.as_ref())
            .field("owner", &self.inner.owner)
            .field("lease", &self.inner.lease)
            .finish()
    }
}
