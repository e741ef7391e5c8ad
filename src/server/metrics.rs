//! The numbers behind `GET /metrics`, kept and written by prometheus-client (OpenMetrics
//! text, which Prometheus reads). Names stay as they were: `democreatie_rooms`,
//! `democreatie_connections`, `democreatie_players_connected`, `democreatie_room_tasks`,
//! `democreatie_commands_total{type}`, `democreatie_errors_total{code}` and the
//! `democreatie_broadcast_seconds` histogram; version 2 adds `democreatie_ws_sent_bytes_total`.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Upper bounds (seconds) of the command-to-broadcast latency histogram.
const BUCKETS: [f64; 10] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

type Labels = Vec<(&'static str, &'static str)>;

pub struct Metrics {
    registry: Registry,
    /// Rooms in memory; set from the directory when the metrics are read.
    rooms: Gauge,
    /// Open WebSocket connections; set when the metrics are read.
    connections: Gauge,
    pub players_connected: Gauge,
    /// Room tasks running (one per room in memory; more would mean a room runs twice).
    pub room_tasks: Gauge,
    commands: Family<Labels, Counter>,
    errors: Family<Labels, Counter>,
    latency: Histogram,
    /// Bytes of WebSocket text messages written (payloads; the frame headers add 2–4 each).
    pub sent_bytes: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let rooms = Gauge::default();
        let connections = Gauge::default();
        let players_connected = Gauge::default();
        let room_tasks = Gauge::default();
        let commands = Family::<Labels, Counter>::default();
        let errors = Family::<Labels, Counter>::default();
        let latency = Histogram::new(BUCKETS);
        let sent_bytes = Counter::default();
        registry.register("democreatie_rooms", "Rooms in memory", rooms.clone());
        registry.register("democreatie_connections", "Open WebSocket connections", connections.clone());
        registry.register("democreatie_players_connected", "Players with a live connection", players_connected.clone());
        registry.register("democreatie_room_tasks", "Room tasks running", room_tasks.clone());
        registry.register("democreatie_commands", "Accepted commands by type", commands.clone());
        registry.register("democreatie_errors", "Errors sent, by code", errors.clone());
        registry.register(
            "democreatie_broadcast_seconds",
            "From receiving a command to handing every view to its connection",
            latency.clone(),
        );
        registry.register(
            "democreatie_ws_sent_bytes",
            "Bytes of WebSocket text messages written to clients",
            sent_bytes.clone(),
        );
        Metrics { registry, rooms, connections, players_connected, room_tasks, commands, errors, latency, sent_bytes }
    }
}

impl Metrics {
    pub fn command(&self, kind: &'static str) {
        self.commands.get_or_create(&vec![("type", kind)]).inc();
    }

    pub fn error(&self, code: &'static str) {
        self.errors.get_or_create(&vec![("code", code)]).inc();
    }

    pub fn latency(&self, seconds: f64) {
        self.latency.observe(seconds);
    }

    /// The OpenMetrics text, with the two gauges that are read from elsewhere set first.
    pub fn render(&self, rooms: usize, connections: usize) -> String {
        self.rooms.set(rooms as i64);
        self.connections.set(connections as i64);
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

/// The media type of [`Metrics::render`].
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
