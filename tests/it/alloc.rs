//! What held bytes cost on the heap, whatever the client's segmentation,
//! counted by this binary's global allocator.
//!
//! The counter is per thread: other tests run at the same time on other
//! threads, and their allocations land in their own threads' counters. The
//! test below runs on a current-thread runtime, so the sink, every task it
//! spawns (the request itself, upload parts) and every timer run on the
//! test's own thread, and the counter there sees all they allocate and
//! free. The sink starts no thread of its own and nothing here moves memory
//! across threads, so nothing it holds can be allocated where the counter
//! does not look. (A free on another thread of memory allocated here would
//! only make the measured cost larger, never hide it.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::StreamBody;
use shotsink::CaptureSink;
use tower::ServiceExt;

use crate::common::*;

/// The system allocator, counting on each thread the bytes that thread
/// allocated minus those it freed.
struct Counting;

thread_local! {
    // A const initializer and no destructor: `thread_local!` is guaranteed
    // not to allocate through the global allocator (see `GlobalAlloc`'s
    // "Re-entrance"), so using it here does not recurse.
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

/// Adds `delta` to this thread's count; during the thread's teardown,
/// when its locals may be gone, the change is not counted.
fn count(delta: isize) {
    let _ = LIVE.try_with(|live| live.set(live.get() + delta));
}

/// Bytes allocated and not freed on this thread so far.
fn live_here() -> isize {
    LIVE.with(Cell::get)
}

// SAFETY: every call is forwarded to the system allocator unchanged; only
// a thread-local counter is updated beside it, which neither allocates nor
// panics.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on as is.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        // On failure the old block stays allocated, unchanged.
        if !new.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        new
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
    let body = callback_file_first("Tiny", "pdf", large_pdf(FILE)).body();
    let file_end = body.len() - 600;
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(1);
    let frames =
        tokio_stream_from(rx).map(|chunk| Ok::<_, std::io::Error>(http_body::Frame::data(chunk)));
    let request = raw_request(StreamBody::new(frames.boxed()));
    let before = live_here();
    // Spawned onto this current-thread runtime: it runs on this thread.
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
    let cost = live_here() - before;
    assert!(held >= (FILE - 1024) as u64, "held {held}");
    // Held bytes cost about what they count (not 75 times as much, as one
    // allocation and reference count per byte would).
    assert!(
        cost < 3 * held as isize,
        "{cost} bytes on the heap for {held} held"
    );
    call.abort();
    drop(tx);
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Bytes>,
) -> impl futures_util::Stream<Item = Bytes> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
