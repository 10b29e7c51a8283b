//! What [`CaptureSink::builder`](crate::CaptureSink::builder) stores into:
//! a shared store handle, made from an `Arc` of any store without a type
//! annotation.

use std::sync::Arc;

use object_store::ObjectStore;

/// A store the sink can write to: `Arc<dyn ObjectStore>` as it is, or an
/// `Arc` of any store (`Arc::new(InMemory::new())`,
/// `Arc::new(AmazonS3Builder::from_env()...build()?)`), turned into one
/// without wrapping it twice.
///
/// ```
/// use std::sync::Arc;
///
/// use object_store::memory::InMemory;
/// use shotsink::CaptureSink;
///
/// let store = Arc::new(InMemory::new());
/// let sink = CaptureSink::builder(store.clone()).secret("s3cret").build();
/// assert!(sink.is_ok());
/// ```
pub trait IntoObjectStore {
    /// The shared handle.
    fn into_object_store(self) -> Arc<dyn ObjectStore>;
}

impl IntoObjectStore for Arc<dyn ObjectStore> {
    fn into_object_store(self) -> Arc<dyn ObjectStore> {
        self
    }
}

impl<T: ObjectStore> IntoObjectStore for Arc<T> {
    fn into_object_store(self) -> Arc<dyn ObjectStore> {
        self
    }
}
