//! Callback secrets and their constant-time verification.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

use crate::error::ConfigError;

/// A callback secret the sink accepts.
///
/// Only the SHA-256 digest of the secret is kept. A candidate is checked by
/// hashing it and comparing the two 32-byte digests with [`subtle`], so the
/// time taken depends neither on where the first differing byte is nor on
/// the length of the configured secret (a plain slice comparison returns
/// early when lengths differ, which leaks the secret's length).
///
/// `Debug` never prints the secret or its digest.
///
/// # Example
///
/// ```
/// use shotsink::Secret;
///
/// let secret = Secret::new("your_secret_here").unwrap();
/// assert!(secret.verify(b"your_secret_here"));
/// assert!(!secret.verify(b"your_secret_her"));
/// assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
/// assert!(Secret::new("").is_err());
/// ```
#[derive(Clone)]
pub struct Secret {
    digest: [u8; 32],
}

impl Secret {
    /// Creates a secret; an empty secret is refused.
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        let secret = secret.as_ref();
        if secret.is_empty() {
            return Err(ConfigError::EmptySecret);
        }
        Ok(Self {
            digest: Sha256::digest(secret).into(),
        })
    }

    /// Checks a candidate against this secret in constant time.
    pub fn verify(&self, candidate: &[u8]) -> bool {
        self.matches(&Sha256::digest(candidate).into()).into()
    }

    fn matches(&self, candidate_digest: &[u8; 32]) -> Choice {
        self.digest.ct_eq(candidate_digest)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Checks a candidate against every secret without stopping at the first
/// match, so the time taken does not tell which secret matched.
pub(crate) fn verify_any(secrets: &[Secret], candidate: &[u8]) -> bool {
    let digest: [u8; 32] = Sha256::digest(candidate).into();
    secrets
        .iter()
        .fold(Choice::from(0), |acc, s| acc | s.matches(&digest))
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_of_several_secrets_is_accepted_and_nothing_else() {
        let secrets = [Secret::new("old").unwrap(), Secret::new("new").unwrap()];
        assert!(verify_any(&secrets, b"old"));
        assert!(verify_any(&secrets, b"new"));
        assert!(!verify_any(&secrets, b"ne"));
        assert!(!verify_any(&secrets, b""));
        assert!(!verify_any(&[], b"new"));
    }

    #[test]
    fn debug_output_reveals_nothing_of_the_secret() {
        let secret = Secret::new("hunter2-very-secret").unwrap();
        let shown = format!("{secret:?} {secret:#?}");
        assert!(!shown.contains("hunter2"));
        let hex: String = secret.digest.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!shown.contains(&hex[..8]));
    }
}
