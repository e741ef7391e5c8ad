//! Several nodes on one PostgreSQL (`--database-url`; PROTOCOL.md, version 2). Each room
//! is served by one node at a time, the one holding its lease (a row in PostgreSQL with
//! owner and expiry):
//! - creating a room stores it and claims it for no node;
//! - the first WebSocket session for a room claims it, replays it from the log and serves
//!   it; a proxy hashing `/ws?room=CODE` sends all of the room's sessions there;
//! - this node renews its leases every fifth of the lease time; a room whose lease is lost
//!   (taken over, deleted, or not renewed in time) is handed over: its sessions are closed
//!   with 1012 and the clients reconnect through the proxy;
//! - when the owner dies, the next session, on whichever node, waits for the lease to run
//!   out, claims the room and replays it;
//! - HTTP requests about a room reach any node and are answered from PostgreSQL; a delete
//!   is done by the node that receives it and passed to the owner with LISTEN/NOTIFY.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{info, warn};

use super::App;
use super::room::RoomHandle;
use crate::store::{Claim, Notice, PostgresStore};

/// This node's part in a cluster of nodes.
pub struct Cluster {
    pub store: Arc<PostgresStore>,
    pub lease: Duration,
    /// Whether PostgreSQL answered this node within the last lease: `/healthz` says so,
    /// so a proxy sends sessions to nodes that can serve them.
    pub healthy: std::sync::atomic::AtomicBool,
}

/// Why a session could not have its room.
pub enum Unavailable {
    /// Another node still serves the room and did not hand it over in time, or PostgreSQL
    /// did not answer: the client should try again (`storage_unavailable`).
    Busy,
}

impl Cluster {
    /// Claims `code` for this node and serves it: at once when no live node owns it, else
    /// after asking the owner to hand it over or waiting for its lease to run out (a dead
    /// owner). `Ok(None)`: there is no such room.
    pub async fn claim(&self, app: &Arc<App>, code: &str) -> Result<Option<RoomHandle>, Unavailable> {
        self.claim_within(app, code, self.lease + Duration::from_secs(3)).await
    }

    /// [`Cluster::claim`], waiting at most `wait` (zero: one try, and a live owner keeps it).
    async fn claim_within(
        &self,
        app: &Arc<App>,
        code: &str,
        wait: Duration,
    ) -> Result<Option<RoomHandle>, Unavailable> {
        let deadline = Instant::now() + wait;
        // Zero: never ask a live owner to hand over.
        let mut asked = wait.is_zero();
        loop {
            if let Some(h) = app.rooms.get(code) {
                return Ok(Some(h.clone()));
            }
            match self.store.claim(code).await {
                Ok(Claim::Ours) => {
                    return match app.store.load_room(code).await {
                        Ok(Ok(Some(stored))) => {
                            info!(room = %code, "room claimed by this node");
                            Ok(super::directory::list(app, &stored, false))
                        }
                        Ok(Ok(None)) => Ok(None),
                        _ => Err(Unavailable::Busy),
                    };
                }
                Ok(Claim::Missing) => return Ok(None),
                Ok(Claim::Held(_)) if !asked => {
                    // A live owner hands the room over at once; a dead one's lease runs out.
                    asked = true;
                    if let Err(e) = self.store.notify(&Notice::Release(code.to_string())).await {
                        warn!(room = %code, "cannot ask the owner to hand the room over: {e}");
                    }
                }
                Ok(Claim::Held(_)) => {}
                Err(e) => warn!(room = %code, "cannot claim the room: {e}"),
            }
            if Instant::now() >= deadline {
                return Err(Unavailable::Busy);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Gives up this node's lease on `code` (its task ended).
    pub async fn release(&self, code: &str) {
        if let Err(e) = self.store.release(code).await {
            warn!(room = %code, "the room's lease could not be given up (it runs out by itself): {e}");
        }
    }

    /// Gives up every lease of this node (it stops).
    pub async fn release_all(&self) {
        match self.store.release_all().await {
            Ok(n) if n > 0 => info!(rooms = n, "rooms given up for other nodes"),
            Ok(_) => {}
            Err(e) => warn!("the leases could not be given up (they run out by themselves): {e}"),
        }
    }

    /// The room was deleted here: the node that serves it closes its sessions.
    pub async fn deleted(&self, code: &str) {
        if let Err(e) = self.store.notify(&Notice::Delete(code.to_string())).await {
            warn!(room = %code, "the node serving the deleted room could not be told: {e}");
        }
    }
}

/// Starts the lease keeper, the listener for other nodes' notices, and the clean-up of rooms
/// that were created but never opened.
pub fn spawn(app: Arc<App>, cluster: Arc<Cluster>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    cluster.store.listen(tx);
    let notices = app.clone();
    tokio::spawn(async move {
        while let Some(notice) = rx.recv().await {
            match notice {
                Notice::Delete(code) => {
                    if let Some(h) = notices.rooms.get(&code).map(|h| h.clone()) {
                        h.deleted_elsewhere().await;
                    }
                }
                Notice::Release(code) => {
                    if let Some(h) = notices.rooms.get(&code).map(|h| h.clone()) {
                        info!(room = %code, "another node asked for the room");
                        h.hand_over().await;
                    }
                }
            }
        }
    });
    let keeper = app.clone();
    let every = cluster.lease / 5;
    let leases = cluster.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut renewed = Instant::now();
        loop {
            tick.tick().await;
            let codes: Vec<String> = keeper.rooms.iter().map(|e| e.key().clone()).collect();
            let asked_at = Instant::now();
            // With no room to renew, a plain query keeps `/healthz` honest.
            let answer = if codes.is_empty() {
                leases.store.ping().await.map(|()| Vec::new())
            } else {
                leases.store.renew(&codes).await
            };
            let up = answer.is_ok() || asked_at.duration_since(renewed) < leases.lease;
            if leases.healthy.swap(up, Ordering::Relaxed) != up {
                if up {
                    info!("PostgreSQL answers again")
                } else {
                    warn!("PostgreSQL does not answer: /healthz says so")
                }
            }
            let lost: Vec<String> = match answer {
                Ok(held) => {
                    renewed = asked_at;
                    codes.into_iter().filter(|c| !held.contains(c)).collect()
                }
                // Not renewed for a whole lease: another node may own these rooms now.
                Err(e) if asked_at.duration_since(renewed) >= leases.lease => {
                    warn!("the leases could not be renewed for {:?} ({e}): handing every room over", leases.lease);
                    codes
                }
                Err(e) => {
                    warn!("the leases could not be renewed ({e}); trying again");
                    continue;
                }
            };
            for code in lost {
                if let Some(h) = keeper.rooms.get(&code).map(|h| h.clone()) {
                    warn!(room = %code, "this node no longer owns the room: its sessions reconnect");
                    h.hand_over().await;
                }
            }
        }
    });
    let sweeper = app;
    tokio::spawn(async move {
        // As often as a room checks itself: every half of the shorter limit, at most every
        // minute. Rooms that no node serves have no task to check them.
        let (idle, empty) = (sweeper.config.room_idle_hours * 3600.0, sweeper.config.empty_room_minutes * 60.0);
        let mut tick = tokio::time::interval(Duration::from_secs_f64((idle.min(empty) / 2.0).clamp(0.5, 60.0)));
        loop {
            tick.tick().await;
            let now = super::now_ms();
            match cluster.store.delete_unused(now - (empty * 1000.0) as i64).await {
                Ok(n) if n > 0 => info!(rooms = n, "rooms nobody joined deleted"),
                Ok(_) => {}
                Err(e) => warn!("rooms nobody joined could not be deleted: {e}"),
            }
            // An idle room that no node serves: claim it, and its task finishes it as on
            // one node (and then lets it go). A few at a time, so a node never fills up.
            match cluster.store.idle_unserved(now - (idle * 1000.0) as i64, 20).await {
                Ok(codes) => {
                    for code in codes {
                        if let Ok(Some(_)) = cluster.claim_within(&sweeper, &code, Duration::ZERO).await {
                            info!(room = %code, "idle room claimed to be finished");
                        }
                    }
                }
                Err(e) => warn!("idle rooms could not be looked up: {e}"),
            }
        }
    });
}
