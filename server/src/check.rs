//! `check-config`: the configuration checked as `serve` would use it,
//! without starting anything, and printed as it is in effect.

use std::process::ExitCode;
use std::sync::Arc;

use object_store::memory::InMemory;
use shotsink::notify::{EventLog, NotifierBuilder};
use shotsink::{CaptureSinkBuilder, SinkConfigKey};

use crate::settings::Config;

/// `check-config`: the configuration in effect, and whether the sink can
/// be built from it (with a memory store: nothing is opened or created).
pub(crate) fn run(config: &Config, bind: bool) -> ExitCode {
    let secrets = match config.needs_generated_secret() {
        true => vec![crate::settings::generate_secret()],
        false => config.secrets().to_vec(),
    };
    let notifier = config.notifier_builder();
    let checked = config
        .sink_builder(Arc::new(InMemory::new()), &secrets)
        .and_then(|sink| {
            println!("{}", config.describe(&sink, notifier.as_ref()));
            for note in config.notes() {
                println!("# note: {note}");
            }
            config.check_secrets()?;
            with_journal(config, sink)?
                .build()
                .map(drop)
                .map_err(|e| config.explain(e))
        })
        .and_then(|()| {
            let checked = notifier.as_ref().map_or(Ok(()), NotifierBuilder::check);
            checked.map_err(|e| config.explain(e))
        })
        .and_then(|()| config.check_tls())
        .and_then(|()| config.check_store())
        .and_then(|()| if bind { config.check_bind() } else { Ok(()) });
    match checked {
        Ok(()) => {
            println!("configuration ok");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("shotsink: configuration: {error}");
            ExitCode::from(2)
        }
    }
}

/// Renditions need the notifier with its journal that `serve` gives the
/// sink: built here on a memory store, in a runtime of its own, so that
/// the check sees what `serve` will.
fn with_journal(
    config: &Config,
    sink: CaptureSinkBuilder,
) -> Result<CaptureSinkBuilder, crate::settings::ConfigLoadError> {
    let (Some(_), Some(builder)) = (
        sink.get_config(SinkConfigKey::Renditions),
        config.notifier_builder(),
    ) else {
        return Ok(sink);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::settings::ConfigLoadError(format!("no runtime for the check: {e}")))?;
    let notifier = runtime.block_on(async {
        builder
            .journal(EventLog::new(Arc::new(InMemory::new())))
            .build()
    });
    let notifier = notifier.map_err(|e| config.explain(e))?;
    Ok(sink.notifier(notifier))
}
