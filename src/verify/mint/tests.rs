use super::*;

fn mint() -> SecretMint {
    SecretMint::new(MintKey::new("k1", [1u8; 32]).unwrap())
}

#[test]
fn a_minted_secret_verifies_until_it_expires() {
    let m = mint();
    let now = SystemTime::now();
    let secret = m.mint_at(now + Duration::from_secs(60));
    assert_eq!(m.verify_at(secret.as_bytes(), now), Ok(()));
    assert_eq!(
        m.verify_at(secret.as_bytes(), now + Duration::from_secs(59)),
        Ok(())
    );
    assert_eq!(
        m.verify_at(secret.as_bytes(), now + Duration::from_secs(61)),
        Err(MintError::Expired)
    );
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
        let refused = m.verify(&forged);
        // A renamed key id is unknown; a character that breaks the
        // spelling is malformed; anything else that still parses is a
        // forgery (an expiry pushed included), never "expired".
        assert!(
            matches!(
                refused,
                Err(MintError::Forged | MintError::Malformed | MintError::UnknownKey)
            ),
            "position {i} of {secret}: {refused:?}"
        );
    }
    let expiry_at = secret.find(".1").unwrap() + 1;
    let mut pushed = secret.clone().into_bytes();
    pushed[expiry_at] = b'2';
    assert_eq!(m.verify(&pushed), Err(MintError::Forged));
    assert_eq!(
        m.verify(format!("{secret}.x").as_bytes()),
        Err(MintError::Malformed)
    );
    assert_eq!(m.verify(b""), Err(MintError::Malformed));
    assert_eq!(
        m.verify("v1.k1.99999999999999999999.aa.bb".as_bytes()),
        Err(MintError::Malformed)
    );
}

#[test]
fn another_key_or_an_unknown_key_id_is_refused() {
    let secret = mint().mint(Duration::from_secs(3600));
    let other = SecretMint::new(MintKey::new("k1", [2u8; 32]).unwrap());
    assert_eq!(other.verify(secret.as_bytes()), Err(MintError::Forged));
    let renamed = SecretMint::new(MintKey::new("k2", [1u8; 32]).unwrap());
    assert_eq!(
        renamed.verify(secret.as_bytes()),
        Err(MintError::UnknownKey)
    );
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
