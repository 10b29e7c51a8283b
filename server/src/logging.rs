//! Logs: plain or JSON lines on standard error, filtered by `RUST_LOG` or
//! the configured level. The library writes one line per callback (its
//! outcome, token, key, size and duration); secrets are never logged.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::settings::{LogConfig, LogFormat};

/// Installs the subscriber for the whole process.
pub(crate) fn init(config: &LogConfig) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match config.format {
        LogFormat::Json => logs.json().flatten_event(true).init(),
        LogFormat::Plain => logs.init(),
    }
}
