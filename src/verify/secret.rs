//! Callback secrets and their constant-time verification.

use std::fmt;

use std::future::Future;

use futures_util::future::BoxFuture;
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

use crate::BoxError;
use crate::configure::error::ConfigError;

/// The fewest characters [`Secret::check_strength`] accepts.
pub const MIN_STRONG_LEN: usize = 16;

/// Why [`Secret::check_strength`] finds a secret too weak to withstand
/// guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeakSecret(&'static str);

impl fmt::Display for WeakSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "too weak to withstand guessing: {}; make one with `openssl rand -base64 32` \
             (or `shotsink secret`)",
            self.0
        )
    }
}

impl std::error::Error for WeakSecret {}

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

    /// Whether a secret can withstand guessing: at least
    /// [`MIN_STRONG_LEN`] characters, at least 8 different ones, and not a
    /// run or a sequence (`aaaa…`, `abcd…`, `1234…`). The builder accepts
    /// any non-empty secret (tests use short ones); a server exposed to
    /// the Internet should refuse what this refuses, as `shotsink` does.
    /// A good secret: `openssl rand -base64 32`, or `shotsink secret`.
    ///
    /// ```
    /// use shotsink::Secret;
    ///
    /// assert!(Secret::check_strength("9fK2xQ7mZpL4vR8tW3yB6nD1").is_ok());
    /// for weak in ["abc", "password", "aaaaaaaaaaaaaaaaaaaa", "abcdefghijklmnopqrst"] {
    ///     assert!(Secret::check_strength(weak).is_err(), "{weak}");
    /// }
    /// ```
    pub fn check_strength(secret: impl AsRef<[u8]>) -> Result<(), WeakSecret> {
        let bytes = secret.as_ref();
        if bytes.len() < MIN_STRONG_LEN {
            return Err(WeakSecret("shorter than 16 characters"));
        }
        let mut seen = [false; 256];
        bytes.iter().for_each(|&b| seen[usize::from(b)] = true);
        if seen.iter().filter(|&&s| s).count() < 8 {
            return Err(WeakSecret("fewer than 8 different characters"));
        }
        let steps: Vec<i16> = bytes
            .windows(2)
            .map(|w| i16::from(w[1]) - i16::from(w[0]))
            .collect();
        if steps.windows(2).all(|w| w[0] == w[1]) {
            return Err(WeakSecret(
                "a sequence, each character one step from the last",
            ));
        }
        Ok(())
    }

    /// Checks a candidate against this secret in constant time.
    pub fn verify(&self, candidate: &[u8]) -> bool {
        self.matches(&digest(candidate)).into()
    }

    pub(crate) fn matches(&self, candidate_digest: &Digest32) -> Choice {
        self.digest.ct_eq(candidate_digest)
    }
}

/// The SHA-256 digest of a candidate secret: all the pipeline keeps of it.
pub(crate) type Digest32 = [u8; 32];

pub(crate) fn digest(candidate: &[u8]) -> Digest32 {
    Sha256::digest(candidate).into()
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Checks a candidate digest against every secret without stopping at the
/// first match, so the time taken does not tell which secret matched.
pub(crate) fn verify_any(secrets: &[Secret], candidate: &Digest32) -> bool {
    secrets
        .iter()
        .fold(Choice::from(0), |acc, s| acc | s.matches(candidate))
        .into()
}

/// Looks up the secret of one capture by its token, for senders that use a
/// different `callback_secret` per capture (kept in your database).
///
/// Return `Ok(None)` for an unknown token (answered 403) and `Err` when the
/// lookup itself failed (answered 503, so the sender retries). Closures
/// `Fn(String) -> impl Future<Output = Result<Option<Secret>, BoxError>>`
/// implement it.
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use shotsink::{BoxError, CaptureSink, Secret};
/// # let store: Arc<dyn shotsink::object_store::ObjectStore> = Arc::new(shotsink::object_store::memory::InMemory::new());
///
/// let sink = CaptureSink::builder(store)
///     .secret_resolver(|token: String| async move {
///         // e.g. SELECT callback_secret FROM captures WHERE token = $1
///         let found: Option<String> = (token == "Abc123").then(|| "per-capture-secret".into());
///         Ok::<_, BoxError>(found.map(Secret::new).transpose()?)
///     })
///     .build()
///     .unwrap();
/// ```
pub trait SecretResolver: Send + Sync + 'static {
    /// The secret of the capture with this (sanitised) token, if it exists.
    fn resolve(&self, token: &str) -> BoxFuture<'static, Result<Option<Secret>, BoxError>>;
}

impl<F, Fut> SecretResolver for F
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Secret>, BoxError>> + Send + 'static,
{
    fn resolve(&self, token: &str) -> BoxFuture<'static, Result<Option<Secret>, BoxError>> {
        Box::pin(self(token.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_of_several_secrets_is_accepted_and_nothing_else() {
        let secrets = [Secret::new("old").unwrap(), Secret::new("new").unwrap()];
        assert!(verify_any(&secrets, &digest(b"old")));
        assert!(verify_any(&secrets, &digest(b"new")));
        assert!(!verify_any(&secrets, &digest(b"ne")));
        assert!(!verify_any(&secrets, &digest(b"")));
        assert!(!verify_any(&[], &digest(b"new")));
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
