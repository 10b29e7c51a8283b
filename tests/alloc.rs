//! What held bytes cost on the heap, whatever the client's segmentation:
//! counted by a global allocator of this test binary (one test only, so
//! nothing else allocates meanwhile).
#![allow(unsafe_code)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use common::*;
use futures_util::StreamExt;
use http::Request;
use http_body_util::StreamBody;
use shotsink::CaptureSink;
use tower::ServiceExt;

/// The system allocator, counting the bytes allocated and not yet freed.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only
// a counter is updated beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const FILE: usize = 100 * 1024;

#[tokio::test(flavor = "current_thread")]
async fn a_file_sent_in_one_byte_segments_before_its_secret_costs_about_what_it_counts() {
    let sink = CaptureSink::builder(memory())
        .secret(SECRET)
        .build()
        .unwrap();
    // The file first, then the secret, which never comes: the file is held.
    let body = multipart_body(&callback_file_first("Tiny", "pdf", large_pdf(FILE)));
    let file_end = body.len() - 600;
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(1);
    let frames =
        tokio_stream_from(rx).map(|chunk| Ok::<_, std::io::Error>(http_body::Frame::data(chunk)));
    let request = Request::post("/callback")
        .header("content-type", content_type())
        .body(StreamBody::new(frames.boxed()))
        .unwrap();
    let before = LIVE.load(Ordering::Relaxed);
    let call = tokio::spawn(sink.service().oneshot(request));
    // One byte at a time, each its own chunk: the sink sees them apart.
    for i in 0..file_end {
        tx.send(body.slice(i..i + 1)).await.unwrap();
        tokio::task::yield_now().await;
    }
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    let held = sink.buffered_bytes();
    let cost = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    assert!(held >= FILE - 1024, "held {held}");
    // Held bytes cost about what they count (not 75 times as much, as one
    // allocation and reference count per byte would).
    assert!(cost < 3 * held, "{cost} bytes on the heap for {held} held");
    call.abort();
    drop(tx);
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Bytes>,
) -> impl futures_util::Stream<Item = Bytes> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
