//! The size and count limits: file, text field, field count, body, the
//! hold bound for a file before its secret, and a part's header lines.

use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;
use object_store::ObjectStore;
use shotsink::{CaptureSink, CaptureSinkBuilder};
use tower::ServiceExt;

use crate::common::*;

fn builder(store: &Arc<dyn ObjectStore>) -> CaptureSinkBuilder {
    CaptureSink::builder(store.clone()).secret(SECRET)
}

/// Sends `sent` to a fresh store through a sink configured by `configure`;
/// returns the status and how many objects landed.
async fn send_with(
    configure: impl Fn(CaptureSinkBuilder) -> CaptureSinkBuilder,
    sent: &Callback,
) -> (StatusCode, usize) {
    let store = memory();
    let sink = configure(builder(&store)).build().unwrap();
    let response = sink.service().oneshot(chunked(sent)).await.unwrap();
    (response.status(), all_keys(store.as_ref()).await.len())
}

const STORED: (StatusCode, usize) = (StatusCode::OK, 1);
const TOO_LARGE: (StatusCode, usize) = (StatusCode::PAYLOAD_TOO_LARGE, 0);

#[tokio::test]
async fn the_file_size_limit_takes_a_file_of_exactly_the_limit_and_refuses_one_byte_more() {
    let data = large_pdf(300_000);
    for part_size in [1024 * 1024, 64 * 1024] {
        let sent = callback("Lim", "pdf", data.clone());
        let at = |b: CaptureSinkBuilder| b.max_file_size(300_000).part_size(part_size);
        let past = |b: CaptureSinkBuilder| b.max_file_size(299_999).part_size(part_size);
        assert_eq!(send_with(at, &sent).await, STORED, "part size {part_size}");
        assert_eq!(
            send_with(past, &sent).await,
            TOO_LARGE,
            "part size {part_size}"
        );
    }
}

#[tokio::test]
async fn the_text_field_limit_applies_to_every_text_field() {
    let png = fixture("capture.png");
    for (bound, name) in [(4096, "note"), (64, "callback_secret")] {
        let with = |len: usize| {
            let sent = callback("Txt", "png", png.clone());
            if name == "note" {
                sent.push_field("note", "n".repeat(len))
                    .move_to_front("note")
            } else {
                // A secret of exactly `len` bytes that the sink accepts.
                sent.field("callback_secret", &"s".repeat(len))
            }
        };
        let configure = |b: CaptureSinkBuilder| {
            b.max_text_field_size(bound as u64)
                .secret("s".repeat(bound))
                .secret("s".repeat(bound + 1))
        };
        assert_eq!(send_with(configure, &with(bound)).await, STORED, "{name}");
        assert_eq!(
            send_with(configure, &with(bound + 1)).await,
            TOO_LARGE,
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_field_count_limit_counts_every_part() {
    let with_extra = |extra: usize| {
        (0..extra)
            .fold(
                callback("Fields", "png", fixture("capture.png")),
                |sent, i| sent.push_field("extra", i.to_string()),
            )
            .move_to_front("extra")
    };
    // Five protocol fields plus eleven extra make the default of 16.
    assert_eq!(send_with(|b| b, &with_extra(11)).await, STORED);
    assert_eq!(send_with(|b| b, &with_extra(12)).await, TOO_LARGE);
    assert_eq!(send_with(|b| b.max_fields(6), &with_extra(1)).await, STORED);
    assert_eq!(
        send_with(|b| b.max_fields(6), &with_extra(2)).await,
        TOO_LARGE
    );
}

#[tokio::test]
async fn the_body_size_limit_takes_a_body_of_exactly_the_limit() {
    let sent = callback("Body", "png", fixture("capture.png"));
    let len = sent.body().len() as u64;
    assert_eq!(send_with(|b| b.max_body_size(len), &sent).await, STORED);
    assert_eq!(
        send_with(|b| b.max_body_size(len - 1), &sent).await,
        TOO_LARGE
    );
}

#[tokio::test]
async fn the_hold_bound_for_a_file_before_its_secret_is_exact() {
    let data = large_pdf(100_000);
    let sent = callback_file_first("Held", "pdf", data);
    assert_eq!(
        send_with(|b| b.max_unverified_file_size(100_000), &sent).await,
        STORED
    );
    assert_eq!(
        send_with(|b| b.max_unverified_file_size(99_999), &sent).await,
        TOO_LARGE
    );
}

#[tokio::test]
async fn a_part_may_carry_32_header_lines_and_not_33() {
    // multer's fixed bound: one `Content-Disposition` plus 31 others.
    let body_with = |extra_headers: usize| {
        let mut body = callback("Hdr", "png", fixture("capture.png")).body();
        let marker = b"Content-Disposition: form-data; name=\"token\"\r\n";
        let at = body
            .windows(marker.len())
            .position(|w| w == marker)
            .unwrap()
            + marker.len();
        let headers: String = (0..extra_headers)
            .map(|i| format!("x-extra-{i}: {i}\r\n"))
            .collect();
        let mut out = body[..at].to_vec();
        out.extend_from_slice(headers.as_bytes());
        out.extend_from_slice(&body.split_off(at));
        out
    };
    for (extra, expected) in [(31, STORED), (32, (StatusCode::BAD_REQUEST, 0))] {
        let store = memory();
        let sink = builder(&store).build().unwrap();
        let request = raw_request(http_body_util::Full::new(Bytes::from(body_with(extra))));
        let status = sink.service().oneshot(request).await.unwrap().status();
        assert_eq!(
            (status, all_keys(store.as_ref()).await.len()),
            expected,
            "{extra} extra headers"
        );
    }
}
