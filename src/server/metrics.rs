//! Counters for `GET /metrics` (Prometheus text format).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds (seconds) of the command-to-broadcast latency histogram.
const BUCKETS: [f64; 10] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

#[derive(Default)]
pub struct Metrics {
    pub players_connected: AtomicU64,
    /// Room tasks running (one per room in memory; more would mean a room runs twice).
    pub room_tasks: AtomicU64,
    commands: Mutex<BTreeMap<&'static str, u64>>,
    errors: Mutex<BTreeMap<&'static str, u64>>,
    latency: Mutex<Histogram>,
}

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    pub fn command(&self, kind: &'static str) {
        *self.commands.lock().expect("metrics lock").entry(kind).or_default() += 1;
    }

    pub fn error(&self, code: &'static str) {
        *self.errors.lock().expect("metrics lock").entry(code).or_default() += 1;
    }

    pub fn latency(&self, seconds: f64) {
        let mut h = self.latency.lock().expect("metrics lock");
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    pub fn render(&self, rooms: usize, connections: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP democreatie_rooms Rooms in memory.\n# TYPE democreatie_rooms gauge");
        let _ = writeln!(out, "democreatie_rooms {rooms}");
        let _ = writeln!(
            out,
            "# HELP democreatie_connections Open WebSocket connections.\n# TYPE democreatie_connections gauge"
        );
        let _ = writeln!(out, "democreatie_connections {connections}");
        let _ = writeln!(
            out,
            "# HELP democreatie_players_connected Players with a live connection.\n# TYPE democreatie_players_connected gauge"
        );
        let _ = writeln!(out, "democreatie_players_connected {}", self.players_connected.load(Ordering::Relaxed));
        let _ = writeln!(out, "# HELP democreatie_room_tasks Room tasks running.\n# TYPE democreatie_room_tasks gauge");
        let _ = writeln!(out, "democreatie_room_tasks {}", self.room_tasks.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP democreatie_commands_total Accepted commands by type.\n# TYPE democreatie_commands_total counter"
        );
        for (k, v) in self.commands.lock().expect("metrics lock").iter() {
            let _ = writeln!(out, "democreatie_commands_total{{type=\"{k}\"}} {v}");
        }
        let _ = writeln!(
            out,
            "# HELP democreatie_errors_total Errors sent, by code.\n# TYPE democreatie_errors_total counter"
        );
        for (k, v) in self.errors.lock().expect("metrics lock").iter() {
            let _ = writeln!(out, "democreatie_errors_total{{code=\"{k}\"}} {v}");
        }
        let h = self.latency.lock().expect("metrics lock");
        let _ = writeln!(
            out,
            "# HELP democreatie_broadcast_seconds From receiving a command to handing every view to its connection.\n# TYPE democreatie_broadcast_seconds histogram"
        );
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(out, "democreatie_broadcast_seconds_bucket{{le=\"{b}\"}} {}", h.counts[i]);
        }
        let _ = writeln!(out, "democreatie_broadcast_seconds_bucket{{le=\"+Inf\"}} {}", h.count);
        let _ = writeln!(out, "democreatie_broadcast_seconds_sum {}", h.sum);
        let _ = writeln!(out, "democreatie_broadcast_seconds_count {}", h.count);
        out
    }
}
