//! The limits of one connection and of one address: a token bucket per connection (20
//! messages a second, bursts of 40) with its streak of dropped messages, and the count of
//! failed session attempts per address (guessing codes or tokens).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::super::App;
use super::super::outbox::Conn;
use super::super::room::error_json;
use crate::game::ErrorCode;
use crate::scenario::Language;

/// Sustained messages per second per connection.
pub const RATE_PER_SECOND: f64 = 20.0;
/// Burst of messages per connection.
pub const RATE_BURST: f64 = 40.0;
/// Dropped messages (without a quiet second) before the socket is closed.
pub const MAX_DROPPED: u32 = 40;
/// Failed session attempts (unknown room, wrong token, refused join) per address per
/// minute before further session messages from that address are `rate_limited`.
pub const MAX_FAILED_SESSIONS_PER_MINUTE: u32 = 20;

/// A token bucket: 20 messages a second, bursts of 40.
pub(super) struct Bucket {
    tokens: f64,
    at: Instant,
    pub(super) dropped: u32,
    last_drop: Instant,
}

impl Bucket {
    pub(super) fn new() -> Bucket {
        let now = Instant::now();
        Bucket { tokens: RATE_BURST, at: now, dropped: 0, last_drop: now }
    }

    /// Whether a message may pass now.
    pub(super) fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * RATE_PER_SECOND).min(RATE_BURST);
        self.at = now;
        if now.duration_since(self.last_drop) >= Duration::from_secs(1) {
            self.dropped = 0;
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            self.dropped += 1;
            self.last_drop = now;
            false
        }
    }
}

/// Whether an address has failed too many sessions this minute: guessing room codes or
/// tokens. A workshop behind one address (NAT) is not hurt: only failures count.
pub(super) fn guessing(app: &App, peer: IpAddr) -> bool {
    app.failed_sessions
        .get(&peer)
        .is_some_and(|e| e.0.elapsed() < Duration::from_secs(60) && e.1 >= MAX_FAILED_SESSIONS_PER_MINUTE)
}

pub(super) fn failed_session(app: &App, peer: IpAddr) {
    let mut e = app.failed_sessions.entry(peer).or_insert((Instant::now(), 0));
    if e.0.elapsed() >= Duration::from_secs(60) {
        *e = (Instant::now(), 0);
    }
    e.1 += 1;
}

/// Tells a flooding client once per streak of dropped messages (an error per dropped
/// message would itself be a flood), and closes the socket past the limit.
pub(super) fn rate_limited(app: &App, conn: &Conn, bucket: &Bucket, lang: Language) {
    if bucket.dropped == 1 || bucket.dropped > MAX_DROPPED {
        app.metrics.error("rate_limited");
        conn.send(error_json(ErrorCode::RateLimited, ErrorCode::RateLimited.message(lang), None));
    }
    if bucket.dropped > MAX_DROPPED {
        conn.close(1008);
    }
}
