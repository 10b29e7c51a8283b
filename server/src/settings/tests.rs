//! The configuration read from TOML and an explicit environment.

use std::sync::Arc;

use object_store::memory::InMemory;

use super::*;
use figment::Figment;
use figment::providers::{Format, Toml};
use shotsink::SinkConfigKey;
use shotsink::notify::NotifierConfigKey;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Loaded, but refused by the library's builders: the error in the
/// server's words.
fn invalid(toml: &str) -> String {
    let config = Config::from_parts(Some(toml), Vec::new()).unwrap();
    let sink = config.sink_builder(Arc::new(InMemory::new()), &["s".to_owned()]);
    let built = sink.and_then(|b| b.build().map(drop).map_err(|e| config.explain(e)));
    let checked = built.and_then(|()| {
        let checked = config.notifier_builder().map_or(Ok(()), |n| n.check());
        checked.map_err(|e| config.explain(e))
    });
    match checked {
        Ok(()) => panic!("accepted: {toml}"),
        Err(e) => e.to_string(),
    }
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
    assert!(config.metrics.enabled && config.notifier_builder().is_none());
    assert!(config.needs_generated_secret());
}

#[test]
fn every_section_is_read_and_builds_a_sink() {
    let config = Config::from_parts(Some(FULL), Vec::new()).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:4000");
    assert_eq!(config.log.format, LogFormat::Json);
    let notifier = config.notifier_builder().unwrap();
    let attempts = notifier.get_config(NotifierConfigKey::MaxAttempts);
    assert_eq!(attempts.as_deref(), Some("3"));
    assert!(notifier.check().is_ok());
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
    assert!(invalid("[capture]\non_existing = \"sometimes\"\n").contains("capture.on_existing"));
    assert!(error("listen = \"nowhere\"\n", &[]).contains("listen"));
    assert!(invalid("[limits]\nmax_file_size = \"lots\"\n").contains("limits.max_file_size"));
    assert!(invalid("[limits]\nmax_fields = 2\n").contains("limits.max_fields"));
    let lease = "[notify]\nurl = \"http://a/\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\nlease = \"1s\"\n";
    assert!(invalid(lease).contains("notify.lease"));
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
    let sink = config.sink_builder(Arc::new(InMemory::new()), &[]).unwrap();
    let size = sink.get_config(SinkConfigKey::MaxFileSize);
    assert_eq!(size.as_deref(), Some("1000 B"));
    let idle = sink.get_config(SinkConfigKey::IdleTimeout);
    assert_eq!(idle.as_deref(), Some("5s"));
}

#[test]
fn the_summary_shows_settings_and_never_a_secret() {
    let config = Config::from_parts(Some(FULL), Vec::new()).unwrap();
    let sink = config
        .sink_builder(Arc::new(InMemory::new()), config.secrets())
        .unwrap();
    let summary = config.describe(&sink, config.notifier_builder().as_ref());
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

/// The summary read back as TOML: `section.key` to the value's text.
fn summary_values(summary: &str) -> std::collections::BTreeMap<String, String> {
    let dict: figment::value::Dict = Figment::from(Toml::string(summary)).extract().unwrap();
    let mut values = std::collections::BTreeMap::new();
    for (section, value) in dict {
        if let Some(table) = value.into_dict() {
            for (name, value) in table {
                let text = value
                    .clone()
                    .into_string()
                    .or_else(|| value.to_bool().map(|b| b.to_string()))
                    .or_else(|| value.to_i128().map(|n| n.to_string()));
                if let Some(text) = text {
                    values.insert(format!("{section}.{name}"), text);
                }
            }
        }
    }
    values
}

/// One list of settings: every key of the library is settable from the
/// file and from the environment, and shown by `check-config`, with no
/// list of them in the server.
#[test]
fn every_library_key_is_settable_from_the_file_and_the_environment_and_shown() {
    let notify = |key: &str| {
        let mut base = "[notify]\n".to_owned();
        if key != "notify.url" {
            base.push_str("url = \"https://app.example.com/\"\n");
        }
        if key != "notify.secret" {
            base.push_str("secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n");
        }
        base
    };
    let sink_keys = SinkConfigKey::ALL
        .iter()
        .map(|k| (k.as_str(), k.example(), k.is_secret()));
    let notify_keys = NotifierConfigKey::ALL
        .iter()
        .map(|k| (k.as_str(), k.example(), k.is_secret()));
    for (key, example, secret) in sink_keys.chain(notify_keys) {
        let (group, name) = key.split_once('.').unwrap();
        let quoted = toml::Value::String(example.to_owned()).to_string();
        let base = if group == "notify" {
            notify(key)
        } else {
            String::new()
        };
        let file = match group {
            "notify" => format!("{base}{name} = {quoted}\n"),
            _ => format!("{base}[{group}]\n{name} = {quoted}\n"),
        };
        let variable = format!("SHOTSINK_{}", key.replace('.', "__").to_ascii_uppercase());
        let from_file = Config::from_parts(Some(&file), Vec::new()).unwrap();
        let from_env = Config::from_parts(Some(&base), env(&[(&variable, example)])).unwrap();
        for config in [from_file, from_env] {
            let sink = config.sink_builder(Arc::new(InMemory::new()), &[]).unwrap();
            let notifier = config.notifier_builder();
            let read = match group {
                "notify" => {
                    let k: NotifierConfigKey = key.parse().unwrap();
                    notifier.as_ref().unwrap().get_config(k)
                }
                _ => sink.get_config(key.parse().unwrap()),
            };
            assert_eq!(
                read.as_deref(),
                Some(example),
                "{key} from {file} or {variable}"
            );
            let shown = summary_values(&config.describe(&sink, notifier.as_ref()));
            let expected = if secret { "<redacted>" } else { example };
            assert_eq!(shown.get(key).map(String::as_str), Some(expected), "{key}");
        }
    }
}

#[test]
fn a_key_the_library_does_not_have_is_refused_with_the_keys_it_has() {
    let message = error("[limits]\nmax_fil_size = 1\n", &[]);
    assert!(
        message.contains("limits.max_fil_size") && message.contains("max_file_size"),
        "{message}"
    );
    assert!(error("listn = \"127.0.0.1:1\"\n", &[]).contains("listn"));
    assert!(error("[limit]\nmax_file_size = 1\n", &[]).contains("no section [limit]"));
    assert!(error("[notify]\nurl = \"http://a/\"\nretries = 3\n", &[]).contains("notify.retries"));
}
