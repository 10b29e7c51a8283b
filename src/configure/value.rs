//! Values as text: sizes, durations, counts, switches and lists parsed and
//! written in one place, for every key.

use std::str::FromStr;
use std::time::Duration;

use crate::ConfigError;

const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];

/// What a value that does not parse becomes: an invalid setting named by
/// its builder method.
pub(crate) fn invalid(setter: &'static str, value: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::InvalidSetting {
        setting: setter,
        value: value.to_owned(),
        reason: reason.into(),
    }
}

/// `64 MiB`, `2048`, `10 MB`.
pub(crate) fn size(value: &str) -> Result<u64, String> {
    bytesize::ByteSize::from_str(value.trim())
        .map(|b| b.as_u64())
        .map_err(|_| "not a size (e.g. `64 MiB`, `2048`)".to_owned())
}

/// A size in the largest binary unit that writes it whole.
pub(crate) fn write_size(bytes: u64) -> String {
    for (unit, name) in UNITS {
        if bytes >= unit && bytes.is_multiple_of(unit) {
            return format!("{} {name}", bytes / unit);
        }
    }
    format!("{bytes} B")
}

/// `30s`, `5m`, `1h 30m`.
pub(crate) fn duration(value: &str) -> Result<Duration, String> {
    humantime::parse_duration(value.trim())
        .map_err(|_| "not a duration (e.g. `30s`, `5m`, `500ms`)".to_owned())
}

/// A duration as [`duration`] reads it.
pub(crate) fn write_duration(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// A whole number.
pub(crate) fn count<T: FromStr>(value: &str) -> Result<T, String> {
    value
        .trim()
        .parse()
        .map_err(|_| "not a whole number".to_owned())
}

/// `true` or `false`.
pub(crate) fn switch(value: &str) -> Result<bool, String> {
    match value.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("must be `true` or `false`".to_owned()),
    }
}

/// One of `choices`, by name.
pub(crate) fn choice<T: Copy>(value: &str, choices: &[(&str, T)]) -> Result<T, String> {
    let value = value.trim();
    choices
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, c)| *c)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            format!("must be one of {}", names.join(", "))
        })
}

/// The name of `chosen` among `choices`.
pub(crate) fn write_choice<T: PartialEq>(chosen: &T, choices: &[(&'static str, T)]) -> String {
    choices
        .iter()
        .find(|(_, c)| c == chosen)
        .map_or("", |(name, _)| name)
        .to_owned()
}

/// Items separated by commas, trimmed; empty items dropped.
pub(crate) fn list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// `key=value` pairs separated by commas.
pub(crate) fn pairs(value: &str) -> Result<Vec<(String, String)>, String> {
    list(value)
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => Ok((k.trim().to_owned(), v.trim().to_owned())),
            None => Err(format!("`{pair}` is not `key=value`")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_back_as_written() {
        for text in ["64 MiB", "4 KiB", "240 B", "2 GiB", "0 B"] {
            assert_eq!(write_size(size(text).unwrap()), text);
        }
        assert_eq!(size("2048").unwrap(), 2048);
        assert_eq!(size("10 MB").unwrap(), 10_000_000);
        assert!(size("lots").is_err() && size("-1").is_err());
        for text in ["30s", "5m", "1h 30m", "500ms"] {
            assert_eq!(write_duration(duration(text).unwrap()), text);
        }
        assert!(duration("soon").is_err());
    }

    #[test]
    fn lists_and_pairs() {
        assert_eq!(list(" a, b,,c ").collect::<Vec<_>>(), ["a", "b", "c"]);
        let tags = pairs("team=growth, env = prod").unwrap();
        assert_eq!(
            tags,
            [
                ("team".into(), "growth".into()),
                ("env".into(), "prod".into())
            ]
        );
        assert!(pairs("team").is_err());
        assert_eq!(choice("b", &[("a", 1), ("b", 2)]), Ok(2));
        assert!(choice("c", &[("a", 1)]).unwrap_err().contains("one of a"));
        assert!(switch("yes").is_err());
    }
}
