//! The one accepted spelling of a minted secret.

use super::VERSION;
use crate::hex;

/// The parts of a minted secret.
pub(super) struct Parsed<'a> {
    pub(super) key_id: &'a str,
    pub(super) expiry: u64,
    pub(super) nonce: &'a str,
    pub(super) mac: [u8; 32],
}

pub(super) fn parse(secret: &[u8]) -> Option<Parsed<'_>> {
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
    if !nonce.bytes().all(|b| hex::digit(b).is_some()) || !canonical_decimal(expiry) {
        return None;
    }
    Some(Parsed {
        key_id,
        expiry: expiry.parse().ok()?,
        nonce,
        mac: hex::decode32(mac)?,
    })
}

fn canonical_decimal(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}
