//! Properties over arbitrary callbacks: any field order, any subset of
//! fields, any values, any file, then truncated or corrupted. Whatever
//! comes in, the sink never panics, never stores without the secret, and
//! never stores a file whose bytes are not its format.

use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;
use object_store::{Attribute, ObjectStoreExt};
use proptest::prelude::*;
use shotsink::{CaptureSink, Format, OnExisting};
use tower::ServiceExt;

use crate::common::*;

fn file_strategy() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        prop::sample::select(FIXTURES.map(|(name, ..)| name).to_vec()).prop_map(fixture),
        Just(fixture("not-an-image.html")),
        prop::collection::vec(any::<u8>(), 0..600).prop_map(Bytes::from),
        // A real signature followed by anything.
        prop::collection::vec(any::<u8>(), 0..300).prop_map(|tail| {
            let mut data = b"\x89PNG\r\n\x1a\n".to_vec();
            data.extend(tail);
            Bytes::from(data)
        }),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    None,
    Truncate(prop::sample::Index),
    Flip(prop::sample::Index, u8),
    Insert(prop::sample::Index, Vec<u8>),
}

fn mutation_strategy() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => Just(Mutation::None),
        1 => any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        1 => (any::<prop::sample::Index>(), 1..=255u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        1 => (any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 1..40))
            .prop_map(|(i, bytes)| Mutation::Insert(i, bytes)),
    ]
}

fn apply(body: &[u8], mutation: &Mutation) -> Vec<u8> {
    let mut body = body.to_vec();
    match mutation {
        Mutation::None => {}
        Mutation::Truncate(i) => body.truncate(i.index(body.len())),
        Mutation::Flip(i, x) => {
            let at = i.index(body.len());
            body[at] ^= x;
        }
        Mutation::Insert(i, bytes) => {
            let at = i.index(body.len());
            body.splice(at..at, bytes.iter().copied());
        }
    }
    body
}

/// A callback as generated: each field present or not, in any order.
#[derive(Debug, Clone)]
struct Generated {
    secret: Option<String>,
    status: Option<String>,
    token: Option<String>,
    format: Option<String>,
    file: Option<Bytes>,
    order: Vec<usize>,
    mutation: Mutation,
}

fn callback_strategy() -> impl Strategy<Value = Generated> {
    (
        prop::option::weighted(
            0.9,
            prop_oneof![
                4 => Just(SECRET.to_owned()),
                1 => Just(SECRET[..SECRET.len() - 1].to_owned()),
                1 => "[ -~]{0,40}",
            ],
        ),
        prop::option::weighted(
            0.9,
            prop_oneof![4 => Just("OK".to_owned()), 1 => "[A-Z]{0,4}"],
        ),
        prop::option::weighted(0.9, "[ -~]{0,40}"),
        prop::option::weighted(
            0.8,
            prop_oneof![
                prop::sample::select(vec!["jpg", "jpeg", "png", "webp", "avif", "pdf", "gif", ""])
                    .prop_map(str::to_owned),
                "[ -~]{0,8}",
            ],
        ),
        prop::option::weighted(0.9, file_strategy()),
        Just((0..5).collect::<Vec<_>>()).prop_shuffle(),
        mutation_strategy(),
    )
        .prop_map(
            |(secret, status, token, format, file, order, mutation)| Generated {
                secret,
                status,
                token,
                format,
                file,
                order,
                mutation,
            },
        )
}

/// The form: the fields present, in the generated order.
fn form_of(cb: &Generated) -> Callback {
    let fields = [
        ("callback_secret", &cb.secret),
        ("status", &cb.status),
        ("token", &cb.token),
        ("format", &cb.format),
    ];
    cb.order
        .iter()
        .fold(Callback::empty().boundary(BOUNDARY), |form, &i| match i {
            4 => match &cb.file {
                Some(file) => form.push_file("file", file.clone()),
                None => form,
            },
            i => match fields[i] {
                (name, Some(value)) => form.push_field(name, value),
                (_, None) => form,
            },
        })
}

async fn check(cb: Generated, part_size: u64) -> Result<(), TestCaseError> {
    let store = memory();
    let sink = CaptureSink::builder(store.clone())
        .secret(SECRET)
        .part_size(part_size)
        .max_unverified_file_size(64 * 1024)
        .on_existing(OnExisting::KeepFirst)
        .build()
        .unwrap();
    let body = apply(&form_of(&cb).body(), &cb.mutation);
    let request = raw_request(http_body_util::Full::new(Bytes::from(body.clone())));
    let response = sink.service().oneshot(request).await.unwrap();
    let status = response.status();
    prop_assert!(
        [200, 400, 403, 413, 415].contains(&status.as_u16()),
        "unexpected status {status}"
    );

    let keys = all_keys(store.as_ref()).await;
    prop_assert!(keys.len() <= 1);
    prop_assert_eq!(
        keys.len() == 1,
        status == StatusCode::OK && body_text(response).await.starts_with("stored")
    );
    if let Some(key) = keys.first() {
        // Stored only with the secret in the body as a whole part value
        // (a value runs from its blank line to the next delimiter).
        let secret_value = format!("\r\n\r\n{SECRET}\r\n--{BOUNDARY}");
        prop_assert!(
            body.windows(secret_value.len())
                .any(|w| w == secret_value.as_bytes()),
            "stored without the secret"
        );
        // Stored only as what the bytes are, under that extension and type.
        let got = store.get(&key.as_str().into()).await.unwrap();
        let content_type = got
            .attributes
            .get(&Attribute::ContentType)
            .map(|v| v.to_string());
        let bytes = got.bytes().await.unwrap();
        let format = Format::of(&bytes);
        prop_assert!(format.is_some(), "stored bytes are no accepted format");
        let format = format.unwrap();
        prop_assert!(
            key.ends_with(&format!(".{}", format.extension())),
            "{key} for {format}"
        );
        prop_assert_eq!(content_type.as_deref(), Some(format.content_type()));
        prop_assert!(key.starts_with("screenshots/"));
        prop_assert!(!key.contains(".."));
        if matches!(cb.mutation, Mutation::None) {
            prop_assert_eq!(Some(&bytes), cb.file.as_ref());
        }
    }
    prop_assert_eq!(sink.buffered_bytes(), 0);
    Ok(())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_callback_is_answered_without_storing_what_it_must_not(
        cb in callback_strategy(),
        part_size in prop::sample::select(vec![1024u64, 8 * 1024 * 1024]),
    ) {
        runtime().block_on(check(cb, part_size))?;
    }
}

#[test]
fn the_valid_callbacks_the_properties_start_from_are_stored() {
    // The generator's unmutated, complete callbacks must pass, or the
    // properties above would hold vacuously.
    let rt = runtime();
    for (name, format, ..) in FIXTURES {
        let cb = Generated {
            secret: Some(SECRET.to_owned()),
            status: Some("OK".to_owned()),
            token: Some("Seed".to_owned()),
            format: Some(format.to_owned()),
            file: Some(fixture(name)),
            order: vec![4, 0, 1, 2, 3],
            mutation: Mutation::None,
        };
        let store_check = rt.block_on(async {
            let store: Arc<dyn object_store::ObjectStore> = memory();
            let sink = CaptureSink::builder(store.clone())
                .secret(SECRET)
                .build()
                .unwrap();
            let response = sink
                .service()
                .oneshot(request(&form_of(&cb)))
                .await
                .unwrap();
            (response.status(), all_keys(store.as_ref()).await.len())
        });
        assert_eq!(store_check, (StatusCode::OK, 1), "{name}");
        rt.block_on(check(cb, 1024)).unwrap();
    }
}
