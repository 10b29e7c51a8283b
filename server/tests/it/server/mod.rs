//! The `shotsink` binary, run as its users run it: a process configured by
//! a file and `SHOTSINK_*` variables, reached over TCP. Graceful shutdown
//! in `shutdown`, the probes and metrics in `probes`, notifications
//! verified by the official Python Standard Webhooks package in `notify`,
//! the README's configurations checked in `config`.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod config;
mod events;
mod hooks;
mod logs;
mod notify;
mod operator;
mod probes;
mod renditions;
mod shutdown;
mod tls;

/// The binary under test.
pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shotsink"));
    // Hermetic: nothing of the developer's environment configures it.
    for (key, _) in std::env::vars() {
        if key.starts_with("SHOTSINK_") || key.starts_with("AWS_") || key == "RUST_LOG" {
            command.env_remove(key);
        }
    }
    command
}

/// A running `shotsink serve`, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// The admin listener's address, if it has one.
    pub admin: Option<SocketAddr>,
    /// The lines it printed on standard output after the first.
    pub stdout: mpsc::Receiver<String>,
    /// Its log (standard error), for failure messages.
    pub log: tempfile::NamedTempFile,
}

impl Server {
    /// Starts it with `config` (TOML, may be empty) and `env`, listening on
    /// a free loopback port, and waits for its banner.
    pub fn start(config: &str, env: &[(&str, &str)]) -> Server {
        Self::launch(Some(config), env)
    }

    /// As the README's first command: no configuration file.
    pub fn start_without_file(env: &[(&str, &str)]) -> Server {
        Self::launch(None, env)
    }

    fn launch(config: Option<&str>, env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("shotsink.toml");
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut command = binary();
        command.arg("serve");
        if let Some(config) = config {
            std::fs::write(&file, config).unwrap();
            command.arg("--config").arg(&file);
        }
        // The admin listener on a port of its own, unless the test chose.
        let chosen = config.is_some_and(|c| c.contains("admin_listen"))
            || env.iter().any(|(k, _)| *k == "SHOTSINK_ADMIN_LISTEN");
        if !chosen {
            command.env(
                "SHOTSINK_ADMIN_LISTEN",
                format!("127.0.0.1:{}", free_port()),
            );
        }
        command
            .env("SHOTSINK_LISTEN", "127.0.0.1:0")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(log.reopen().unwrap());
        let mut child = command.spawn().unwrap();
        let (tx, stdout) = mpsc::channel();
        let out = BufReader::new(child.stdout.take().unwrap());
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let banner = stdout.recv_timeout(Duration::from_secs(60));
        let Ok(banner) = banner else {
            let log = std::fs::read_to_string(log.path()).unwrap_or_default();
            panic!("shotsink printed no banner: {log}");
        };
        // "shotsink: POST http://127.0.0.1:PORT/callback -> LOCATION"
        let addr = banner
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("no address in {banner:?}"));
        // "...; metrics on http://127.0.0.1:PORT/metrics"
        let admin = banner
            .split("metrics on http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|addr| addr.parse().ok());
        drop(dir);
        Server {
            child,
            addr,
            admin,
            stdout,
            log,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A URL on the admin listener.
    pub fn admin_url(&self, path: &str) -> String {
        let admin = self.admin.expect("an admin listener");
        format!("http://{admin}{path}")
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM, as a service manager does.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Kills it with SIGKILL, as a crash or the OOM killer would, and
    /// reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the process to exit, at most `limit`.
    pub fn wait(&mut self, limit: Duration) -> ExitStatus {
        let until = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < until, "still running: {}", self.log_text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment that points the binary's S3 client at `server`.
pub fn s3_env(server: &crate::common::S3Server) -> Vec<(&'static str, String)> {
    vec![
        ("SHOTSINK_STORE", "s3://captures".to_owned()),
        ("AWS_ENDPOINT", format!("http://{}", server.addr)),
        ("AWS_ALLOW_HTTP", "true".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "test-access".into()),
        ("AWS_SECRET_ACCESS_KEY", "test-secret-key".into()),
        ("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", "false".into()),
    ]
}

/// Borrowed pairs, for [`Server::start`].
pub fn pairs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The interpreter `scripts/moto.sh` prepared (with Flask and the official
/// `standardwebhooks` package), as `TEST_PYTHON` names it; `None` and
/// `what` reported as not run without it, except under CI, which fails.
pub fn python(what: &str) -> Option<String> {
    match std::env::var("TEST_PYTHON") {
        Ok(python) => Some(python),
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must run {what}: set TEST_PYTHON (scripts/moto.sh prepares it)"
            );
            eprintln!("NOT RUN: {what} (set TEST_PYTHON; scripts/moto.sh prepares it)");
            None
        }
    }
}

/// A loopback port nothing listens on (just now).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The fenced blocks of `lang` in the README, in order.
pub fn readme_blocks(lang: &str) -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let fence = format!("```{lang}\n");
    readme
        .split(&fence)
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(block, _)| block.to_owned()))
        .collect()
}
