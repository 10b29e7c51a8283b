//! `check-config`: the configuration checked as `serve` would use it,
//! without starting anything, and printed as it is in effect.

use std::process::ExitCode;
use std::sync::Arc;

use object_store::memory::InMemory;
use shotsink::notify::NotifierBuilder;

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
            sink.build().map(drop).map_err(|e| config.explain(e))
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
