//! Why a minted secret was refused.

use std::fmt;

/// Why [`SecretMint::verify`](super::SecretMint::verify) refused a secret.
///
/// For logs and metrics only: the sender is answered 403 `invalid
/// callback_secret` whatever the reason, so that it learns nothing about
/// the keys. [`Expired`](MintError::Expired) is reported only for a secret
/// whose MAC holds (one the mint did sign); anything altered is
/// [`Forged`](MintError::Forged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MintError {
    /// Not of the form `v1.<key id>.<expiry>.<nonce>.<mac>` in its one
    /// accepted spelling.
    Malformed,
    /// Signed with a key id the mint does not accept (retired, or never
    /// known).
    UnknownKey,
    /// The MAC does not match: not signed by the key it names, or altered.
    Forged,
    /// Genuine, but past its expiry.
    Expired,
}

impl fmt::Display for MintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MintError::Malformed => "not a minted secret",
            MintError::UnknownKey => "minted secret signed with a key id that is not accepted",
            MintError::Forged => "minted secret whose mac does not match",
            MintError::Expired => "minted secret past its expiry",
        })
    }
}

impl std::error::Error for MintError {}

/// Why [`MintKey::new`](super::MintKey::new) refused a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintKeyError {
    /// The key's id as given.
    pub id: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for MintKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid mint key {:?}: {}", self.id, self.reason)
    }
}

impl std::error::Error for MintKeyError {}
