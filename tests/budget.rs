//! Budget rounds over real sockets (PROTOCOL.md, version 2, "Budget rounds"): the phase's
//! projects, `approve` and its errors, `you.ballot` only in the voter's own view, the
//! `budgets` results in every view, the reports, and a secret ballot that leaves no ballot
//! in the database once the round is closed.

mod support;

use serde_json::{Value, json};
use support::*;

/// A room-wide budget round between a briefing and a debrief with lessons. Projects of a
/// total of 100: `groot` 60, `middel` 40, `klein` 30, `mini` 10.
fn case(secret: bool) -> String {
    format!(
        r#"id = "budget-test"
title = "Budget"
language = "nl"
summary = "Een budget om te testen."
table_size = 3
[case]
text = "Er is 100 euro."
[roles.resident]
cards = [{{ name = "R", text = "r", goal = "GOAL-R" }}]
[roles.civil_servant]
cards = [{{ name = "C", text = "c", goal = "GOAL-C" }}]
[roles.councillor]
cards = [{{ name = "K", text = "k", goal = "GOAL-K" }}]
[[rounds]]
kind = "briefing"
title = "Lezen"
[[rounds]]
kind = "budget"
title = "Kiezen"
[[rounds]]
kind = "debrief"
title = "Terugblik"
notes = ["lesson"]
[decision]
secret_ballot = {secret}
[budget]
total = 100
[[budget.projects]]
id = "groot"
title = "Groot plan"
text = "Een groot plan."
cost = 60
[[budget.projects]]
id = "middel"
title = "Middel plan"
text = "Een middelgroot plan."
cost = 40
[[budget.projects]]
id = "klein"
title = "Klein plan"
text = "Een klein plan."
cost = 30
[[budget.projects]]
id = "mini"
title = "Mini plan"
text = "Een heel klein plan."
cost = 10
"#
    )
}

struct Room {
    code: String,
    host_token: String,
    host: Client,
    screen: Client,
    players: Vec<Client>,
}

/// A room of 5 players in its budget round.
async fn budget_room(addr: std::net::SocketAddr, secret: bool) -> Room {
    let (code, host_token) = create_room(addr, json!({"scenario_toml": case(secret)})).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    let screen = Client::watch(addr, &code).await;
    let mut players = Vec::new();
    for name in ["Anna", "Bram", "Cas", "Dirk", "Eva"] {
        players.push(Client::join(addr, &code, name, None).await.0);
    }
    host.ok(json!({"type": "start"})).await;
    let v = host.ok(json!({"type": "next"})).await;
    assert_eq!(v["phase"]["kind"], "budget");
    Room { code, host_token, host, screen, players }
}

fn approve(ids: &[&str]) -> Value {
    json!({"type": "approve", "projects": ids})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_round_is_played_counted_both_ways_and_reported() {
    let server = start("budget").await;
    let addr = server.addr;
    let mut room = budget_room(addr, false).await;
    let phase = &room.host.view["phase"]["budget"];
    assert_eq!(phase["total"], 100);
    assert_eq!(phase["rule"], "equal_shares");
    assert_eq!(
        phase["projects"][2],
        json!({"id": "klein", "title": "Klein plan", "text": "Een klein plan.", "cost": 30})
    );

    // Errors: an unknown or repeated id, a host or screen approving; nothing changes.
    room.players[0].refused(approve(&["groot", "fietsenstalling"]), "invalid_input").await;
    room.players[0].refused(approve(&["groot", "groot"]), "invalid_input").await;
    room.players[0].refused(json!({"type": "approve", "projects": "groot"}), "bad_message").await;
    room.host.refused(approve(&["groot"]), "not_allowed").await;
    room.screen.refused(approve(&["groot"]), "not_allowed").await;
    room.players[0].refused(json!({"type": "vote", "choice": "support"}), "wrong_phase").await;
    assert!(room.players[0].view["you"]["ballot"].is_null());

    // Three want the big plans, two the small ones; Eva changes her mind once.
    for p in &mut room.players[..3] {
        let v = p.ok(approve(&["groot", "middel"])).await;
        assert_eq!(v["you"]["ballot"], json!(["groot", "middel"]));
    }
    room.players[3].ok(approve(&["mini", "klein"])).await;
    room.players[4].ok(approve(&["groot"])).await;
    let v = room.players[4].ok(approve(&["klein", "mini"])).await;
    assert_eq!(v["you"]["ballot"], json!(["klein", "mini"]), "a later ballot replaces the earlier one");
    let voted = |v: &Value| {
        v["tables"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["players"].as_array().unwrap().clone())
            .filter(|s| s["voted"] == true)
            .count()
    };
    room.screen.view_until("five ballots", |v| voted(v) == 5).await;

    let v = room.host.ok(json!({"type": "next"})).await;
    let r = &v["budgets"][0];
    assert_eq!(r["round"], 1);
    assert_eq!(
        (r["total"].clone(), r["rule"].clone(), r["voters"].clone()),
        (json!(100), json!("equal_shares"), json!(5))
    );
    assert_eq!(r["greedy"], json!({"funded": ["groot", "middel"], "spent": 100}));
    assert_eq!(r["equal_shares"], json!({"funded": ["groot", "klein", "mini"], "spent": 100}));
    assert_eq!(r["funded"], r["equal_shares"]["funded"]);
    let approvals: Vec<u64> =
        r["projects"].as_array().unwrap().iter().map(|p| p["approvals"].as_u64().unwrap()).collect();
    assert_eq!(approvals, [3, 3, 2, 2]);
    let by_role = &r["projects"][0]["by_role"];
    assert_eq!(
        by_role["resident"].as_u64().unwrap()
            + by_role["civil_servant"].as_u64().unwrap()
            + by_role["councillor"].as_u64().unwrap(),
        3
    );

    // Every view carries the same result; a ballot never reached anyone but its voter.
    room.screen.view_until("the result", |v| v.get("budgets").is_some()).await;
    assert_eq!(room.screen.view["budgets"], v["budgets"]);
    for p in &mut room.players {
        p.view_until("the result", |v| v.get("budgets").is_some()).await;
        assert_eq!(p.view["budgets"], v["budgets"]);
    }
    room.players[0].ok(json!({"type": "note", "kind": "lesson", "text": "Eerlijk delen geeft meer mensen iets"})).await;
    for (i, p) in room.players.iter_mut().enumerate() {
        p.drain(std::time::Duration::from_millis(300)).await;
        for m in p.log.iter().filter(|m| m["type"] == "state") {
            let ballot = &m["view"]["you"]["ballot"];
            // Eva's first ballot was her own too.
            let own = *ballot == json!(room_ballot(i)) || (i == 4 && *ballot == json!(["groot"]));
            assert!(ballot.is_null() || own, "player {i} saw {ballot}");
        }
    }
    for viewer in [&room.screen, &room.host] {
        assert!(!viewer.all_text().contains("\"ballot\":["), "only a voter's own view carries a ballot");
    }

    // Reports: both outcomes, the approvals, every ballot (not secret), the lesson.
    let auth = format!("Bearer {}", room.host_token);
    let report = |fmt: &str| format!("/api/rooms/{}/report.{fmt}", room.code);
    let (s, md, _) = request(addr, "GET", &report("md"), &[("Authorization", &auth)], "").await;
    assert_eq!(s, 200);
    assert!(md.contains("## Ronde 2: Kiezen"), "{md}");
    assert!(md.contains("| Klein plan | 30 euro | 2 |"), "{md}");
    assert!(md.contains("Meeste stemmen eerst: uitgegeven 100 euro. Eerlijk delen: uitgegeven 100 euro."), "{md}");
    assert!(md.contains("Telde mee: eerlijk delen."), "{md}");
    assert!(!md.contains("equal_shares"), "no codes in the write-up");
    let (_, json_report, _) = request(addr, "GET", &report("json"), &[("Authorization", &auth)], "").await;
    let facts: Value = serde_json::from_str(&json_report).unwrap();
    assert_eq!(facts["budgets"][0]["equal_shares"], r["equal_shares"]);
    assert_eq!(facts["budgets"][0]["ballots"].as_array().unwrap().len(), 5);
    let (_, csv, _) = request(addr, "GET", &report("csv"), &[("Authorization", &auth)], "").await;
    let ballot_rows: Vec<&str> = csv.lines().filter(|l| l.split(',').nth(3) == Some("ballot")).collect();
    assert_eq!(ballot_rows.len(), 10, "{csv}");
    assert!(ballot_rows.iter().all(|l| l.split(',').nth(7) == Some("approve")));
    let budget_rows: Vec<(&str, &str)> = csv
        .lines()
        .filter(|l| l.split(',').nth(3) == Some("budget"))
        .map(|l| (l.split(',').nth(7).unwrap(), l.split(',').nth(8).unwrap()))
        .collect();
    assert_eq!(
        budget_rows,
        [
            ("greedy", "groot"),
            ("greedy", "middel"),
            ("equal_shares", "groot"),
            ("equal_shares", "klein"),
            ("equal_shares", "mini")
        ]
    );
    assert!(csv.lines().any(|l| l.contains(",note,") && l.contains(",lesson,")), "{csv}");
    server.stop().await;
}

/// Anna, Bram and Cas approved the big plans, Dirk and Eva the small ones.
fn room_ballot(i: usize) -> Vec<&'static str> {
    match i {
        0..=2 => vec!["groot", "middel"],
        3 => vec!["mini", "klein"],
        _ => vec!["klein", "mini"],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_budget_round_keeps_no_ballot_and_no_counts_per_role() {
    let server = start("budget-secret").await;
    let addr = server.addr;
    let data = server.app.config.data_dir.clone();
    let mut room = budget_room(addr, true).await;
    room.players[0].ok(approve(&["groot"])).await;
    room.players[1].ok(approve(&["mini"])).await;
    // Only the host learns who sent a ballot; the others see how many.
    let v = room
        .screen
        .view_until("two ballots", |v| {
            v["tables"][0]["votes_cast"].as_u64().unwrap_or(0)
                + v["tables"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .skip(1)
                    .map(|t| t["votes_cast"].as_u64().unwrap_or(0))
                    .sum::<u64>()
                == 2
        })
        .await;
    for t in v["tables"].as_array().unwrap() {
        assert!(t["players"].as_array().unwrap().iter().all(|s| s.get("voted").is_none()));
    }
    assert_eq!(stored_commands(&server, &room.code, "approve").await, 2, "an open ballot is stored like any command");
    let v = room.host.ok(json!({"type": "next"})).await;
    let r = &v["budgets"][0];
    assert_eq!(r["voters"], 2);
    assert!(r["projects"].as_array().unwrap().iter().all(|p| p.get("by_role").is_none()), "{r}");
    assert_eq!(
        stored_commands(&server, &room.code, "approve").await,
        0,
        "a closed secret ballot leaves no ballot in the database"
    );
    let auth = format!("Bearer {}", room.host_token);
    let (_, csv, _) =
        request(addr, "GET", &format!("/api/rooms/{}/report.csv", room.code), &[("Authorization", &auth)], "").await;
    assert!(!csv.lines().any(|l| l.split(',').nth(3) == Some("ballot")), "{csv}");
    assert!(csv.lines().any(|l| l.split(',').nth(3) == Some("budget")), "{csv}");
    let code = room.code.clone();
    let before = room.host.view["budgets"].clone();
    drop(room);
    server.stop().await;

    // After a restart the room replays to the same result from what was stored.
    let server = start_with("budget-secret-again", |c| c.data_dir = data.clone()).await;
    let addr = server.addr;
    let (s, body) = get(addr, &format!("/api/rooms/{code}")).await;
    assert_eq!(s, 200, "{body}");
    let screen = Client::watch(addr, &code).await;
    let mut screen = screen;
    let v = screen.view_until("the replayed room", |v| v.get("budgets").is_some()).await;
    assert_eq!(v["budgets"], before);
    server.stop().await;
}
