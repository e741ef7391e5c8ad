//! The directory of rooms: finding a room (in memory, or brought back from the store),
//! creating one, and serving every unfinished room again after a restart. The map of room
//! handles is the only state rooms share, and one room never has two tasks: a room is
//! listed through DashMap's entry API, under the lock of its shard.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use dashmap::mapref::entry::Entry;
use tracing::{error, info, warn};

use super::room::{RoomHandle, Start};
use super::tokens::{hash_token, new_code, new_seed, new_token};
use super::{App, now_ms};
use crate::game::shuffle::RULES_VERSION;
use crate::game::{Game, RoomOptions};
use crate::scenario::Scenario;
use crate::store::{RoomRecord, StoredRoom, replay};

/// Serves every unfinished room of the store again.
pub async fn recover(app: &Arc<App>) {
    let started = Instant::now();
    let rooms = match app.store.load_unfinished().await {
        Ok(Ok(rooms)) => rooms,
        Ok(Err(e)) => return error!("cannot read unfinished rooms: {e}"),
        Err(_) => return error!("the store stopped while loading rooms"),
    };
    let mut served = 0;
    for room in rooms {
        match room {
            Ok(stored) => {
                if list(app, &stored, false).is_some() {
                    served += 1;
                }
            }
            Err((code, e)) => error!(room = %code, "room {code} in {} cannot be read: {e}", store_name(app)),
        }
    }
    if served > 0 {
        info!(rooms = served, ms = started.elapsed().as_millis() as u64, "unfinished rooms restored");
    }
}

fn store_name(app: &App) -> String {
    app.store.name()
}

/// The room with this code for an HTTP request: in memory, or brought back from the store
/// (a finished room that left memory while idle stays reachable for reports until it is
/// purged). With several nodes, a room this node does not serve is answered by a replica
/// replayed from PostgreSQL for this request only: HTTP may reach any node.
pub async fn find(app: &Arc<App>, code: &str) -> Option<RoomHandle> {
    if let Some(h) = app.rooms.get(code) {
        return Some(h.clone());
    }
    let stored = app.store.load_room(code).await.ok()?.ok()??;
    list(app, &stored, app.cluster.is_some())
}

/// The room with this code for a WebSocket session: as [`find`], except that with several
/// nodes this node claims the room first (and serves it from then on).
pub async fn open(app: &Arc<App>, code: &str) -> Result<Option<RoomHandle>, super::cluster::Unavailable> {
    match &app.cluster {
        Some(cluster) => cluster.claim(app, code).await,
        None => Ok(find(app, code).await),
    }
}

/// Replays a stored room and lists it, unless another request listed it meanwhile (then
/// that room is the one). A room whose log stops replaying is served read-only, as it was
/// up to there, and the failure is logged by name. A `replica` (several nodes: a room
/// another node may serve) is started for one request and never listed.
pub fn list(app: &Arc<App>, stored: &StoredRoom, replica: bool) -> Option<RoomHandle> {
    let code = &stored.record.code;
    let r = match replay(stored) {
        Ok(r) => r,
        Err(e) => {
            error!(room = %code, "room {code} in {} cannot be restored: {e}", store_name(app));
            return None;
        }
    };
    if let Some(why) = &r.failure {
        error!(room = %code, "room {code} in {} is served read-only: {why}", store_name(app));
    }
    if r.game.is_finished() && stored.record.finished_ms.is_none() && !replica {
        // The finish was logged but not marked (the store failed in between): mark it now.
        drop(app.store.finish(code, r.last_ms));
    }
    let start = Start {
        game: r.game,
        tokens: r.tokens,
        seq: r.seq,
        last_ms: r.last_ms,
        host_hash: stored.record.host_token_hash.clone(),
        read_only: r.failure,
        replica,
    };
    if replica {
        return Some(super::room::spawn(app.clone(), code.to_string(), start));
    }
    Some(spawn_once(app, code, start))
}

/// Lists a room and starts its task, unless the code is listed already.
fn spawn_once(app: &Arc<App>, code: &str, start: Start) -> RoomHandle {
    match app.rooms.entry(code.to_string()) {
        Entry::Occupied(e) => e.get().clone(),
        Entry::Vacant(v) => {
            let handle = super::room::spawn(app.clone(), code.to_string(), start);
            v.insert(handle.clone());
            handle
        }
    }
}

/// Why a room could not be created.
#[derive(Debug)]
pub enum CreateError {
    /// The store did not take the room.
    Storage(String),
}

/// Creates a new room from a scenario text and options; answers the code and host token.
/// The room is stored before it is listed.
pub async fn create(
    app: &Arc<App>,
    scenario: Arc<Scenario>,
    source: &str,
    options: RoomOptions,
) -> Result<(String, String), CreateError> {
    let mut code = new_code();
    for _ in 0..50 {
        let taken = app.rooms.contains_key(&code) || matches!(app.store.code_taken(&code).await, Ok(Ok(true)));
        if !taken {
            break;
        }
        code = new_code();
    }
    let host_token = new_token();
    let seed = new_seed();
    let record = RoomRecord {
        code: code.clone(),
        scenario_toml: source.to_string(),
        seed,
        options: options.clone(),
        host_token_hash: hash_token(&host_token),
        created_ms: now_ms(),
        finished_ms: None,
        rules_version: RULES_VERSION,
    };
    match app.store.create_room(record).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            warn!("room not stored: {e}");
            return Err(CreateError::Storage(e.to_string()));
        }
        Err(_) => return Err(CreateError::Storage("the store has stopped".into())),
    }
    let start = Start {
        game: Game::new(scenario, options, seed),
        tokens: HashMap::new(),
        seq: 0,
        last_ms: now_ms(),
        host_hash: hash_token(&host_token),
        read_only: None,
        replica: false,
    };
    // Several nodes: the room is served by the node its first session reaches.
    if app.cluster.is_none() {
        spawn_once(app, &code, start);
    }
    info!(room = %code, "room created");
    Ok((code, host_token))
}
