//! Minted secrets: accepted while genuine and unexpired, refused when
//! forged, expired or respelled; master keys rotated by id.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use shotsink::mint::{MintError, MintKey, SecretMint};

use super::*;

fn key(id: &str, byte: u8) -> MintKey {
    MintKey::new(id, [byte; 32]).unwrap()
}

async fn status_with(sink: &CaptureSink, secret: &str, token: &str) -> StatusCode {
    let sent = callback(token, "png", fixture("capture.png")).field("callback_secret", secret);
    sink.service()
        .oneshot(request(&sent))
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_minted_secret_is_accepted_and_a_forged_or_expired_one_refused() {
    let store = memory();
    let mint = SecretMint::new(key("k1", 1));
    let sink = CaptureSink::builder(store.clone())
        .secret_mint(mint.clone())
        .build()
        .unwrap();

    let good = mint.mint(Duration::from_secs(600));
    assert_eq!(status_with(&sink, &good, "Minted").await, StatusCode::OK);

    let expired = mint.mint_at(SystemTime::now() - Duration::from_secs(1));
    assert_eq!(
        status_with(&sink, &expired, "Expired").await,
        StatusCode::FORBIDDEN
    );

    let forger = SecretMint::new(key("k1", 2));
    let forged = forger.mint(Duration::from_secs(600));
    assert_eq!(
        status_with(&sink, &forged, "Forged").await,
        StatusCode::FORBIDDEN
    );

    // Pushing the expiry of a real secret breaks its MAC.
    let parts: Vec<&str> = good.split('.').collect();
    let extended = format!("v1.k1.{}.{}.{}", u64::MAX, parts[3], parts[4]);
    assert_eq!(
        status_with(&sink, &extended, "Extended").await,
        StatusCode::FORBIDDEN
    );

    assert_eq!(
        all_keys(store.as_ref()).await,
        vec![key_today("Minted", "png").to_string()]
    );
}

#[tokio::test]
async fn master_keys_rotate_without_downtime() {
    let store = memory();
    let old = SecretMint::new(key("2026-10", 1));
    let issued_before = old.mint(Duration::from_secs(600));
    // The sink moves to the new key and still accepts the old one.
    let new = SecretMint::new(key("2026-11", 2)).accept(key("2026-10", 1));
    let sink = CaptureSink::builder(store.clone())
        .secret_mint(new.clone())
        .build()
        .unwrap();
    assert_eq!(
        status_with(&sink, &issued_before, "Old").await,
        StatusCode::OK
    );
    assert_eq!(
        status_with(&sink, &new.mint(Duration::from_secs(600)), "New").await,
        StatusCode::OK
    );
    // Once the old key is retired, its secrets stop working.
    let retired = CaptureSink::builder(store.clone())
        .secret_mint(SecretMint::new(key("2026-11", 2)))
        .build()
        .unwrap();
    assert_eq!(
        status_with(&retired, &issued_before, "Retired").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(all_keys(store.as_ref()).await.len(), 2);
}

#[test]
fn a_minted_secret_verifies_under_one_spelling_only() {
    let mint = SecretMint::new(key("k1", 1));
    let good = mint.mint(Duration::from_secs(600));
    assert_eq!(mint.verify(good.as_bytes()), Ok(()));
    let parts: Vec<&str> = good.split('.').collect();
    let respell = |i: usize, value: String| {
        let mut parts: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
        parts[i] = value;
        parts.join(".")
    };
    let variants = [
        ("expiry with +", respell(2, format!("+{}", parts[2]))),
        (
            "expiry with a leading zero",
            respell(2, format!("0{}", parts[2])),
        ),
        ("MAC in upper case", respell(4, parts[4].to_uppercase())),
        ("nonce in upper case", respell(3, parts[3].to_uppercase())),
    ];
    for (what, variant) in variants {
        assert_ne!(variant, good, "{what}");
        assert_eq!(
            mint.verify(variant.as_bytes()),
            Err(MintError::Malformed),
            "{what}: {variant}"
        );
    }
}

#[test]
fn verify_says_why_a_secret_is_refused() {
    let mint = SecretMint::new(key("k1", 1)).accept(key("k0", 3));
    let now = SystemTime::now();
    let in_ten_minutes = now + Duration::from_secs(600);
    let good = mint.mint_at(in_ten_minutes);
    let parts: Vec<&str> = good.split('.').collect();
    let expiry: u64 = parts[2].parse().unwrap();
    let at = |seconds: u64| UNIX_EPOCH + Duration::from_secs(seconds);
    let forger = SecretMint::new(key("k1", 2));
    let mut not_utf8 = good.clone().into_bytes();
    not_utf8.push(0xff);
    let cases = [
        ("genuine", good.clone().into_bytes(), now, Ok(())),
        (
            "genuine, at its last second",
            good.clone().into_bytes(),
            at(expiry),
            Ok(()),
        ),
        (
            "signed with an accepted older key",
            SecretMint::new(key("k0", 3))
                .mint_at(in_ten_minutes)
                .into_bytes(),
            now,
            Ok(()),
        ),
        ("empty", Vec::new(), now, Err(MintError::Malformed)),
        (
            "a static secret",
            b"hunter2".to_vec(),
            now,
            Err(MintError::Malformed),
        ),
        ("not UTF-8", not_utf8, now, Err(MintError::Malformed)),
        (
            "another version",
            good.replacen("v1.", "v2.", 1).into_bytes(),
            now,
            Err(MintError::Malformed),
        ),
        (
            "a part too many",
            format!("{good}.x").into_bytes(),
            now,
            Err(MintError::Malformed),
        ),
        (
            "a key id never accepted",
            SecretMint::new(key("k9", 1))
                .mint_at(in_ten_minutes)
                .into_bytes(),
            now,
            Err(MintError::UnknownKey),
        ),
        (
            "signed by another key under the same id",
            forger.mint_at(in_ten_minutes).into_bytes(),
            now,
            Err(MintError::Forged),
        ),
        (
            "its expiry pushed",
            format!("v1.k1.{}.{}.{}", expiry + 1, parts[3], parts[4]).into_bytes(),
            now,
            Err(MintError::Forged),
        ),
        (
            "genuine, a second past its expiry",
            good.clone().into_bytes(),
            at(expiry + 1),
            Err(MintError::Expired),
        ),
        (
            // The MAC is judged first: a forgery past its expiry is a
            // forgery, not an expired secret.
            "forged and expired",
            forger.mint_at(now - Duration::from_secs(600)).into_bytes(),
            now,
            Err(MintError::Forged),
        ),
    ];
    for (what, secret, when, expected) in cases {
        assert_eq!(mint.verify_at(&secret, when), expected, "{what}");
    }
    // `verify` judges at the present time.
    assert_eq!(mint.verify(good.as_bytes()), Ok(()));
    assert_eq!(
        mint.verify(mint.mint_at(now - Duration::from_secs(1)).as_bytes()),
        Err(MintError::Expired)
    );
}

#[test]
fn an_unusable_master_key_is_refused_with_its_id() {
    let too_long = "k".repeat(33);
    let cases = [
        ("", 32),
        ("has.dot", 32),
        ("has space", 32),
        (too_long.as_str(), 32),
        ("short-key", 31),
    ];
    for (id, len) in cases {
        assert!(
            matches!(
                MintKey::new(id, vec![1u8; len]),
                Err(shotsink::mint::MintKeyError { id: given, .. }) if given == id
            ),
            "{id:?} with a key of {len} bytes"
        );
    }
    let longest = "k".repeat(32);
    assert_eq!(
        MintKey::new(longest.as_str(), [1u8; 32]).unwrap().id(),
        longest
    );
    assert_eq!(MintKey::new("k-1", [1u8; 32]).unwrap().id(), "k-1");
}
