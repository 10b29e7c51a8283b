//! Serving a router over TCP with a graceful shutdown: on the signal, stop
//! accepting, let the requests in flight finish until the deadline, then
//! cancel what remains (their uploads are aborted by the sink).

use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// How long a client may take to send a request's head (and, before it,
/// to finish the TLS handshake); an idle keep-alive connection is closed
/// after as long.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// How a listener's connections ended.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Drained {
    /// Connections still open at the deadline, cancelled.
    pub(crate) cancelled: usize,
}

/// Serves `app` on `listener` until `stop` turns true, then drains its
/// connections for at most `deadline`, or until `now` turns true (a second
/// signal).
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    mut stop: watch::Receiver<bool>,
    mut now: watch::Receiver<bool>,
    deadline: Duration,
    tls: Option<TlsAcceptor>,
    max_connections: usize,
) -> Drained {
    let mut refused = Refused::default();
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) if connections.len() >= max_connections => {
                    // Full: closed at once, so that the file descriptors
                    // and memory stay bounded whatever strangers open.
                    drop(stream);
                    refused.count(max_connections);
                }
                Ok((stream, peer)) => {
                    let peer = crate::client::Peer(peer);
                    let app = app.clone().map_request(move |mut request: axum::http::Request<hyper::body::Incoming>| {
                        request.extensions_mut().insert(peer);
                        request
                    });
                    let service = TowerToHyperService::new(app);
                    let (http, watcher, tls) = (http.clone(), graceful.watcher(), tls.clone());
                    connections.spawn(async move {
                        let served = match tls {
                            None => {
                                let connection = http.serve_connection(TokioIo::new(stream), service);
                                watcher.watch(connection).await
                            }
                            Some(tls) => {
                                let Some(stream) = handshake(&tls, stream).await else {
                                    return;
                                };
                                let connection = http.serve_connection(TokioIo::new(stream), service);
                                watcher.watch(connection).await
                            }
                        };
                        if let Err(error) = served {
                            tracing::debug!(%error, "connection ended with an error");
                        }
                    });
                }
                Err(error) => {
                    // Out of file descriptors, say: back off, do not spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
        }
    }
    drop(listener);
    let mut drained = Drained::default();
    let why = tokio::select! {
        finished = tokio::time::timeout(deadline, graceful.shutdown()) => {
            finished.err().map(|_| "shutdown deadline reached")
        }
        _ = now.wait_for(|now| *now) => Some("asked again to stop"),
    };
    if let Some(why) = why {
        drained.cancelled = connections.len();
        tracing::warn!(
            connections = drained.cancelled,
            "{why}: cancelling the callbacks still in flight"
        );
        connections.abort_all();
    }
    while connections.join_next().await.is_some() {}
    drained
}

/// The TLS handshake, bounded like a request's head: a client that does
/// not finish it in time, or fails it, is dropped (at DEBUG: scanners do
/// it all day).
async fn handshake(
    tls: &TlsAcceptor,
    stream: tokio::net::TcpStream,
) -> Option<tokio_rustls::server::TlsStream<tokio::net::TcpStream>> {
    match tokio::time::timeout(HEAD_TIMEOUT, tls.accept(stream)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(error)) => {
            tracing::debug!(%error, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!("TLS handshake timed out");
            None
        }
    }
}

/// Connections closed because the listener was full: counted, and said
/// at WARN at most once per 10 s, with how many since.
#[derive(Default)]
struct Refused {
    since_said: u64,
    said_at: Option<std::time::Instant>,
}

impl Refused {
    fn count(&mut self, max: usize) {
        metrics::counter!("shotsink_connections_refused_total").increment(1);
        self.since_said += 1;
        let due = self
            .said_at
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(10));
        if due {
            tracing::warn!(
                max_connections = max,
                refused = self.since_said,
                "connections refused: the listener holds max_connections already"
            );
            self.since_said = 0;
            self.said_at = Some(std::time::Instant::now());
        }
    }
}
