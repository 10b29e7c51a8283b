//! `shotsink`, the server: receives capture callbacks and streams them,
//! verified, into an object store, for apps not written in Rust.
//!
//! `shotsink serve [--config shotsink.toml]` runs it (with no configuration
//! at all it stores into `./captures` under a generated secret);
//! `shotsink check-config [--config shotsink.toml]` validates a
//! configuration and prints what it would do, secrets redacted. Every
//! setting can also come from a `SHOTSINK_*` variable (see the README).
#![deny(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod check;
mod client;
mod events;
mod exporter;
mod http;
mod logging;
mod probe;
mod routes;
mod serve;
mod settings;
mod tls;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The command line.
#[derive(Parser)]
#[command(
    name = "shotsink",
    version,
    about = "Receives screenshot-API capture callbacks and stores them in an object store"
)]
struct Cli {
    /// The configuration file (TOML); `SHOTSINK_CONFIG` names it too.
    #[arg(long, short, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Clone)]
enum Command {
    /// Receives callbacks until SIGTERM or SIGINT (the default).
    Serve,
    /// Validates the configuration as `serve` would, without starting
    /// anything, and prints the configuration in effect, secrets redacted;
    /// exits 2 if it is not usable.
    CheckConfig {
        /// Also binds the addresses for a moment: a port in use is an
        /// error.
        #[arg(long)]
        bind: bool,
    },
    /// Prints a new callback secret: 32 random letters and digits from the
    /// operating system's generator.
    Secret,
    /// Asks the running server's `/healthz` (on `listen`): exit 0 when it
    /// answers 200, for a container's HEALTHCHECK.
    Probe,
    /// Lists, shows and replays the events recorded for the app (in the
    /// configured store's journal).
    #[command(subcommand)]
    Events(events::EventsCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Secret) = cli.command {
        println!("{}", settings::generate_secret());
        return ExitCode::SUCCESS;
    }
    let file = cli
        .config
        .or_else(|| std::env::var_os("SHOTSINK_CONFIG").map(PathBuf::from));
    let config = match settings::Config::load(file.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("shotsink: configuration: {error}");
            return ExitCode::from(2);
        }
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::CheckConfig { bind } => check::run(&config, bind),
        Command::Secret => ExitCode::SUCCESS,
        Command::Probe => probe::run(&config),
        Command::Events(command) => events::run(&config, command),
        Command::Serve => {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    eprintln!("shotsink: cannot start the runtime: {error}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(serve::run(config)) {
                Ok(()) => ExitCode::SUCCESS,
                // A configuration that cannot be used: exit 2, as
                // check-config does.
                Err(error) if error.is::<settings::ConfigLoadError>() => {
                    eprintln!("shotsink: configuration: {error}");
                    ExitCode::from(2)
                }
                Err(error) => {
                    eprintln!("shotsink: {error}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
