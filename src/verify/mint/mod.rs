//! Callback secrets that verify themselves: minted per capture or batch as a
//! keyed MAC, checked by the sink with no database.
//!
//! A minted secret reads `v1.<key id>.<expiry>.<nonce>.<mac>`:
//!
//! - `key id`: which master key signed it (1 to 32 of `[A-Za-z0-9-]`), so
//!   master keys rotate with no downtime: mint with the new key while the
//!   sink still accepts the old one;
//! - `expiry`: Unix seconds after which the sink refuses it;
//! - `nonce`: 128 random bits, so every capture or batch gets its own secret;
//! - `mac`: HMAC-SHA256 under the master key of
//!   `shotsink-mint-v1\0<key id>.<expiry>.<nonce>`, in hex.
//!
//! The sink recomputes the MAC and compares the two 32-byte values in
//! constant time. Without the master key, producing a valid MAC for any
//! expiry or nonce is forging HMAC-SHA256; changing the expiry or the key id
//! changes the MAC input. See `docs/SECURITY.md` for the argument.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use shotsink::mint::{MintError, MintKey, SecretMint};
//!
//! let mint = SecretMint::new(MintKey::new("2026-11", [7u8; 32]).unwrap());
//! let secret = mint.mint(Duration::from_secs(3600));
//! assert_eq!(mint.verify(secret.as_bytes()), Ok(()));
//! assert_eq!(mint.verify(b"v1.2026-11.0.00.00"), Err(MintError::Malformed));
//!
//! // Rotation: a new mint that still accepts what the old key signed.
//! let rotated = SecretMint::new(MintKey::new("2026-12", [9u8; 32]).unwrap())
//!     .accept(MintKey::new("2026-11", [7u8; 32]).unwrap());
//! assert!(rotated.verify(secret.as_bytes()).is_ok());
//! ```

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::{hex, random};

mod error;
mod parse;
#[cfg(test)]
mod tests;

pub use error::{MintError, MintKeyError};
use parse::parse;

const VERSION: &str = "v1";
const DOMAIN: &[u8] = b"shotsink-mint-v1\0";

/// A master key with its id. The key must have at least 32 bytes.
#[derive(Clone)]
pub struct MintKey {
    id: String,
    key: Vec<u8>,
}

impl MintKey {
    /// A key; refused if the id is not 1 to 32 of `[A-Za-z0-9-]` or the
    /// key is shorter than 32 bytes.
    pub fn new(id: impl Into<String>, key: impl AsRef<[u8]>) -> Result<Self, MintKeyError> {
        let id = id.into();
        let valid_id = (1..=32).contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid_id {
            return Err(MintKeyError {
                id,
                reason: "the id must be 1 to 32 of [A-Za-z0-9-]",
            });
        }
        let key = key.as_ref().to_vec();
        if key.len() < 32 {
            return Err(MintKeyError {
                id,
                reason: "the key must have at least 32 bytes",
            });
        }
        Ok(Self { id, key })
    }

    /// The key's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn mac(&self, expiry: u64, nonce: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .expect("HMAC takes keys of any length");
        mac.update(DOMAIN);
        mac.update(format!("{}.{expiry}.{nonce}", self.id).as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for MintKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MintKey")
            .field("id", &self.id)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// Issues callback secrets and verifies them. The sink takes one with
/// [`CaptureSinkBuilder::secret_mint`](crate::CaptureSinkBuilder::secret_mint);
/// the client uses the same to mint.
#[derive(Debug, Clone)]
pub struct SecretMint {
    current: MintKey,
    accepted: Vec<MintKey>,
}

impl SecretMint {
    /// A mint that signs with `current` (and accepts it).
    pub fn new(current: MintKey) -> Self {
        Self {
            current,
            accepted: Vec::new(),
        }
    }

    /// Also accepts secrets signed with `key` (a previous master key).
    pub fn accept(mut self, key: MintKey) -> Self {
        self.accepted.push(key);
        self
    }

    /// A fresh secret, valid for `ttl` from now.
    pub fn mint(&self, ttl: Duration) -> String {
        self.mint_at(SystemTime::now() + ttl)
    }

    /// A fresh secret valid until `expires`.
    pub fn mint_at(&self, expires: SystemTime) -> String {
        let expiry = expires
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let nonce = hex::encode(&random::bytes::<16>());
        let mac = hex::encode(&self.current.mac(expiry, &nonce));
        format!("{VERSION}.{}.{expiry}.{nonce}.{mac}", self.current.id)
    }

    /// Checks that `secret` was minted by an accepted key and has not
    /// expired; the error says why not, for the logs (the sender is told
    /// only that the secret is invalid).
    pub fn verify(&self, secret: &[u8]) -> Result<(), MintError> {
        self.verify_at(secret, SystemTime::now())
    }

    /// [`verify`](Self::verify) at a given time.
    pub fn verify_at(&self, secret: &[u8], now: SystemTime) -> Result<(), MintError> {
        let parsed = parse(secret).ok_or(MintError::Malformed)?;
        let mut keys = std::iter::once(&self.current)
            .chain(&self.accepted)
            .filter(|key| key.id == parsed.key_id)
            .peekable();
        if keys.peek().is_none() {
            return Err(MintError::UnknownKey);
        }
        let genuine =
            keys.any(|key| bool::from(key.mac(parsed.expiry, parsed.nonce).ct_eq(&parsed.mac)));
        if !genuine {
            return Err(MintError::Forged);
        }
        // Judged only once the MAC holds: an altered expiry is a forgery.
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if parsed.expiry < now {
            return Err(MintError::Expired);
        }
        Ok(())
    }
}
