//! The limits of one connection and of one address, counted by governor's GCRA: a token
//! bucket per connection (20 messages a second, bursts of 40) with its streak of dropped
//! messages, and the failed session attempts per address (guessing codes or tokens).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::super::App;
use super::super::outbox::Conn;
use super::super::room::error_json;
use crate::game::ErrorCode;
use crate::scenario::Language;

/// Sustained messages per second per connection.
pub const RATE_PER_SECOND: u32 = 20;
/// Burst of messages per connection.
pub const RATE_BURST: u32 = 40;
/// Dropped messages (without a quiet second) before the socket is closed.
pub const MAX_DROPPED: u32 = 40;
/// Failed session attempts (unknown room, wrong token, refused join) an address may make
/// in a burst, refilled at this many a minute; past it, further session messages from that
/// address are `rate_limited` until a failure would be allowed again.
pub const MAX_FAILED_SESSIONS_PER_MINUTE: u32 = 20;

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).expect("the limits above are constants greater than zero")
}

/// A connection's message budget and its current streak of dropped messages (governor
/// knows only "now or later"; the streak is what decides when to tell and when to close).
pub(super) struct Bucket {
    limiter: DefaultDirectRateLimiter,
    pub(super) dropped: u32,
    last_drop: Instant,
}

impl Bucket {
    pub(super) fn new() -> Bucket {
        let quota = Quota::per_second(nonzero(RATE_PER_SECOND)).allow_burst(nonzero(RATE_BURST));
        Bucket { limiter: RateLimiter::direct(quota), dropped: 0, last_drop: Instant::now() }
    }

    /// Whether a message may pass now.
    pub(super) fn take(&mut self) -> bool {
        let now = Instant::now();
        if now.duration_since(self.last_drop) >= Duration::from_secs(1) {
            self.dropped = 0;
        }
        if self.limiter.check().is_ok() {
            true
        } else {
            self.dropped += 1;
            self.last_drop = now;
            false
        }
    }
}

/// Failed session attempts per address. governor counts the failures; an address whose
/// failure would not be allowed is barred until governor would allow one again. The bar
/// is checked before a code or token is looked up, so a guesser learns nothing while
/// barred (governor has no "would this pass" without spending a cell, hence the map).
pub struct AddressLimits {
    failures: DefaultKeyedRateLimiter<IpAddr>,
    barred: DashMap<IpAddr, Instant>,
}

impl Default for AddressLimits {
    fn default() -> AddressLimits {
        let n = nonzero(MAX_FAILED_SESSIONS_PER_MINUTE);
        AddressLimits { failures: RateLimiter::dashmap(Quota::per_minute(n).allow_burst(n)), barred: DashMap::new() }
    }
}

impl AddressLimits {
    /// Whether an address is barred now for guessing. A workshop behind one address (NAT)
    /// is not hurt: only failures count.
    pub(super) fn guessing(&self, peer: IpAddr) -> bool {
        self.barred.get(&peer).is_some_and(|until| Instant::now() < *until)
    }

    /// Counts a failed session attempt; past the budget the address is barred.
    pub(super) fn failed(&self, peer: IpAddr) {
        if let Err(not_until) = self.failures.check_key(&peer) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            self.barred.insert(peer, Instant::now() + wait);
        }
    }

    /// Forgets addresses whose budget is whole again and bars that have run out, so the
    /// maps hold only the addresses of the last minute.
    pub fn sweep(&self) {
        self.failures.retain_recent();
        self.failures.shrink_to_fit();
        let now = Instant::now();
        self.barred.retain(|_, until| *until > now);
    }

    /// Addresses tracked now (for tests of the sweep).
    pub fn tracked(&self) -> usize {
        self.failures.len() + self.barred.len()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_gets_its_burst_and_then_is_dropped_with_a_streak() {
        let mut b = Bucket::new();
        let passed = (0..RATE_BURST + 5).filter(|_| b.take()).count() as u32;
        // A few cells may refill while the loop runs; the burst is never less than 40.
        assert!((RATE_BURST..RATE_BURST + 3).contains(&passed), "{passed}");
        assert!(b.dropped >= 2);
    }

    #[test]
    fn an_address_is_barred_only_after_its_failure_budget() {
        let limits = AddressLimits::default();
        let peer: IpAddr = [192, 0, 2, 7].into();
        let other: IpAddr = [192, 0, 2, 8].into();
        for _ in 0..MAX_FAILED_SESSIONS_PER_MINUTE {
            assert!(!limits.guessing(peer));
            limits.failed(peer);
        }
        assert!(!limits.guessing(peer), "the budget itself is allowed");
        limits.failed(peer);
        assert!(limits.guessing(peer));
        assert!(!limits.guessing(other), "other addresses are not touched");
        limits.sweep();
        assert!(limits.guessing(peer), "a bar lasts past a sweep until it runs out");
    }
}
