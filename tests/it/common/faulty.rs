//! A real store wrapped to inject the failures a real store cannot be made
//! to produce on demand, and to count what the sink did to it.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result, UploadPart,
};

/// Which failures to inject. Each failure hits the first put or the first
/// multipart upload only, so the next request shows whether the sink still
/// serves.
#[derive(Debug, Default, Clone)]
pub struct Faults {
    /// The first single put fails.
    pub fail_put: bool,
    /// In the first upload, the part with this number (1-based) fails.
    pub fail_part: Option<usize>,
    /// Completing the first multipart upload fails.
    pub fail_complete: bool,
    /// Every part takes this long before it is sent on.
    pub part_delay: Option<Duration>,
    /// Every single put takes this long before it is sent on.
    pub put_delay: Option<Duration>,
    /// Every abort takes this long before it is sent on.
    pub abort_delay: Option<Duration>,
    /// Every copy takes this long before it is sent on.
    pub copy_delay: Option<Duration>,
    /// While the flag is set, every put under the prefix fails.
    pub fail_puts_under: Option<(&'static str, Arc<std::sync::atomic::AtomicBool>)>,
}

#[derive(Debug, Default)]
pub struct Counts {
    pub puts: AtomicUsize,
    pub uploads: AtomicUsize,
    pub parts: AtomicUsize,
    pub completes: AtomicUsize,
    pub aborts: AtomicUsize,
    /// Aborts that reached the store (after any delay).
    pub aborted: AtomicUsize,
}

impl Counts {
    pub fn get(&self, c: &AtomicUsize) -> usize {
        c.load(Ordering::SeqCst)
    }
}

#[derive(Debug)]
pub struct FaultyStore {
    inner: Arc<dyn ObjectStore>,
    faults: Faults,
    pub counts: Arc<Counts>,
}

impl FaultyStore {
    pub fn new(inner: Arc<dyn ObjectStore>, faults: Faults) -> Arc<Self> {
        Arc::new(Self {
            inner,
            faults,
            counts: Arc::default(),
        })
    }
}

impl FaultyStore {
    /// `inner` with every single put and every part taking `delay`.
    pub fn slow(inner: Arc<dyn ObjectStore>, delay: Duration) -> Arc<Self> {
        Self::new(
            inner,
            Faults {
                part_delay: Some(delay),
                put_delay: Some(delay),
                ..Faults::default()
            },
        )
    }
}

impl fmt::Display for FaultyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FaultyStore({})", self.inner)
    }
}

fn injected(what: &str) -> object_store::Error {
    object_store::Error::Generic {
        store: "FaultyStore",
        source: format!("injected {what} failure").into(),
    }
}

#[async_trait]
impl ObjectStore for FaultyStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        let n = self.counts.puts.fetch_add(1, Ordering::SeqCst) + 1;
        if self.faults.fail_put && n == 1 {
            return Err(injected("put"));
        }
        if let Some((prefix, on)) = &self.faults.fail_puts_under
            && on.load(Ordering::SeqCst)
            && location.as_ref().starts_with(prefix)
        {
            return Err(injected("put"));
        }
        if let Some(delay) = self.faults.put_delay {
            tokio::time::sleep(delay).await;
        }
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        let inner = self.inner.put_multipart_opts(location, opts).await?;
        let n = self.counts.uploads.fetch_add(1, Ordering::SeqCst) + 1;
        let faults = if n == 1 {
            self.faults.clone()
        } else {
            Faults {
                part_delay: self.faults.part_delay,
                abort_delay: self.faults.abort_delay,
                ..Faults::default()
            }
        };
        Ok(Box::new(FaultyUpload {
            inner,
            faults,
            counts: self.counts.clone(),
            parts: 0,
        }))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        if let Some(delay) = self.faults.copy_delay {
            tokio::time::sleep(delay).await;
        }
        self.inner.copy_opts(from, to, options).await
    }
}

#[derive(Debug)]
struct FaultyUpload {
    inner: Box<dyn MultipartUpload>,
    faults: Faults,
    counts: Arc<Counts>,
    parts: usize,
}

#[async_trait]
impl MultipartUpload for FaultyUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        self.parts += 1;
        self.counts.parts.fetch_add(1, Ordering::SeqCst);
        if self.faults.fail_part == Some(self.parts) {
            return Box::pin(async { Err(injected("part")) });
        }
        let part = self.inner.put_part(data);
        match self.faults.part_delay {
            Some(delay) => Box::pin(async move {
                tokio::time::sleep(delay).await;
                part.await
            }),
            None => part,
        }
    }

    async fn complete(&mut self) -> Result<PutResult> {
        if self.faults.fail_complete {
            return Err(injected("complete"));
        }
        let result = self.inner.complete().await?;
        self.counts.completes.fetch_add(1, Ordering::SeqCst);
        Ok(result)
    }

    async fn abort(&mut self) -> Result<()> {
        self.counts.aborts.fetch_add(1, Ordering::SeqCst);
        if let Some(delay) = self.faults.abort_delay {
            tokio::time::sleep(delay).await;
        }
        let result = self.inner.abort().await;
        self.counts.aborted.fetch_add(1, Ordering::SeqCst);
        result
    }
}
