//! Golden rooms: a database recorded by the build of 2026-11-30 (main before rooms kept a
//! rules version; see `examples/record_golden.rs`) is opened by this build. Every room must
//! replay to the same tables, roles, cards, notes, proposals and decisions the host saw
//! then, and the migration must leave nothing that pairs a player with a closed secret vote.
//! This test fails when a change alters how a recorded room replays.

mod support;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use support::*;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/2026-11-30");

fn recorded() -> Vec<Value> {
    let text = std::fs::read_to_string(Path::new(FIXTURE).join("rooms.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap().as_array().unwrap().clone()
}

/// A data folder holding a copy of the recorded database (the fixture itself never changes).
fn copy_of_fixture(name: &str) -> PathBuf {
    let data = temp_dir(name);
    std::fs::copy(Path::new(FIXTURE).join("democreatie.sqlite3"), data.join("democreatie.sqlite3")).unwrap();
    data
}

/// What a replay must keep: everything of version 1 about the game itself, nothing about
/// connections, clocks or fields added later.
fn essence(v: &Value) -> Value {
    let pick = |o: &Value, keys: &[&str]| -> Value {
        Value::Object(keys.iter().filter_map(|k| o.get(*k).map(|x| (k.to_string(), x.clone()))).collect())
    };
    let tables: Vec<Value> = v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let players: Vec<Value> = t["players"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    let mut e = pick(p, &["player_id", "name", "role", "ready", "voted", "real_role", "vote"]);
                    e["card"] = pick(&p["card"], &["name", "goal"]);
                    e
                })
                .collect();
            json!({
                "table": t["table"],
                "players": players,
                "event": t["event"],
                "notes": t["notes"],
                "proposal": if t["proposal"].is_null() { Value::Null } else { pick(&t["proposal"], &["text", "by"]) },
                "decision": if t["decision"].is_null() {
                    Value::Null
                } else {
                    // Version 1's keys: `reasons` came later.
                    let keys = ["reached", "support", "support_if", "abstain", "object", "by_role", "proposal", "conditions", "objections", "votes"];
                    pick(&t["decision"], &keys)
                },
            })
        })
        .collect();
    json!({
        "phase": pick(&v["phase"], &["index", "kind"]),
        "locked": v["locked"],
        "lobby": v["lobby"].as_array().unwrap().iter().map(|p| pick(p, &["player_id", "name"])).collect::<Vec<_>>(),
        "tables": tables,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_recorded_on_2026_11_30_replay_to_what_the_host_saw() {
    let data = copy_of_fixture("golden");
    let (mut server, addr, log) = spawn_server(&data, &[]).await;
    assert!(!log.iter().any(|l| l.contains("cannot be restored") || l.contains("read-only")), "{log:?}");
    for room in recorded() {
        let code = room["room"].as_str().unwrap();
        let mut host = Client::host(addr, code, room["host_token"].as_str().unwrap()).await;
        let now = host.view_until("the first state", |_| true).await;
        assert_eq!(essence(&now), essence(&room["host_view"]), "room {code} replays differently");
        // Every player still in the game resumes with the token they had.
        for (id, token) in room["player_tokens"].as_object().unwrap() {
            let mut c = Client::connect(addr).await;
            c.send(json!({"type": "resume", "room": code, "token": token})).await;
            let w = c.until("welcome", |m| m["type"] == "welcome" || m["type"] == "error").await;
            assert_eq!(w["player_id"], id.as_str(), "room {code}: {w}");
        }
    }
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_forgets_who_voted_what_in_closed_secret_ballots() {
    let data = copy_of_fixture("golden-seal");
    let db = data.join("democreatie.sqlite3");
    let votes_before = vote_rows(&db);
    let (mut server, _addr, _) = spawn_server(&data, &[]).await;
    server.kill().unwrap();
    server.wait().unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn.query_row("SELECT version FROM schema_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 2);
    let rules: Vec<i64> = conn
        .prepare("SELECT rules_version FROM rooms")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(rules.iter().all(|v| *v == 1), "{rules:?}");
    let votes_after = vote_rows(&db);
    for room in recorded() {
        let code = room["room"].as_str().unwrap();
        let v = &room["host_view"];
        let secret = v["scenario"]["decision"]["secret_ballot"] == true;
        let open_round = v["phase"]["kind"] == "vote";
        let before = votes_before.get(code).copied().unwrap_or(0);
        let after = votes_after.get(code).copied().unwrap_or(0);
        if !secret {
            assert_eq!(after, before, "room {code}: votes of an open ballot stay");
            continue;
        }
        // Only the votes of a round still open remain (they must survive a restart).
        let open_votes = if open_round {
            v["tables"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|t| t["players"].as_array().unwrap())
                .filter(|p| p["voted"] == true)
                .count()
        } else {
            0
        };
        assert!(before > open_votes, "room {code}: the fixture has closed votes to forget");
        assert_eq!(after, open_votes, "room {code}: closed secret votes are forgotten");
        let sealed: i64 = conn
            .query_row("SELECT count(*) FROM commands WHERE room = ?1 AND sealed IS NOT NULL", [code], |r| r.get(0))
            .unwrap();
        assert!(sealed >= 1, "room {code}: the decisions are stored with the command that closed the vote");
    }
    // The deleted votes are gone from the files, not only from the table (the reasons stay,
    // without their authors, in the stored decisions).
    for file in [db.clone(), data.join("democreatie.sqlite3-wal")] {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(r#""choice":"object","condition":null,"reason":"Nee 0""#),
            "a forgotten vote is still in {file:?}"
        );
    }
    let bytes = std::fs::read(Path::new(FIXTURE).join("democreatie.sqlite3")).unwrap();
    assert!(
        String::from_utf8_lossy(&bytes).contains(r#""choice":"object","condition":null,"reason":"Nee 0""#),
        "the fixture holds the votes"
    );
}

/// Vote commands per room.
fn vote_rows(db: &Path) -> std::collections::HashMap<String, usize> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT room, count(*) FROM commands WHERE json_extract(command, '$.type') = 'vote' GROUP BY room")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_whose_log_stops_replaying_is_served_read_only_with_its_report() {
    let data = copy_of_fixture("golden-readonly");
    let rooms = recorded();
    // The open buurthuis room: its 20th command becomes a note of a kind no round allows.
    let room = rooms.iter().find(|r| r["host_view"]["scenario"]["id"] == "buurthuis").unwrap();
    let code = room["room"].as_str().unwrap();
    let conn = rusqlite::Connection::open(data.join("democreatie.sqlite3")).unwrap();
    let (seq, actor): (i64, String) = conn
        .query_row(
            "SELECT seq, actor FROM commands WHERE room = ?1 AND json_extract(command, '$.type') = 'note' ORDER BY seq LIMIT 1 OFFSET 3",
            [code],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    conn.execute(
        "UPDATE commands SET command = '{\"type\":\"note\",\"kind\":\"lesson\",\"text\":\"x\"}' WHERE room = ?1 AND seq = ?2",
        rusqlite::params![code, seq],
    )
    .unwrap();
    drop(conn);
    assert!(actor.contains("player"));

    let (mut server, addr, log) = spawn_server(&data, &[]).await;
    assert!(
        log.iter().any(|l| l.contains(&format!("room {code}"))
            && l.contains("read-only")
            && l.contains(&format!("command {seq} (note) no longer replays"))),
        "{log:?}"
    );
    let token = room["host_token"].as_str().unwrap();
    let mut host = Client::host(addr, code, token).await;
    let v = host.view_until("the first state", |_| true).await;
    assert_eq!(v["storage"], "read_only");
    // As it was just before the broken command: three notes, in the discussion round.
    assert_eq!(v["tables"][0]["notes"].as_array().unwrap().len(), 3);
    host.refused(json!({"type": "next"}), "room_read_only").await;
    let mut watcher = Client::watch(addr, code).await;
    watcher.view_until("a state", |_| true).await;
    let mut c = Client::connect(addr).await;
    c.send(json!({"type": "join", "room": code, "name": "Nieuw"})).await;
    c.expect_error("room_read_only").await;
    let auth = format!("Bearer {token}");
    let (status, report, _) =
        request(addr, "GET", &format!("/api/rooms/{code}/report.md"), &[("Authorization", &auth)], "").await;
    assert_eq!(status, 200);
    assert!(report.contains("Notitie"), "{report}");
    // The other rooms are served as usual.
    let other = rooms.iter().find(|r| r["host_view"]["scenario"]["id"] == "skatebaan").unwrap();
    let mut h = Client::host(addr, other["room"].as_str().unwrap(), other["host_token"].as_str().unwrap()).await;
    assert!(h.view_until("a state", |_| true).await.get("storage").is_none());
    server.kill().unwrap();
    server.wait().unwrap();
}
