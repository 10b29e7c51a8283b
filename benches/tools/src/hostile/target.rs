//! Where the callbacks go: loopback only.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use tokio::net::TcpStream;
use tokio::time::timeout;
use url::{Host, Url};

use super::CONNECT_TIMEOUT;
use crate::BoxError;

/// Where the callbacks go: the URL for the valid callbacks, the address and
/// request line parts for the hand-made ones.
pub(super) struct Target {
    pub(super) url: Url,
    pub(super) addr: SocketAddr,
    /// The `Host` header.
    pub(super) authority: String,
    /// The request target: path and query.
    pub(super) path: String,
}

impl Target {
    /// The URL, refused unless it is plain HTTP to 127.0.0.1, localhost or [::1].
    pub(super) fn parse(url: &str) -> Result<Self, BoxError> {
        let url = Url::parse(url)?;
        let ip: IpAddr = match url.host() {
            Some(Host::Ipv4(ip)) if ip == Ipv4Addr::LOCALHOST => ip.into(),
            Some(Host::Ipv6(ip)) if ip == Ipv6Addr::LOCALHOST => ip.into(),
            Some(Host::Domain("localhost")) => Ipv4Addr::LOCALHOST.into(),
            _ => {
                return Err(
                    format!("refusing {url}: loopback only (127.0.0.1, localhost, [::1])").into(),
                );
            }
        };
        if url.scheme() != "http" {
            return Err(format!("refusing {url}: the attackers speak plain http only").into());
        }
        let port = url.port_or_known_default().ok_or("the URL has no port")?;
        let authority = format!("{}:{port}", url.host_str().unwrap_or_default());
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        Ok(Self {
            addr: SocketAddr::new(ip, port),
            url,
            authority,
            path,
        })
    }

    /// Fails unless something listens there: a setup error, not a result.
    pub(super) async fn probe(&self) -> Result<(), BoxError> {
        match timeout(CONNECT_TIMEOUT, TcpStream::connect(self.addr)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("cannot reach {}: {e}", self.addr).into()),
            Err(_) => Err(format!("cannot reach {}: connect timed out", self.addr).into()),
        }
    }
}
