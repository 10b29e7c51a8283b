//! `shotsink probe`: asks the running server's `/healthz`, for a
//! container's `HEALTHCHECK` (the image has no curl): on the admin
//! listener when there is one (plain HTTP even when the callback listener
//! serves TLS), else on the callback listener.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use crate::settings::Config;

/// Exit 0 when `/healthz` answers 200 within 3 s; 1 otherwise, saying why.
pub(crate) fn run(config: &Config) -> ExitCode {
    let addr = match (config.admin_listen, &config.tls.certificate) {
        (Some(admin), _) => admin,
        (None, None) => config.listen,
        (None, Some(_)) => {
            eprintln!(
                "shotsink probe: the callback listener serves TLS and admin_listen is off: \
                 set admin_listen (e.g. 127.0.0.1:9090) for the probe"
            );
            return ExitCode::FAILURE;
        }
    };
    let addr = crate::serve::usable(addr);
    match ask(addr) {
        Ok(status) if status.starts_with("HTTP/1.1 200") => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("shotsink probe: {addr}/healthz answered {status:?}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("shotsink probe: {addr}/healthz: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The status line `/healthz` answers with.
fn ask(addr: std::net::SocketAddr) -> std::io::Result<String> {
    let limit = Duration::from_secs(3);
    let mut stream = TcpStream::connect_timeout(&addr, limit)?;
    stream.set_read_timeout(Some(limit))?;
    stream.set_write_timeout(Some(limit))?;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut answer = Vec::new();
    stream.take(4096).read_to_end(&mut answer)?;
    let text = String::from_utf8_lossy(&answer);
    Ok(text.lines().next().unwrap_or_default().to_owned())
}
