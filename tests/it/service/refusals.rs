//! What the sink refuses: every bad input answered with a clear status and
//! a reason, nothing stored; files over their limits; bodies cut off.

use bytes::Bytes;
use http::{Request, StatusCode};
use shotsink::CaptureSink;
use tower::ServiceExt;

use super::sink;
use crate::common::*;

struct BadInput {
    name: &'static str,
    request: Request<ChunkedBody>,
    status: StatusCode,
}

fn bad_inputs() -> Vec<BadInput> {
    let png = fixture("capture.png");
    let with = |change: &dyn Fn(Callback) -> Callback| {
        chunked(&change(callback("Bad", "png", png.clone())))
    };
    let mut get = chunked(&callback("Bad", "png", png.clone()));
    *get.method_mut() = http::Method::GET;
    let mut json = chunked(&callback("Bad", "png", png.clone()));
    json.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    let mut no_boundary = chunked(&callback("Bad", "png", png.clone()));
    no_boundary
        .headers_mut()
        .insert("content-type", "multipart/form-data".parse().unwrap());
    let mut no_content_type = chunked(&callback("Bad", "png", png.clone()));
    no_content_type.headers_mut().remove("content-type");
    let body = callback("Bad", "png", png.clone()).body();

    vec![
        BadInput {
            name: "wrong secret",
            request: with(&|c| c.field("callback_secret", "not-the-secret")),
            status: StatusCode::FORBIDDEN,
        },
        BadInput {
            name: "secret that is a prefix of the real one",
            request: with(&|c| c.field("callback_secret", &SECRET[..SECRET.len() - 1])),
            status: StatusCode::FORBIDDEN,
        },
        BadInput {
            name: "missing secret",
            request: with(&|c| c.without("callback_secret")),
            status: StatusCode::FORBIDDEN,
        },
        BadInput {
            name: "wrong secret sent after the file",
            request: with(&|c| {
                c.field("callback_secret", "not-the-secret")
                    .move_to_end("callback_secret")
            }),
            status: StatusCode::FORBIDDEN,
        },
        BadInput {
            name: "GET",
            request: get,
            status: StatusCode::METHOD_NOT_ALLOWED,
        },
        BadInput {
            name: "non-multipart body",
            request: json,
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        },
        BadInput {
            name: "no content type",
            request: no_content_type,
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        },
        BadInput {
            name: "missing boundary",
            request: no_boundary,
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "missing file with status OK",
            request: with(&|c| c.without("file")),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "missing status",
            request: with(&|c| c.without("status")),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "missing token",
            request: with(&|c| c.without("token")),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "empty token after sanitising",
            request: with(&|c| c.field("token", "-_/ .")),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "../ as the token",
            request: with(&|c| c.field("token", "../")),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "a token of 129 characters",
            request: with(&|c| c.field("token", &"a".repeat(129))),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "the file sent twice",
            request: with(&|c| c.push_file("file", fixture("capture.png"))),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "the token sent twice",
            // secret, status, token, token, format, file.
            request: with(&|c| {
                c.push_field("token", "Other")
                    .move_to_end("format")
                    .move_to_end("file")
            }),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "HTML declared as png",
            request: with(&|c| c.file(fixture("not-an-image.html"))),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        },
        BadInput {
            name: "HTML with no format",
            request: with(&|c| c.file(fixture("not-an-image.html")).without("format")),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        },
        BadInput {
            name: "SVG declared as png",
            request: with(&|c| {
                c.file(Bytes::from_static(
                    b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
                ))
            }),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        },
        BadInput {
            name: "declared png but jpeg bytes",
            request: with(&|c| c.file(fixture("capture.jpg"))),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        },
        BadInput {
            name: "declared png after jpeg bytes were streamed",
            request: with(&|c| c.file(fixture("capture.jpg")).move_to_end("format")),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        },
        BadInput {
            name: "an empty file",
            request: with(&|c| c.file(Bytes::new())),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        },
        BadInput {
            name: "a text field over its limit",
            request: with(&|c| c.push_field("note", "x".repeat(4097)).move_to_front("note")),
            status: StatusCode::PAYLOAD_TOO_LARGE,
        },
        BadInput {
            name: "body cut off mid-file",
            request: cut_at(&callback("Bad", "png", png.clone()), body.len() - 50_000),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "body that ends mid-file without an error",
            request: raw_request(http_body_util::StreamBody::new(
                futures_util::StreamExt::boxed(futures_util::stream::iter([Ok(
                    http_body::Frame::data(body.slice(..body.len() - 1000)),
                )])),
            )),
            status: StatusCode::BAD_REQUEST,
        },
    ]
}

/// The files whose header is no proof of their type (see
/// `hostile::types`): every polyglot, each 415.
fn wrong_types() -> Vec<BadInput> {
    let polyglots = crate::hostile::types::polyglots().into_iter();
    polyglots
        .map(|(name, format, data)| BadInput {
            name,
            request: chunked(&callback(name, format, data)),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        })
        .collect()
}

#[tokio::test]
async fn bad_inputs_get_a_clear_status_and_store_nothing() {
    let store = memory();
    let sink = sink(&store);
    for case in bad_inputs().into_iter().chain(wrong_types()) {
        let response = sink.service().oneshot(case.request).await.unwrap();
        let status = response.status();
        let rejection = response.extensions().get::<shotsink::Rejection>().cloned();
        let text = body_text(response).await;
        assert_eq!(status, case.status, "{}: {text}", case.name);
        assert!(
            text.ends_with('\n') && text.len() > 1,
            "{}: no reason given",
            case.name
        );
        let rejection = rejection.unwrap_or_else(|| panic!("{}: no rejection", case.name));
        assert_eq!(rejection.status(), status, "{}", case.name);
        assert_eq!(text, format!("{}\n", rejection.reason()), "{}", case.name);
        assert!(
            all_keys(store.as_ref()).await.is_empty(),
            "{}: something was stored",
            case.name
        );
    }
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_and_one_at_the_limit_is_stored() {
    let data = large_pdf(300_000);
    for (limit, status) in [
        (data.len() as u64, StatusCode::OK),
        (data.len() as u64 - 1, StatusCode::PAYLOAD_TOO_LARGE),
    ] {
        for part_size in [1024 * 1024, 64 * 1024] {
            let store = memory();
            let sink = CaptureSink::builder(store.clone())
                .secret(SECRET)
                .max_file_size(limit)
                .part_size(part_size)
                .build()
                .unwrap();
            let response = sink
                .service()
                .oneshot(chunked(&callback("Lim", "pdf", data.clone())))
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                status,
                "limit {limit}, part size {part_size}"
            );
            let expected = usize::from(status == StatusCode::OK);
            assert_eq!(all_keys(store.as_ref()).await.len(), expected);
        }
    }
}

#[tokio::test]
async fn a_large_file_before_its_secret_is_refused_past_the_bound_without_buffering_it() {
    let store = memory();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .max_unverified_file_size(100_000)
        .build()
        .unwrap();
    let data = large_pdf(300_000);
    let response = sink
        .service()
        .oneshot(chunked(&callback_file_first("Early", "pdf", data.clone())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        body_text(response)
            .await
            .contains("send those fields first")
    );
    assert!(all_keys(store.as_ref()).await.is_empty());

    // The same file with the fields first streams through.
    let response = sink
        .service()
        .oneshot(chunked(&callback("Early", "pdf", data)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_body_cut_off_mid_upload_leaves_nothing_visible() {
    let store = memory();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .part_size(64 * 1024)
        .build()
        .unwrap();
    let sent = callback("Cut", "pdf", large_pdf(1024 * 1024));
    let response = sink
        .service()
        .oneshot(cut_at(&sent, 700_000))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(all_keys(store.as_ref()).await.is_empty());
}
