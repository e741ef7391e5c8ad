//! Records golden rooms: plays scripted games against a server binary, stops it cleanly,
//! and keeps its database plus what the host saw of each room at the end. The golden test
//! (`tests/golden.rs`) opens that database with the current build and checks that every
//! room replays to the same tables, roles, cards, notes, proposals and decisions.
//!
//! ```text
//! cargo run --example record_golden -- BINARY OUT_DIR
//! ```
//!
//! The fixtures in `tests/golden/2026-11-30/` were recorded with the build of main on
//! 2026-11-30 (commit 5bb22f0), before rooms recorded a rules version.

#[path = "../tests/support/client.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use support::{Client, create_room};

/// One player of a scripted game.
struct Seat {
    client: Client,
    id: String,
    token: String,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (bin, out) = match &args[..] {
        [_, bin, out] => (bin.clone(), std::path::PathBuf::from(out)),
        _ => {
            eprintln!("usage: record_golden BINARY OUT_DIR");
            std::process::exit(2);
        }
    };
    std::fs::create_dir_all(&out).expect("the output folder can be made");
    let data = std::env::temp_dir().join(format!("democreatie-golden-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let mut child = Command::new(&bin)
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr: SocketAddr = loop {
        let line = lines.next().expect("the server logs").expect("readable log");
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    let mut rooms = Vec::new();
    // A whole game at two tables: real roles (perspective swap), a late joiner, a kick, a
    // leave, moderation, an extension and a lock; played to the end.
    rooms.push(play(addr, "skatebaan", json!({"tables": 2}), 9, None, true, false).await);
    // Secret ballot: the first vote round closed, the second one open with votes cast.
    rooms.push(play(addr, "buurtbudget", json!({}), 6, Some(7), false, true).await);
    // Open votes in the middle of a vote round (nothing tallied yet), unfinished.
    rooms.push(play(addr, "buurthuis", json!({"perspective_swap": false}), 5, Some(5), false, false).await);
    // Secret ballot played to the end.
    rooms.push(play(addr, "buurtbudget", json!({"tables": 1}), 4, None, false, false).await);
    // A room still in its lobby.
    rooms.push(play(addr, "energiecooperatie", json!({}), 3, Some(-1), false, false).await);

    // SIGTERM: the server finishes its writes and closes the database.
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    std::fs::copy(data.join("democreatie.sqlite3"), out.join("democreatie.sqlite3")).expect("the database is there");
    let text = serde_json::to_string_pretty(&Value::Array(rooms)).unwrap();
    std::fs::write(out.join("rooms.json"), text + "\n").unwrap();
    let _ = std::fs::remove_dir_all(&data);
    println!("recorded into {}", out.display());
}

/// Plays a scripted game and answers what a golden fixture keeps of it.
async fn play(
    addr: SocketAddr,
    scenario: &str,
    options: Value,
    players: usize,
    stop_at: Option<i64>,
    extras: bool,
    first_vote_fails: bool,
) -> Value {
    let (code, host_token) = create_room(addr, json!({"scenario": scenario, "options": options})).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    host.view_until("the first state", |_| true).await;
    let roles = [Some("resident"), Some("civil_servant"), Some("councillor"), None];
    let mut seats = Vec::new();
    for i in 0..players {
        let (client, id, token) = Client::join(addr, &code, &format!("Speler {}", i + 1), roles[i % 4]).await;
        seats.push(Seat { client, id, token });
    }
    if stop_at != Some(-1) {
        host.ok(json!({"type": "start"})).await;
    }
    let mut step = 0usize;
    let mut voted_once = false;
    loop {
        let view = host.view.clone();
        let index = view["phase"]["index"].as_i64().unwrap();
        if stop_at.is_some_and(|s| index >= s) || view["phase"]["kind"] == "finished" {
            break;
        }
        if extras && index == 1 && step == 0 {
            // A late joiner, a kick, a leave, a hidden note and name, an extension, a lock.
            let (client, id, token) = Client::join(addr, &code, "Laatkomer", Some("resident")).await;
            seats.push(Seat { client, id, token });
            let kicked = seats.remove(1);
            host.ok(json!({"type": "kick", "player_id": kicked.id})).await;
            let mut leaver = seats.remove(2);
            leaver.client.send(json!({"type": "leave"})).await;
            leaver.client.until("left", |m| m["type"] == "left").await;
            host.ok(json!({"type": "extend", "seconds": 120})).await;
            host.ok(json!({"type": "hide_name", "player_id": seats[0].id})).await;
            host.ok(json!({"type": "lock", "locked": true})).await;
        }
        step += 1;
        let fail = first_vote_fails && view["phase"]["kind"] == "vote" && !voted_once;
        voted_once |= view["phase"]["kind"] == "vote";
        act(&mut seats, &view, index, fail).await;
        if extras && index == 1 {
            host.ok(json!({"type": "hide_note", "table": 1, "note": 0})).await;
        }
        if stop_at.is_some_and(|s| index + 1 >= s) && view["phase"]["kind"] == "vote" {
            break;
        }
        host.ok(json!({"type": "next"})).await;
    }
    host.drain(std::time::Duration::from_millis(300)).await;
    let tokens: serde_json::Map<String, Value> = seats.iter().map(|s| (s.id.clone(), json!(s.token))).collect();
    json!({"room": code, "host_token": host_token, "player_tokens": tokens, "host_view": host.view})
}

/// Every player does what the round asks, in a fixed pattern.
async fn act(seats: &mut [Seat], host_view: &Value, index: i64, everyone_objects: bool) {
    let phase = &host_view["phase"];
    for (i, seat) in seats.iter_mut().enumerate() {
        let me = host_view["tables"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|t| t["players"].as_array().unwrap())
            .find(|p| p["player_id"] == seat.id.as_str());
        let Some(me) = me else { continue };
        let role = me["role"].as_str().unwrap_or_default();
        let cmd = match phase["kind"].as_str().unwrap() {
            "briefing" | "debrief" => json!({"type": "ready"}),
            "discussion" => {
                let kinds = phase["notes"].as_array().unwrap();
                let kind = &kinds[i % kinds.len()];
                json!({"type": "note", "kind": kind, "text": format!("Notitie {i} in ronde {index}")})
            }
            "proposal" => {
                if !phase["proposers"].as_array().unwrap().iter().any(|r| r == role) {
                    continue;
                }
                json!({"type": "propose", "text": format!("Voorstel van {} in ronde {index}", seat.id)})
            }
            "vote" if everyone_objects => json!({"type": "vote", "choice": "object", "reason": format!("Nee {i}")}),
            "vote" => match (i + index as usize) % 5 {
                0 | 3 => json!({"type": "vote", "choice": "support"}),
                1 => json!({"type": "vote", "choice": "support_if", "condition": format!("Mits {i}")}),
                2 => json!({"type": "vote", "choice": "object", "reason": format!("Bezwaar {i}")}),
                _ => json!({"type": "vote", "choice": "abstain"}),
            },
            _ => continue,
        };
        // A table that sits out answers wrong_phase; that is part of the game.
        seat.client.command(cmd).await;
    }
}
