//! The Prometheus exporter: histograms with buckets from milliseconds to
//! minutes (not summaries, whose quantiles read 0 after a quiet spell),
//! every series described and present from the start,
//! `shotsink_build_info`, and the process's own metrics (CPU, memory, open
//! files, start time) and its live tasks read at each scrape.

use std::time::Duration;

use metrics_exporter_prometheus::{BuildError, PrometheusBuilder, PrometheusHandle};

/// Bucket bounds, in seconds: a callback takes milliseconds; a large file
/// from a slow sender, or a wait on a saturated store, minutes.
const BUCKETS: [f64; 16] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];

/// What `/metrics` renders.
pub(crate) struct Exporter {
    handle: PrometheusHandle,
    process: metrics_process::Collector,
}

impl Exporter {
    /// Installs the recorder (once per process) and describes every
    /// metric.
    pub(crate) fn install() -> Result<Exporter, BuildError> {
        let handle = PrometheusBuilder::new()
            .set_buckets(&BUCKETS)?
            .install_recorder()?;
        let upkeep = handle.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                upkeep.run_upkeep();
            }
        });
        shotsink::describe_metrics();
        metrics::describe_gauge!(
            "shotsink_build_info",
            "1, labelled with the running shotsink's version"
        );
        metrics::describe_counter!(
            "shotsink_connections_refused_total",
            "connections closed at once because a listener held max_connections"
        );
        metrics::counter!("shotsink_connections_refused_total").increment(0);
        metrics::describe_gauge!(
            "shotsink_runtime_tasks",
            "tasks alive in the server's runtime: connections, callbacks in flight, background work"
        );
        runtime_tasks();
        let version = env!("CARGO_PKG_VERSION");
        metrics::gauge!("shotsink_build_info", "version" => version).set(1.0);
        let process = metrics_process::Collector::default();
        process.describe();
        process.collect();
        Ok(Exporter { handle, process })
    }

    /// The text of a scrape, the process's metrics read now.
    pub(crate) fn render(&self) -> String {
        self.process.collect();
        runtime_tasks();
        self.handle.render()
    }
}

/// Sets `shotsink_runtime_tasks` from the runtime this is called in.
fn runtime_tasks() {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let alive = runtime.metrics().num_alive_tasks();
        metrics::gauge!("shotsink_runtime_tasks").set(alive as f64);
    }
}
