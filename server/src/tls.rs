//! TLS on the callback listener (rustls): the certificate and key files
//! read at start, and read again when either file changes (checked every
//! few seconds) or on SIGHUP, so that a renewed certificate is served
//! without a restart. A renewal that cannot be read keeps the certificate
//! in use and says why.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// SIGHUP, where there is one.
#[cfg(unix)]
type Hangup = tokio::signal::unix::Signal;
#[cfg(not(unix))]
type Hangup = std::convert::Infallible;

/// How often the files are looked at for a change.
const RELOAD_EVERY: Duration = Duration::from_secs(5);

/// The certificate served, replaced when its files change.
#[derive(Debug)]
struct Reloading {
    certificate: PathBuf,
    key: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
    /// The files' modification times when last read.
    stamps: Mutex<(Option<SystemTime>, Option<SystemTime>)>,
}

impl ResolvesServerCert for Reloading {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        Some(current.clone())
    }
}

/// Reads a certificate chain and its key: the reason it cannot is for the
/// operator, naming the file.
pub(crate) fn load(
    certificate: &Path,
    key: &Path,
    provider: &CryptoProvider,
) -> Result<CertifiedKey, String> {
    let shown = |path: &Path, e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(certificate)
        .map_err(|e| shown(certificate, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| shown(certificate, &e))?;
    if chain.is_empty() {
        return Err(shown(certificate, &"no PEM certificate in it"));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| shown(key, &e))?;
    let signing = provider
        .key_provider
        .load_private_key(key_der)
        .map_err(|e| shown(key, &e))?;
    let certified = CertifiedKey::new(chain, signing);
    certified
        .keys_match()
        .map_err(|e| format!("{} and {}: {e}", certificate.display(), key.display()))?;
    Ok(certified)
}

fn stamp(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The acceptor for `certificate` and `key`, and the task that keeps them
/// fresh (until the process ends).
pub(crate) fn acceptor(certificate: &Path, key: &Path) -> Result<TlsAcceptor, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let first = load(certificate, key, &provider)?;
    let reloading = Arc::new(Reloading {
        certificate: certificate.to_owned(),
        key: key.to_owned(),
        provider: provider.clone(),
        current: RwLock::new(Arc::new(first)),
        stamps: Mutex::new((stamp(certificate), stamp(key))),
    });
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_cert_resolver(reloading.clone());
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    // Listened for before the banner: a SIGHUP never finds the default
    // action (ending the process).
    #[cfg(unix)]
    let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    #[cfg(not(unix))]
    let hangup = None;
    tokio::spawn(keep_fresh(reloading, hangup));
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Reads the files again when they change, or on SIGHUP.
async fn keep_fresh(reloading: Arc<Reloading>, mut hangup: Option<Hangup>) {
    loop {
        #[cfg(unix)]
        let asked = match hangup.as_mut() {
            Some(hangup) => tokio::select! {
                _ = hangup.recv() => true,
                () = tokio::time::sleep(RELOAD_EVERY) => false,
            },
            None => {
                tokio::time::sleep(RELOAD_EVERY).await;
                false
            }
        };
        #[cfg(not(unix))]
        let asked = {
            let _ = &mut hangup;
            tokio::time::sleep(RELOAD_EVERY).await;
            false
        };
        let now = (stamp(&reloading.certificate), stamp(&reloading.key));
        let changed = {
            let stamps = reloading
                .stamps
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            *stamps != now
        };
        if !(asked || changed) {
            continue;
        }
        match load(&reloading.certificate, &reloading.key, &reloading.provider) {
            Ok(fresh) => {
                *reloading
                    .current
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
                *reloading
                    .stamps
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = now;
                tracing::info!(certificate = %reloading.certificate.display(), "TLS certificate reloaded");
            }
            Err(error) => tracing::warn!(
                %error,
                "TLS certificate not reloaded; the one in use is kept"
            ),
        }
    }
}
