//! The sink, watched: resident memory, open file descriptors and threads
//! from `/proc/<pid>`, live tasks from its Prometheus endpoint
//! (`shotsink_runtime_tasks`), every few seconds.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::BoxError;

/// One look at the sink.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub seconds: f64,
    pub rss_kib: u64,
    pub fds: u64,
    pub threads: u64,
    /// Live tasks; 0 when no metrics endpoint was given.
    pub tasks: u64,
    /// Valid callbacks answered 200 so far.
    pub stored: u64,
}

/// The samples of a run, written as CSV as they are taken.
pub struct Samples {
    pub all: Vec<Sample>,
    csv: Option<std::fs::File>,
}

impl Samples {
    pub fn new(csv: Option<&std::path::Path>) -> Result<Self, BoxError> {
        let mut csv = csv.map(std::fs::File::create).transpose()?;
        if let Some(f) = csv.as_mut() {
            writeln!(f, "seconds,rss_kib,fds,threads,tasks,stored")?;
        }
        Ok(Self { all: vec![], csv })
    }

    pub fn push(&mut self, s: Sample) -> Result<(), BoxError> {
        if let Some(f) = self.csv.as_mut() {
            writeln!(
                f,
                "{:.1},{},{},{},{},{}",
                s.seconds, s.rss_kib, s.fds, s.threads, s.tasks, s.stored
            )?;
            f.flush()?;
        }
        self.all.push(s);
        Ok(())
    }
}

/// Takes one sample of `pid` (and of its metrics, if given).
pub async fn take(
    pid: u32,
    metrics: Option<(&reqwest::Client, &str)>,
    since: Instant,
    stored: u64,
) -> Result<Sample, BoxError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))?.count() as u64;
    let tasks = match metrics {
        Some((http, url)) => {
            let text = http.get(url).send().await?.text().await?;
            gauge(&text, "shotsink_runtime_tasks").unwrap_or(0)
        }
        None => 0,
    };
    Ok(Sample {
        seconds: since.elapsed().as_secs_f64(),
        rss_kib: field("VmRSS:"),
        fds,
        threads: field("Threads:"),
        tasks,
        stored,
    })
}

/// The value of an unlabelled gauge in a Prometheus scrape.
fn gauge(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|v| v as u64)
}

/// How flat a series stayed after the warm-up: the mean of the last third
/// of the samples after `warm_up` against the mean of the first third, as
/// a fraction (0.05 is 5 % higher at the end), with the least and most
/// seen after the warm-up.
pub fn flatness(
    samples: &[Sample],
    warm_up: Duration,
    value: impl Fn(&Sample) -> u64,
) -> Option<(f64, u64, u64)> {
    let after: Vec<u64> = samples
        .iter()
        .filter(|s| s.seconds >= warm_up.as_secs_f64())
        .map(&value)
        .collect();
    if after.len() < 3 {
        return None;
    }
    let third = after.len() / 3;
    let mean = |v: &[u64]| v.iter().sum::<u64>() as f64 / v.len() as f64;
    let first = mean(&after[..third]);
    let last = mean(&after[after.len() - third..]);
    let drift = if first == 0.0 {
        0.0
    } else {
        last / first - 1.0
    };
    let (lo, hi) = (after.iter().min()?, after.iter().max()?);
    Some((drift, *lo, *hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: f64, rss_kib: u64) -> Sample {
        Sample {
            seconds,
            rss_kib,
            fds: 0,
            threads: 0,
            tasks: 0,
            stored: 0,
        }
    }

    #[test]
    fn drift_compares_the_last_third_with_the_first_after_the_warm_up() {
        // Warm-up growth is ignored; then 100, 100, 100 against 110, 110, 110.
        let mut s = vec![at(0.0, 10), at(10.0, 50)];
        for (i, v) in [100, 100, 100, 105, 105, 105, 110, 110, 110]
            .iter()
            .enumerate()
        {
            s.push(at(20.0 + i as f64 * 10.0, *v));
        }
        let (drift, lo, hi) = flatness(&s, Duration::from_secs(20), |s| s.rss_kib).unwrap();
        assert!((drift - 0.10).abs() < 1e-9, "{drift}");
        assert_eq!((lo, hi), (100, 110));
        assert!(flatness(&s[..3], Duration::from_secs(20), |s| s.rss_kib).is_none());
    }

    #[test]
    fn the_task_gauge_is_read_from_a_scrape() {
        let text = "# HELP shotsink_runtime_tasks live tasks\n# TYPE shotsink_runtime_tasks gauge\nshotsink_runtime_tasks_total 9\nshotsink_runtime_tasks 42\n";
        assert_eq!(gauge(text, "shotsink_runtime_tasks"), Some(42));
        assert_eq!(gauge(text, "absent"), None);
    }
}
