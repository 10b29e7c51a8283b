//! The sink through its public tower `Service`, on `InMemory` and on
//! `LocalFileSystem`.

mod common;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use common::*;
use http::{Request, Response, StatusCode};
use http_body_util::{Empty, Full};
use object_store::local::LocalFileSystem;
use object_store::{Attribute, ObjectStore, ObjectStoreExt};
use shotsink::{CaptureSink, ConfigError, Outcome, RejectionKind};
use tower::{ServiceExt, service_fn};

fn sink(store: &Arc<dyn ObjectStore>) -> CaptureSink {
    CaptureSink::builder(store.clone())
        .secret(SECRET)
        .build()
        .unwrap()
}

async fn send(sink: &CaptureSink, parts: &[Part]) -> (StatusCode, String) {
    let response = sink.service().oneshot(request(parts)).await.unwrap();
    let status = response.status();
    (status, body_text(response).await)
}

#[tokio::test]
async fn every_fixture_format_is_stored_at_its_key_with_its_bytes_and_content_type() {
    for file_first in [false, true] {
        let store = memory();
        let sink = sink(&store);
        for (name, format, ext, content_type) in FIXTURES {
            let token = format!("Tok{ext}{}", u8::from(file_first));
            let data = fixture(name);
            let parts = if file_first {
                callback_file_first(&token, format, data.clone())
            } else {
                callback(&token, format, data.clone())
            };
            let (status, text) = send(&sink, &parts).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{name}, file first: {file_first}: {text}"
            );

            let key = key_today(&token, ext);
            assert_eq!(text, format!("stored {key}\n"));
            let got = store.get(&key).await.unwrap();
            assert_eq!(
                got.attributes
                    .get(&Attribute::ContentType)
                    .map(|v| v.as_ref()),
                Some(content_type),
                "{name}"
            );
            assert_eq!(got.bytes().await.unwrap(), data, "{name}");
        }
        assert_eq!(all_keys(store.as_ref()).await.len(), FIXTURES.len());
    }
}

#[tokio::test]
async fn every_fixture_format_lands_on_local_disk_in_either_field_order() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> =
        Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap());
    let sink = sink(&store);
    for file_first in [false, true] {
        for (name, format, ext, _) in FIXTURES {
            let token = format!("Disk{ext}{}", u8::from(file_first));
            let data = fixture(name);
            let parts = if file_first {
                callback_file_first(&token, format, data.clone())
            } else {
                callback(&token, format, data.clone())
            };
            let (status, text) = send(&sink, &parts).await;
            assert_eq!(status, StatusCode::OK, "{name}: {text}");
            let key = key_today(&token, ext);
            let on_disk = std::fs::read(dir.path().join(key.as_ref())).unwrap();
            assert_eq!(on_disk, data, "{name}");
        }
    }
    assert_eq!(all_keys(store.as_ref()).await.len(), 2 * FIXTURES.len());
}

#[tokio::test]
async fn a_file_larger_than_a_part_goes_up_in_parts_and_arrives_whole() {
    let store = memory();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .part_size(64 * 1024)
        .max_parts_in_flight(3)
        .build()
        .unwrap();
    let data = large_pdf(1024 * 1024 + 17);
    let response = sink
        .service()
        .oneshot(chunked_request(&callback("Big", "pdf", data.clone()), None))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let key = key_today("Big", "pdf");
    let got = store.get(&key).await.unwrap();
    assert_eq!(
        got.attributes
            .get(&Attribute::ContentType)
            .map(|v| v.as_ref()),
        Some("application/pdf")
    );
    assert_eq!(got.bytes().await.unwrap(), data);
}

#[tokio::test]
async fn a_missing_or_unknown_format_stores_the_file_under_its_verified_type() {
    let store = memory();
    let sink = sink(&store);
    let png = fixture("capture.png");
    let mut no_format = callback("NoFormat", "png", png.clone());
    no_format.remove(3);
    assert_eq!(send(&sink, &no_format).await.0, StatusCode::OK);
    assert_eq!(
        send(&sink, &callback("Gif", "gif", png.clone())).await.0,
        StatusCode::OK
    );
    assert_eq!(
        all_keys(store.as_ref()).await,
        vec![
            key_today("Gif", "png").to_string(),
            key_today("NoFormat", "png").to_string()
        ]
    );
}

#[tokio::test]
async fn a_token_is_reduced_to_letters_and_digits_so_it_cannot_leave_its_prefix() {
    let store = memory();
    let sink = sink(&store);
    let parts = callback("../../etc/pass wd%2F..", "png", fixture("capture.png"));
    let (status, _) = send(&sink, &parts).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        all_keys(store.as_ref()).await,
        vec![key_today("etcpasswd2F", "png").to_string()]
    );
}

#[tokio::test]
async fn any_of_several_secrets_is_accepted_during_rotation() {
    let store = memory();
    let sink = CaptureSink::builder(store.clone())
        .secrets(["old-secret", SECRET])
        .build()
        .unwrap();
    let mut parts = callback("Rotated", "png", fixture("capture.png"));
    assert_eq!(send(&sink, &parts).await.0, StatusCode::OK);
    parts[0] = text("callback_secret", "old-secret");
    parts[2] = text("token", "RotatedOld");
    assert_eq!(send(&sink, &parts).await.0, StatusCode::OK);
    assert_eq!(all_keys(store.as_ref()).await.len(), 2);
}

#[tokio::test]
async fn a_render_failure_is_acknowledged_stored_nowhere_and_shown_to_the_handler() {
    let store = memory();
    let sink = sink(&store);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_in_handler = seen.clone();
    let handler = service_fn(move |req: Request<Empty<Bytes>>| {
        let seen = seen_in_handler.clone();
        async move {
            seen.lock()
                .unwrap()
                .push(req.extensions().get::<Outcome>().cloned());
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"recorded"))))
        }
    });
    let service = tower::Layer::layer(&sink.layer(), handler);

    // With a file (some senders attach one anyway) and without.
    let mut with_file = callback("Failed1", "png", fixture("capture.png"));
    with_file[1] = text("status", "ERR");
    let mut without_file = with_file.clone();
    without_file.pop();
    without_file[2] = text("token", "Failed2");
    for parts in [with_file, without_file] {
        let response = service.clone().oneshot(request(&parts)).await.unwrap();
        let status = response.status();
        assert_eq!(
            (status, body_text(response).await.as_str()),
            (StatusCode::OK, "recorded")
        );
    }
    assert!(all_keys(store.as_ref()).await.is_empty());
    let seen = seen.lock().unwrap();
    let tokens: Vec<_> = seen
        .iter()
        .map(|o| match o {
            Some(Outcome::RenderFailed(f)) => (f.token.clone(), f.status.clone()),
            other => panic!("expected a render failure, got {other:?}"),
        })
        .collect();
    assert_eq!(
        tokens,
        vec![
            (Some("Failed1".to_owned()), "ERR".to_owned()),
            (Some("Failed2".to_owned()), "ERR".to_owned())
        ]
    );
}

#[tokio::test]
async fn in_middleware_form_the_handler_receives_the_stored_capture() {
    let store = memory();
    let sink = sink(&store);
    let handler = service_fn(|req: Request<Empty<Bytes>>| async move {
        let text = match req.extensions().get::<Outcome>() {
            Some(Outcome::Stored(s)) => {
                format!("{} {} {} {}", s.token, s.key, s.size, s.content_type())
            }
            other => format!("unexpected {other:?}"),
        };
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(text))))
    });
    let data = fixture("capture.webp");
    let response = tower::Layer::layer(&sink.layer(), handler)
        .oneshot(request(&callback("Mw", "webp", data.clone())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        body_text(response).await,
        format!("Mw {} {} image/webp", key_today("Mw", "webp"), data.len())
    );
}

#[tokio::test]
async fn a_rejection_is_answered_by_the_sink_and_never_reaches_the_handler() {
    let store = memory();
    let sink = sink(&store);
    let called = Arc::new(Mutex::new(0));
    let counter = called.clone();
    let handler = service_fn(move |_: Request<Empty<Bytes>>| {
        *counter.lock().unwrap() += 1;
        async { Ok::<_, Infallible>(Response::new(Full::new(Bytes::new()))) }
    });
    let mut parts = callback("Nope", "png", fixture("capture.png"));
    parts[0] = text("callback_secret", "wrong");
    let response = tower::Layer::layer(&sink.layer(), handler)
        .oneshot(request(&parts))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let rejection = response.extensions().get::<shotsink::Rejection>().unwrap();
    assert_eq!(rejection.kind(), RejectionKind::Forbidden);
    assert_eq!(*called.lock().unwrap(), 0);
}

struct BadInput {
    name: &'static str,
    request: Request<ChunkedBody>,
    status: StatusCode,
}

fn bad_inputs() -> Vec<BadInput> {
    let png = fixture("capture.png");
    let with = |f: &dyn Fn(&mut Vec<Part>)| {
        let mut parts = callback("Bad", "png", png.clone());
        f(&mut parts);
        chunked_request(&parts, None)
    };
    let mut get = chunked_request(&callback("Bad", "png", png.clone()), None);
    *get.method_mut() = http::Method::GET;
    let mut json = chunked_request(&callback("Bad", "png", png.clone()), None);
    json.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    let mut no_boundary = chunked_request(&callback("Bad", "png", png.clone()), None);
    no_boundary
        .headers_mut()
        .insert("content-type", "multipart/form-data".parse().unwrap());
    let mut no_content_type = chunked_request(&callback("Bad", "png", png.clone()), None);
    no_content_type.headers_mut().remove("content-type");
    let body_len = multipart_body(&callback("Bad", "png", png.clone())).len();

    vec![
        BadInput {
            name: "wrong secret",
            request: with(&|p| p[0] = text("callback_secret", "not-the-secret")),
            status: StatusCode::FORBIDDEN,
        },
        BadInput {
            name: "secret that is a prefix of the real one",
            request: with(&|p| p[0] = text("callback_secret", &SECRET[..SECRET.len() - 1])),
            status: StatusCode::FORBIDDEN,
        },
        BadInput {
            name: "missing secret",
            request: with(&|p| {
                p.remove(0);
            }),
            status: StatusCode::FORBIDDEN,
        },
        BadInput {
            name: "wrong secret sent after the file",
            request: with(&|p| {
                p[0] = text("callback_secret", "not-the-secret");
                p.rotate_left(1);
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
            request: with(&|p| {
                p.pop();
            }),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "missing status",
            request: with(&|p| {
                p.remove(1);
            }),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "missing token",
            request: with(&|p| {
                p.remove(2);
            }),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "empty token after sanitising",
            request: with(&|p| p[2] = text("token", "-_/ .")),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "../ as the token",
            request: with(&|p| p[2] = text("token", "../")),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "a token of 129 characters",
            request: with(&|p| p[2] = text("token", "a".repeat(129))),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "the file sent twice",
            request: with(&|p| p.push(file(fixture("capture.png")))),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "the token sent twice",
            request: with(&|p| p.insert(3, text("token", "Other"))),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "HTML declared as png",
            request: with(&|p| p[4] = file(fixture("not-an-image.html"))),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        },
        BadInput {
            name: "HTML with no format",
            request: with(&|p| {
                p[4] = file(fixture("not-an-image.html"));
                p.remove(3);
            }),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        },
        BadInput {
            name: "SVG declared as png",
            request: with(&|p| {
                p[4] = file(Bytes::from_static(
                    b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
                ))
            }),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        },
        BadInput {
            name: "declared png but jpeg bytes",
            request: with(&|p| p[4] = file(fixture("capture.jpg"))),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        },
        BadInput {
            name: "declared png after jpeg bytes were streamed",
            request: with(&|p| {
                p[4] = file(fixture("capture.jpg"));
                p.swap(3, 4);
            }),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        },
        BadInput {
            name: "an empty file",
            request: with(&|p| p[4] = file(Bytes::new())),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        },
        BadInput {
            name: "a text field over its limit",
            request: with(&|p| p.insert(0, text("note", "x".repeat(4097)))),
            status: StatusCode::PAYLOAD_TOO_LARGE,
        },
        BadInput {
            name: "body cut off mid-file",
            request: chunked_request(
                &callback("Bad", "png", png.clone()),
                Some(body_len - 50_000),
            ),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            name: "body that ends mid-file without an error",
            request: {
                let body = multipart_body(&callback("Bad", "png", png.clone()));
                let mut r = chunked_request(&[], None);
                *r.body_mut() = http_body_util::StreamBody::new(futures_util::StreamExt::boxed(
                    futures_util::stream::iter([Ok(http_body::Frame::data(
                        body.slice(..body.len() - 1000),
                    ))]),
                ));
                r
            },
            status: StatusCode::BAD_REQUEST,
        },
    ]
}

#[tokio::test]
async fn bad_inputs_get_a_clear_status_and_store_nothing() {
    let store = memory();
    let sink = sink(&store);
    for case in bad_inputs() {
        let response = sink.service().oneshot(case.request).await.unwrap();
        let status = response.status();
        let text = body_text(response).await;
        assert_eq!(status, case.status, "{}: {text}", case.name);
        assert!(
            text.ends_with('\n') && text.len() > 1,
            "{}: no reason given",
            case.name
        );
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
                .oneshot(chunked_request(&callback("Lim", "pdf", data.clone()), None))
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
        .oneshot(chunked_request(
            &callback_file_first("Early", "pdf", data.clone()),
            None,
        ))
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
        .oneshot(chunked_request(&callback("Early", "pdf", data), None))
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
    let data = large_pdf(1024 * 1024);
    let parts = callback("Cut", "pdf", data);
    let response = sink
        .service()
        .oneshot(chunked_request(&parts, Some(700_000)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(all_keys(store.as_ref()).await.is_empty());
}

#[test]
fn a_sink_without_a_secret_or_with_an_empty_one_is_refused_at_build() {
    let store = memory();
    assert!(matches!(
        CaptureSink::builder(store.clone()).build(),
        Err(ConfigError::NoSecret)
    ));
    assert!(matches!(
        CaptureSink::builder(store.clone())
            .secret("")
            .secret("ok")
            .build(),
        Err(ConfigError::EmptySecret)
    ));
    assert!(matches!(
        CaptureSink::builder(store.clone())
            .secret("ok")
            .part_size(0)
            .build(),
        Err(ConfigError::InvalidLimit {
            name: "part_size",
            ..
        })
    ));
    assert!(matches!(
        CaptureSink::builder(store)
            .secret("ok")
            .key_prefix("a/../b")
            .build(),
        Err(ConfigError::InvalidPrefix { .. })
    ));
}

#[test]
fn the_sink_debug_output_does_not_reveal_its_secrets() {
    let sink = CaptureSink::builder(memory())
        .secret("hunter2-hunter2")
        .build()
        .unwrap();
    let shown = format!("{sink:?}");
    assert!(shown.contains("Secret(<redacted>)"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn the_service_is_clone_send_and_sync_with_an_infallible_error() {
    fn assert_service<S>(_: &S)
    where
        S: tower::Service<Request<axum::body::Body>, Error = Infallible>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send,
    {
    }
    assert_service(&sink(&memory()).service());
}

#[tokio::test]
async fn receive_can_be_awaited_inside_a_spawned_task_that_borrows_the_sink() {
    async fn handle(sink: &CaptureSink, headers: &http::HeaderMap, body: Bytes) -> StatusCode {
        let chunks = futures_util::stream::iter([Ok::<_, Infallible>(body)]);
        sink.receive(headers, chunks).await.status()
    }
    let store = memory();
    let sink = sink(&store);
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", content_type().parse().unwrap());
    let body = multipart_body(&callback("Spawned", "png", fixture("capture.png")));
    let status = tokio::spawn(async move { handle(&sink, &headers, body).await })
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all_keys(store.as_ref()).await.len(), 1);
}
