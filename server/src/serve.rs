//! `serve` and `check-config`: the library put together as a server, and
//! the configuration checked without serving.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use shotsink::notify::{EventLog, Notifier};

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::http;
use crate::routes::{self, App, Ready};
use crate::settings::Config;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long, after the connections are gone, aborts and staged copies may
/// take before the process exits anyway.
const BACKGROUND_GRACE: Duration = Duration::from_secs(30);

/// The same, once asked a second time to stop.
const HURRIED_GRACE: Duration = Duration::from_secs(5);

/// Serves until SIGTERM or SIGINT, then shuts down gracefully.
pub(crate) async fn run(config: Config) -> Result<(), BoxError> {
    crate::logging::init(&config.log);
    let metrics = match config.metrics.enabled {
        true => Some(crate::exporter::Exporter::install()?),
        false => None,
    };
    config.check_secrets()?;
    let store = config.open_store()?;
    let location = config.store_url().to_owned();
    let generated = config
        .needs_generated_secret()
        .then(crate::settings::generate_secret);
    let secrets: Vec<String> = match &generated {
        Some(secret) => vec![secret.clone()],
        None => config.secrets().to_vec(),
    };
    let notifier = match config.notifier_builder() {
        Some(builder) => {
            // The journal's lease is the builder's `notify.lease`.
            let journal = EventLog::new(store.clone());
            Some(
                builder
                    .journal(journal)
                    .build()
                    .map_err(|e| config.explain(e))?,
            )
        }
        None => None,
    };
    let mut builder = config.sink_builder(store.clone(), &secrets)?;
    if let Some(notifier) = &notifier {
        // Each accepted callback's event is recorded before its 200.
        builder = builder.notifier(notifier.clone());
    }
    let sink = builder.build().map_err(|e| config.explain(e))?;
    let app = Arc::new(App {
        sink: sink.clone(),
        metrics,
        ready: Ready::new(config.ready_cache),
        stopping: Default::default(),
    });

    let metrics_path = config.metrics.path.as_str();
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| config.cannot_bind("listen", config.listen, &e))?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop) = watch::channel(false);
    let (now_tx, now) = watch::channel(false);
    let mut servers = tokio::task::JoinSet::new();
    let admin = match config.admin_listen {
        Some(admin) => {
            let admin = TcpListener::bind(admin)
                .await
                .map_err(|e| config.cannot_bind("admin_listen", admin, &e))?;
            let admin_addr = admin.local_addr()?;
            tracing::info!(addr = %admin_addr, "probes, metrics and events listening");
            if !admin_addr.ip().is_loopback() {
                tracing::warn!(
                    addr = %admin_addr,
                    "admin_listen is not a loopback address: whoever reaches it reads the \
                     metrics and can replay events"
                );
            }
            let mut router = routes::admin_router(&app, metrics_path);
            if let Some(journal) = notifier.as_ref().and_then(Notifier::journal) {
                // Never on the public listener.
                router = router.merge(crate::events::router(journal.clone()));
            }
            // The probes stop with the rest, but need no drain.
            servers.spawn(http::serve(
                admin,
                router,
                stop.clone(),
                now.clone(),
                Duration::ZERO,
                None,
                config.max_connections,
            ));
            Some(admin_addr)
        }
        None => None,
    };
    let trusted = crate::client::Trusted(Arc::new(config.trusted_proxies.clone()));
    let router = routes::main_router(&app, &config.path, trusted);
    let deadline = config.shutdown_timeout;
    let tls = config.tls_acceptor()?;
    if tls.is_none() && !addr.ip().is_loopback() {
        tracing::warn!(
            %addr,
            "the callback listener is not loopback and has no TLS: the callback secret \
             travels in the clear; set [tls] certificate and key, or serve behind a proxy \
             that terminates TLS"
        );
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    servers.spawn(http::serve(
        listener,
        router,
        stop,
        now.clone(),
        deadline,
        tls,
        config.max_connections,
    ));

    let admin_banner = match admin {
        Some(admin) => format!("metrics on http://{}{metrics_path}", usable(admin)),
        None => "no admin listener (admin_listen = \"off\")".to_owned(),
    };
    let everywhere = match addr.ip().is_unspecified() {
        true => " (listening on every interface)",
        false => "",
    };
    println!(
        "shotsink: POST {scheme}://{}{} -> {location}; {admin_banner}{everywhere}",
        usable(addr),
        config.path
    );
    if let Some(secret) = &generated {
        tracing::warn!(
            "no configuration and no secret: one was generated for this run, for trying \
             things out only (printed on standard output); set `[secrets] values` (make one \
             with `shotsink secret`) before a capture service calls back"
        );
        println!("no secret configured; generated one for this run: {secret}");
        println!(
            "send a sample capture:\n\n{}\n",
            sample_curl(addr, &config.path, secret)
        );
    }
    tracing::info!(%addr, store = %location, "shotsink serving");

    shutdown_signal().await;
    let started = Instant::now();
    tracing::info!(
        deadline = ?deadline,
        "shutting down: no new connections; a second SIGTERM or SIGINT stops now"
    );
    app.stopping.store(true, Ordering::Relaxed);
    let _ = stop_tx.send(true);
    // A second signal: the callbacks in flight are cut, aborts get a few
    // seconds, undelivered events wait in the journal for the next start.
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = now_tx.send(true);
    });
    let mut hurry = now.clone();
    let mut cancelled = 0;
    while let Some(drained) = servers.join_next().await {
        cancelled += drained.map(|d| d.cancelled).unwrap_or(0);
    }
    let grace = match *now.borrow() {
        true => HURRIED_GRACE,
        false => BACKGROUND_GRACE,
    };
    let aborts = tokio::time::timeout(grace, sink.background_done());
    let hurried = async {
        let _ = hurry.wait_for(|now| *now).await;
        tokio::time::sleep(HURRIED_GRACE).await;
    };
    tokio::select! {
        done = aborts => if done.is_err() {
            tracing::warn!(?grace, "aborts still running; exiting anyway");
        },
        () = hurried => tracing::warn!("asked again to stop: aborts still running left"),
    }
    if let Some(notifier) = &notifier {
        let left = match *now.borrow() {
            true => Duration::ZERO,
            false => deadline
                .saturating_sub(started.elapsed())
                .max(Duration::from_secs(1)),
        };
        let report = notifier.shutdown(left).await;
        tracing::info!(?report, "notifications");
    }
    tracing::info!(cancelled, "shotsink stopped");
    Ok(())
}

/// An address a browser or `curl` can use: the loopback one for a
/// listener on every interface.
pub(crate) fn usable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        ip if !ip.is_unspecified() => addr,
        std::net::IpAddr::V4(_) => SocketAddr::from(([127, 0, 0, 1], addr.port())),
        std::net::IpAddr::V6(_) => SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port())),
    }
}

/// Resolves on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// A `curl` command that sends a PNG: the repository's sample when run from
/// a checkout.
fn sample_curl(addr: SocketAddr, path: &str, secret: &str) -> String {
    let sample = "tests/fixtures/capture.png";
    let file = match std::path::Path::new(sample).exists() {
        true => sample,
        false => "capture.png",
    };
    format!(
        "curl -sS http://{addr}{path} \\\n  \
         -F callback_secret={secret} -F status=OK -F token=demo$(date +%s) -F format=png \\\n  \
         -F file=@{file}"
    )
}
