//! The server over real sockets: a real router on 127.0.0.1, real WebSocket clients.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use support::*;
use tokio_tungstenite::tungstenite::Message;

fn phase(v: &Value) -> (String, i64) {
    (v["phase"]["kind"].as_str().unwrap_or_default().to_string(), v["phase"]["index"].as_i64().unwrap_or(-2))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_game_with_two_tables_keeps_every_secret() {
    let server = start("whole").await;
    let addr = server.addr;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan", "options": {"tables": 2}})).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    let mut screen = Client::watch(addr, &code).await;
    let roles = [Some("resident"), Some("civil_servant"), Some("councillor"), None];
    let mut players = Vec::new();
    for i in 0..8 {
        let (c, id, _) = Client::join(addr, &code, &format!("Speler {i}"), roles[i % 4]).await;
        players.push((c, id));
    }
    host.view_until("8 in the lobby", |v| v["lobby"].as_array().unwrap().len() == 8).await;
    let v = host.ok(json!({"type": "start"})).await;
    assert_eq!(v["tables"].as_array().unwrap().len(), 2);
    // Goals per player, from the host's view (the only view that holds them all).
    let mut goal_of: HashMap<String, String> = HashMap::new();
    for t in v["tables"].as_array().unwrap() {
        for p in t["players"].as_array().unwrap() {
            goal_of.insert(p["player_id"].as_str().unwrap().into(), p["card"]["goal"].as_str().unwrap().into());
        }
    }
    let mut open_vote_texts: Vec<(String, String)> = Vec::new();
    loop {
        let (kind, index) = phase(&host.view);
        if kind == "finished" {
            break;
        }
        for (c, id) in players.iter_mut() {
            let me = c.view_until("this round", |v| phase(v).1 == index).await;
            let table = me["you"]["table"].as_u64().unwrap();
            let role = me["you"]["role"].as_str().unwrap().to_string();
            match kind.as_str() {
                "briefing" | "debrief" => {
                    c.ok(json!({"type": "ready"})).await;
                }
                "discussion" => {
                    let note_kind = me["phase"]["notes"][0].as_str().unwrap().to_string();
                    c.ok(json!({"type": "note", "kind": note_kind, "text": format!("NOTE-{id}-{index}")})).await;
                }
                "proposal" => {
                    let proposers = me["phase"]["proposers"].as_array().unwrap();
                    let decided = me["tables"][table as usize - 1]["decision"]["reached"] == true;
                    if proposers.iter().any(|r| r == role.as_str()) && !decided {
                        c.ok(json!({"type": "propose", "text": format!("PROPOSAL-T{table}-R{index}")})).await;
                    } else if decided {
                        c.refused(json!({"type": "propose", "text": "x"}), "wrong_phase").await;
                    } else {
                        c.refused(json!({"type": "propose", "text": "x"}), "not_allowed").await;
                    }
                }
                "vote" => {
                    let t = &me["tables"][table as usize - 1];
                    if t["proposal"].is_null() || t["decision"]["reached"] == true {
                        c.refused(json!({"type": "vote", "choice": "support"}), "wrong_phase").await;
                    } else if table == 1 {
                        let cond = format!("COND-{id}-{index}");
                        c.ok(json!({"type": "vote", "choice": "support_if", "condition": cond})).await;
                        open_vote_texts.push((id.clone(), cond));
                    } else {
                        let reason = format!("REASON-{id}-{index}");
                        let v = c.ok(json!({"type": "vote", "choice": "object", "reason": reason})).await;
                        assert_eq!(v["you"]["vote"]["reason"], reason.as_str());
                        open_vote_texts.push((id.clone(), reason));
                    }
                }
                other => panic!("unexpected phase {other}"),
            }
        }
        if kind == "vote" {
            // Before the round closes, nobody but the voter (and the host) has seen a vote.
            host.view_until("every vote in", |v| {
                v["tables"].as_array().unwrap().iter().all(|t| {
                    t["proposal"].is_null()
                        || t["decision"]["reached"] == true
                        || t["players"].as_array().unwrap().iter().all(|p| p["voted"] == true)
                })
            })
            .await;
            assert!(host.all_text().contains(&open_vote_texts.last().unwrap().1), "the host sees open votes");
            // Each client is scanned once its view shows the last vote: it has then received
            // every message sent before (one socket keeps order), not just 100 ms worth.
            let voting: Vec<Value> = host.view["tables"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|t| !t["proposal"].is_null() && t["decision"]["reached"] != true)
                .map(|t| t["table"].clone())
                .collect();
            let all_voted = |v: &Value| {
                v["tables"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|t| voting.contains(&t["table"]))
                    .all(|t| t["players"].as_array().unwrap().iter().all(|p| p["voted"] == true))
            };
            for (c, id) in players.iter_mut() {
                c.view_until("every vote in", all_voted).await;
                let text = c.all_text();
                for (voter, secret) in &open_vote_texts {
                    assert_eq!(text.contains(secret.as_str()), voter == id, "{id} and the open vote of {voter}");
                }
            }
            screen.view_until("every vote in", all_voted).await;
            for (_, secret) in &open_vote_texts {
                assert!(!screen.all_text().contains(secret.as_str()), "the screen saw an open vote");
            }
            open_vote_texts.clear();
        }
        host.ok(json!({"type": "next"})).await;
    }
    let end = host.view.clone();
    let t1 = &end["tables"][0]["decision"];
    let t2 = &end["tables"][1]["decision"];
    assert_eq!(t1["reached"], true, "{t1}");
    assert_eq!(t2["reached"], false, "{t2}");
    assert_eq!(t2["objections"].as_array().unwrap().len(), 4);
    assert!(t1["by_role"]["resident"]["support_if"].as_u64().unwrap() >= 1);
    // Scan every message every client received, up to the view of the finished room.
    let finished = |v: &Value| v["phase"]["kind"] == "finished";
    for (c, id) in players.iter_mut() {
        c.view_until("the end", finished).await;
        let text = c.all_text();
        for (other, goal) in &goal_of {
            if goal != &goal_of[id.as_str()] {
                assert!(!text.contains(goal.as_str()), "{id} received the goal of {other}");
            }
        }
        assert!(text.contains(goal_of[id.as_str()].as_str()), "{id} sees their own goal");
        // Other tables' notes never reach a player.
        let my_table = c.view["you"]["table"].as_u64().unwrap();
        let others_notes = players_of_other_table(&end, my_table);
        for other in others_notes {
            assert!(!text.contains(&format!("NOTE-{other}-")), "{id} saw a note of {other}");
        }
    }
    screen.view_until("the end", finished).await;
    let st = screen.all_text();
    assert!(!st.contains("\"goal\"") && !st.contains("NOTE-"), "the screen saw a goal or a note");
    assert!(st.contains("PROPOSAL-T1"), "a decision shows the proposal it decided on");
    server.stop().await;
}

fn players_of_other_table(view: &Value, table: u64) -> Vec<String> {
    view["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["table"] != table)
        .flat_map(|t| t["players"].as_array().unwrap().iter().map(|p| p["player_id"].as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_code_is_given_for_its_cause() {
    let server = start_with("errors", |c| c.max_rooms = 2).await;
    let addr = server.addr;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan"})).await;

    let mut c = Client::connect(addr).await;
    c.send_raw(Message::Text("not json".into())).await;
    c.expect_error("bad_message").await;
    c.send(json!({"type": "fly"})).await;
    c.expect_error("bad_message").await;
    c.send(json!({"type": "ready"})).await; // before a session
    c.expect_error("bad_message").await;
    c.send_raw(Message::Binary(vec![1, 2, 3].into())).await;
    c.expect_error("bad_message").await;
    c.send(json!({"type": "join", "room": "BBBBB", "name": "A"})).await;
    c.expect_error("unknown_room").await;
    c.send(json!({"type": "join", "room": "nope!", "name": "A"})).await;
    c.expect_error("unknown_room").await;
    c.send(json!({"type": "join", "room": code, "name": "\u{202E}evil"})).await;
    c.expect_error("invalid_name").await;
    c.send(json!({"type": "join", "room": code, "name": "x".repeat(25)})).await;
    c.expect_error("invalid_name").await;
    c.send(json!({"type": "join", "room": code, "name": "A", "real_role": "mayor"})).await;
    c.expect_error("invalid_input").await;
    c.send(json!({"type": "resume", "room": code, "token": "wrong"})).await;
    c.expect_error("invalid_token").await;
    c.send(json!({"type": "host", "room": code, "host_token": "wrong"})).await;
    c.expect_error("invalid_token").await;

    let (mut a, _, _) = Client::join(addr, &code, "Anna", None).await;
    a.refused(json!({"type": "join", "room": code, "name": "Bob"}), "bad_message").await; // second session
    a.refused(json!({"type": "start"}), "not_allowed").await;
    a.refused(json!({"type": "vote", "choice": "support"}), "wrong_phase").await;
    a.refused(json!({"type": "extend"}), "bad_message").await; // missing field
    let mut host = Client::host(addr, &code, &host_token).await;
    host.refused(json!({"type": "kick", "player_id": "p99"}), "invalid_input").await;
    host.refused(json!({"type": "start"}), "not_enough_players").await;
    host.refused(json!({"type": "ready"}), "not_allowed").await;
    let mut b = Client::connect(addr).await;
    b.send(json!({"type": "join", "room": code.to_lowercase(), "name": "ANNA"})).await;
    b.expect_error("name_taken").await;
    host.ok(json!({"type": "lock", "locked": true})).await;
    b.send(json!({"type": "join", "room": code, "name": "Bob"})).await;
    b.expect_error("room_locked").await;
    host.ok(json!({"type": "end"})).await;
    b.send(json!({"type": "join", "room": code, "name": "Bob"})).await;
    b.expect_error("room_finished").await;
    host.refused(json!({"type": "next"}), "room_finished").await;

    // too_large: a frame over 16 KiB closes the socket with 1009.
    let mut big = Client::connect(addr).await;
    big.send_raw(Message::Text("x".repeat(17 * 1024).into())).await;
    big.expect_error("too_large").await;
    assert_eq!(big.closed().await, 1009);

    // rate_limited: a burst past 40 is dropped; past 40 drops the socket closes with 1008.
    let mut flood = Client::connect(addr).await;
    for _ in 0..100 {
        flood.send_raw(Message::Text("{}".into())).await;
    }
    flood.until("rate_limited", |m| m["code"] == "rate_limited").await;
    assert_eq!(flood.closed().await, 1008);

    // server_busy: the configured maximum of rooms.
    create_room(addr, json!({"scenario": "buurthuis"})).await;
    let (status, body) = reqwest_post(addr, "/api/rooms", r#"{"scenario":"buurthuis"}"#).await;
    assert_eq!(status, 503);
    assert!(body.contains("server_busy"));
    server.stop().await;

    // server_busy: the configured maximum of connections, instead of hello.
    let server = start_with("busy", |c| c.max_connections = 1).await;
    let _first = Client::connect(server.addr).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr)).await.unwrap();
    use futures_util::StreamExt;
    let m = ws.next().await.unwrap().unwrap();
    let v: Value = serde_json::from_str(m.to_text().unwrap()).unwrap();
    assert_eq!(v["code"], "server_busy");
    match ws.next().await {
        Some(Ok(Message::Close(Some(f)))) => assert_eq!(u16::from(f.code), 1013),
        other => panic!("expected a close with 1013, got {other:?}"),
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sixty_fifth_player_finds_the_room_full() {
    let server = start("full").await;
    let (code, _) = create_room(server.addr, json!({"scenario": "skatebaan"})).await;
    let mut clients = Vec::new();
    for i in 0..64 {
        clients.push(Client::join(server.addr, &code, &format!("P{i}"), None).await.0);
    }
    let mut late = Client::connect(server.addr).await;
    late.send(json!({"type": "join", "room": code, "name": "Nummer 65"})).await;
    late.expect_error("room_full").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_player_shows_as_gone_and_resumes_into_the_same_seat() {
    let server = start("resume").await;
    let addr = server.addr;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    let (a, a_id, a_token) = Client::join(addr, &code, "Anna", None).await;
    let _b = Client::join(addr, &code, "Bram", None).await;
    let _c = Client::join(addr, &code, "Cas", None).await;
    host.ok(json!({"type": "start"})).await;
    let seat = |v: &Value, id: &str| -> Value {
        v["tables"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["players"].as_array().unwrap().clone())
            .find(|p| p["player_id"] == id)
            .unwrap()
    };
    let before = seat(&host.view, &a_id);
    drop(a);
    host.view_until("Anna not connected", |v| seat(v, &a_id)["connected"] == false).await;
    let mut again = Client::connect(addr).await;
    again.send(json!({"type": "resume", "room": code, "token": a_token})).await;
    let w = again.until("welcome", |m| m["type"] == "welcome").await;
    assert_eq!(w["player_id"], a_id.as_str());
    assert_eq!(w["token"], a_token.as_str());
    let v = again.view_until("state", |_| true).await;
    assert_eq!(v["you"]["role"], before["role"]);
    assert_eq!(v["you"]["card"]["name"], before["card"]["name"]);
    host.view_until("Anna back", |v| seat(v, &a_id)["connected"] == true).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_connection_replaces_the_first_and_kick_and_leave_close() {
    let server = start("replace").await;
    let addr = server.addr;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let (mut first, id, token) = Client::join(addr, &code, "Anna", None).await;
    let mut second = Client::connect(addr).await;
    second.send(json!({"type": "resume", "room": code, "token": token})).await;
    second.until("welcome", |m| m["type"] == "welcome").await;
    first.until("replaced", |m| m["type"] == "replaced").await;
    assert!(first.closed().await > 0);
    // A second host connection replaces the first too.
    let mut h1 = Client::host(addr, &code, &host_token).await;
    let mut h2 = Client::host(addr, &code, &host_token).await;
    h1.until("replaced", |m| m["type"] == "replaced").await;
    // Kick: the socket gets `kicked` and closes; the token stops working.
    h2.ok(json!({"type": "kick", "player_id": id})).await;
    second.until("kicked", |m| m["type"] == "kicked").await;
    assert!(second.closed().await > 0);
    let mut third = Client::connect(addr).await;
    third.send(json!({"type": "resume", "room": code, "token": token})).await;
    third.expect_error("invalid_token").await;
    // Leave: answered by `left` with the id, then the socket closes.
    let (mut b, _, b_token) = Client::join(addr, &code, "Bram", None).await;
    b.send(json!({"type": "leave", "id": "bye"})).await;
    let left = b.until("left", |m| m["type"] == "left").await;
    assert_eq!(left["id"], "bye");
    assert!(b.closed().await > 0);
    third.send(json!({"type": "resume", "room": code, "token": b_token})).await;
    third.expect_error("invalid_token").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_opens_no_session_is_closed_after_ten_seconds() {
    let server = start("silent").await;
    let mut c = Client::connect(server.addr).await;
    let t0 = std::time::Instant::now();
    let code = c.closed().await;
    assert!(code > 0);
    assert!(t0.elapsed() >= Duration::from_secs(9), "closed after {:?}", t0.elapsed());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_answers_as_the_protocol_says() {
    let server = start("http").await;
    let addr = server.addr;
    assert_eq!(get(addr, "/healthz").await, (200, "ok".to_string()));
    let (s, list) = get(addr, "/api/scenarios").await;
    assert_eq!(s, 200);
    let list: Value = serde_json::from_str(&list).unwrap();
    assert!(list.as_array().unwrap().iter().any(|e| e["id"] == "skatebaan" && e["gear"].is_string()));
    let (s, detail) = get(addr, "/api/scenarios/skatebaan").await;
    assert_eq!(s, 200);
    assert!(!detail.contains("\"goal\""), "a served scenario never carries goals");
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["decision"]["rule"], "broad_support");
    assert_eq!(get(addr, "/api/scenarios/nope").await.0, 404);
    let (s, body) = reqwest_post(addr, "/api/scenarios/check", "id = \"x\"\ntitel = 3\n").await;
    assert_eq!(s, 422);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["ok"], false);
    assert!(v["errors"].as_array().unwrap().iter().any(|e| e["line"] == 2 && e["column"] == 1));
    let good = std::fs::read_to_string("scenarios/buurthuis.toml").unwrap();
    let (s, body) = reqwest_post(addr, "/api/scenarios/check", &good).await;
    assert_eq!(s, 200, "{body}");
    for (body, status, code) in [
        ("nope", 400, "bad_request"),
        (r#"{"scenario": 5}"#, 400, "bad_request"),
        (r#"{"scenario": "skatebaan", "extra": 1}"#, 400, "bad_request"),
        (r#"{"scenario": "skatebaan", "options": {"tables": "two"}}"#, 400, "bad_request"),
        (r#"{"scenario": "nope"}"#, 422, "unknown_scenario"),
        (r#"{"scenario_toml": "id = 1"}"#, 422, "invalid_scenario"),
        (r#"{"scenario": "skatebaan", "options": {"tables": 17}}"#, 422, "invalid_options"),
        (r#"{"scenario": "skatebaan", "options": {"colour": "red"}}"#, 422, "invalid_options"),
    ] {
        let (s, b) = reqwest_post(addr, "/api/rooms", body).await;
        assert_eq!(s, status, "{body}: {b}");
        let v: Value = serde_json::from_str(&b).unwrap();
        assert_eq!(v["error"], code, "{body}");
        assert!(v["message"].is_string());
    }
    let (code, host_token) = create_room(addr, json!({"scenario_toml": good, "options": null})).await;
    let (s, summary) = get(addr, &format!("/api/rooms/{}", code.to_lowercase())).await;
    assert_eq!(s, 200);
    let summary: Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["phase"]["kind"], "lobby");
    assert_eq!(summary["players"], 0);
    let (s, svg, head) = request(addr, "GET", &format!("/api/rooms/{code}/qr.svg"), &[], "").await;
    assert_eq!(s, 200);
    assert!(head.contains("image/svg+xml") && svg.contains("<svg"));
    assert_eq!(get(addr, "/api/rooms/BBBBB").await.0, 404);
    assert_eq!(get(addr, "/api/rooms/BBBBB/qr.svg").await.0, 404);
    // Reports need the host token.
    let report = format!("/api/rooms/{code}/report.md");
    assert_eq!(request(addr, "GET", &report, &[], "").await.0, 401);
    assert_eq!(request(addr, "GET", &report, &[("Authorization", "Bearer wrong")], "").await.0, 401);
    let auth = format!("Bearer {host_token}");
    let (s, md, _) = request(addr, "GET", &report, &[("Authorization", &auth)], "").await;
    assert_eq!(s, 200);
    assert!(md.starts_with("# Verslag"), "{md}");
    assert_eq!(request(addr, "GET", "/api/rooms/BBBBB/report.md", &[("Authorization", &auth)], "").await.0, 404);
    // Pages carry the security headers; any well-formed code answers 200.
    let (s, _, head) = request(addr, "GET", "/join/bbbbb", &[], "").await;
    assert_eq!(s, 200);
    let head = head.to_lowercase();
    assert!(head.contains("content-security-policy: default-src 'self'; script-src 'self'"));
    assert!(head.contains("x-content-type-options: nosniff") && head.contains("referrer-policy"));
    assert_eq!(request(addr, "GET", "/join/aeiou", &[], "").await.0, 404);
    // (A screen first: with several nodes a room is in memory once a session opened it.)
    let mut screen = Client::watch(addr, &code).await;
    let (s, metrics) = get(addr, "/metrics").await;
    assert_eq!(s, 200);
    assert!(metrics.contains("democreatie_rooms 1") && metrics.contains("democreatie_broadcast_seconds_bucket"));
    // Delete: sockets get unknown_room and close; the room is gone.
    assert_eq!(request(addr, "DELETE", &format!("/api/rooms/{code}"), &[], "").await.0, 401);
    assert_eq!(request(addr, "DELETE", &format!("/api/rooms/{code}"), &[("Authorization", &auth)], "").await.0, 204);
    screen.expect_error("unknown_room").await;
    assert_eq!(get(addr, &format!("/api/rooms/{code}")).await.0, 404);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_websocket_refuses_foreign_pages() {
    let server = start("origin").await;
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
        "ws://{}/ws",
        server.addr
    ))
    .unwrap();
    req.headers_mut().insert("Origin", "http://evil.example".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(req).await.is_err());
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
        "ws://{}/ws",
        server.addr
    ))
    .unwrap();
    req.headers_mut().insert("Origin", format!("http://{}", server.addr).parse().unwrap());
    assert!(tokio_tungstenite::connect_async(req).await.is_ok());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_files_are_picked_up_when_they_change_and_a_broken_one_harms_nothing() {
    let dir = temp_dir("watched");
    let server = start_with("watch", |c| c.scenarios = Some(dir.clone())).await;
    let addr = server.addr;
    let mut text = std::fs::read_to_string("scenarios/buurthuis.toml").unwrap();
    text = text.replace("id = \"buurthuis\"", "id = \"eigen-casus\"");
    std::fs::write(dir.join("eigen.toml"), &text).unwrap();
    std::fs::write(dir.join("kapot.toml"), "id = \"kapot\"\ntitel = 1\n").unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, list) = get(addr, "/api/scenarios").await;
        if list.contains("eigen-casus") {
            assert!(list.contains("skatebaan"), "the built-ins stay");
            assert!(!list.contains("\"kapot\""));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the new file was not picked up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, problems) = get(addr, "/api/scenarios/problems").await;
    let problems: Value = serde_json::from_str(&problems).unwrap();
    let p = &problems.as_array().unwrap()[0];
    assert!(p["file"].as_str().unwrap().ends_with("kapot.toml"));
    assert_eq!(p["line"], 1);
    assert!(p["message"].as_str().unwrap().contains("missing required key"));
    create_room(addr, json!({"scenario": "eigen-casus"})).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auto_advance_room_moves_on_when_its_countdown_runs_out() {
    let server = start("auto").await;
    let addr = server.addr;
    // The first round has no countdown; `extend` gives it one of a second.
    let text = std::fs::read_to_string("scenarios/skatebaan.toml").unwrap().replacen("minutes = 5\n", "\n", 1);
    let (code, host_token) = create_room(addr, json!({"scenario_toml": text, "options": {"auto_advance": true}})).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    for n in ["A", "B", "C"] {
        Client::join(addr, &code, n, None).await;
    }
    let v = host.ok(json!({"type": "start"})).await;
    assert_eq!(v["phase"]["index"], 0);
    assert!(v["phase"]["deadline"].is_null(), "{}", v["phase"]);
    host.ok(json!({"type": "extend", "seconds": 1})).await;
    let v = host.view_until("the next round", |v| v["phase"]["index"] == 1).await;
    assert!(v["phase"]["deadline"].is_string(), "the next round's own countdown starts");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_room_with_nobody_connected_is_finished() {
    // --room-idle-hours 0.0005 is 1.8 seconds.
    let server = start_with("idle", |c| c.room_idle_hours = 0.0005).await;
    let addr = server.addr;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        // The summary brings a room that left memory back from the store.
        let (_, summary) = get(addr, &format!("/api/rooms/{code}")).await;
        let v: Value = serde_json::from_str(&summary).unwrap();
        if v["phase"]["kind"] == "finished" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the idle room was not finished: {v}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Finished, it still takes a screen (PROTOCOL.md: watch works in a finished room).
    let mut screen = Client::watch(addr, &code).await;
    let v = screen.view_until("state", |_| true).await;
    assert_eq!(v["phase"]["kind"], "finished");
    drop(screen);
    // Once it has left memory again (no room task runs), its report is still there.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (_, m) = get(addr, "/metrics").await;
        if m.lines().any(|l| l == "democreatie_room_tasks 0") && m.lines().any(|l| l == "democreatie_rooms 0") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the finished room never left memory: {m}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let auth = format!("Bearer {host_token}");
    let (s, body, _) =
        request(addr, "GET", &format!("/api/rooms/{code}/report.json"), &[("Authorization", &auth)], "").await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(request(addr, "GET", &format!("/api/rooms/{code}/report.json"), &[], "").await.0, 401);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_client_files_are_compressed_and_revalidated() {
    let server = start("assets").await;
    let addr = server.addr;
    for path in ["/assets/js/join.js", "/assets/app.css", "/join/bcdfg", "/"] {
        let (s, body, head) = request(addr, "GET", path, &[("Accept-Encoding", "gzip")], "").await;
        assert_eq!(s, 200, "{path}");
        let head = head.to_lowercase();
        assert!(head.contains("content-encoding: gzip"), "{path} is not compressed: {head}");
        assert!(head.contains("x-content-type-options: nosniff") && head.contains("content-security-policy"), "{path}");
        let etag = head
            .lines()
            .find_map(|l| l.strip_prefix("etag: "))
            .unwrap_or_else(|| panic!("{path}: no etag"))
            .trim()
            .to_string();
        // The browser asks again with the tag: a 304 without a body.
        let (s, body2, head2) = request(addr, "GET", path, &[("If-None-Match", &etag)], "").await;
        assert_eq!(s, 304, "{path}: {head2}");
        assert!(body2.is_empty());
        assert!(head2.to_lowercase().contains(&format!("etag: {etag}")));
        // Another tag (an older version of the file) gets the file again.
        let (s, plain, head3) = request(addr, "GET", path, &[("If-None-Match", "\"old\"")], "").await;
        assert_eq!(s, 200);
        assert!(!head3.to_lowercase().contains("content-encoding"), "not compressed without Accept-Encoding");
        assert!(plain.len() > body.len(), "{path}: compressed {} bytes, plain {}", body.len(), plain.len());
    }
    let tag = |h: &str| h.to_lowercase().lines().find_map(|l| l.strip_prefix("etag: ").map(str::to_string));
    // The typeable address: /join and /join/ are the code-entry page, like /.
    let (_, _, home) = request(addr, "GET", "/", &[], "").await;
    for path in ["/join", "/join/"] {
        let (s, body, head) = request(addr, "GET", path, &[], "").await;
        assert_eq!(s, 200, "{path}");
        assert!(body.contains("<html") && head.to_lowercase().contains("text/html"), "{path}");
        assert_eq!(tag(&head), tag(&home), "{path} is the same page as /");
    }
    // Pages differ by name, so they have different tags.
    let (_, _, a) = request(addr, "GET", "/host", &[], "").await;
    let (_, _, b) = request(addr, "GET", "/join/bcdfg", &[], "").await;
    assert_ne!(tag(&a), tag(&b));
    server.stop().await;
}
