//! `server`: the HTTP API, the WebSocket sessions and the room actors. Each room's game
//! lives in one task ([`room`]); the directory of room handles is the only shared map.

pub mod cluster;
pub mod directory;
pub mod edge;
mod fds;
mod http;
mod metrics;
mod outbox;
pub mod patch;
pub mod room;
mod tokens;
mod web;
pub mod wire;
pub mod ws;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use dashmap::DashMap;
use tokio::net::TcpListener;
use tracing::{info, warn};

pub use crate::code::{CODE_ALPHABET, normalize_code};
pub use metrics::Metrics;
pub use room::RoomHandle;
pub use tokens::{hash_token, token_matches};
pub use ws::{Incoming, decode};

use crate::scenario::Library;
use crate::store::{PostgresStore, SqliteStore, Store};

/// How `democreatie serve` is configured; every flag is also an environment variable.
#[derive(clap::Args, Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "DEMOCREATIE_ADDR", default_value = "0.0.0.0:8080")]
    pub addr: String,
    /// Folder for the database.
    #[arg(long, env = "DEMOCREATIE_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Folder with extra scenario files (added to the built-ins; re-read when they change).
    #[arg(long, env = "DEMOCREATIE_SCENARIOS")]
    pub scenarios: Option<PathBuf>,
    /// Base URL for join links and QR codes, e.g. https://spel.example.nl
    #[arg(long, env = "DEMOCREATIE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Most rooms at once.
    #[arg(long, env = "DEMOCREATIE_MAX_ROOMS", default_value_t = 1000)]
    pub max_rooms: usize,
    /// Most WebSocket connections at once.
    #[arg(long, env = "DEMOCREATIE_MAX_CONNECTIONS", default_value_t = 20000)]
    pub max_connections: usize,
    /// Days a finished room stays readable before it is purged.
    #[arg(long, env = "DEMOCREATIE_RETENTION_DAYS", default_value_t = 30)]
    pub retention_days: u32,
    /// Hours without commands (and nobody connected) before a room is finished.
    #[arg(long, env = "DEMOCREATIE_ROOM_IDLE_HOURS", default_value_t = 12.0)]
    pub room_idle_hours: f64,
    /// Other origins (scheme://host:port) whose pages may open the WebSocket.
    #[arg(long, env = "DEMOCREATIE_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
    /// Version 2: when given, `/metrics` needs `Authorization: Bearer TOKEN`; without it,
    /// `/metrics` answers only requests from this machine (loopback).
    #[arg(long, env = "DEMOCREATIE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Version 2: most WebSocket connections from one address at once (0: no limit). A
    /// workshop behind one NAT address has one connection per phone, screen and host.
    #[arg(long, env = "DEMOCREATIE_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 1000)]
    pub max_connections_per_address: usize,
    /// Version 2: a file of facilitator key hashes (one per line, `#` for comments); when
    /// given, `POST /api/rooms` needs `Authorization: Bearer KEY` with one of the keys.
    #[arg(long, env = "DEMOCREATIE_FACILITATOR_KEYS")]
    pub facilitator_keys: Option<PathBuf>,
    /// Minutes after which a room that nobody joined and that never started is deleted.
    #[arg(long, env = "DEMOCREATIE_EMPTY_ROOM_MINUTES", default_value_t = 60.0)]
    pub empty_room_minutes: f64,
    /// Rooms one address may create per hour (0: no limit).
    #[arg(long, env = "DEMOCREATIE_ROOMS_PER_ADDRESS_PER_HOUR", default_value_t = 60)]
    pub rooms_per_address_per_hour: u32,
    /// Version 2: addresses of reverse proxies whose `X-Forwarded-For` is believed (the
    /// limits per address then count the address the proxy names).
    #[arg(long, env = "DEMOCREATIE_TRUSTED_PROXY", value_delimiter = ',', num_args = 1..)]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// Version 2: host names this server answers to (`*`: any). Default: the bound address,
    /// the `--public-url` host and, bound to 0.0.0.0 or ::, every address of this machine;
    /// `localhost`, `127.0.0.1` and `::1` always.
    #[arg(long, env = "DEMOCREATIE_ALLOWED_HOSTS", value_delimiter = ',', num_args = 1..)]
    pub allowed_hosts: Vec<String>,
    /// Version 2: PostgreSQL instead of SQLite (postgres://USER:PASSWORD@HOST:PORT/DATABASE),
    /// so several nodes can share the rooms (see docs/deployment.md).
    #[arg(long, env = "DEMOCREATIE_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// With --database-url: seconds a node's claim on a room lasts unless renewed (renewed
    /// every fifth of it). A room whose node died moves to another node after this.
    #[arg(long, env = "DEMOCREATIE_LEASE_SECONDS", default_value_t = 5.0, value_parser = lease_seconds)]
    pub lease_seconds: f64,
}

fn lease_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (1.0..=300.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a number of seconds from 1 to 300")),
    }
}

impl Config {
    /// Settings for tests: a given address and data folder, defaults otherwise.
    pub fn for_test(addr: &str, data_dir: PathBuf) -> Config {
        Config {
            addr: addr.to_string(),
            data_dir,
            scenarios: None,
            public_url: None,
            max_rooms: 1000,
            max_connections: 20000,
            retention_days: 30,
            room_idle_hours: 12.0,
            allowed_origins: Vec::new(),
            metrics_token: None,
            max_connections_per_address: 1000,
            rooms_per_address_per_hour: 60,
            empty_room_minutes: 60.0,
            facilitator_keys: None,
            trusted_proxy: Vec::new(),
            allowed_hosts: Vec::new(),
            database_url: None,
            lease_seconds: 5.0,
        }
    }
}

/// What every handler and room shares.
pub struct App {
    pub config: Config,
    pub library: RwLock<Arc<Library>>,
    pub rooms: DashMap<String, RoomHandle>,
    pub store: Arc<dyn Store>,
    /// Several nodes on PostgreSQL: leases and notices (`None` with SQLite).
    pub cluster: Option<Arc<cluster::Cluster>>,
    pub metrics: Metrics,
    pub connections: AtomicUsize,
    /// Failed session attempts per address (guessing codes or tokens).
    pub addresses: ws::AddressLimits,
    /// Scenario texts being parsed at once (see `http::PARSERS`).
    pub parsers: tokio::sync::Semaphore,
    /// The hashes of the facilitator keys (`--facilitator-keys`); `None`: anyone may create.
    pub facilitator_keys: Option<Vec<String>>,
    /// Base of join URLs: the public URL, or the address phones can reach.
    pub base_url: String,
    /// Connection counts, allowed hosts and trusted proxies (`edge.rs`).
    pub edge: Arc<edge::Edge>,
}

impl App {
    pub fn library(&self) -> Arc<Library> {
        self.library.read().expect("the library lock is never poisoned").clone()
    }
}

/// A started server, for tests and `main`.
pub struct Running {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
    store: Arc<dyn Store>,
}

impl Running {
    /// Stops accepting, finishes store writes, and returns when done.
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
        // Several nodes: the rooms this node served move to the next node a session reaches
        // at once, without waiting out the leases (a rolling restart): each room closes its
        // sockets with 1012 and gives its lease up, so the clients reconnect elsewhere.
        if let Some(cluster) = &self.app.cluster {
            let rooms: Vec<RoomHandle> = self.app.rooms.iter().map(|e| e.value().clone()).collect();
            for room in rooms {
                room.hand_over().await;
            }
            let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
            while !self.app.rooms.is_empty() && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            cluster.release_all().await;
        }
        let store = self.store.clone();
        let _ = tokio::task::spawn_blocking(move || store.close()).await;
    }
}

/// Why the server could not start: one line for a person.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: String },
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Keys(String),
}

/// The key hashes of `--facilitator-keys`: one per line (the URL-safe base64 SHA-256 of a
/// key, as `hash_token` makes it), blank lines and `#` comments skipped.
fn read_keys(file: &std::path::Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read the facilitator keys in {}: {e}", file.display()))?;
    let keys: Vec<String> =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect();
    if keys.is_empty() {
        return Err(format!("{} holds no facilitator key hash", file.display()));
    }
    if let Some(bad) =
        keys.iter().find(|k| k.len() != 43 || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    {
        return Err(format!("{}: `{bad}` is not a key hash (43 characters of URL-safe base64)", file.display()));
    }
    Ok(keys)
}

/// Opens the store, recovers unfinished rooms, binds and serves until `stop`.
pub async fn start(mut config: Config) -> Result<Running, StartError> {
    let facilitator_keys = match &config.facilitator_keys {
        None => None,
        Some(file) => Some(read_keys(file).map_err(StartError::Keys)?),
    };
    let (store, cluster): (Arc<dyn Store>, _) = match &config.database_url {
        Some(url) => {
            let lease = Duration::from_secs_f64(config.lease_seconds);
            let pg = PostgresStore::open(url, lease).await?;
            (pg.clone(), Some(Arc::new(cluster::Cluster { store: pg, lease, healthy: true.into() })))
        }
        None => (Arc::new(SqliteStore::open(&config.data_dir)?), None),
    };
    let listener = TcpListener::bind(&config.addr)
        .await
        .map_err(|e| StartError::Listen { addr: config.addr.clone(), reason: e.to_string() })?;
    let addr =
        listener.local_addr().map_err(|e| StartError::Listen { addr: config.addr.clone(), reason: e.to_string() })?;
    // Once the address and the store are ours (a failed start says one line only): as many open files as the system allows, and never more WebSockets than fit beside
    // the files the server itself needs.
    if let Some(files) = fds::raise_open_files() {
        let fit = fds::connections_within(files, config.max_connections);
        // One address (a flood of sockets, or slowloris) may take at most three quarters,
        // so the others always find a place; a workshop behind one NAT address is far below.
        let per_address = fds::connections_within(files, usize::MAX) * 3 / 4;
        if config.max_connections_per_address > per_address {
            config.max_connections_per_address = per_address.max(1);
        }
        if fit < config.max_connections {
            info!(
                files,
                "at most {fit} WebSocket connections fit in {files} open files (not {}): raise `ulimit -n` for more",
                config.max_connections
            );
            config.max_connections = fit;
        }
    }
    // The folder's fingerprint is taken before it is read, so a file written while the
    // server starts is seen as a change by the watcher (it was a race before).
    let folder_at_load = config.scenarios.as_deref().map(fingerprint);
    let library = Library::load(config.scenarios.as_deref());
    for p in &library.problems {
        warn!("scenario skipped: {p}");
    }
    let base_url = match &config.public_url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => format!("http://{}", reachable(addr)),
    };
    let app = Arc::new(App {
        config: config.clone(),
        library: RwLock::new(Arc::new(library)),
        rooms: DashMap::new(),
        store: store.clone(),
        cluster: cluster.clone(),
        metrics: Metrics::default(),
        connections: AtomicUsize::new(0),
        addresses: ws::AddressLimits::new(config.rooms_per_address_per_hour, config.max_connections_per_address),
        parsers: tokio::sync::Semaphore::new(http::PARSERS),
        facilitator_keys,
        base_url,
        edge: Arc::new(edge::Edge::new(
            edge::allowed_hosts(addr, config.public_url.as_deref(), &config.allowed_hosts),
            config.trusted_proxy.clone(),
            config.max_connections,
            config.max_connections_per_address,
        )),
    });
    match cluster {
        // Several nodes: a room is claimed by the node its first session reaches, not here.
        Some(cluster) => cluster::spawn(app.clone(), cluster),
        None => directory::recover(&app).await,
    }
    spawn_housekeeping(app.clone(), folder_at_load);
    let router = http::router(app.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(edge::serve(listener, router, app.clone(), rx));
    Ok(Running { addr, app, shutdown: tx, task, store })
}

/// The address phones on the same network can reach: the machine's LAN address when bound
/// to every interface.
fn reachable(addr: SocketAddr) -> SocketAddr {
    if !addr.ip().is_unspecified() {
        return addr;
    }
    // Connecting a UDP socket sends nothing; it only asks the OS which local address would
    // be used for an outside destination (a documentation address, TEST-NET-1).
    let lan = std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:9").map(|_| s))
        .and_then(|s| s.local_addr())
        .map(|a| a.ip())
        .unwrap_or(std::net::Ipv4Addr::LOCALHOST.into());
    SocketAddr::new(lan, addr.port())
}

/// Retention purge and scenario folder watching.
fn spawn_housekeeping(app: Arc<App>, folder_at_load: Option<Fingerprint>) {
    let counts = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            counts.addresses.sweep();
        }
    });
    let purge_app = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let days = i64::from(purge_app.config.retention_days);
            let before = now_ms() - days * 24 * 3600 * 1000;
            match purge_app.store.purge(before).await {
                Ok(Ok(n)) if n > 0 => info!(rooms = n, "purged finished rooms past retention"),
                Ok(Err(e)) => warn!("purge failed: {e}"),
                _ => {}
            }
        }
    });
    if let (Some(dir), Some(mut last)) = (app.config.scenarios.clone(), folder_at_load) {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                let now = fingerprint(&dir);
                if now != last {
                    last = now;
                    let d = dir.clone();
                    if let Ok(lib) = tokio::task::spawn_blocking(move || Library::load(Some(&d))).await {
                        for p in &lib.problems {
                            warn!("scenario skipped: {p}");
                        }
                        info!(scenarios = lib.iter().count(), "scenario folder re-read");
                        *app.library.write().expect("the library lock is never poisoned") = Arc::new(lib);
                    }
                }
            }
        });
    }
}

/// Names, sizes and modification times of the folder's files: changes when a file does.
/// What a folder's files look like from outside: names, sizes and modification times.
type Fingerprint = Vec<(PathBuf, u64, Option<std::time::SystemTime>)>;

fn fingerprint(dir: &std::path::Path) -> Fingerprint {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let m = e.metadata().ok()?;
                    Some((e.path(), m.len(), m.modified().ok()))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The wall clock in milliseconds: the only clock the rooms use, passed into the game.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// `democreatie serve`.
pub fn main(config: Config) -> ExitCode {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("democreatie: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let running = match start(config).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("democreatie: {e}");
                return ExitCode::FAILURE;
            }
        };
        info!("listening on http://{}", running.addr);
        info!(
            "participants join at {}/join/CODE; facilitators open {}/host",
            running.app.base_url, running.app.base_url
        );
        shutdown_signal().await;
        info!("shutting down: finishing store writes");
        running.stop().await;
        ExitCode::SUCCESS
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler works on unix");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
