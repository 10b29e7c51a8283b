//! `check-config`'s summary: every setting in effect, one `key = value`
//! per line, secrets redacted.

use std::fmt::Write;
use std::time::Duration;

use super::schema::Config;

const REDACTED: &str = "<redacted>";

/// A URL without its query and password, where credentials hide (an
/// Azure SAS, a token).
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
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
        Err(_) => url.to_owned(),
    }
}

/// Store options whose value is a credential.
fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["secret", "key", "token", "password", "sas", "credential"]
        .iter()
        .any(|word| key.contains(word))
}

impl Config {
    /// What the configuration says, secrets redacted.
    pub(crate) fn describe(&self) -> String {
        let mut out = String::new();
        let mut line = |key: &str, value: &dyn std::fmt::Debug| {
            let _ = writeln!(out, "{key} = {value:?}");
        };
        line("listen", &self.listen);
        line("path", &self.path);
        line("admin_listen", &self.admin_listen);
        line("shutdown_timeout", &self.shutdown_timeout);
        line("ready_cache", &self.ready_cache);
        line("log.format", &self.log.format);
        line("log.level", &self.log.level);
        line("metrics.enabled", &self.metrics.enabled);
        line("metrics.path", &self.metrics.path);
        line("store.url", &redact_url(&self.store.url));
        for (key, value) in &self.store.options {
            let shown = if is_secret(key) { REDACTED } else { &value.0 };
            line(&format!("store.options.{key}"), &shown);
        }
        line("store.acl", &self.store.acl);
        let secrets = match self.secrets.values.len() {
            0 if self.secrets.mint_keys.is_empty() => "none: one generated at start".to_owned(),
            n => format!("{n} static, {REDACTED}"),
        };
        line("secrets.values", &secrets);
        let ids: Vec<&str> = self
            .secrets
            .mint_keys
            .iter()
            .map(|k| k.id.as_str())
            .collect();
        line("secrets.mint_keys", &format!("{ids:?}, keys {REDACTED}"));
        line("keys.prefix", &self.keys.prefix);
        line("capture.on_existing", &self.capture.on_existing);
        line("capture.early_file", &self.capture.early_file);
        line("capture.staging_prefix", &self.capture.staging_prefix);
        // Limits left out keep the library's defaults.
        let limits = format!("{:?}", self.limits);
        line("limits (None: the library's default)", &Raw(&limits));
        let object = format!("{:?}", self.object);
        line("object", &Raw(&object));
        match &self.hooks.authorize {
            None => line("hooks.authorize", &"off"),
            Some(url) => {
                line("hooks.authorize", &redact_url(url));
                let secret = match self.hooks.secret {
                    Some(_) => REDACTED,
                    None => "notify.secret's",
                };
                line("hooks.secret", &secret);
                line("hooks.timeout", &self.hooks.timeout);
                line("hooks.concurrency", &self.hooks.concurrency);
                line("hooks.cache_ttl", &self.hooks.cache_ttl);
            }
        }
        match &self.notify {
            None => line("notify", &"off"),
            Some(n) => {
                line("notify.url", &redact_url(&n.url));
                line("notify.secret", &REDACTED);
                line("notify.queue_capacity", &n.queue_capacity);
                match (&n.schedule, n.max_attempts, n.first_backoff, n.max_backoff) {
                    (Some(waits), ..) => {
                        let waits: Vec<Duration> = waits.iter().map(|w| **w).collect();
                        line("notify.schedule", &waits);
                    }
                    (None, None, None, None) => line(
                        "notify.schedule",
                        &"5s, 5m, 30m, 2h, 5h, 10h, 10h (Svix's; the default)",
                    ),
                    (None, attempts, first, max) => {
                        line("notify.max_attempts", &attempts.unwrap_or(10));
                        line(
                            "notify.first_backoff",
                            &first.unwrap_or(Duration::from_secs(1)),
                        );
                        line(
                            "notify.max_backoff",
                            &max.unwrap_or(Duration::from_secs(300)),
                        );
                    }
                }
                line("notify.lease", &n.lease);
                line("notify.timeout", &n.timeout);
                line("notify.concurrency", &n.concurrency);
            }
        }
        out
    }
}

/// Prints a string as it is, not quoted.
struct Raw<'a>(&'a str);

impl std::fmt::Debug for Raw<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}
