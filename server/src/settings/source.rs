//! Where each setting came from, so that every error can say it: the
//! configuration file and the line, or the environment variable.

use std::path::PathBuf;

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Error, Metadata, Profile, Provider, Source};

/// The file and the variables a configuration was read from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sources {
    /// The file's name as given, and its text.
    file: Option<(String, String)>,
    /// Each key a variable set, and the variable (the later wins).
    vars: Vec<(String, String)>,
}

impl Sources {
    pub(crate) fn file(&mut self, name: String, text: String) {
        self.file = Some((name, text));
    }

    pub(crate) fn variable(&mut self, key: &str, name: &str) {
        self.vars.push((key.to_owned(), name.to_owned()));
    }

    /// Where `key` (`limits.max_file_size`) was set: `environment variable
    /// X`, `shotsink.toml line 7`, or `the default`.
    pub(crate) fn of(&self, key: &str) -> String {
        let covers = |set: &str| set == key || key.starts_with(&format!("{set}."));
        if let Some((_, var)) = self.vars.iter().rev().find(|(set, _)| covers(set)) {
            return format!("environment variable {var}");
        }
        if let Some((name, text)) = &self.file
            && let Some(line) = line_of(text, key)
        {
            return format!("{name} line {line}");
        }
        "the default".to_owned()
    }
}

/// The line (from 1) where `key` is written in a TOML text: `name =`
/// under its `[section]`, or the section's header for a section.
fn line_of(text: &str, key: &str) -> Option<usize> {
    let (section, name) = key.rsplit_once('.').unwrap_or(("", key));
    let mut current = String::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = header.trim().to_owned();
            if current == key {
                return Some(index + 1);
            }
            continue;
        }
        let written = line
            .split_once('=')
            .map(|(k, _)| k.trim().trim_matches('"'));
        if current == section && written == Some(name) {
            return Some(index + 1);
        }
        // `options = { … }` inline, `store.options.x` asked.
        if !section.is_empty() && format!("{current}.{}", written.unwrap_or("")) == section {
            return Some(index + 1);
        }
    }
    None
}

/// The configuration file, named as the operator gave it.
pub(crate) struct File {
    pub(crate) name: String,
    pub(crate) text: String,
}

impl Provider for File {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name.clone()).source(Source::File(PathBuf::from(&self.name)))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        Toml::string(&self.text).data()
    }
}

/// One `SHOTSINK_*` variable, setting one key.
pub(crate) struct Variable {
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) value: Value,
}

impl Provider for Variable {
    fn metadata(&self) -> Metadata {
        Metadata::named(format!("environment variable {}", self.name))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        let nested = figment::util::nest(&self.key, self.value.clone());
        let dict = nested.into_dict().unwrap_or_default();
        Ok(Profile::Default.collect(dict))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_found_on_its_line_and_a_variable_wins() {
        let mut sources = Sources::default();
        let text = "listen = \"x\"\n[limits]\n# a comment\nmax_file_size = 1\n[store]\noptions = { a = 1 }\n";
        sources.file("shotsink.toml".into(), text.into());
        assert_eq!(sources.of("listen"), "shotsink.toml line 1");
        assert_eq!(sources.of("limits.max_file_size"), "shotsink.toml line 4");
        assert_eq!(sources.of("limits"), "shotsink.toml line 2");
        assert_eq!(sources.of("store.options.a"), "shotsink.toml line 6");
        assert_eq!(sources.of("limits.idle_timeout"), "the default");
        sources.variable("limits.max_file_size", "SHOTSINK_MAX_FILE_SIZE");
        assert_eq!(
            sources.of("limits.max_file_size"),
            "environment variable SHOTSINK_MAX_FILE_SIZE"
        );
    }
}
