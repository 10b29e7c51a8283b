//! `check-config`'s summary: the configuration in effect, defaults
//! included, as TOML, secrets redacted. The library's sections are read
//! back from its builders key by key, so a key the library adds is shown
//! without a change here.

use std::fmt::Write;

use shotsink::CaptureSinkBuilder;
use shotsink::SinkConfigKey;
use shotsink::notify::{NotifierBuilder, NotifierConfigKey};

use super::library::PRESIGNED_URLS;
use super::schema::Config;

const REDACTED: &str = "<redacted>";

/// A URL without its query and password, where credentials hide (an
/// Azure SAS, a token); any other text as it is.
fn redact_url(value: &str) -> String {
    match url::Url::parse(value) {
        Ok(mut parsed) if parsed.has_host() => {
            if parsed.query().is_some() {
                parsed.set_query(Some(REDACTED));
            }
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some(REDACTED));
            }
            if !parsed.username().is_empty() {
                let _ = parsed.set_username(REDACTED);
            }
            parsed.to_string()
        }
        _ => value.to_owned(),
    }
}

/// Store options whose value is a credential.
fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["secret", "key", "token", "password", "sas", "credential"]
        .iter()
        .any(|word| key.contains(word))
}

/// A value as TOML writes it: switches and whole numbers bare, the rest
/// quoted.
fn toml_value(value: &str) -> String {
    let bare = value == "true"
        || value == "false"
        || (value.parse::<i64>().is_ok() && !value.starts_with(['+', '0']) || value == "0");
    match bare {
        true => value.to_owned(),
        false => toml::Value::String(value.to_owned()).to_string(),
    }
}

/// The summary, built as TOML text.
struct Summary(String);

impl Summary {
    fn section(&mut self, name: &str) {
        let _ = write!(self.0, "\n[{name}]\n");
    }

    fn line(&mut self, key: &str, value: Option<String>) {
        let _ = match value {
            Some(value) => writeln!(self.0, "{key} = {value}"),
            None => writeln!(self.0, "# {key}: not set"),
        };
    }

    fn text(&mut self, key: &str, value: Option<&str>) {
        self.line(key, value.map(toml_value));
    }
}

impl Config {
    /// What the configuration says, with the library's settings read back
    /// from `sink` and `notifier`, secrets redacted.
    pub(crate) fn describe(
        &self,
        sink: &CaptureSinkBuilder,
        notifier: Option<&NotifierBuilder>,
    ) -> String {
        let mut s = Summary(String::from(
            "# shotsink: the configuration in effect, defaults included\n",
        ));
        s.text("listen", Some(&self.listen.to_string()));
        s.text("path", Some(&self.path));
        s.text(
            "admin_listen",
            Some(
                self.admin_listen
                    .map_or("off".to_owned(), |a| a.to_string())
                    .as_str(),
            ),
        );
        s.text("shutdown_timeout", Some(&duration(self.shutdown_timeout)));
        s.text("max_connections", Some(&self.max_connections.to_string()));
        let proxies: Vec<String> = self
            .trusted_proxies
            .iter()
            .map(|ip| toml_value(&ip.to_string()))
            .collect();
        s.line("trusted_proxies", Some(format!("[{}]", proxies.join(", "))));
        s.text("ready_cache", Some(&duration(self.ready_cache)));
        s.section("tls");
        let path = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
        s.text("certificate", path(&self.tls.certificate).as_deref());
        s.text("key", path(&self.tls.key).as_deref());
        s.section("log");
        s.text("format", Some(self.log.format.as_str()));
        s.text("level", Some(&self.log.level));
        s.section("metrics");
        s.text("enabled", Some(&self.metrics.enabled.to_string()));
        s.text("path", Some(&self.metrics.path));
        s.section("store");
        s.text("url", Some(&redact_url(&self.store.url)));
        s.text("acl", self.store.acl.as_deref());
        let options: Vec<String> = self
            .store
            .options
            .iter()
            .map(|(key, value)| {
                let shown = if is_secret(key) { REDACTED } else { &value.0 };
                format!("{key} = {}", toml_value(shown))
            })
            .collect();
        let options = match options.is_empty() {
            true => "{}".to_owned(),
            false => format!("{{ {} }}", options.join(", ")),
        };
        s.line("options", Some(options));
        self.describe_secrets(&mut s);
        let mut group = "";
        for &key in SinkConfigKey::ALL {
            if key.group() != group {
                group = key.group();
                s.section(group);
            }
            let value = sink.get_config(key).map(|v| match key.is_secret() {
                true => REDACTED.to_owned(),
                false => redact_url(&v),
            });
            s.text(key.name(), value.as_deref());
            if key == SinkConfigKey::PublicUrls {
                let expiry = self.settings.presigned_urls.map(duration);
                let name = PRESIGNED_URLS.trim_start_matches("object.");
                s.text(name, expiry.as_deref());
            }
        }
        match notifier {
            None => s.0.push_str("\n# [notify]: off\n"),
            Some(notifier) => {
                s.section("notify");
                for &key in NotifierConfigKey::ALL {
                    let value = notifier.get_config(key).map(|v| match key.is_secret() {
                        true => REDACTED.to_owned(),
                        false => redact_url(&v),
                    });
                    s.text(key.name(), value.as_deref());
                }
            }
        }
        s.0
    }

    fn describe_secrets(&self, s: &mut Summary) {
        s.section("secrets");
        match self.secrets.values.len() {
            0 if self.secrets.mint_keys.is_empty() => {
                s.0.push_str("# values: none; one is generated at start\n")
            }
            n => s.line("values", Some(format!("{:?}", vec![REDACTED; n]))),
        }
        let keys: Vec<String> = self
            .secrets
            .mint_keys
            .iter()
            .map(|k| format!("{{ id = {}, key = \"{REDACTED}\" }}", toml_value(&k.id)))
            .collect();
        s.line("mint_keys", Some(format!("[{}]", keys.join(", "))));
    }
}

fn duration(d: std::time::Duration) -> String {
    humantime::format_duration(d).to_string()
}

impl Config {
    /// What an operator may not expect of the values given: sizes in
    /// decimal units (`64MB` is 64,000,000 bytes, not 64 MiB).
    pub(crate) fn notes(&self) -> Vec<String> {
        self.settings
            .sink
            .iter()
            .filter_map(|(key, value)| {
                let bytes = decimal_size(value)?;
                let number = value
                    .trim()
                    .trim_end_matches(|c: char| c.is_alphabetic())
                    .trim();
                Some(format!(
                    "`{key} = \"{value}\"` is {bytes} bytes: KB, MB and GB are powers of ten; \
                     write \"{number} MiB\" (or KiB, GiB) for powers of two"
                ))
            })
            .collect()
    }
}

/// The bytes a size written in decimal units (`64MB`, `1.5 GB`, `10k`)
/// stands for.
fn decimal_size(value: &str) -> Option<u64> {
    let value = value.trim();
    let split = value.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = value.split_at(split);
    let power = match unit.trim().to_ascii_lowercase().as_str() {
        "k" | "kb" => 1,
        "m" | "mb" => 2,
        "g" | "gb" => 3,
        "t" | "tb" => 4,
        _ => return None,
    };
    let number: f64 = number.parse().ok()?;
    Some((number * 1000f64.powi(power)) as u64)
}
