//! Reveal and reasons over real sockets (PROTOCOL.md, version 2): `reveal` of one table and
//! of all, `auto_reveal`, the phase's `revealed`, `decision.reasons` in every view, the
//! room options `secret_ballot` and `screen_notes`, and a secret auto-revealed vote that
//! leaves no vote in the database.

mod support;

use serde_json::{Value, json};
use support::*;

/// A case with one proposal and one vote round, decided by consent with at most one
/// objection; tables of 3.
fn case(rule: &str) -> String {
    format!(
        r#"id = "reveal-test"
title = "Reveal"
language = "en"
summary = "A case to reveal."
table_size = 3
[case]
text = "A bench."
[roles.resident]
cards = [{{ name = "R", text = "r" }}]
[roles.civil_servant]
cards = [{{ name = "C", text = "c" }}]
[roles.councillor]
cards = [{{ name = "K", text = "k" }}]
[[rounds]]
kind = "discussion"
title = "Talk"
[[rounds]]
kind = "proposal"
title = "Propose"
[[rounds]]
kind = "vote"
title = "Vote"
[decision]
{rule}
"#
    )
}

struct Room {
    code: String,
    host: Client,
    screen: Client,
    /// Per table (0-based), its players' clients.
    tables: Vec<Vec<Client>>,
}

/// `n` players at `tables` tables with `options`, in the vote round, every table with a
/// proposal and a note.
async fn vote_room(addr: std::net::SocketAddr, rule: &str, n: usize, tables: u32, options: Value) -> Room {
    let mut opts = options;
    opts["tables"] = json!(tables);
    let (code, token) = create_room(addr, json!({"scenario_toml": case(rule), "options": opts})).await;
    let mut host = Client::host(addr, &code, &token).await;
    let screen = Client::watch(addr, &code).await;
    let mut players = Vec::new();
    for i in 0..n {
        players.push(Client::join(addr, &code, &format!("Player {i}"), None).await.0);
    }
    host.ok(json!({"type": "start"})).await;
    let mut by_table: Vec<Vec<Client>> = (0..tables).map(|_| Vec::new()).collect();
    for mut p in players {
        let v = p.view_until("a seat", |v| v["you"]["table"].is_number()).await;
        let t = v["you"]["table"].as_u64().unwrap() as usize - 1;
        by_table[t].push(p);
    }
    for (t, ps) in by_table.iter_mut().enumerate() {
        ps[0].ok(json!({"type": "note", "kind": "idea", "text": format!("Idea of table {}", t + 1)})).await;
    }
    host.ok(json!({"type": "next"})).await;
    for (t, ps) in by_table.iter_mut().enumerate() {
        ps[0].view_until("the proposal round", |v| v["phase"]["kind"] == "proposal").await;
        ps[0].ok(json!({"type": "propose", "text": format!("Bench {}", t + 1)})).await;
    }
    let v = host.ok(json!({"type": "next"})).await;
    assert_eq!(v["phase"]["kind"], "vote");
    Room { code, host, screen, tables: by_table }
}

fn decision(v: &Value, table: usize) -> &Value {
    &v["tables"][table]["decision"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reveal_one_table_then_the_rest_and_say_why() {
    let server = start("reveal").await;
    let addr = server.addr;
    let mut room = vote_room(addr, "rule = \"consent\"\nmax_objections = 1", 6, 2, json!({})).await;
    assert_eq!(room.host.view["phase"]["revealed"], json!([]));
    // Table 1: one objection, at the maximum. Table 2: two objections, one over.
    let t1 = [("support", None), ("support", None), ("object", Some("Too dear"))];
    let t2 = [("object", Some("No")), ("object", Some("Never")), ("support", None)];
    for (t, votes) in [(0, t1), (1, t2)] {
        for (p, (choice, reason)) in room.tables[t].iter_mut().zip(votes) {
            let mut cmd = json!({"type": "vote", "choice": choice});
            if let Some(r) = reason {
                cmd["reason"] = json!(r);
            }
            p.ok(cmd).await;
        }
    }
    room.host.refused(json!({"type": "reveal", "table": 3}), "invalid_input").await;
    room.tables[0][0].refused(json!({"type": "reveal"}), "not_allowed").await;
    room.screen.refused(json!({"type": "reveal"}), "not_allowed").await;

    let v = room.host.ok(json!({"type": "reveal", "table": 1})).await;
    assert_eq!(v["phase"]["kind"], "vote", "reveal does not close the round");
    assert_eq!(v["phase"]["revealed"], json!([1]));
    let d = decision(&v, 0);
    assert_eq!(d["reached"], true);
    assert_eq!(
        d["reasons"],
        json!([
            {"code": "quorum", "met": true, "cast": 3, "seated": 3, "needed": 2},
            {"code": "max_objections", "met": true, "objections": 1, "max": 1},
        ])
    );
    assert!(decision(&v, 1).is_null(), "table 2 is not tallied yet");
    // The screen and the players see table 1's decision at once, with its reasons.
    let s = room.screen.view_until("table 1 revealed", |v| !v["tables"][0]["decision"].is_null()).await;
    assert_eq!(decision(&s, 0)["reasons"], d["reasons"]);
    assert_eq!(s["phase"]["revealed"], json!([1]));
    // A tallied table takes no more votes and is not revealed twice.
    room.tables[0][2].refused(json!({"type": "vote", "choice": "support"}), "wrong_phase").await;
    room.host.refused(json!({"type": "reveal", "table": 1}), "wrong_phase").await;

    let v = room.host.ok(json!({"type": "reveal"})).await;
    assert_eq!(v["phase"]["revealed"], json!([1, 2]));
    let d = decision(&v, 1);
    assert_eq!(d["reached"], false);
    assert_eq!(d["reasons"][1], json!({"code": "max_objections", "met": false, "objections": 2, "max": 1}));
    let v = room.host.ok(json!({"type": "next"})).await;
    assert_eq!(v["phase"]["kind"], "finished");
    assert_eq!(decision(&v, 0)["reached"], true, "next tallies nothing twice");
    room.host.refused(json!({"type": "reveal"}), "room_finished").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_reveal_tallies_a_table_with_its_last_vote() {
    let server = start("auto-reveal").await;
    let addr = server.addr;
    let mut room = vote_room(addr, "rule = \"majority\"", 6, 2, json!({"auto_reveal": true})).await;
    room.tables[0][0].ok(json!({"type": "vote", "choice": "support"})).await;
    let v = room.tables[0][1].ok(json!({"type": "vote", "choice": "abstain"})).await;
    assert!(decision(&v, 0).is_null(), "not before the table is complete");
    let v = room.tables[0][2].ok(json!({"type": "vote", "choice": "support"})).await;
    assert_eq!(decision(&v, 0)["reached"], true, "the last vote at the table tallies it");
    assert_eq!(v["phase"]["revealed"], json!([1]));
    assert_eq!(
        decision(&v, 0)["reasons"],
        json!([
            {"code": "quorum", "met": true, "cast": 3, "seated": 3, "needed": 2},
            {"code": "majority", "met": true, "supporters": 2, "counted": 2},
        ])
    );
    assert!(decision(&room.host.view_until("table 1", |v| !v["tables"][0]["decision"].is_null()).await, 1).is_null());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_auto_revealed_table_keeps_no_vote_and_shows_no_counts_per_role() {
    let server = start("secret-reveal").await;
    let addr = server.addr;
    let data = server.app.config.data_dir.clone();
    let mut room =
        vote_room(addr, "rule = \"majority\"", 3, 1, json!({"auto_reveal": true, "secret_ballot": true})).await;
    assert_eq!(room.host.view["scenario"]["decision"]["secret_ballot"], true, "the room option overrides the case");
    for (i, p) in room.tables[0].iter_mut().enumerate() {
        let choice = if i == 2 {
            json!({"type": "vote", "choice": "object", "reason": "SECRET-REASON"})
        } else {
            json!({"type": "vote", "choice": "support"})
        };
        p.ok(choice).await;
    }
    let v = room.host.view_until("the tally", |v| !v["tables"][0]["decision"].is_null()).await;
    let d = decision(&v, 0);
    assert!(d.get("by_role").is_none() && d.get("votes").is_none());
    assert!(d["reasons"].as_array().unwrap().iter().all(|r| r["code"] != "min_support_per_role"));
    let votes = stored_commands(&server, &room.code, "vote").await;
    assert_eq!(votes, 0, "not even the vote that completed the table is stored as a vote");
    let code = room.code.clone();
    drop(room);
    server.stop().await;
    // The room replays to the same decision.
    let server = start_with("secret-reveal-again", |c| c.data_dir = data.clone()).await;
    let mut screen = Client::watch(server.addr, &code).await;
    let v = screen.view_until("the replayed room", |v| !v["tables"][0]["decision"].is_null()).await;
    assert_eq!(decision(&v, 0)["reached"], true);
    assert_eq!(decision(&v, 0)["objections"], json!(["SECRET-REASON"]));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screen_notes_show_the_wall_without_hidden_notes_or_authors() {
    let server = start("screen-notes").await;
    let addr = server.addr;
    for screen_notes in [false, true] {
        let mut room = vote_room(addr, "rule = \"majority\"", 3, 1, json!({"screen_notes": screen_notes})).await;
        let v = room.screen.view_until("the vote round", |v| v["phase"]["kind"] == "vote").await;
        let t = &v["tables"][0];
        if screen_notes {
            assert_eq!(t["notes"][0]["text"], "Idea of table 1");
            assert_eq!(t["proposal"], json!({"text": "Bench 1", "version": 1}));
        } else {
            assert!(t.get("notes").is_none() && t.get("proposal").is_none());
        }
        room.host.ok(json!({"type": "hide_note", "table": 1, "note": 0})).await;
        room.screen.drain(std::time::Duration::from_millis(300)).await;
        assert!(
            room.screen.view["tables"][0]["notes"].as_array().is_none_or(|n| n.is_empty()),
            "a hidden note leaves the wall"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_version_2_room_options_are_checked() {
    let server = start("options-v2").await;
    let addr = server.addr;
    for (options, status) in [
        (json!({"secret_ballot": true, "screen_notes": true, "auto_reveal": true}), 201),
        (json!({"secret_ballot": null}), 201),
        (json!({"screen_notes": "yes"}), 400),
        (json!({"auto_reveal": 1}), 400),
        (json!({"secret_ballot": "no"}), 400),
        (json!({"reveal": true}), 422),
    ] {
        let body = json!({"scenario": "skatebaan", "options": options});
        let (s, text) = reqwest_post(addr, "/api/rooms", &body.to_string()).await;
        assert_eq!(s, status, "{options}: {text}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sentence_follows_the_connections_language() {
    let server = start("language").await;
    let addr = server.addr;
    // A Dutch room: a phone that asks for English gets English sentences, before and after
    // its session opens; one that asks for nothing gets Dutch.
    let (code, _) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let mut en = Client::connect(addr).await;
    en.send(json!({"type": "join", "room": "BBBBB", "name": "Ann", "language": "en"})).await;
    assert_eq!(
        en.expect_error("unknown_room").await["message"],
        "There is no game with this code. Please check the code."
    );
    en.send(json!({"type": "join", "room": code, "name": "Ann", "language": "en"})).await;
    en.until("welcome", |m| m["type"] == "welcome").await;
    let e = en.command(json!({"type": "vote", "choice": "support"})).await;
    assert_eq!(e["code"], "wrong_phase");
    assert_eq!(e["message"], "This is not possible in this round.");
    let (mut nl, _, _) = Client::join(addr, &code, "Bert", None).await;
    let e = nl.command(json!({"type": "vote", "choice": "support"})).await;
    assert_eq!(e["message"], "Dit kan nu niet, in deze ronde.");
    // A language the server does not speak is a malformed session message.
    let mut odd = Client::connect(addr).await;
    odd.send(json!({"type": "watch", "room": code, "language": "de"})).await;
    odd.expect_error("bad_message").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_link_page_and_its_qr_need_the_host_token_in_a_header() {
    let server = start("host-link").await;
    let addr = server.addr;
    let (code, token) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    // The page itself is the host page for any well-formed code, lower case or spaced.
    for path in [format!("/host/{code}"), format!("/host/{}", code.to_lowercase())] {
        let (s, body, _) = request(addr, "GET", &path, &[], "").await;
        assert_eq!(s, 200, "{path}");
        assert!(body.contains("/assets/js/host.js"), "{path} is the host page");
    }
    assert_eq!(request(addr, "GET", "/host/AEIOU", &[], "").await.0, 404);
    let qr = format!("/api/rooms/{code}/host-qr.svg");
    assert_eq!(request(addr, "GET", &qr, &[], "").await.0, 401);
    assert_eq!(request(addr, "GET", &qr, &[("Authorization", "Bearer not-the-token")], "").await.0, 401);
    let auth = format!("Bearer {token}");
    let (s, svg, head) = request(addr, "GET", &qr, &[("Authorization", &auth)], "").await;
    assert_eq!(s, 200);
    assert!(svg.starts_with("<?xml") || svg.contains("<svg"), "{svg:.80}");
    let head = head.to_lowercase();
    assert!(head.contains("cache-control: no-store"), "{head}");
    assert!(head.contains("content-type: image/svg+xml"), "{head}");
    assert_eq!(request(addr, "GET", "/api/rooms/BBBBB/host-qr.svg", &[("Authorization", &auth)], "").await.0, 404);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_phones_editing_one_proposal_lose_no_text() {
    let server = start("stale").await;
    let addr = server.addr;
    let (code, token) =
        create_room(addr, json!({"scenario_toml": case("rule = \"majority\""), "options": {"tables": 1}})).await;
    let mut host = Client::host(addr, &code, &token).await;
    let mut a = Client::join(addr, &code, "Anna", None).await.0;
    let mut b = Client::join(addr, &code, "Bram", None).await.0;
    Client::join(addr, &code, "Cas", None).await;
    host.ok(json!({"type": "start"})).await;
    host.ok(json!({"type": "next"})).await;
    a.view_until("the proposal round", |v| v["phase"]["kind"] == "proposal").await;
    b.view_until("the proposal round", |v| v["phase"]["kind"] == "proposal").await;
    let first = a.ok(json!({"type": "propose", "text": "Een bank bij de bushalte", "base": 0})).await;
    assert_eq!(first["tables"][0]["proposal"]["version"], 1);
    // Both open the editor on version 1 and type at once; Anna saves first.
    let long = "Een bank bij de bushalte, met leuningen, en een prullenbak ernaast. ".repeat(3);
    a.ok(json!({"type": "propose", "text": long.trim(), "base": 1})).await;
    let e = b.command(json!({"type": "propose", "text": "Twee banken", "base": 1})).await;
    assert_eq!(e["type"], "error");
    assert_eq!(e["code"], "stale_proposal");
    assert_eq!(e["current"]["text"], long.trim());
    assert_eq!(e["current"]["version"], 2);
    assert_eq!(e["current"]["by"], a.view["you"]["player_id"]);
    let v = host.view_until("Anna's version", |v| v["tables"][0]["proposal"]["version"] == 2).await;
    assert_eq!(v["tables"][0]["proposal"]["text"], long.trim(), "Bram's text overwrote nothing");
    // Bram merges on the new version: accepted.
    let merged = format!("{} Twee banken.", long.trim());
    let v = b.ok(json!({"type": "propose", "text": merged, "base": 2})).await;
    assert_eq!(v["tables"][0]["proposal"]["version"], 3);
    server.stop().await;
}
