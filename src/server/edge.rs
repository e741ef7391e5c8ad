//! The edge of the server: every TCP connection passes here before any handler runs.
//!
//! - **Accepting** (`serve`): our own accept loop on hyper's HTTP/1 connection, because
//!   `axum::serve` sets no header-read timeout (issue #20: 1,030 slowloris sockets starved
//!   honest joins). hyper starts that timer on a new connection and again whenever a
//!   kept-alive connection goes idle, so it is both the header-read and the idle timeout.
//! - **Counting**: every connection, HTTP and WebSocket alike, counts toward a total and a
//!   per-address cap derived from the open-file limit; past either the socket is closed at
//!   once, before a byte is read, so a flood from one address cannot take the files that
//!   other addresses need.
//! - **Who is asking** (`client`): the peer address, or the address a `--trusted-proxy`
//!   puts in `X-Forwarded-For`; every limit keyed by address uses it.
//! - **Which host and which page** (`guard`): the `Host` header must be an allowed host
//!   (DNS rebinding), and a browser's `Origin` on a WebSocket or a state-changing request
//!   must be this server's page or an allowed origin.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use dashmap::DashMap;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tracing::{debug, warn};

use super::App;
use super::http::fail;

/// Time a client has to send a request's headers, and the longest a kept-alive HTTP
/// connection may sit idle between requests.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Time a client has to send a request's body once its headers are in.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections beyond the WebSocket limits kept for plain HTTP (pages, reports, health).
pub const HTTP_CONNECTIONS: usize = 128;
/// Connections one address may have beyond its WebSocket limit: the page loads and API
/// calls beside its sockets.
pub const HTTP_PER_ADDRESS: usize = 32;

/// The edge's settings and counters.
pub struct Edge {
    /// Host names and addresses (lower case, no port, IPv6 without brackets); `*`: any.
    hosts: Vec<String>,
    proxies: Vec<IpAddr>,
    open: DashMap<IpAddr, usize>,
    total: AtomicUsize,
    max_total: usize,
    /// 0: no limit per address.
    max_per_address: usize,
}

/// One counted connection; dropping it frees its place. An upgraded WebSocket keeps it
/// for as long as the socket lives (the HTTP connection's future ends at the upgrade).
pub struct Slot {
    edge: Arc<Edge>,
    peer: IpAddr,
    per_address: bool,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.edge.total.fetch_sub(1, Ordering::Relaxed);
        if self.per_address {
            if let Some(mut n) = self.edge.open.get_mut(&self.peer) {
                *n = n.saturating_sub(1);
            }
            self.edge.open.remove_if(&self.peer, |_, n| *n == 0);
        }
    }
}

/// The slot of a request's connection, in the request's extensions.
#[derive(Clone)]
pub struct ConnSlot(pub Arc<Slot>);

impl Edge {
    /// `websockets`: the WebSocket limit; `per_address`: the WebSocket limit per address
    /// (0: none). The connection caps leave room beside them for plain HTTP.
    pub fn new(hosts: Vec<String>, proxies: Vec<IpAddr>, websockets: usize, per_address: usize) -> Edge {
        Edge {
            hosts,
            proxies,
            open: DashMap::new(),
            total: AtomicUsize::new(0),
            max_total: websockets + HTTP_CONNECTIONS,
            max_per_address: if per_address == 0 { 0 } else { per_address + HTTP_PER_ADDRESS },
        }
    }

    /// Counts a new connection from `peer`, or `None` past a cap. A trusted proxy carries
    /// many people, so only the total counts for it.
    fn admit(self: &Arc<Edge>, peer: IpAddr) -> Option<Slot> {
        if self.total.fetch_add(1, Ordering::Relaxed) >= self.max_total {
            self.total.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        let per_address = self.max_per_address > 0 && !self.proxies.contains(&peer);
        if per_address {
            let mut n = self.open.entry(peer).or_insert(0);
            if *n >= self.max_per_address {
                drop(n);
                self.total.fetch_sub(1, Ordering::Relaxed);
                return None;
            }
            *n += 1;
        }
        Some(Slot { edge: self.clone(), peer, per_address })
    }

    /// Connections open now (for tests and metrics).
    pub fn open_connections(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    /// The address of the person behind a request: the peer, unless the peer is a trusted
    /// proxy, then the last address in `X-Forwarded-For` that is not a trusted proxy
    /// (addresses further left were written by the client and prove nothing).
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> SocketAddr {
        if !self.proxies.contains(&peer.ip()) {
            return peer;
        }
        let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
        let hops = forwarded.iter().flat_map(|v| v.split(',')).map(str::trim).collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else { return peer };
            if !self.proxies.contains(&ip) {
                return SocketAddr::new(ip, peer.port());
            }
        }
        peer
    }

    /// Whether a request's `Host` header names this server. No header (HTTP/1.0 health
    /// checks, scripts) is allowed: a browser always sends one.
    pub fn host_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST) else { return true };
        let Ok(host) = host.to_str() else { return false };
        let name = host_name(host);
        self.hosts.iter().any(|h| h == "*" || *h == name)
    }
}

/// An `X-Forwarded-For` entry: an address, possibly with a port or in brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| hop.trim_start_matches('[').trim_end_matches(']').parse().ok())
}

/// The host part of a `Host` header or an origin's authority: lower case, without the port,
/// the brackets of an IPv6 address or a trailing dot.
pub fn host_name(authority: &str) -> String {
    let authority = authority.trim();
    let name = if let Some(rest) = authority.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        match authority.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => authority,
        }
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The hosts allowed by default (PROTOCOL.md version 2): the bound address, the loopback
/// names, the `--public-url` host and, when bound to every interface, every address of the
/// machine's interfaces. `--allowed-hosts` replaces all but the loopback names, which are
/// always allowed: a page of another site cannot make a browser send them.
pub fn allowed_hosts(bound: SocketAddr, public_url: Option<&str>, given: &[String]) -> Vec<String> {
    let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"].iter().map(|s| s.to_string()).collect();
    if given.is_empty() {
        hosts.push(bound.ip().to_string());
        if let Some(url) = public_url {
            let authority = url.split_once("://").map_or(url, |(_, rest)| rest);
            hosts.push(host_name(authority.split('/').next().unwrap_or_default()));
        }
        if bound.ip().is_unspecified() {
            hosts.extend(interface_addresses().iter().map(IpAddr::to_string));
        }
    } else {
        hosts.extend(given.iter().map(|h| host_name(h)));
    }
    hosts.sort();
    hosts.dedup();
    hosts
}

/// Every address of the machine's interfaces (`getifaddrs`).
pub fn interface_addresses() -> Vec<IpAddr> {
    let mut found = Vec::new();
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `list` with a linked list that we only read, and free once
    // with freeifaddrs; each `ifa_addr` is null or points to a sockaddr of its family.
    unsafe {
        if libc::getifaddrs(&mut list) != 0 {
            return found;
        }
        let mut item = list;
        while !item.is_null() {
            let addr = (*item).ifa_addr;
            if !addr.is_null() {
                match i32::from((*addr).sa_family) {
                    libc::AF_INET => {
                        let v4 = &*(addr as *const libc::sockaddr_in);
                        found.push(IpAddr::from(u32::from_be(v4.sin_addr.s_addr).to_be_bytes()));
                    }
                    libc::AF_INET6 => {
                        let v6 = &*(addr as *const libc::sockaddr_in6);
                        found.push(IpAddr::from(v6.sin6_addr.s6_addr));
                    }
                    _ => {}
                }
            }
            item = (*item).ifa_next;
        }
        libc::freeifaddrs(list);
    }
    found
}

/// Whether a browser's page may use this server: no `Origin` (not a browser), an origin
/// whose `host[:port]` is the request's own (allowed) `Host`, the base URL, or one of
/// `--allowed-origins`.
pub fn origin_allowed(app: &App, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let Ok(origin) = origin.to_str() else { return false };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let authority = origin.split_once("://").map_or(origin, |(_, h)| h);
    (!host.is_empty() && authority.eq_ignore_ascii_case(host))
        || origin.eq_ignore_ascii_case(&app.base_url)
        || app.config.allowed_origins.iter().any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

/// The host and origin checks, before any handler. `/healthz` answers any host, so a
/// proxy's health check needs no configuration.
pub async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path != "/healthz" && !app.edge.host_allowed(request.headers()) {
        let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
        debug!(host = %host_name(host), "host not allowed");
        return fail(
            StatusCode::MISDIRECTED_REQUEST,
            "host_not_allowed",
            "This server does not answer to this host name. Start it with --allowed-hosts NAME or --public-url to allow it.",
        );
    }
    let changes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if (changes || path == "/ws") && !origin_allowed(&app, request.headers()) {
        return fail(StatusCode::FORBIDDEN, "origin_not_allowed", "Pages of another site may not use this server.");
    }
    next.run(request).await
}

/// Accepts connections until `shutdown`, then waits for the open HTTP requests to end.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    app: Arc<App>,
    shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    // Every connection's task holds a receiver; when all have ended, `closed` resolves.
    let (stopping, stop) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of files (EMFILE) or a connection reset before it was taken:
                    // wait a moment instead of spinning on the same error.
                    warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Some(slot) = app.edge.admit(peer.ip()) else {
            app.metrics.error("connection_refused");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let slot = ConnSlot(Arc::new(slot));
        let edge = app.clone();
        let service = tower::ServiceExt::map_request(router.clone(), move |mut request: Request<_>| {
            let client = edge.edge.client(peer, request.headers());
            request.extensions_mut().insert(ConnectInfo(client));
            request.extensions_mut().insert(slot.clone());
            request
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .serve_connection(TokioIo::new(stream), hyper_util::service::TowerToHyperService::new(service))
            .with_upgrades();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                _ = async { stop.wait_for(|s| *s).await.map(|_| ()) } => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = ended {
                debug!("connection ended: {e}");
            }
            drop(stop);
        });
    }
    drop(listener);
    drop(stop);
    let _ = stopping.send(true);
    // Requests under way get a moment to finish; WebSockets are the rooms' to close.
    let _ = tokio::time::timeout(Duration::from_secs(10), stopping.closed()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        h
    }

    #[test]
    fn host_names_lose_port_brackets_case_and_the_trailing_dot() {
        assert_eq!(host_name("Spel.Example.NL:8080"), "spel.example.nl");
        assert_eq!(host_name("spel.example.nl."), "spel.example.nl");
        assert_eq!(host_name("[::1]:8080"), "::1");
        assert_eq!(host_name("192.168.1.20"), "192.168.1.20");
    }

    #[test]
    fn only_allowed_hosts_pass_and_loopback_names_always_do() {
        let bound: SocketAddr = "192.168.1.20:8080".parse().unwrap();
        let hosts = allowed_hosts(bound, Some("https://spel.example.nl/"), &[]);
        let edge = Edge::new(hosts, vec![], 10, 10);
        for ok in ["192.168.1.20:8080", "localhost:8080", "127.0.0.1", "[::1]:8080", "SPEL.example.nl"] {
            assert!(edge.host_allowed(&headers(&[("host", ok)])), "{ok}");
        }
        assert!(edge.host_allowed(&headers(&[])), "no Host header: not a browser");
        for bad in ["evil.example", "evil.example:8080", "192.168.1.21:8080", "localhost.evil.example"] {
            assert!(!edge.host_allowed(&headers(&[("host", bad)])), "{bad}");
        }
        let given = allowed_hosts(bound, Some("https://spel.example.nl"), &["laptop.local".into()]);
        assert!(given.contains(&"laptop.local".to_string()) && given.contains(&"localhost".to_string()));
        assert!(!given.contains(&"spel.example.nl".to_string()), "a given list replaces the default");
    }

    #[test]
    fn every_interface_address_is_allowed_when_bound_to_all() {
        let hosts = allowed_hosts("0.0.0.0:8080".parse().unwrap(), None, &[]);
        for ip in interface_addresses() {
            assert!(hosts.contains(&ip.to_string()), "{ip} in {hosts:?}");
        }
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let proxy: SocketAddr = "10.0.0.1:4000".parse().unwrap();
        let edge = Edge::new(vec![], vec!["10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()], 10, 10);
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7"), ("x-forwarded-for", "10.0.0.2")]);
        assert_eq!(edge.client(proxy, &h).ip().to_string(), "203.0.113.7", "the last untrusted hop");
        let stranger: SocketAddr = "198.51.100.9:4000".parse().unwrap();
        assert_eq!(edge.client(stranger, &h), stranger, "an untrusted peer's header is ignored");
        assert_eq!(edge.client(proxy, &headers(&[])), proxy);
        assert_eq!(edge.client(proxy, &headers(&[("x-forwarded-for", "nonsense")])), proxy);
        assert_eq!(
            edge.client(proxy, &headers(&[("x-forwarded-for", "[2001:db8::1]:443")])).ip().to_string(),
            "2001:db8::1"
        );
    }

    #[test]
    fn connections_are_capped_in_total_and_per_address_but_not_for_a_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let edge = Arc::new(Edge::new(vec![], vec![proxy], 100, 2));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let held: Vec<_> = (0..2 + HTTP_PER_ADDRESS).map(|_| edge.admit(a).expect("within the cap")).collect();
        assert!(edge.admit(a).is_none(), "past the cap for one address");
        let through_proxy: Vec<_> = (0..50).map(|_| edge.admit(proxy).expect("a proxy is not capped")).collect();
        drop(held);
        assert!(edge.admit(a).is_some(), "places come back when connections close");
        assert_eq!(edge.open_connections(), 50);
        let more: Vec<_> = (0..100 + HTTP_CONNECTIONS - 50).filter_map(|_| edge.admit(proxy)).collect();
        assert_eq!(more.len(), 100 + HTTP_CONNECTIONS - 50);
        assert!(edge.admit(proxy).is_none(), "past the total");
        drop((through_proxy, more));
        assert_eq!(edge.open_connections(), 0);
        assert!(edge.open.is_empty());
    }
}
