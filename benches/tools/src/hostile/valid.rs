//! The valid traffic: the callbacks sent through the attack.

use std::time::Duration;

use futures_util::{StreamExt, stream};
use shotsink::Format;
use shotsink::testing::{Callback, generated};
use tokio::time::Instant;
use url::Url;

use super::{FILE_SIZE, Options};

/// What became of one valid callback.
pub(super) struct Sent {
    pub(super) token: String,
    /// Its status, `timeout`, or what went wrong.
    pub(super) label: String,
    pub(super) latency: Duration,
}

/// Valid callback `i`'s token.
fn valid_token(run: &str, i: usize) -> String {
    format!("hostile{run}v{i}")
}

/// Sends the valid callbacks at the set concurrency: each one's status (or
/// what went wrong) and latency.
pub(super) async fn send_valid(
    o: &Options,
    http: &reqwest::Client,
    url: &Url,
    run: &str,
) -> Vec<Sent> {
    let file = generated(Format::Png, FILE_SIZE);
    stream::iter(0..o.count)
        .map(|i| {
            let token = valid_token(run, i);
            let callback = Callback::new(&o.secret, &token, Format::Png).file(file.clone());
            let request = http
                .post(url.clone())
                .header("content-type", callback.content_type())
                .body(callback.body());
            async move {
                let started = Instant::now();
                let label = match request.send().await {
                    Ok(response) => {
                        let status = response.status().as_u16().to_string();
                        // Read to the end, so the connection can be reused.
                        let _ = response.bytes().await;
                        status
                    }
                    Err(e) => error_label(&e),
                };
                Sent {
                    token,
                    label,
                    latency: started.elapsed(),
                }
            }
        })
        .buffer_unordered(o.concurrency)
        .collect()
        .await
}

/// `timeout`, or the innermost cause.
fn error_label(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timeout".into();
    }
    let root = std::iter::successors(Some(e as &(dyn std::error::Error + 'static)), |e| {
        e.source()
    })
    .last()
    .map(ToString::to_string)
    .unwrap_or_default();
    format!("error: {root}")
}
