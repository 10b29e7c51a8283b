//! The configuration read from TOML and an explicit environment.

use std::sync::Arc;

use object_store::memory::InMemory;

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn error(toml: &str, vars: &[(&str, &str)]) -> String {
    match Config::from_parts(Some(toml), env(vars)) {
        Ok(_) => panic!("accepted: {toml} {vars:?}"),
        Err(e) => e.to_string(),
    }
}

const FULL: &str = r#"
listen = "127.0.0.1:4000"
path = "/hooks/capture"
admin_listen = "127.0.0.1:9090"
shutdown_timeout = "10s"
ready_cache = "2s"
[log]
format = "json"
level = "debug"
[metrics]
enabled = false
[store]
url = "memory://"
options = { AWS_SECRET_ACCESS_KEY = "hunter2-store", aws_allow_http = true }
[secrets]
values = ["static-secret-value"]
mint_keys = [{ id = "k1", key = "mint-key-0123456789abcdef0123456789" }]
[keys]
prefix = "shots"
[capture]
on_existing = "keep_first"
early_file = "stage"
staging_prefix = "_early"
[limits]
max_file_size = "32 MiB"
max_text_field_size = 2048
max_pixels = 50000000
max_fields = 8
part_size = "5 MiB"
max_parts_in_flight = 3
max_unverified_file_size = "8 MiB"
max_buffered_bytes = "256 MiB"
idle_timeout = "20s"
admission_timeout = "5s"
min_data_rate = 1000
min_data_rate_grace = "3s"
verify_timeout = "8s"
linger_timeout = "2s"
[object]
cache_control = "public, max-age=60"
content_disposition = "inline"
metadata = true
storage_class = "STANDARD_IA"
tags = { project = "shots" }
capture_tags = true
public_urls = "https://cdn.example.com/"
[notify]
url = "https://app.example.com/hooks?token=notify-url-token"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
max_attempts = 3
"#;

#[test]
fn nothing_configured_is_the_examples_setup() {
    let config = Config::from_parts(None, Vec::new()).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:3000");
    assert_eq!(config.path, "/callback");
    assert_eq!(config.store_url(), "./captures");
    assert_eq!(config.log.format, LogFormat::Plain);
    assert!(config.metrics.enabled && config.notify.is_none());
    assert!(config.needs_generated_secret());
}

#[test]
fn every_section_is_read_and_builds_a_sink() {
    let config = Config::from_parts(Some(FULL), Vec::new()).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:4000");
    assert_eq!(config.log.format, LogFormat::Json);
    assert_eq!(config.notify.as_ref().and_then(|n| n.max_attempts), Some(3));
    let store = Arc::new(InMemory::new());
    let built = config
        .sink_builder(store, config.secrets())
        .unwrap()
        .build();
    assert!(built.is_ok(), "{built:?}");
}

#[test]
fn unknown_keys_and_bad_values_are_errors_naming_the_key() {
    assert!(error("[limits]\nmax_fil_size = 1\n", &[]).contains("max_fil_size"));
    assert!(error("", &[("SHOTSINK_LIMITS__NOPE", "1")]).contains("nope"));
    assert!(error("[capture]\non_existing = \"sometimes\"\n", &[]).contains("on_existing"));
    assert!(error("listen = \"nowhere\"\n", &[]).contains("listen"));
    assert!(error("[limits]\nmax_file_size = \"lots\"\n", &[]).contains("max_file_size"));
    assert!(error("path = \"callback\"\n", &[]).contains("path"));
    assert!(error("path = \"/healthz\"\n", &[]).contains("path"));
    assert!(error("path = \"/cb{x}\"\n", &[]).contains("path"));
    assert!(error("[metrics]\npath = \"/readyz\"\n", &[]).contains("metrics.path"));
    // A secret given the wrong type is named, never shown.
    let typed = error("[secrets]\nvalues = \"my-own-secret\"\n", &[]);
    assert!(
        typed.contains("secrets.values") && !typed.contains("my-own-secret"),
        "{typed}"
    );
    assert!(error("[log]\nlevel = \"shotsink=loud\"\n", &[]).contains("log.level"));
}

#[test]
fn the_environment_wins_over_the_file() {
    let vars = [
        ("SHOTSINK_ADDR", "127.0.0.1:5000"),
        ("SHOTSINK_SECRET", "a, b"),
        ("SHOTSINK_STORE", "/tmp/shots"),
        ("SHOTSINK_MAX_FILE_SIZE", "1000"),
        ("SHOTSINK_LIMITS__IDLE_TIMEOUT", "5s"),
    ];
    // An empty secret variable is no setting: the file's secrets stay.
    let kept = Config::from_parts(Some(FULL), env(&[("SHOTSINK_SECRET", " ")])).unwrap();
    assert_eq!(kept.secrets(), ["static-secret-value"]);
    let config = Config::from_parts(Some(FULL), env(&vars)).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:5000");
    assert_eq!(config.secrets(), ["a", "b"]);
    assert_eq!(config.store_url(), "/tmp/shots");
    assert_eq!(config.limits.max_file_size.map(|b| b.as_u64()), Some(1000));
    let idle = config.limits.idle_timeout;
    assert_eq!(idle, Some(std::time::Duration::from_secs(5)));
}

#[test]
fn the_summary_shows_settings_and_never_a_secret() {
    let config = Config::from_parts(Some(FULL), Vec::new()).unwrap();
    let summary = config.describe();
    for secret in [
        "static-secret-value",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "mint-key-0123456789abcdef0123456789",
        "hunter2-store",
        "notify-url-token",
    ] {
        assert!(!summary.contains(secret), "{secret} in\n{summary}");
    }
    assert!(summary.contains("<redacted>"));
    assert!(summary.contains("STANDARD_IA") && summary.contains("127.0.0.1:4000"));
}
