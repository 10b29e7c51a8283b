//! Reading the configuration: defaults, then the file, then the
//! environment, each value remembered with where it came from.

use std::str::FromStr;

use figment::Figment;
use figment::value::Value;

use super::source::{File, Sources, Variable};
use super::{Config, ConfigLoadError, library};

/// The short forms, the same as the examples' variables: part of the
/// interface (the README lists them), each with the key it sets.
const SHORT_FORMS: [(&str, &str); 6] = [
    ("SHOTSINK_STORE", "store.url"),
    ("SHOTSINK_ADDR", "listen"),
    ("SHOTSINK_SECRET", "secrets.values"),
    ("SHOTSINK_SECRET_FILE", "secrets.values_file"),
    ("SHOTSINK_MAX_FILE_SIZE", "limits.max_file_size"),
    ("SHOTSINK_MAX_BUFFERED", "limits.max_buffered_bytes"),
];

/// The variable that names the configuration file: not a setting.
const NOT_SETTINGS: [&str; 1] = ["SHOTSINK_CONFIG"];

impl Config {
    /// Defaults, the file (if given; a file given but missing is an
    /// error), then the process's environment.
    pub(crate) fn load(file: Option<&std::path::Path>) -> Result<Config, ConfigLoadError> {
        let file = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ConfigLoadError(format!(
                        "cannot read the configuration file {}: {e}",
                        path.display()
                    ))
                })?;
                Some(File {
                    name: path.display().to_string(),
                    text,
                })
            }
            None => None,
        };
        // Variables that are not Unicode are no settings of ours.
        let env = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        Self::assemble(file, env)
    }

    /// As [`load`](Self::load), from a TOML text and the environment given.
    #[cfg(test)]
    pub(crate) fn from_parts(
        toml: Option<&str>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigLoadError> {
        let file = toml.map(|text| File {
            name: "shotsink.toml".to_owned(),
            text: text.to_owned(),
        });
        Self::assemble(file, env)
    }

    fn assemble(
        file: Option<File>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigLoadError> {
        // Nothing set: the structs' own `Default`s apply.
        let mut figment = Figment::new();
        let mut sources = Sources::default();
        let file_given = file.is_some();
        if let Some(file) = file {
            sources.file(file.name.clone(), file.text.clone());
            figment = figment.merge(file);
        }
        let mut short = Vec::new();
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("SHOTSINK_") else {
                continue;
            };
            if NOT_SETTINGS.contains(&name.as_str()) {
                continue;
            }
            if let Some((_, key)) = SHORT_FORMS.iter().find(|(n, _)| *n == name) {
                short.push((*key, name, value));
                continue;
            }
            let key = rest.to_ascii_lowercase().replace("__", ".");
            sources.variable(&key, &name);
            figment = figment.merge(Variable {
                name,
                key,
                value: parse(&value),
            });
        }
        // The examples' variables win over everything else.
        for (key, name, value) in short {
            let value = match key {
                "secrets.values" => {
                    let values: Vec<Value> = value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(Value::from)
                        .collect();
                    // Empty, as the examples read it: not set.
                    if values.is_empty() {
                        continue;
                    }
                    Value::from(values)
                }
                _ => parse(&value),
            };
            sources.variable(key, &name);
            figment = figment.merge(Variable {
                name,
                key: key.to_owned(),
                value,
            });
        }
        let mut config: Config = figment
            .extract()
            .map_err(|e| ConfigLoadError::figment(e, &sources))?;
        config.settings = library::Library::read(&config.library, &sources)?;
        config.sources = sources;
        config.file_given = file_given;
        config.read_secret_files()?;
        config.validate()?;
        Ok(config)
    }
}

impl ConfigLoadError {
    /// Every error of the chain, each with its key and where it came from;
    /// where the value may be a secret, not the value (figment quotes it).
    fn figment(error: figment::Error, sources: &Sources) -> Self {
        let all: Vec<String> = error
            .into_iter()
            .map(|e| {
                let key = e.path.join(".");
                let secret = key.starts_with("secrets")
                    || key.starts_with("store.options")
                    || key.ends_with(".secret");
                let what = match secret {
                    true => "invalid value (not shown)".to_owned(),
                    false => e.kind.to_string(),
                };
                format!("`{key}` ({}): {what}", sources.of(&key))
            })
            .collect();
        ConfigLoadError(all.join("; "))
    }
}

/// A variable's value as TOML would read it (`10`, `true`, `"5s"`), or as
/// a string.
fn parse(value: &str) -> Value {
    Value::from_str(value).unwrap_or_else(|_| Value::from(value.to_owned()))
}
