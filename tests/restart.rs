//! Nothing lost: the real binary is killed with SIGKILL in the middle of a game and
//! restarted on the same data folder; every client resumes and the game goes on.

mod support;

use std::process::Command;

use serde_json::{Value, json};
use support::*;

fn seat<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["players"].as_array().unwrap())
        .find(|p| p["player_id"] == id)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_comes_back_with_every_note_proposal_and_vote() {
    let data = temp_dir("restart");
    let (mut child, addr, _log) = spawn_server(&data, &[]).await;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan", "options": {"tables": 1}})).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    let mut players = Vec::new();
    for name in ["Anna", "Bram", "Cas", "Dirk"] {
        let (c, id, token) = Client::join(addr, &code, name, None).await;
        players.push((c, id, token));
    }
    host.ok(json!({"type": "start"})).await;
    host.ok(json!({"type": "next"})).await; // values
    for (c, id, _) in players.iter_mut() {
        c.ok(json!({"type": "note", "kind": "value", "text": format!("Waarde van {id}")})).await;
    }
    host.ok(json!({"type": "next"})).await; // conditions
    host.ok(json!({"type": "next"})).await; // proposal (residents)
    let mut proposer = None;
    for (i, (c, _, _)) in players.iter_mut().enumerate() {
        if c.view["you"]["role"] == "resident" && proposer.is_none() {
            c.ok(json!({"type": "propose", "text": "Versie 1"})).await;
            c.ok(json!({"type": "propose", "text": "Versie 2: een nieuwe baan"})).await;
            proposer = Some(i);
        }
    }
    assert!(proposer.is_some());
    host.ok(json!({"type": "next"})).await; // vote
    for (c, id, _) in players.iter_mut().take(3) {
        c.ok(json!({"type": "vote", "choice": "support_if", "condition": format!("Mits {id}")})).await;
    }
    let before = host
        .view_until("three votes", |v| {
            v["tables"][0]["players"].as_array().unwrap().iter().filter(|p| p["voted"] == true).count() == 3
        })
        .await;

    // Kill without warning, restart on the same data.
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, addr, _log) = spawn_server(&data, &[]).await;

    let mut host = Client::host(addr, &code, &host_token).await;
    let after = host.view_until("state", |_| true).await;
    assert_eq!(after["phase"], before["phase"]);
    assert_eq!(after["tables"][0]["notes"], before["tables"][0]["notes"]);
    assert_eq!(after["tables"][0]["proposal"]["text"], "Versie 2: een nieuwe baan");
    for (_, id, _) in &players {
        assert_eq!(seat(&after, id)["connected"], false, "nobody is connected until they resume");
        assert_eq!(seat(&after, id)["role"], seat(&before, id)["role"]);
        assert_eq!(seat(&after, id)["card"], seat(&before, id)["card"]);
        assert_eq!(seat(&after, id)["vote"], seat(&before, id)["vote"]);
    }
    let mut resumed = Vec::new();
    for (_, id, token) in &players {
        let mut c = Client::connect(addr).await;
        c.send(json!({"type": "resume", "room": code, "token": token})).await;
        let w = c.until("welcome", |m| m["type"] == "welcome").await;
        assert_eq!(w["player_id"], id.as_str());
        let v = c.view_until("state", |_| true).await;
        if id != "p4" {
            assert_eq!(v["you"]["vote"]["condition"], format!("Mits {id}").as_str());
        } else {
            assert!(v["you"]["vote"].is_null());
        }
        resumed.push(c);
    }
    resumed[3].ok(json!({"type": "vote", "choice": "support"})).await;
    let v = host.ok(json!({"type": "next"})).await;
    assert_eq!(v["tables"][0]["decision"]["reached"], true);
    assert_eq!(v["tables"][0]["decision"]["conditions"].as_array().unwrap().len(), 3);
    while host.view["phase"]["kind"] != "finished" {
        host.ok(json!({"type": "next"})).await;
    }
    // Every proposal version is in the report.
    let auth = format!("Bearer {host_token}");
    let (s, report, _) =
        request(addr, "GET", &format!("/api/rooms/{code}/report.json"), &[("Authorization", &auth)], "").await;
    assert_eq!(s, 200);
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["tables"][0]["proposals"].as_array().unwrap().len(), 2);
    assert_eq!(report["tables"][0]["notes"].as_array().unwrap().len(), 4);
    child.kill().unwrap();
    child.wait().unwrap();

    // The command line prints the same report from the data folder.
    let out = Command::new(env!("CARGO_BIN_EXE_democreatie"))
        .args(["report", &code, "--format", "csv", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8(out.stdout).unwrap();
    // Version 2 adds the `hidden` column last; the columns before it are unchanged.
    assert!(csv.starts_with("table,round,round_title,type,player_id,name,role,kind,text,hidden\n"));
    assert_eq!(csv.lines().filter(|l| l.contains(",vote,")).count(), 4);
    assert_eq!(csv.lines().filter(|l| l.contains(",decision,")).count(), 1);
    let out = Command::new(env!("CARGO_BIN_EXE_democreatie"))
        .args(["report", "BBBBB", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no room BBBBB"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_whose_log_no_longer_replays_is_named_and_the_others_are_served() {
    let data = temp_dir("badlog");
    let (mut child, addr, _log) = spawn_server(&data, &[]).await;
    let (good, _) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let (bad, _) = create_room(addr, json!({"scenario": "buurthuis"})).await;
    for room in [&good, &bad] {
        Client::join(addr, room, "Anna", None).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // Damage the bad room's log: its join no longer replays (an empty name).
    let conn = rusqlite::Connection::open(data.join("democreatie.sqlite3")).unwrap();
    conn.execute(
        "UPDATE commands SET command = '{\"type\":\"join\",\"name\":\"\"}' WHERE room = ?1 AND seq = 1",
        [&bad],
    )
    .unwrap();
    drop(conn);
    let (mut child, addr, log) = spawn_server(&data, &[]).await;
    assert_eq!(get(addr, &format!("/api/rooms/{good}")).await.0, 200);
    // The bad room does not vanish: it is served read-only, as it was before the join.
    let (status, summary) = get(addr, &format!("/api/rooms/{bad}")).await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&summary).unwrap()["players"], 0);
    assert!(
        log.iter().any(|l| l.contains(&format!("room {bad}"))
            && l.contains("democreatie.sqlite3")
            && l.contains("read-only")
            && l.contains("command 1 (join) no longer replays")),
        "{log:?}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_database_is_moved_aside_and_the_server_still_starts() {
    let data = temp_dir("corrupt");
    std::fs::write(data.join("democreatie.sqlite3"), b"this is not a database, it is a shopping list").unwrap();
    let (mut child, addr, log) = spawn_server(&data, &[]).await;
    assert_eq!(get(addr, "/healthz").await.0, 200);
    create_room(addr, json!({"scenario": "skatebaan"})).await;
    let lines = log;
    assert!(lines.iter().any(|l| l.contains("democreatie.sqlite3") && l.contains("moved")), "{lines:?}");
    assert!(std::fs::read_dir(&data).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().contains(".damaged-")));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn the_server_refuses_a_taken_address_and_an_unwritable_data_folder() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = Command::new(env!("CARGO_BIN_EXE_democreatie"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(temp_dir("taken"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot listen on") && err.lines().count() == 1, "{err}");
    let file = temp_dir("notadir").join("file");
    std::fs::write(&file, "x").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_democreatie"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(file.join("data"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be used") && err.lines().count() == 1, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_store_writes_and_exits_cleanly() {
    let data = temp_dir("sigterm");
    let (mut server, addr, _) = spawn_server(&data, &[]).await;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan", "options": {"tables": 1}})).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    let mut players = Vec::new();
    for i in 0..8 {
        players.push(Client::join(addr, &code, &format!("Speler {i}"), None).await.0);
    }
    host.ok(json!({"type": "start"})).await;
    host.ok(json!({"type": "next"})).await; // the values round takes notes
    // 240 notes in flight (within each phone's burst of 40), then SIGTERM at once.
    for (p, c) in players.iter_mut().enumerate() {
        for n in 0..30 {
            c.send(json!({"type": "note", "kind": "value", "text": format!("N{p}-{n}"), "id": format!("{p}-{n}")}))
                .await;
        }
    }
    assert!(Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().unwrap().success());
    let mut acknowledged = Vec::new();
    for (p, c) in players.iter_mut().enumerate() {
        while c.try_recv(std::time::Duration::from_secs(5)).await.is_some() {}
        for m in &c.log {
            if m["type"] == "state"
                && let Some(id) = m["id"].as_str()
            {
                acknowledged.push(format!("N{id}"));
            }
        }
        let _ = p;
    }
    let t0 = std::time::Instant::now();
    let status = loop {
        if let Some(s) = server.0.try_wait().unwrap() {
            break s;
        }
        assert!(t0.elapsed() < std::time::Duration::from_secs(10), "the server did not stop on SIGTERM");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
    // The store was closed, not abandoned: SQLite checkpoints and removes its WAL then.
    let wal = data.join("democreatie.sqlite3-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "the WAL was left behind: the store was not closed"
    );
    // Every acknowledged note is stored.
    let (_server, addr, _) = spawn_server(&data, &[]).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    let v = host.view_until("a state", |_| true).await;
    let stored: Vec<String> =
        v["tables"][0]["notes"].as_array().unwrap().iter().map(|n| n["text"].as_str().unwrap().to_string()).collect();
    assert!(!acknowledged.is_empty());
    for a in &acknowledged {
        assert!(stored.contains(a), "{a} was acknowledged but is not stored");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kicked_and_departed_players_stay_out_after_a_restart() {
    let data = temp_dir("kicked");
    let (mut server, addr, _) = spawn_server(&data, &[]).await;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    let (_anna, _, anna) = Client::join(addr, &code, "Anna", None).await;
    let (_bram, bram_id, bram) = Client::join(addr, &code, "Bram", None).await;
    let (mut cas, _, cas_token) = Client::join(addr, &code, "Cas", None).await;
    host.ok(json!({"type": "kick", "player_id": bram_id})).await;
    cas.send(json!({"type": "leave"})).await;
    cas.until("left", |m| m["type"] == "left").await;
    server.kill().unwrap();
    server.wait().unwrap();

    let (_server, addr, _) = spawn_server(&data, &[]).await;
    for (token, ok) in [(&anna, true), (&bram, false), (&cas_token, false)] {
        let mut c = Client::connect(addr).await;
        c.send(json!({"type": "resume", "room": code, "token": token})).await;
        let answer = c.until("an answer", |m| m["type"] == "welcome" || m["type"] == "error").await;
        if ok {
            assert_eq!(answer["type"], "welcome", "{answer}");
        } else {
            assert_eq!(answer["code"], "invalid_token", "a kicked or departed player is back: {answer}");
            let all = c.all_text();
            assert!(!all.contains("GOAL") && !all.contains("\"card\""), "{all}");
        }
    }
    // The kicked player cannot be kicked again either: they are gone from the room.
    let mut host = Client::host(addr, &code, &host_token).await;
    host.refused(json!({"type": "kick", "player_id": bram_id}), "invalid_input").await;
}
