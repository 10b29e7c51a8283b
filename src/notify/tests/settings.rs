//! The builder's checks, the events' JSON and the backoff, without a
//! receiving app.

use std::time::Duration;

use chrono::Utc;
use object_store::path::Path;

use super::{SECRET, render_failed};
use crate::notify::{Event, Notifier, schedule};
use crate::{ConfigError, ExistingCapture, Format, Outcome, RenderFailure};

#[tokio::test]
async fn bad_settings_are_refused_without_showing_the_secret() {
    for url in ["ftp://x", "not a url"] {
        let error = Notifier::builder(url, SECRET).build().unwrap_err();
        let is_url = matches!(
            error,
            ConfigError::InvalidSetting {
                setting: "Notifier::builder(url)",
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
                setting: "Notifier::builder(secret)",
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
        ("NotifierBuilder::queue_capacity", b().queue_capacity(0)),
        ("NotifierBuilder::max_attempts", b().max_attempts(0)),
        ("NotifierBuilder::concurrency", b().concurrency(0)),
        ("NotifierBuilder::timeout", b().timeout(Duration::ZERO)),
        (
            "NotifierBuilder::backoff(first)",
            b().backoff(Duration::ZERO, one),
        ),
        ("NotifierBuilder::backoff(max)", b().backoff(two, one)),
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
                setting: "NotifierBuilder::build",
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
        size: None,
        sha256: None,
        width: None,
        height: None,
        url: None,
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
    let backoff = |failed, random| schedule::backoff(first, max, failed, random);
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

#[test]
fn the_default_schedule_is_svix_s_with_jitter_of_a_fifth() {
    let retry = schedule::Retry::Schedule(schedule::SVIX.to_vec());
    assert_eq!(retry.attempts(), 8);
    assert_eq!(retry.wait(1, 0), Some(Duration::from_secs(4)));
    assert_eq!(
        retry.wait(1, u64::MAX),
        schedule::SVIX
            .first()
            .map(|w| schedule::jitter(*w, u64::MAX))
    );
    assert_eq!(retry.wait(8, 0), None, "no wait after the last attempt");
    assert_eq!(retry.wait(0, 0), None);
    for (i, wait) in schedule::SVIX.iter().enumerate() {
        for random in [0, 7, 1 << 40, u64::MAX] {
            let got = retry.wait(i as u32 + 1, random).unwrap();
            assert!(got >= *wait * 4 / 5 && got <= *wait * 6 / 5, "{i}: {got:?}");
        }
    }
    // About a day and a quarter, jitter at its most included.
    let span = retry.span();
    assert!(
        span > Duration::from_secs(27 * 3600) && span < Duration::from_secs(34 * 3600),
        "{span:?}"
    );
}

#[test]
fn a_render_failure_status_is_cut_to_its_bound_at_a_character_boundary() {
    let status = "é".repeat(300);
    let outcome = Outcome::RenderFailed(RenderFailure {
        token: None,
        status,
    });
    let event = Event::from_outcome(&outcome, Utc::now());
    let kept = event.data.status.unwrap();
    assert!(
        kept.len() <= crate::notify::MAX_STATUS_BYTES && kept.len() >= 254,
        "{}",
        kept.len()
    );
    assert!(kept.chars().all(|c| c == 'é'));
}

#[test]
fn ids_sort_by_time_and_tell_it() {
    let a = Event::from_outcome(&render_failed(None), Utc::now());
    std::thread::sleep(Duration::from_millis(3));
    let b = Event::from_outcome(&render_failed(None), Utc::now());
    assert!(a.id < b.id, "{} {}", a.id, b.id);
    let made = crate::notify::event::id_time(&a.id).unwrap();
    assert!((Utc::now() - made).num_seconds().abs() < 5);
    assert_eq!(crate::notify::event::id_time("msg_zz"), None);
}

#[test]
fn a_schedule_with_a_backoff_is_refused_naming_the_setting() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let both = Notifier::builder("http://127.0.0.1:9/", SECRET)
        .schedule([Duration::from_secs(1)])
        .max_attempts(3)
        .build();
    assert!(
        both.unwrap_err()
            .to_string()
            .contains("NotifierBuilder::schedule")
    );
    let zero = Notifier::builder("http://127.0.0.1:9/", SECRET)
        .schedule([Duration::ZERO])
        .build();
    assert!(
        zero.unwrap_err()
            .to_string()
            .contains("NotifierBuilder::schedule")
    );
}
