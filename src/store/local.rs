//! A store location that names a local directory: a plain path or
//! `file://`, a mistyped URL refused rather than taken for a path, and the
//! directory checked without creating it.

use std::path::{Path, PathBuf};

/// The local directory a location names, if it names one: a plain path
/// (no `://`) or a `file://` URL. A location that looks like a URL with a
/// mistyped `://` (`s3:/captures`, `s3:captures`) is refused: taken for a
/// path, captures would go to a directory of that name.
pub(super) fn dir(location: &str) -> Result<Option<PathBuf>, String> {
    if let Some(rest) = location.strip_prefix("file://") {
        let url = url::Url::parse(location).map_err(|e| e.to_string())?;
        let dir = url
            .to_file_path()
            .map_err(|()| format!("`{rest}` is not a local path"))?;
        return Ok(Some(dir));
    }
    if location.contains("://") {
        return Ok(None);
    }
    if location.is_empty() {
        return Err("empty: a directory (`./captures`) or a URL (`s3://bucket`)".to_owned());
    }
    if let Some(scheme) = mistyped_scheme(location) {
        return Err(format!(
            "looks like a URL with a mistyped `://`: write `{scheme}://…`; \
             for a local directory whose name has a colon, write `./{location}`"
        ));
    }
    Ok(Some(PathBuf::from(location)))
}

/// `s3` for `s3:/captures`: a scheme-like word of two letters or more
/// before a colon (one letter is a Windows drive).
fn mistyped_scheme(location: &str) -> Option<&str> {
    let (scheme, _) = location.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let word = first.is_ascii_alphabetic()
        && scheme.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
    word.then_some(scheme)
}

/// Whether the sink could use `dir` without creating anything now: it is
/// a writable directory, or the nearest part of it that exists is a
/// writable directory it can be created in.
pub(super) fn check(dir: &Path) -> Result<(), String> {
    let mut existing = dir;
    while !existing.as_os_str().is_empty() && !existing.exists() {
        match existing.parent() {
            Some(parent) => existing = parent,
            None => break,
        }
    }
    if existing.as_os_str().is_empty() {
        existing = Path::new(".");
    }
    let shown = existing.display();
    if !existing.is_dir() {
        return Err(format!("`{shown}` is not a directory"));
    }
    writable(existing).map_err(|e| format!("`{shown}` is not writable by this user: {e}"))
}

#[cfg(unix)]
fn writable(dir: &Path) -> std::io::Result<()> {
    use rustix::fs::{Access, access};
    access(dir, Access::WRITE_OK | Access::EXEC_OK).map_err(std::io::Error::from)
}

#[cfg(not(unix))]
fn writable(dir: &Path) -> std::io::Result<()> {
    match std::fs::metadata(dir)?.permissions().readonly() {
        true => Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mistyped_urls_are_not_taken_for_paths() {
        for typo in ["s3:/my-captures", "s3:my-captures", "gs:/b", "az:c"] {
            assert!(dir(typo).unwrap_err().contains("mistyped"), "{typo}");
        }
        for path in [
            "./captures",
            "/var/captures",
            "captures",
            "./s3:/x",
            "C:\\captures",
        ] {
            assert!(dir(path).unwrap().is_some(), "{path}");
        }
        assert!(dir("s3://bucket").unwrap().is_none());
        assert!(dir("").is_err());
    }

    #[test]
    fn a_directory_under_a_file_is_refused() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let under = file.path().join("captures");
        assert!(check(&under).unwrap_err().contains("not a directory"));
        let dir = tempfile::tempdir().unwrap();
        assert!(check(&dir.path().join("new/captures")).is_ok());
    }
}
