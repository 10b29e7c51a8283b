//! The hostile-load tool: valid callbacks sent through an attack on a sink
//! on loopback; see `shotsink_bench_tools::hostile` for the attacks.

use std::time::Duration;

use clap::Parser;
use shotsink_bench_tools::hostile::{Attack, Options, run};
use shotsink_bench_tools::{BoxError, key_layout};

/// Opens an attack on a sink on loopback (attacker connections writing
/// hand-made HTTP/1.1 requests that stall, trickle or flood), then, with
/// the attackers in place, sends N valid 180 KB PNG callbacks through it
/// and reports their statuses and latency beside what each attacker read
/// back and how long the server took to cut it.
///
/// Every attacker stops writing after --duration and then holds its
/// connection open; the attackers are watched until the valid callbacks are
/// done and --duration has passed (or every attacker was cut). Given the
/// sink's store (--store), it then checks that every acknowledged valid
/// callback landed and that no attacker's capture did (exit status 1 if
/// not).
#[derive(Parser)]
#[command(name = "hostile")]
struct Args {
    /// The attack
    #[arg(long, value_name = "NAME")]
    attack: Attack,
    /// Callback URL, on loopback (127.0.0.1, localhost or [::1])
    #[arg(long, default_value = "http://127.0.0.1:3000/callback")]
    url: String,
    /// Callback secret
    #[arg(
        long,
        value_name = "S",
        env = "SHOTSINK_SECRET",
        hide_env_values = true
    )]
    secret: String,
    /// Attacker connections [default: the attack's own]
    #[arg(long, value_name = "K")]
    attackers: Option<usize>,
    /// Valid callbacks to send
    #[arg(short = 'n', value_name = "N", default_value_t = 300)]
    count: usize,
    /// Their concurrency
    #[arg(short = 'c', value_name = "C", default_value_t = 16)]
    concurrency: usize,
    /// How long attackers keep writing, and the least time they are watched
    /// for, in seconds
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    duration: u64,
    /// The sink's store (path or URL): check what landed in it
    #[arg(long, value_name = "LOC")]
    store: Option<String>,
    /// The sink's key prefix: captures are looked for at
    /// PREFIX/YYYY/MM/DD/TOKEN.EXT [default: screenshots]
    #[arg(long, value_name = "PREFIX")]
    key_prefix: Option<String>,
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    if args.secret.is_empty() {
        return Err("set --secret or SHOTSINK_SECRET".into());
    }
    if args.concurrency == 0 {
        return Err("-c must be at least 1".into());
    }
    let options = Options {
        attackers: args.attackers,
        count: args.count,
        concurrency: args.concurrency,
        duration: Duration::from_secs(args.duration),
        store: args.store,
        key_layout: key_layout(args.key_prefix.as_deref())?,
        ..Options::new(args.attack, &args.url, &args.secret)
    };
    let report = run(options).await?;
    let missing = report.missing.is_some_and(|m| !m.is_empty());
    let intruded = report.attackers_stored.is_some_and(|s| !s.is_empty());
    if missing || intruded {
        std::process::exit(1);
    }
    Ok(())
}
