//! The debrief: each table's path replayed from the stored log, step by step, and "who was
//! heard" per table and role. Both read only what the reports may show: never who voted
//! what under secret ballot, and counts only where the views show them.

use serde::Serialize;
use serde_json::{Value, json};

use super::diff::{Change, changes};
use crate::game::{Choice, Game, Stage};
use crate::scenario::Role;
use crate::store::{StoredRoom, replay_with};

/// What one role did at one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heard {
    pub role: Role,
    /// People seated in this role (those who left included).
    pub people: u32,
    pub notes: u32,
    /// Proposal versions written.
    pub versions: u32,
    /// Votes of support or "ja, mits" given, over all vote rounds; `None` under secret ballot.
    pub support: Option<u32>,
    /// Objections made; `None` under secret ballot.
    pub objections: Option<u32>,
}

/// Per table (in order), per role: who was heard.
pub fn heard(game: &Game) -> Vec<Vec<Heard>> {
    let secret = game.rule().secret_ballot;
    let role_of = |id| game.player(id).and_then(|p| p.role);
    game.tables()
        .iter()
        .map(|table| {
            Role::ALL
                .iter()
                .map(|&role| {
                    let mine = |id| role_of(id) == Some(role);
                    let votes = || table.decisions.iter().flat_map(|d| d.votes.iter()).filter(|(_, r, _)| *r == role);
                    Heard {
                        role,
                        people: table.seats.iter().filter(|id| mine(**id)).count() as u32,
                        notes: table.notes.iter().filter(|n| mine(n.player)).count() as u32,
                        versions: table.proposals.iter().filter(|p| mine(p.by)).count() as u32,
                        support: (!secret).then(|| {
                            votes().filter(|(_, _, v)| matches!(v.choice, Choice::Support | Choice::SupportIf)).count()
                                as u32
                        }),
                        objections: (!secret)
                            .then(|| votes().filter(|(_, _, v)| v.choice == Choice::Object).count() as u32),
                    }
                })
                .collect()
        })
        .collect()
}

/// How far the steps of one table have got.
#[derive(Default, Clone)]
struct Seen {
    notes: usize,
    proposals: usize,
    events: usize,
    decisions: usize,
}

fn at(ms: i64) -> String {
    crate::game::rfc3339(ms)
}

/// Each table's path, from the stored log: every round opening, note, event card, proposal
/// version (with what changed) and vote, in the order they happened, with their times.
/// `host`: hidden notes are kept (marked); otherwise they are left out, as on the screen.
pub fn path(stored: &StoredRoom, code: &str, host: bool) -> Result<Value, String> {
    let mut steps: Vec<Vec<Value>> = Vec::new();
    let mut seen: Vec<Seen> = Vec::new();
    let mut round: Option<usize> = None;
    let replayed = replay_with(stored, |game, entry| {
        let when = at(entry.time_ms);
        let s = game.scenario();
        let role_of = |id| game.player(id).and_then(|p| p.role);
        if steps.len() < game.tables().len() {
            steps.resize(game.tables().len(), Vec::new());
            seen.resize(game.tables().len(), Seen::default());
        }
        // A command that closes a vote and opens the next round: the votes first.
        for (t, table) in game.tables().iter().enumerate() {
            for d in &table.decisions[seen[t].decisions..] {
                let mut v = serde_json::to_value(game.decision_view(d, true)).expect("a decision serialises");
                v["type"] = json!("vote");
                v["at"] = json!(when);
                v["round"] = json!(d.round + 1);
                if let Some(votes) = v["votes"].as_array_mut() {
                    for (vote, (_, role, _)) in votes.iter_mut().zip(&d.votes) {
                        vote["role"] = json!(role);
                    }
                }
                steps[t].push(v);
            }
            seen[t].decisions = table.decisions.len();
        }
        let now = match game.stage() {
            Stage::Round(i) => Some(i),
            _ => None,
        };
        if now.is_some() && now != round {
            let i = now.unwrap_or_default();
            let r = &s.rounds[i];
            for table_steps in &mut steps {
                table_steps.push(
                    json!({"type": "round", "at": when, "round": i + 1, "kind": r.kind, "title": r.title, "prompt": r.prompt}),
                );
            }
        }
        round = now.or(round);
        for (t, table) in game.tables().iter().enumerate() {
            for e in &table.events[seen[t].events..] {
                let card = &s.events[e.card];
                steps[t].push(
                    json!({"type": "event", "at": when, "round": e.round + 1, "title": card.title, "text": card.text}),
                );
            }
            for n in &table.notes[seen[t].notes..] {
                steps[t].push(json!({
                    "type": "note", "at": when, "round": n.round + 1, "kind": n.kind,
                    "player_id": n.player, "role": role_of(n.player), "text": n.text,
                }));
            }
            for (k, p) in table.proposals.iter().enumerate().skip(seen[t].proposals) {
                let before = k.checked_sub(1).map_or("", |j| table.proposals[j].text.as_str());
                let diff: Vec<Change> = changes(before, &p.text);
                steps[t].push(json!({
                    "type": "proposal", "at": when, "round": p.round + 1, "version": k + 1,
                    "player_id": p.by, "role": role_of(p.by), "text": p.text, "changes": diff,
                }));
            }
            seen[t].events = table.events.len();
            seen[t].notes = table.notes.len();
            seen[t].proposals = table.proposals.len();
        }
    })?;
    let game = &replayed.game;
    // Names and hidden marks as they are now (a facilitator may hide a note or a name later).
    let name = |id: &Value| {
        id.as_str()
            .and_then(|id| game.players().iter().find(|p| p.id.to_string() == id))
            .map(|p| json!({"name": p.name, "name_hidden": p.name_hidden}))
    };
    let tables: Vec<Value> = steps
        .into_iter()
        .enumerate()
        .map(|(t, mut list)| {
            let table = &game.tables()[t];
            let mut note = 0;
            list.retain_mut(|step| {
                if step["type"] == "note" {
                    let hidden = table.notes.get(note).is_some_and(|n| n.hidden);
                    note += 1;
                    step["hidden"] = json!(hidden);
                    if hidden && !host {
                        return false;
                    }
                }
                if let Some(who) = name(&step["player_id"]) {
                    step["name"] = who["name"].clone();
                    step["name_hidden"] = who["name_hidden"].clone();
                }
                // (`get_mut`: indexing a missing key would add it as null.)
                if let Some(votes) = step.get_mut("votes").and_then(Value::as_array_mut) {
                    for v in votes {
                        if let Some(who) = name(&v["player_id"]) {
                            v["name"] = who["name"].clone();
                        }
                    }
                }
                true
            });
            let players: Vec<Value> = table
                .seats
                .iter()
                .filter_map(|id| game.player(*id))
                .map(|p| json!({"player_id": p.id, "name": p.name, "name_hidden": p.name_hidden, "role": p.role}))
                .collect();
            json!({"table": t + 1, "players": players, "steps": list})
        })
        .collect();
    let s = game.scenario();
    Ok(json!({
        "room": code,
        "language": game.language(),
        "scenario": {"id": s.id, "title": s.title},
        "secret_ballot": game.rule().secret_ballot,
        "started_at": game.started_ms().map(at),
        "finished_at": game.finished_ms().map(at),
        "rounds": s.rounds.iter().enumerate().map(|(i, r)| json!({"round": i + 1, "kind": r.kind, "title": r.title})).collect::<Vec<_>>(),
        "tables": tables,
        "heard": heard(game).iter().enumerate().map(|(t, roles)| json!({"table": t + 1, "roles": roles})).collect::<Vec<_>>(),
        "complete": replayed.failure.is_none(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::testkit::game_with;
    use crate::game::{Actor, Command, PlayerId};

    fn p(n: u32) -> Actor {
        Actor::Player(PlayerId(n))
    }

    fn ok(g: &mut Game, a: Actor, c: Command) {
        g.apply(a, &c, 0).unwrap_or_else(|e| panic!("{c:?} by {a:?}: {e:?}"));
    }

    fn note(text: &str) -> Command {
        Command::Note { kind: "value".into(), text: text.into() }
    }

    fn vote(choice: &str) -> Command {
        let (condition, reason) = match choice {
            "support_if" => (Some("Met een hek".to_string()), None),
            "object" => (None, Some("Te duur".to_string())),
            _ => (None, None),
        };
        Command::Vote { choice: choice.into(), condition, reason }
    }

    /// A game played by hand, counted by hand: four players, seed 7 deals them civil
    /// servant, resident, resident, councillor.
    #[test]
    fn who_was_heard_counts_a_hand_played_game() {
        let mut g = game_with(4, 7);
        ok(&mut g, Actor::Host, Command::Start);
        let roles: Vec<Option<Role>> = (1..=4).map(|i| g.player(PlayerId(i)).and_then(|p| p.role)).collect();
        assert_eq!(
            roles,
            [Some(Role::CivilServant), Some(Role::Resident), Some(Role::Resident), Some(Role::Councillor)]
        );
        ok(&mut g, Actor::Host, Command::Next); // discussion
        ok(&mut g, p(2), note("een"));
        ok(&mut g, p(2), note("twee"));
        ok(&mut g, p(1), note("drie"));
        ok(&mut g, p(3), note("vier"));
        ok(&mut g, Actor::Host, Command::Next); // proposal: residents and councillors
        ok(&mut g, p(2), Command::Propose { text: "A".into(), base: None });
        ok(&mut g, p(3), Command::Propose { text: "B".into(), base: None });
        ok(&mut g, p(4), Command::Propose { text: "C".into(), base: None });
        ok(&mut g, Actor::Host, Command::Next); // vote
        ok(&mut g, p(1), vote("object"));
        ok(&mut g, p(2), vote("support"));
        ok(&mut g, p(3), vote("object"));
        ok(&mut g, p(4), vote("support_if"));
        ok(&mut g, Actor::Host, Command::Next); // proposal again (two objections: not reached)
        ok(&mut g, p(1), Command::Propose { text: "D".into(), base: None });
        ok(&mut g, Actor::Host, Command::Next); // second vote
        ok(&mut g, p(1), vote("support"));
        ok(&mut g, p(2), vote("support"));
        ok(&mut g, p(3), vote("support_if"));
        ok(&mut g, p(4), vote("abstain"));
        ok(&mut g, Actor::Host, Command::Next); // debrief
        let heard = heard(&g);
        let row = |role, people, notes, versions, support, objections| Heard {
            role,
            people,
            notes,
            versions,
            support: Some(support),
            objections: Some(objections),
        };
        assert_eq!(
            heard,
            [vec![
                // p2 and p3: 3 notes, 2 versions, support 1 + 2, one objection.
                row(Role::Resident, 2, 3, 2, 3, 1),
                // p1: 1 note, 1 version, an objection and then support.
                row(Role::CivilServant, 1, 1, 1, 1, 1),
                // p4: no note, 1 version, yes-if and then an abstention.
                row(Role::Councillor, 1, 0, 1, 1, 0),
            ]]
        );
    }
}
