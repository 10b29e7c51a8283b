//! The load tool: acts as the capture service (or, with `--raw-put`, puts
//! the same files straight into the store) and reports the rate, latency
//! and statuses; see `shotsink_bench_tools::simulate`.

use clap::Parser;
use shotsink::Format;
use shotsink_bench_tools::simulate::{Options, run};
use shotsink_bench_tools::{BoxError, key_layout};

/// Sends capture callbacks like a capture service: N callbacks with unique
/// tokens and real files at concurrency C, then prints callbacks per
/// second, latency percentiles and status counts.
///
/// Given the sink's store (--store), it lists it afterwards and reports
/// every acknowledged capture that did not land (exit status 1 if any).
/// With --raw-put it instead puts the same files straight into a store at
/// the same concurrency: the ceiling for the setup.
#[derive(Parser)]
#[command(name = "load")]
struct Args {
    /// Callback URL
    #[arg(long, default_value = "http://127.0.0.1:3000/callback")]
    url: String,
    /// Callbacks to send
    #[arg(short = 'n', value_name = "N", default_value_t = 500)]
    count: usize,
    /// Concurrency
    #[arg(short = 'c', value_name = "C", default_value_t = 32)]
    concurrency: usize,
    /// Generated files of this size (PDF, or --format) instead of the samples
    #[arg(long, value_name = "BYTES")]
    size: Option<usize>,
    /// One format (jpg, png, webp, avif, pdf) instead of the five samples mixed
    #[arg(long, value_name = "FMT")]
    format: Option<Format>,
    /// Send this file (its format from its extension) in every callback
    #[arg(long, value_name = "PATH")]
    file: Option<std::path::PathBuf>,
    /// Callback secret
    #[arg(
        long,
        value_name = "S",
        env = "SHOTSINK_SECRET",
        hide_env_values = true
    )]
    secret: Option<String>,
    /// The sink's store (path or URL): check that every acknowledged capture landed
    #[arg(long, value_name = "LOC")]
    store: Option<String>,
    /// Put the files into this store (path or URL) directly instead of calling back
    #[arg(long, value_name = "LOC")]
    raw_put: Option<String>,
    /// With --raw-put, multipart part size for large files
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 20)]
    part_size: usize,
    /// With --raw-put, parts in flight per file
    #[arg(long, value_name = "P", default_value_t = 2)]
    in_flight: usize,
    /// With --raw-put, do not list the store afterwards
    #[arg(long)]
    no_check: bool,
    /// The sink's key prefix: captures are looked for at
    /// PREFIX/YYYY/MM/DD/TOKEN.EXT [default: screenshots]
    #[arg(long, value_name = "PREFIX")]
    key_prefix: Option<String>,
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let secret = args.secret.unwrap_or_default();
    if secret.is_empty() && args.raw_put.is_none() {
        return Err("set --secret or SHOTSINK_SECRET".into());
    }
    if args.concurrency == 0 {
        return Err("-c must be at least 1".into());
    }
    let file = match &args.file {
        Some(path) => {
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default();
            let format: Format = ext
                .parse()
                .map_err(|e| format!("--file {}: {e}", path.display()))?;
            let bytes =
                std::fs::read(path).map_err(|e| format!("--file {}: {e}", path.display()))?;
            Some((format, bytes::Bytes::from(bytes)))
        }
        None => None,
    };
    let options = Options {
        file,
        count: args.count,
        concurrency: args.concurrency,
        size: args.size,
        format: args.format,
        store: args.store,
        raw_put: args.raw_put,
        part_size: args.part_size,
        in_flight: args.in_flight,
        no_check: args.no_check,
        progress: true,
        key_layout: key_layout(args.key_prefix.as_deref())?,
        ..Options::new(&args.url, &secret)
    };
    let report = run(options).await?;
    if report.missing.is_some_and(|m| !m.is_empty()) {
        std::process::exit(1);
    }
    Ok(())
}
