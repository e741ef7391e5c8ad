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
    #[cfg(test)]
    pub(super) fn take(&mut self) -> bool {
        self.take_if(true)
    }

    /// Whether a message may pass now, given whether its identity's budget allows it; a
    /// refusal by either counts as a dropped message of this connection's streak.
    pub(super) fn take_if(&mut self, identity_ok: bool) -> bool {
        let now = Instant::now();
        if now.duration_since(self.last_drop) >= Duration::from_secs(1) {
            self.dropped = 0;
        }
        if identity_ok && self.limiter.check().is_ok() {
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
    /// Rooms created per address (`--rooms-per-address-per-hour`; `None`: no limit).
    creations: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Open WebSocket connections per address (`--max-connections-per-address`).
    open: DashMap<IpAddr, usize>,
    max_open: usize,
    /// Messages per identity (a player or the host of a room), across reconnects: a new
    /// connection with the same token shares the budget of the old one.
    identities: DefaultKeyedRateLimiter<String>,
    /// Scenario checks per address: 30 at once, then one every 2 s.
    checks: DefaultKeyedRateLimiter<IpAddr>,
}

impl Default for AddressLimits {
    fn default() -> AddressLimits {
        AddressLimits::new(60, 1000)
    }
}

impl AddressLimits {
    /// Limits with `rooms_per_hour` creations per address (0: none) and `max_open`
    /// connections per address (0: none).
    pub fn new(rooms_per_hour: u32, max_open: usize) -> AddressLimits {
        let n = nonzero(MAX_FAILED_SESSIONS_PER_MINUTE);
        let per_identity = Quota::per_second(nonzero(RATE_PER_SECOND)).allow_burst(nonzero(RATE_BURST));
        AddressLimits {
            failures: RateLimiter::dashmap(Quota::per_minute(n).allow_burst(n)),
            barred: DashMap::new(),
            creations: NonZeroU32::new(rooms_per_hour).map(|r| RateLimiter::dashmap(Quota::per_hour(r).allow_burst(r))),
            open: DashMap::new(),
            max_open,
            identities: RateLimiter::dashmap(per_identity),
            checks: RateLimiter::dashmap(Quota::per_minute(nonzero(30)).allow_burst(nonzero(30))),
        }
    }

    /// Whether `peer` may have one more scenario text checked now.
    pub fn may_check(&self, peer: IpAddr) -> bool {
        self.checks.check_key(&peer).is_ok()
    }

    /// Whether `peer` may create a room now (and counts it).
    pub fn may_create(&self, peer: IpAddr) -> bool {
        self.creations.as_ref().is_none_or(|l| l.check_key(&peer).is_ok())
    }

    /// Counts a new connection from `peer`; false (and not counted) past the limit.
    pub(super) fn open(&self, peer: IpAddr) -> bool {
        let mut n = self.open.entry(peer).or_insert(0);
        if self.max_open > 0 && *n >= self.max_open {
            return false;
        }
        *n += 1;
        true
    }

    /// A connection from `peer` closed.
    pub(super) fn closed(&self, peer: IpAddr) {
        if let Some(mut n) = self.open.get_mut(&peer) {
            *n = n.saturating_sub(1);
        }
        self.open.remove_if(&peer, |_, n| *n == 0);
    }

    /// Whether `identity` (room and player, or room and host) may send one more message.
    pub(super) fn identity_allows(&self, identity: &String) -> bool {
        self.identities.check_key(identity).is_ok()
    }
    /// Whether an address is barred now for guessing. A workshop behind one address (NAT)
    /// is not hurt: only failures count.
    pub fn guessing(&self, peer: IpAddr) -> bool {
        self.barred.get(&peer).is_some_and(|until| Instant::now() < *until)
    }

    /// Counts a failed session attempt; past the budget the address is barred.
    pub fn failed(&self, peer: IpAddr) {
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
        self.identities.retain_recent();
        self.checks.retain_recent();
        if let Some(c) = &self.creations {
            c.retain_recent();
        }
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
