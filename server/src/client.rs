//! Who sent a request: the peer's address, or behind a trusted proxy the
//! address it forwarded, in a `request` span that every line logged for
//! the request carries (the sink's `callback` line included).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The TCP peer of a connection, put in each request's extensions by the
/// accept loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub(crate) SocketAddr);

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Trusted(pub(crate) Arc<Vec<IpAddr>>);

/// Runs the request in a `request{client=…}` span.
pub(crate) async fn span(State(trusted): State<Trusted>, request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<Peer>().map(|p| p.0.ip());
    let client = address(peer, request.headers(), &trusted.0);
    let span = tracing::info_span!("request", client = %client.map_or("unknown".into(), |ip| ip.to_string()));
    next.run(request).instrument(span).await
}

/// The client: the peer, unless it is a trusted proxy, in which case the
/// last address in `X-Forwarded-For` that is not a trusted proxy itself
/// (the rightmost untrusted hop: the one no client can forge).
fn address(
    peer: Option<IpAddr>,
    headers: &axum::http::HeaderMap,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|hop| !trusted.contains(hop))
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_are_believed_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.7".parse().unwrap());
        let client = address(Some(proxy), &headers, &[proxy]);
        assert_eq!(client, Some("203.0.113.7".parse().unwrap()));
        let stranger: IpAddr = "198.51.100.2".parse().unwrap();
        assert_eq!(address(Some(stranger), &headers, &[proxy]), Some(stranger));
        assert_eq!(
            address(Some(proxy), &axum::http::HeaderMap::new(), &[proxy]),
            Some(proxy)
        );
    }
}
