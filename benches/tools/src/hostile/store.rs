//! The store check: which acknowledged valid captures landed, and which
//! attackers' captures did.

use chrono::{DateTime, Utc};
use shotsink::Format;

use super::Options;
use super::attack::attacker_token;
use super::valid::Sent;
use crate::{BoxError, landed, open_store};

/// Which acknowledged valid callbacks are missing from the store, and
/// which attackers' captures are in it; prints both.
pub(super) async fn check_store(
    o: &Options,
    location: &str,
    run: &str,
    started_at: DateTime<Utc>,
    sent: &[Sent],
) -> Result<(Vec<String>, Vec<String>), BoxError> {
    let store = open_store(location)?;
    let acknowledged: Vec<String> = sent
        .iter()
        .filter(|s| s.label == "200")
        .map(|s| s.token.clone())
        .collect();
    let attackers: Vec<String> = (0..o.attackers()).map(|i| attacker_token(run, i)).collect();
    let captures: Vec<(String, Format)> = acknowledged
        .iter()
        .chain(&attackers)
        .map(|token| (token.clone(), Format::Png))
        .collect();
    let found = landed(
        store.as_ref(),
        &o.key_layout,
        &captures,
        started_at,
        Utc::now(),
    )
    .await?;
    let missing: Vec<String> = acknowledged
        .iter()
        .filter(|token| !found.contains(*token))
        .cloned()
        .collect();
    let stored: Vec<String> = attackers
        .into_iter()
        .filter(|token| found.contains(token))
        .collect();
    println!(
        "checked {location}: {} of {} acknowledged valid captures landed; missing: {missing:?}; \
         attacker captures stored: {stored:?}",
        acknowledged.len() - missing.len(),
        acknowledged.len()
    );
    Ok((missing, stored))
}
