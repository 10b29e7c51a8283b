//! The secrets: read from files where the configuration says so (Docker
//! and Kubernetes secrets), and checked before anything starts: a
//! configured server has one, and each can withstand guessing.

use std::path::Path;

use shotsink::Secret;

use super::{Config, ConfigLoadError};

/// What to run to make a good secret.
pub(crate) const MAKE_ONE: &str = "`shotsink secret` (or `openssl rand -base64 32`)";

/// A secret file's content: the whole file, its final line break
/// dropped.
pub(crate) fn read_file(path: &Path) -> std::io::Result<String> {
    let text = std::fs::read_to_string(path)?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

impl Config {
    /// `secrets.values_file` and each mint key's `key_file`, read.
    pub(super) fn read_secret_files(&mut self) -> Result<(), ConfigLoadError> {
        if let Some(path) = self.secrets.values_file.clone() {
            let text = read_file(&path).map_err(|e| {
                self.refuse(
                    "secrets.values_file",
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            let lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            self.secrets.values.extend(lines.map(str::to_owned));
        }
        for index in 0..self.secrets.mint_keys.len() {
            let key = &self.secrets.mint_keys[index];
            match (&key.key_file, key.key.is_empty()) {
                (Some(path), true) => {
                    let path = path.clone();
                    let text = read_file(&path).map_err(|e| {
                        let why = format!("cannot read {}: {e}", path.display());
                        self.refuse("secrets.mint_keys", why)
                    })?;
                    self.secrets.mint_keys[index].key = text;
                }
                (Some(_), false) => {
                    let why = "set `key` or `key_file`, not both";
                    return Err(self.refuse("secrets.mint_keys", why));
                }
                (None, true) => {
                    return Err(self.refuse("secrets.mint_keys", "a key needs `key` or `key_file`"));
                }
                (None, false) => {}
            }
        }
        Ok(())
    }

    /// Before serving: with a configuration file, at least one secret (a
    /// generated one is only for trying things out, with no file at all);
    /// and every static secret strong enough.
    pub(crate) fn check_secrets(&self) -> Result<(), ConfigLoadError> {
        let none = self.secrets.values.is_empty() && self.secrets.mint_keys.is_empty();
        if none && self.file_given {
            let why = format!(
                "no callback secret: every callback would be refused. Set \
                 `[secrets] values = [\"…\"]` (or `values_file`, or SHOTSINK_SECRET); make one \
                 with {MAKE_ONE}"
            );
            return Err(self.refuse("secrets.values", why));
        }
        for (index, secret) in self.secrets.values.iter().enumerate() {
            if let Err(weak) = Secret::check_strength(secret) {
                let why = format!(
                    "secret {} of {}: {weak}",
                    index + 1,
                    self.secrets.values.len()
                );
                return Err(self.refuse("secrets.values", why));
            }
        }
        Ok(())
    }
}

/// 32 random alphanumeric characters from the operating system's generator.
pub(crate) fn generate_secret() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 32];
    if let Err(error) = getrandom::fill(&mut bytes) {
        panic!("the operating system's random generator failed: {error}");
    }
    // 256 % 62 leaves a slight bias; irrelevant for a 190-bit secret.
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}
