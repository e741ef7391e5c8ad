//! Replay: a stored room rebuilt from its scenario text, seed and log. The same replay
//! serves restart recovery, rooms brought back for a late session, reports and the
//! migration of older databases, so they can never disagree about what happened.

use std::collections::HashMap;
use std::sync::Arc;

use crate::game::shuffle::RULES_VERSION;
use crate::game::{Event, Game, PlayerId, Sealed};
use crate::scenario;

use super::{LogEntry, StoredRoom};

/// A room rebuilt from its stored log.
pub struct Replayed {
    pub game: Game,
    /// Token hash → player, for players still in the game (not those who left or were
    /// kicked: their tokens stop working for good).
    pub tokens: HashMap<String, PlayerId>,
    /// The sequence number of the last command applied.
    pub seq: u64,
    /// The time of the last command applied (or of creation).
    pub last_ms: i64,
    /// Why the log stops replaying, when it does: the room is then as it was just before
    /// the command named here, and must be served read-only.
    pub failure: Option<String>,
    /// Secret-ballot votes closed by a stored command whose decisions are not yet stored
    /// with it (rooms recorded before rules were kept that way): the command's sequence
    /// number, the decisions, and the players whose votes the store must forget.
    pub unsealed: Vec<(u64, Sealed, Vec<PlayerId>)>,
}

/// Replays a stored room. Fails only when there is no room to show at all (its scenario
/// no longer reads, or it was recorded under rules this build does not know); a command
/// that no longer replays ends the replay there and is named in `failure`.
pub fn replay(stored: &StoredRoom) -> Result<Replayed, String> {
    replay_with(stored, |_, _| {})
}

/// [`replay`], calling `each` with the game right after every stored command it applies
/// (the debrief's replay of each table's path is built this way, from the same replay).
pub fn replay_with(stored: &StoredRoom, mut each: impl FnMut(&Game, &LogEntry)) -> Result<Replayed, String> {
    let rec = &stored.record;
    if rec.rules_version > RULES_VERSION {
        return Err(format!(
            "it was recorded under rules version {}, and this build knows up to version {RULES_VERSION}",
            rec.rules_version
        ));
    }
    let scenario = scenario::parse(&rec.scenario_toml)
        .map_err(|p| format!("its scenario no longer reads: {}", p.first().map_or("", |p| p.message.as_str())))?;
    let mut game = Game::with_rules(Arc::new(scenario), rec.options.clone(), rec.seed, rec.rules_version);
    let mut tokens = HashMap::new();
    let mut last_ms = rec.created_ms;
    let mut seq = 0;
    let mut failure = None;
    let mut unsealed = Vec::new();
    for e in &stored.log {
        let events = match game.apply_stored(e.actor, &e.command, e.time_ms, e.sealed.as_ref()) {
            Ok(ev) => ev,
            Err(err) => {
                failure = Some(format!("command {} ({}) no longer replays: {err}", e.seq, e.command.kind()));
                break;
            }
        };
        for ev in events {
            match ev {
                Event::Joined(id) => {
                    if let Some(h) = &e.token_hash {
                        tokens.insert(h.clone(), id);
                    }
                }
                Event::Sealed { sealed, voters } if e.sealed.is_none() => unsealed.push((e.seq, sealed, voters)),
                _ => {}
            }
        }
        seq = e.seq;
        last_ms = e.time_ms;
        each(&game, e);
    }
    tokens.retain(|_, id| game.player(*id).is_some_and(|p| p.active()));
    Ok(Replayed { game, tokens, seq, last_ms, failure, unsealed })
}
