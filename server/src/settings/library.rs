//! The library's sections, checked against its keys: `[keys]`,
//! `[capture]`, `[limits]`, `[object]` and `[hooks]` for the sink,
//! `[notify]` for the notifier. The server keeps no list of them: a key the
//! library adds is settable here, from the environment, and shown by
//! `check-config` as it is.

use std::collections::BTreeMap;
use std::time::Duration;

use shotsink::SinkConfigKey;
use shotsink::notify::NotifierConfigKey;

use super::ConfigLoadError;
use super::schema::Raw;
use super::source::Sources;

/// The one key in a library section that the server keeps: presigned
/// links are signed by a client opened on the store's URL.
pub(crate) const PRESIGNED_URLS: &str = "object.presigned_urls";

/// The library's settings, by key, as the file and environment gave them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Library {
    pub(crate) sink: Vec<(SinkConfigKey, String)>,
    /// Present when `[notify]` is: notifications are on.
    pub(crate) notify: Option<Vec<(NotifierConfigKey, String)>>,
    /// The expiry of presigned links.
    pub(crate) presigned_urls: Option<Duration>,
}

impl Library {
    /// Every section that is not the server's, each key checked.
    pub(crate) fn read(
        sections: &BTreeMap<String, Raw>,
        sources: &Sources,
    ) -> Result<Library, ConfigLoadError> {
        let unknown = |key: &str, help: &str| {
            ConfigLoadError(format!("unknown key `{key}` ({}): {help}", sources.of(key)))
        };
        let mut library = Library::default();
        for (group, raw) in sections {
            let Raw::Table(entries) = raw else {
                return Err(unknown(group, "not a setting"));
            };
            if group == "notify" {
                let mut notify = Vec::new();
                for (name, value) in entries {
                    let (dotted, value) =
                        from_file(format!("{group}.{name}"), value, entries, sources)?;
                    let key = NotifierConfigKey::ALL
                        .iter()
                        .find(|k| k.as_str() == dotted)
                        .ok_or_else(|| unknown(&dotted, &takes(group, notifier_names())))?;
                    notify.push((*key, value));
                }
                library.notify = Some(notify);
                continue;
            }
            for (name, value) in entries {
                let dotted = format!("{group}.{name}");
                if dotted == PRESIGNED_URLS {
                    let expiry = humantime::parse_duration(&value.text()).map_err(|_| {
                        ConfigLoadError(format!(
                            "`{PRESIGNED_URLS}` ({}): not a duration (e.g. `1h`)",
                            sources.of(PRESIGNED_URLS)
                        ))
                    })?;
                    library.presigned_urls = Some(expiry);
                    continue;
                }
                let (dotted, value) = from_file(dotted, value, entries, sources)?;
                let key = SinkConfigKey::ALL
                    .iter()
                    .find(|k| k.as_str() == dotted)
                    .ok_or_else(|| unknown(&dotted, &takes(group, sink_names(group))))?;
                library.sink.push((*key, value));
            }
        }
        library.sink.sort_by_key(|(key, _)| *key);
        library.lend_notify_secret();
        Ok(library)
    }

    /// `[hooks] secret` left out: the questions are signed with
    /// `[notify] secret`, as the README says.
    fn lend_notify_secret(&mut self) {
        let has = |key| self.sink.iter().any(|(k, _)| *k == key);
        if !has(SinkConfigKey::AuthorizeUrl) || has(SinkConfigKey::AuthorizeSecret) {
            return;
        }
        let secret = self
            .notify
            .iter()
            .flatten()
            .find_map(|(k, v)| (*k == NotifierConfigKey::Secret).then(|| v.clone()));
        if let Some(secret) = secret {
            self.sink.push((SinkConfigKey::AuthorizeSecret, secret));
        }
    }
}

/// A secret key's `_file` form (`notify.secret_file`): the key it sets
/// and the file's content; any other key as it is.
fn from_file(
    dotted: String,
    value: &Raw,
    given: &BTreeMap<String, Raw>,
    sources: &Sources,
) -> Result<(String, String), ConfigLoadError> {
    let secret = |key: &str| {
        let sink = SinkConfigKey::ALL
            .iter()
            .any(|k| k.as_str() == key && k.is_secret());
        let notify = NotifierConfigKey::ALL
            .iter()
            .any(|k| k.as_str() == key && k.is_secret());
        sink || notify
    };
    let name = |key: &str| key.rsplit('.').next().unwrap_or(key).to_owned();
    match dotted.strip_suffix("_file") {
        Some(key) if secret(key) && given.contains_key(&name(key)) => {
            Err(ConfigLoadError(format!(
                "`{dotted}` ({}): `{key}` is set too: set one or the other",
                sources.of(&dotted)
            )))
        }
        Some(key) if secret(key) => {
            let path = value.text();
            let text = super::secrets::read_file(std::path::Path::new(&path)).map_err(|e| {
                ConfigLoadError(format!(
                    "`{dotted}` ({}): cannot read {path}: {e}",
                    sources.of(&dotted)
                ))
            })?;
            Ok((key.to_owned(), text))
        }
        _ => Ok((dotted.clone(), value.text())),
    }
}

fn takes(group: &str, names: Vec<&str>) -> String {
    match names.is_empty() {
        true => format!("there is no section [{group}]"),
        false => format!("[{group}] takes {}", names.join(", ")),
    }
}

fn sink_names(group: &str) -> Vec<&'static str> {
    let mut names: Vec<&str> = SinkConfigKey::ALL
        .iter()
        .filter(|k| k.group() == group)
        .map(|k| k.name())
        .collect();
    if group == "object" {
        names.push("presigned_urls");
    }
    names
}

fn notifier_names() -> Vec<&'static str> {
    NotifierConfigKey::ALL.iter().map(|k| k.name()).collect()
}
