//! The builder's checks, the events' JSON and the backoff, without a
//! receiving app.

use std::time::Duration;

use chrono::Utc;
use object_store::path::Path;

use super::{SECRET, render_failed};
use crate::notify::{Event, Notifier, delivery};
use crate::{ConfigError, ExistingCapture, Format, Outcome};

#[tokio::test]
async fn bad_settings_are_refused_without_showing_the_secret() {
    for url in ["ftp://x", "not a url"] {
        let error = Notifier::builder(url, SECRET).build().unwrap_err();
        let is_url = matches!(
            error,
            ConfigError::InvalidSetting {
                setting: "notify.url",
                ..
            }
        );
        assert!(is_url, "{url}: {error}");
    }
    for secret in ["nope", "whsec_not base64!", "whsec_AAAA", "whsec_"] {
        let error = Notifier::builder("http://127.0.0.1:9/", secret)
            .build()
            .unwrap_err();
        let is_secret = matches!(
            error,
            ConfigError::InvalidSetting {
                setting: "notify.secret",
                ..
            }
        );
        assert!(is_secret, "{error}");
        let key = secret.trim_start_matches("whsec_");
        assert!(
            key.is_empty() || !format!("{error} {error:?}").contains(key),
            "{error}"
        );
    }
    let url = "http://127.0.0.1:9/";
    let b = || Notifier::builder(url, SECRET);
    let (one, two) = (Duration::from_secs(1), Duration::from_secs(2));
    let limits = [
        ("notify.queue_capacity", b().queue_capacity(0)),
        ("notify.max_attempts", b().max_attempts(0)),
        ("notify.concurrency", b().concurrency(0)),
        ("notify.timeout", b().timeout(Duration::ZERO)),
        ("notify.first_backoff", b().backoff(Duration::ZERO, one)),
        ("notify.max_backoff", b().backoff(two, one)),
    ];
    for (setting, builder) in limits {
        match builder.build() {
            Err(ConfigError::InvalidLimit { name, .. }) => assert_eq!(name, setting),
            other => panic!("{setting}: {other:?}"),
        }
    }
    let notifier = b().build().unwrap();
    let shown = format!("{notifier:?}");
    assert!(!shown.contains(&SECRET[6..]), "{shown}");
}

#[test]
fn building_outside_a_runtime_is_an_error_not_a_panic() {
    let error = Notifier::builder("http://127.0.0.1:9/", SECRET)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            error,
            ConfigError::InvalidSetting {
                setting: "notify",
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn events_leave_out_what_does_not_apply() {
    let failed = Event::from_outcome(&render_failed(Some("Tok")), Utc::now());
    let json = serde_json::to_value(&failed).unwrap();
    assert_eq!(json["type"], "capture.render_failed");
    assert_eq!(json["data"]["status"], "TIMEOUT");
    let mut keys: Vec<&str> = json["data"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["outcome", "received_at", "status", "token"]);

    let existing = Outcome::AlreadyStored(ExistingCapture {
        key: Path::from("screenshots/a/Tok.jpg"),
        token: "Tok".to_owned(),
        format: Format::Jpeg,
    });
    let again = Event::from_outcome(&existing, Utc::now());
    assert_eq!(again.kind, "capture.already_stored");
    assert_eq!(again.data.outcome, "already_stored");
    assert_eq!(again.data.key.as_deref(), Some("screenshots/a/Tok.jpg"));
    assert_eq!(again.data.format.as_deref(), Some("jpg"));
    assert_eq!(again.data.size, None);
    assert_ne!(again.id, Event::from_outcome(&existing, Utc::now()).id);
}

#[test]
fn backoff_doubles_up_to_its_cap_with_jitter_in_the_upper_half() {
    let (first, max) = (Duration::from_secs(1), Duration::from_secs(300));
    let backoff = |failed, random| delivery::backoff(first, max, failed, random);
    assert_eq!(backoff(1, 0), Duration::from_millis(500));
    assert_eq!(backoff(1, 500_000_000), Duration::from_secs(1));
    assert_eq!(backoff(3, 0), Duration::from_secs(2));
    assert_eq!(backoff(20, 0), Duration::from_secs(150));
    assert_eq!(backoff(u32::MAX, 0), Duration::from_secs(150));
    for random in [0, 1, 123_456_789_012_345, u64::MAX] {
        for failed in 1..70 {
            let delay = backoff(failed, random);
            assert!(
                delay >= first / 2 && delay <= max,
                "{failed} {random}: {delay:?}"
            );
        }
    }
}
