use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream;
use object_store::memory::InMemory;

use crate::CaptureSink;

/// A callback waiting for its ticket (the sink full of strangers) is the
/// small future that checked its framing and waits on the budget: the
/// parser, the upload and the answer are allocated once it is admitted.
/// Thousands wait in a burst; each holds little more than its connection.
#[test]
fn a_callback_waits_for_its_ticket_in_a_small_future() {
    let sink = CaptureSink::builder(Arc::new(InMemory::new()))
        .secret("test-secret-7f3a")
        .build()
        .unwrap();
    let headers = http::HeaderMap::new();
    let body = stream::empty::<Result<Bytes, std::io::Error>>();
    let waiting = sink.receive(&headers, body);
    let size = std::mem::size_of_val(&waiting);
    assert!(size <= 1024, "the waiting future is {size} bytes");
}
