//! What serde cannot check, checked before anything starts: routes that
//! can be mounted, a log filter that says what it means, addresses that
//! differ (and, asked, can be bound), a store that can be opened; and a
//! library error told in this server's keys, with where the value came
//! from.

use std::net::SocketAddr;

use shotsink::ConfigError;

use super::{Config, ConfigLoadError, in_server_terms};

/// The level names a filter directive may be.
const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];

impl Config {
    /// An error about `key`: what is wrong and the fix, with where the
    /// value came from.
    pub(crate) fn refuse(&self, key: &str, why: impl std::fmt::Display) -> ConfigLoadError {
        ConfigLoadError(format!("`{key}` ({}): {why}", self.sources.of(key)))
    }

    pub(super) fn validate(&self) -> Result<(), ConfigLoadError> {
        for (key, path) in [("path", &self.path), ("metrics.path", &self.metrics.path)] {
            // `{`, `}` and `*` would be route parameters (a panic in axum).
            if !path.starts_with('/') || path.contains(['?', '#', ' ', '{', '}', '*']) {
                return Err(self.refuse(key, "must be a plain path starting with `/`"));
            }
        }
        if ["/healthz", "/readyz"].contains(&self.metrics.path.as_str()) {
            let why = "is taken by a probe (/healthz, /readyz): choose another, e.g. /metrics";
            return Err(self.refuse("metrics.path", why));
        }
        let probes = ["/healthz", "/readyz", self.metrics.path.as_str()];
        if probes.contains(&self.path.as_str()) {
            let why = "is taken by a probe (/healthz, /readyz, metrics.path): e.g. /callback";
            return Err(self.refuse("path", why));
        }
        check_log_level(&self.log.level).map_err(|why| self.refuse("log.level", why))?;
        if self.max_connections == 0 {
            return Err(self.refuse("max_connections", "must be at least 1 (10000 by default)"));
        }
        if let Some(admin) = self.admin_listen
            && overlap(self.listen, admin)
        {
            let why = format!(
                "{admin} is `listen`'s address ({}): give it another port, e.g. 127.0.0.1:9090",
                self.listen
            );
            return Err(self.refuse("admin_listen", why));
        }
        Ok(())
    }

    /// The TLS files, as `serve` reads them: both or neither, each a PEM
    /// file that parses, the key the certificate's.
    pub(crate) fn check_tls(&self) -> Result<(), ConfigLoadError> {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        match (&self.tls.certificate, &self.tls.key) {
            (None, None) => Ok(()),
            (Some(certificate), Some(key)) => crate::tls::load(certificate, key, &provider)
                .map(drop)
                .map_err(|why| self.refuse("tls.certificate", why)),
            (Some(_), None) => Err(self.refuse("tls.certificate", "needs `tls.key` too")),
            (None, Some(_)) => Err(self.refuse("tls.key", "needs `tls.certificate` too")),
        }
    }

    /// The TLS acceptor for the callback listener, if `[tls]` is set.
    pub(crate) fn tls_acceptor(
        &self,
    ) -> Result<Option<tokio_rustls::TlsAcceptor>, ConfigLoadError> {
        self.check_tls()?;
        match (&self.tls.certificate, &self.tls.key) {
            (Some(certificate), Some(key)) => crate::tls::acceptor(certificate, key)
                .map(Some)
                .map_err(|why| self.refuse("tls.certificate", why)),
            _ => Ok(None),
        }
    }

    /// The store, checked as `serve` would open it, without creating or
    /// writing anything.
    pub(crate) fn check_store(&self) -> Result<(), ConfigLoadError> {
        shotsink::check_store_url(&self.store.url, self.store_options())
            .map_err(|error| self.refuse("store.url", error))
    }

    /// Binds every address for a moment: a port in use (or not ours to
    /// take) is an error naming it.
    pub(crate) fn check_bind(&self) -> Result<(), ConfigLoadError> {
        let mut addresses = vec![("listen", self.listen)];
        addresses.extend(self.admin_listen.map(|a| ("admin_listen", a)));
        for (key, addr) in addresses {
            std::net::TcpListener::bind(addr).map_err(|e| self.cannot_bind(key, addr, &e))?;
        }
        Ok(())
    }

    /// Why `addr` (the value of `key`) cannot be listened on, and the fix.
    pub(crate) fn cannot_bind(
        &self,
        key: &str,
        addr: SocketAddr,
        error: &std::io::Error,
    ) -> ConfigLoadError {
        let fix = match error.kind() {
            std::io::ErrorKind::AddrInUse => format!(
                "another process listens there (find it with `ss -ltnp 'sport = :{}'`): \
                 stop it or choose another port",
                addr.port()
            ),
            std::io::ErrorKind::PermissionDenied => {
                "ports below 1024 need privileges: choose a port above 1024".to_owned()
            }
            std::io::ErrorKind::AddrNotAvailable => {
                "no interface of this machine has that address".to_owned()
            }
            _ => "choose another address".to_owned(),
        };
        self.refuse(key, format!("cannot listen on {addr}: {error}; {fix}"))
    }

    /// A library error in this server's keys, with where the value came
    /// from.
    pub(crate) fn explain(&self, error: ConfigError) -> ConfigLoadError {
        let error = in_server_terms(error);
        let key = match &error {
            ConfigError::InvalidSetting { setting, .. } => setting.to_string(),
            ConfigError::InvalidLimit { name, .. } => name.to_string(),
            ConfigError::InvalidPrefix { setting, .. } => setting.to_string(),
            ConfigError::InvalidTag { .. } => "object.tags".to_owned(),
            _ => "secrets.values".to_owned(),
        };
        ConfigLoadError(format!("{error} ({})", self.sources.of(&key)))
    }
}

/// Two addresses that one listener would take from the other: the same
/// port on the same address, or on any address.
fn overlap(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() == b.port() && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
}

/// A log filter that means what it says: each directive a level, or
/// `target=level`. A bare word is a target to `EnvFilter` (`verbose`
/// would show that target's lines only, that is none).
fn check_log_level(filter: &str) -> Result<(), String> {
    let help = "write a level (trace, debug, info, warn, error, off) or `target=level`, \
                e.g. `info,shotsink=debug`";
    for directive in filter.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let level = directive
            .rsplit_once('=')
            .map_or(directive, |(_, level)| level);
        if !LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
            return Err(format!("`{directive}` is not a level; {help}"));
        }
    }
    if tracing_subscriber::EnvFilter::try_new(filter).is_err() {
        return Err(format!("not a log filter; {help}"));
    }
    Ok(())
}
