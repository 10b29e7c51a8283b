//! Strangers trickling their bodies: each connection sends a callback's
//! head (10 MB declared) and a file field without a secret, then a byte
//! every 2 s, until the sink cuts it; then it opens another, until the
//! soak is over.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::Tally;
use crate::BoxError;

const BOUNDARY: &str = "soaktrickle";
/// One byte this often: far under any minimum data rate.
const EVERY: Duration = Duration::from_secs(2);

/// Starts `n` tricklers against the sink at `url`.
pub(super) async fn start(
    url: &str,
    n: usize,
    stop: watch::Receiver<bool>,
    tally: Arc<Tally>,
) -> Result<Vec<JoinHandle<()>>, BoxError> {
    let url = url::Url::parse(url)?;
    let host = url.host_str().ok_or("the URL has no host")?;
    let port = url.port_or_known_default().ok_or("the URL has no port")?;
    let addr = tokio::net::lookup_host((host, port))
        .await?
        .next()
        .ok_or("the URL's host did not resolve")?;
    let path = url.path().to_owned();
    Ok((0..n)
        .map(|_| {
            let (stop, tally, path) = (stop.clone(), tally.clone(), path.clone());
            tokio::spawn(async move { trickler(addr, &path, stop, &tally).await })
        })
        .collect())
}

async fn trickler(addr: SocketAddr, path: &str, mut stop: watch::Receiver<bool>, tally: &Tally) {
    while !*stop.borrow() {
        let since = Instant::now();
        tokio::select! {
            () = one(addr, path) => {
                tally.trickles_cut.fetch_add(1, Ordering::Relaxed);
                let ms = since.elapsed().as_millis() as u64;
                tally.longest_trickle_ms.fetch_max(ms, Ordering::Relaxed);
            }
            _ = stop.changed() => return,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One trickling connection, until the sink answers or closes it.
async fn one(addr: SocketAddr, path: &str) {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return;
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: 10000000\r\n\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n\
         Content-Type: image/png\r\n\r\nPNG"
    );
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let (mut read, mut write) = stream.into_split();
    let mut answer = [0u8; 1024];
    loop {
        tokio::select! {
            // An answer or a close: cut.
            _ = read.read(&mut answer) => return,
            () = tokio::time::sleep(EVERY) => {
                if write.write_all(b"\0").await.is_err() {
                    return;
                }
            }
        }
    }
}
