//! Who sent the callback: the secret sent is checked against the static
//! secrets, then the mint, then the resolver (which needs the token too),
//! in that order. Only a proved secret yields [`Verified`], which finishing
//! a capture requires.

use tokio::time::Instant;

use crate::configure::runtime::Secrets;
use crate::receive::wording::{BoxedError, invalid_secret, missing_secret};
use crate::verify::mint::MintError;
use crate::verify::secret::{Digest32, digest, verify_any};
use crate::{Rejection, RejectionKind};

pub mod mint;
pub(crate) mod secret;

/// Where the secret check stands.
pub(crate) enum SecretCheck {
    /// No `callback_secret` field yet.
    Unseen,
    /// Matched no static or minted secret; waits for the token to ask the
    /// resolver. Why the mint refused it is kept for the log.
    Unresolved {
        candidate: Digest32,
        minted: Option<MintError>,
    },
    /// Proved.
    Verified,
}

/// Proof that the callback's secret was verified; only
/// [`SecretCheck::proof`] makes one.
pub(crate) struct Verified(());

impl SecretCheck {
    pub(crate) fn is_seen(&self) -> bool {
        !matches!(self, SecretCheck::Unseen)
    }

    pub(crate) fn is_verified(&self) -> bool {
        matches!(self, SecretCheck::Verified)
    }

    /// Checks the secret sent against the static secrets, then the mint;
    /// what matches neither waits for the resolver, or is refused if there
    /// is none. Every comparison is in constant time.
    pub(crate) fn check(&mut self, secrets: &Secrets, sent: &[u8]) -> Result<(), Rejection> {
        let candidate = digest(sent);
        if verify_any(&secrets.fixed, &candidate) {
            *self = SecretCheck::Verified;
            return Ok(());
        }
        let minted = match &secrets.mint {
            Some(mint) => match mint.verify(sent) {
                Ok(()) => {
                    *self = SecretCheck::Verified;
                    return Ok(());
                }
                Err(reason) => Some(reason),
            },
            None => None,
        };
        if secrets.resolver.is_none() {
            return Err(refused(minted));
        }
        *self = SecretCheck::Unresolved { candidate, minted };
        Ok(())
    }

    /// Asks the resolver for the token's secret once both the candidate and
    /// the token are known, within the secret's deadline.
    pub(crate) async fn resolve(
        &mut self,
        secrets: &Secrets,
        token: Option<&str>,
        deadline: Instant,
    ) -> Result<(), Rejection> {
        let (SecretCheck::Unresolved { candidate, minted }, Some(token), Some(resolver)) =
            (&*self, token, &secrets.resolver)
        else {
            return Ok(());
        };
        match tokio::time::timeout_at(deadline, resolver.resolve(token)).await {
            Ok(Ok(Some(secret))) if bool::from(secret.matches(candidate)) => {
                *self = SecretCheck::Verified;
                Ok(())
            }
            Ok(Ok(_)) => Err(refused(*minted)),
            Ok(Err(error)) => Err(Rejection::new(
                RejectionKind::Unavailable,
                "the secret lookup failed; retry later",
            )
            .with_source(BoxedError(error))),
            Err(_) => Err(Rejection::new(
                RejectionKind::Unavailable,
                "the secret lookup did not answer in time; retry later",
            )),
        }
    }

    /// The proof, once the form is read: a secret never sent, or never
    /// matched, is refused.
    pub(crate) fn proof(&self) -> Result<Verified, Rejection> {
        match self {
            SecretCheck::Verified => Ok(Verified(())),
            SecretCheck::Unseen => Err(missing_secret()),
            SecretCheck::Unresolved { minted, .. } => Err(refused(*minted)),
        }
    }
}

/// 403 for the sender; why the mint refused the secret, if it was asked,
/// kept as the source for the log.
fn refused(minted: Option<MintError>) -> Rejection {
    match minted {
        Some(reason) => invalid_secret().with_source(reason),
        None => invalid_secret(),
    }
}
