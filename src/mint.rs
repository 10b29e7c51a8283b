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
//! use shotsink::mint::{MintKey, SecretMint};
//!
//! let mint = SecretMint::new(MintKey::new("2026-11", [7u8; 32]).unwrap());
//! let secret = mint.mint(Duration::from_secs(3600));
//! assert!(mint.verify(secret.as_bytes()));
//! assert!(!mint.verify(b"v1.2026-11.0.00.00"));
//!
//! // Rotation: a new mint that still accepts what the old key signed.
//! let rotated = SecretMint::new(MintKey::new("2026-12", [9u8; 32]).unwrap())
//!     .accept(MintKey::new("2026-11", [7u8; 32]).unwrap());
//! assert!(rotated.verify(secret.as_bytes()));
//! ```

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::ConfigError;

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
    pub fn new(id: impl Into<String>, key: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        let id = id.into();
        let valid_id = (1..=32).contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid_id {
            return Err(ConfigError::InvalidLimit {
                name: "mint key id",
                reason: "must be 1 to 32 of [A-Za-z0-9-]",
            });
        }
        let key = key.as_ref().to_vec();
        if key.len() < 32 {
            return Err(ConfigError::InvalidLimit {
                name: "mint key",
                reason: "must have at least 32 bytes",
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
        let mut nonce = [0u8; 16];
        // The OS generator does not fail on supported platforms; if it did,
        // a zero nonce still gives a valid, if not unique, secret.
        let _ = getrandom::fill(&mut nonce);
        let nonce = hex(&nonce);
        let mac = hex(&self.current.mac(expiry, &nonce));
        format!("{VERSION}.{}.{expiry}.{nonce}.{mac}", self.current.id)
    }

    /// Whether `secret` was minted by an accepted key and has not expired.
    pub fn verify(&self, secret: &[u8]) -> bool {
        self.verify_at(secret, SystemTime::now())
    }

    /// [`verify`](Self::verify) at a given time.
    pub fn verify_at(&self, secret: &[u8], now: SystemTime) -> bool {
        let Some(parsed) = parse(secret) else {
            return false;
        };
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if parsed.expiry < now {
            return false;
        }
        std::iter::once(&self.current)
            .chain(&self.accepted)
            .filter(|key| key.id == parsed.key_id)
            .any(|key| bool::from(key.mac(parsed.expiry, parsed.nonce).ct_eq(&parsed.mac)))
    }
}

struct Parsed<'a> {
    key_id: &'a str,
    expiry: u64,
    nonce: &'a str,
    mac: [u8; 32],
}

fn parse(secret: &[u8]) -> Option<Parsed<'_>> {
    let secret = std::str::from_utf8(secret).ok()?;
    let mut parts = secret.split('.');
    let (version, key_id, expiry, nonce, mac) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if parts.next().is_some() || version != VERSION || nonce.len() != 32 {
        return None;
    }
    // One spelling per secret: lowercase hex, and the expiry in plain
    // decimal digits without leading zeros (`u64::from_str` alone would
    // take `+`, and zeros in front), so that anyone keying a replay cache
    // on the string keys one secret once.
    if !nonce.bytes().all(is_lower_hex) || !canonical_decimal(expiry) {
        return None;
    }
    Some(Parsed {
        key_id,
        expiry: expiry.parse().ok()?,
        nonce,
        mac: unhex32(mac)?,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

fn canonical_decimal(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.bytes().all(is_lower_hex) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mint() -> SecretMint {
        SecretMint::new(MintKey::new("k1", [1u8; 32]).unwrap())
    }

    #[test]
    fn a_minted_secret_verifies_until_it_expires() {
        let m = mint();
        let now = SystemTime::now();
        let secret = m.mint_at(now + Duration::from_secs(60));
        assert!(m.verify_at(secret.as_bytes(), now));
        assert!(m.verify_at(secret.as_bytes(), now + Duration::from_secs(59)));
        assert!(!m.verify_at(secret.as_bytes(), now + Duration::from_secs(61)));
    }

    #[test]
    fn every_secret_is_fresh() {
        let m = mint();
        assert_ne!(
            m.mint(Duration::from_secs(60)),
            m.mint(Duration::from_secs(60))
        );
    }

    #[test]
    fn any_change_to_a_minted_secret_is_refused() {
        let m = mint();
        let secret = m.mint(Duration::from_secs(3600));
        // Every single-character change: expiry pushed, nonce or mac altered.
        for i in 0..secret.len() {
            let mut forged = secret.clone().into_bytes();
            forged[i] = if forged[i] == b'0' { b'1' } else { b'0' };
            assert!(!m.verify(&forged), "position {i} of {secret}");
        }
        assert!(!m.verify(format!("{secret}.x").as_bytes()));
        assert!(!m.verify(b""));
        assert!(!m.verify("v1.k1.99999999999999999999.aa.bb".as_bytes()));
    }

    #[test]
    fn another_key_or_an_unknown_key_id_is_refused() {
        let secret = mint().mint(Duration::from_secs(3600));
        let other = SecretMint::new(MintKey::new("k1", [2u8; 32]).unwrap());
        assert!(!other.verify(secret.as_bytes()));
        let renamed = SecretMint::new(MintKey::new("k2", [1u8; 32]).unwrap());
        assert!(!renamed.verify(secret.as_bytes()));
    }

    #[test]
    fn keys_are_validated_and_redacted() {
        assert!(MintKey::new("", [0u8; 32]).is_err());
        assert!(MintKey::new("a.b", [0u8; 32]).is_err());
        assert!(MintKey::new("ok", [0u8; 31]).is_err());
        let key = MintKey::new("ok", [0xabu8; 32]).unwrap();
        let shown = format!("{:?}", SecretMint::new(key));
        assert!(
            shown.contains("<redacted>") && !shown.contains("171"),
            "{shown}"
        );
    }
}
