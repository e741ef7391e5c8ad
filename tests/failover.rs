//! Several nodes on one PostgreSQL (PROTOCOL.md, version 2), with real parts: a throwaway
//! PostgreSQL cluster, two real server binaries and Debian's HAProxy running the shipped
//! `deploy/haproxy.cfg`, all on loopback.
//! - A game plays through the proxy; mid-round the node that owns the room is killed with
//!   SIGKILL. Every player and the host must resume through the proxy with their tokens
//!   within 10 s, and every acknowledged command must be there.
//! - HTTP reaches any node: a node that does not serve a room answers from PostgreSQL, and
//!   a delete there reaches the owner's sessions; a session on another node takes the room
//!   over from a live owner.

mod support;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::*;

/// The owner of a room as PostgreSQL has it ("host:pid:tag"), if any.
async fn owner(url: &str, code: &str) -> Option<String> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let row = client.query_opt("SELECT owner FROM rooms WHERE code = $1", &[&code]).await.unwrap();
    row.and_then(|r| r.get(0))
}

fn pid_of(owner: &str) -> u32 {
    owner.split(':').nth(1).and_then(|p| p.parse().ok()).expect("owner names carry the process id")
}

/// HAProxy with the shipped configuration in front of two nodes; killed when dropped.
struct Proxy(Child, SocketAddr);

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn proxy(node1: SocketAddr, node2: SocketAddr) -> Proxy {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let child = Command::new("haproxy")
        .args(["-db", "-f", concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/haproxy.cfg")])
        .env("DEMOCREATIE_PROXY_BIND", addr.to_string())
        .env("DEMOCREATIE_NODE1", node1.to_string())
        .env("DEMOCREATIE_NODE2", node2.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("HAProxy is installed (scripts/test.sh installs Debian's haproxy)");
    let p = Proxy(child, addr);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if tokio::net::TcpStream::connect(addr).await.is_ok() && get(addr, "/healthz").await.0 == 200 {
            return p;
        }
        assert!(Instant::now() < deadline, "HAProxy did not come up on {addr}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens `session` through the proxy, trying again until it is welcomed (a node that is
/// down, or a room whose lease is still running out, answers with a close or an error).
async fn resume(proxy: SocketAddr, code: &str, session: Value) -> Client {
    let url = format!("ws://{proxy}/ws?room={code}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut c) = Client::connect_to(&url).await {
            c.send(session.clone()).await;
            if let Some(m) = c.try_recv(Duration::from_secs(15)).await
                && m["type"] == "welcome"
            {
                c.view_until("the state after resuming", |_| true).await;
                return c;
            }
        }
        assert!(Instant::now() < deadline, "{session} did not resume in 30 s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn notes(view: &Value) -> Vec<String> {
    view["tables"][0]["notes"]
        .as_array()
        .map(|n| n.iter().map(|n| n["text"].as_str().unwrap_or_default().to_string()).collect())
        .unwrap_or_default()
}

/// PostgreSQL and two real nodes on it (lease 5 s, the default); the nodes share a data
/// folder, which holds nothing with PostgreSQL.
async fn two_nodes(name: &str) -> (Postgres, String, (Server, SocketAddr), (Server, SocketAddr)) {
    let pg = Postgres::start();
    let data = temp_dir(name);
    let url = pg.database_for(&data).await;
    let args = ["--database-url", url.as_str(), "--lease-seconds", "5"];
    let (node1, addr1, _) = spawn_server(&data, &args).await;
    let (node2, addr2, _) = spawn_server(&data, &args).await;
    (pg, url, (node1, addr1), (node2, addr2))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_survives_the_loss_of_its_node_through_the_proxy() {
    let (_pg, url, (node1, addr1), (node2, addr2)) = two_nodes("failover").await;
    let mut nodes = [Some(node1), Some(node2)];
    let proxy = proxy(addr1, addr2).await;
    let via = proxy.1;

    let (code, host_token) =
        create_room(via, json!({"scenario": "skatebaan", "options": {"tables": 1, "screen_notes": true}})).await;
    let ws = format!("ws://{via}/ws?room={code}");
    let mut host = Client::connect_to(&ws).await.unwrap();
    host.send(json!({"type": "host", "room": code, "host_token": host_token})).await;
    host.until("welcome", |m| m["type"] == "welcome").await;
    let mut players = Vec::new();
    for i in 0..6 {
        let c = Client::connect_to(&ws).await.unwrap();
        let (c, _, token) = c.joined(&code, &format!("Speler {i}"), None).await;
        players.push((c, token));
    }
    host.ok(json!({"type": "start"})).await;
    // Into the first round that takes notes.
    while host.view["phase"]["kind"] != "discussion" {
        host.ok(json!({"type": "next"})).await;
    }
    let mut acknowledged = Vec::new();
    for (i, (c, _)) in players.iter_mut().enumerate() {
        let kind =
            c.view_until("the discussion", |v| v["phase"]["kind"] == "discussion").await["phase"]["notes"][0].clone();
        for n in 0..2 {
            let text = format!("Notitie {n} van speler {i}");
            c.ok(json!({"type": "note", "kind": kind, "text": text})).await;
            acknowledged.push(text);
        }
    }
    let phase = host.view_until("every note", |v| notes(v).len() == acknowledged.len()).await["phase"].clone();

    // Kill the node that owns the room, mid-round, without a chance to say goodbye.
    let first_owner = owner(&url, &code).await.expect("the first session claimed the room");
    let i = nodes.iter().position(|n| n.as_ref().is_some_and(|n| n.0.id() == pid_of(&first_owner))).unwrap();
    let mut dead = nodes[i].take().unwrap();
    let killed = Instant::now();
    dead.kill().unwrap();
    dead.wait().unwrap();

    // Everyone reconnects through the proxy with their own token, at once and in parallel.
    let mut tasks = Vec::new();
    let host_session = json!({"type": "host", "room": code, "host_token": host_token});
    tasks.push(tokio::spawn({
        let code = code.clone();
        async move { (resume(via, &code, host_session).await, killed.elapsed()) }
    }));
    for (_, token) in &players {
        let session = json!({"type": "resume", "room": code, "token": token});
        let code = code.clone();
        tasks.push(tokio::spawn(async move { (resume(via, &code, session).await, killed.elapsed()) }));
    }
    let mut resumed = Vec::new();
    let mut times = Vec::new();
    for t in tasks {
        let (c, took) = t.await.unwrap();
        times.push(took);
        resumed.push(c);
    }
    let mut host = resumed.remove(0);
    let slowest = *times.iter().max().unwrap();
    let mut sorted = times.clone();
    sorted.sort();
    println!(
        "failover: {} clients resumed through the proxy after SIGKILL of the owner: fastest {} ms, median {} ms, slowest {} ms",
        times.len(),
        sorted[0].as_millis(),
        sorted[sorted.len() / 2].as_millis(),
        slowest.as_millis()
    );
    assert!(slowest < Duration::from_secs(10), "every client resumed within 10 s, the slowest took {slowest:?}");

    // Every acknowledged note is there, in the same round, and the other node serves it.
    let new_owner = owner(&url, &code).await.unwrap();
    assert_ne!(new_owner, first_owner, "another node claimed the room");
    assert_eq!(host.view["phase"], phase, "the room is in the same round");
    assert_eq!(notes(&host.view), acknowledged, "every acknowledged note survived");
    for c in &resumed {
        assert_eq!(notes(&c.view), acknowledged);
    }
    // And the game goes on there: a note, then the rounds to a vote and its decision.
    let kind = resumed[0].view["phase"]["notes"][0].clone();
    resumed[0].ok(json!({"type": "note", "kind": kind, "text": "Na de overname"})).await;
    host.view_until("the new note", |v| notes(v).len() == acknowledged.len() + 1).await;
    let mut votes = Vec::new();
    while host.view["phase"]["kind"] != "finished" {
        let kind = host.view["phase"]["kind"].as_str().unwrap().to_string();
        if kind == "proposal" {
            for c in resumed.iter_mut() {
                if c.command(json!({"type": "propose", "text": "Een skatebaan achter het buurthuis"})).await["type"]
                    == "state"
                {
                    break;
                }
            }
        }
        if kind == "vote" {
            let mut accepted = 0;
            for c in resumed.iter_mut() {
                let a = c.command(json!({"type": "vote", "choice": "support"})).await;
                accepted += usize::from(a["type"] == "state");
            }
            votes.push(accepted);
        }
        host.ok(json!({"type": "next"})).await;
    }
    assert!(votes.iter().any(|&n| n > 0), "votes were taken on the new node: {votes:?}");
    assert!(host.view["tables"][0]["decision"].is_object(), "{}", host.view["tables"][0]);
    drop(proxy);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_node_answers_about_a_room_and_passes_a_delete_to_its_owner() {
    let (_pg, url, (_a, a), (mut b_server, b)) = two_nodes("nodes").await;

    // Created on a, claimed by nobody until its first session, which reaches b.
    let (code, host_token) = create_room(a, json!({"scenario": "skatebaan"})).await;
    assert_eq!(owner(&url, &code).await, None, "creating a room claims it for no node");
    let ws_b = format!("ws://{b}/ws?room={code}");
    let mut host = Client::connect_to(&ws_b).await.unwrap();
    host.send(json!({"type": "host", "room": code, "host_token": host_token})).await;
    host.until("welcome", |m| m["type"] == "welcome").await;
    let (mut p1, _, p1_token) = Client::connect_to(&ws_b).await.unwrap().joined(&code, "Anna", None).await;
    let (_p2, _, _) = Client::connect_to(&ws_b).await.unwrap().joined(&code, "Bram", None).await;
    assert!(owner(&url, &code).await.is_some());

    // a does not serve the room and answers from PostgreSQL.
    let (status, body) = get(a, &format!("/api/rooms/{code}")).await;
    assert_eq!(status, 200, "{body}");
    let summary: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(summary["players"], 2, "{summary}");
    let auth = format!("Bearer {host_token}");
    let (status, report, _) =
        request(a, "GET", &format!("/api/rooms/{code}/report.json"), &[("Authorization", &auth)], "").await;
    assert_eq!(status, 200, "{report}");
    assert!(report.contains("Anna") && report.contains("Bram"));
    let (status, _, _) = request(a, "GET", &format!("/api/rooms/{code}/report.json"), &[], "").await;
    assert_eq!(status, 401);

    // A session for the room on a: b hands the room over, its sockets close with 1012, and
    // the players resume on a with their tokens.
    let ws_a = format!("ws://{a}/ws?room={code}");
    let started = Instant::now();
    let mut watcher = Client::connect_to(&ws_a).await.unwrap();
    watcher.send(json!({"type": "watch", "room": code})).await;
    watcher.until("welcome on a", |m| m["type"] == "welcome").await;
    let handover = started.elapsed();
    assert_eq!(p1.closed().await, 1012, "the old owner's sessions are told to reconnect");
    assert!(
        b_server.log_until("handed over", Duration::from_secs(5)).await.iter().any(|l| l.contains("handed over")),
        "b logs the handover"
    );
    println!("handover to a live node's neighbour: {} ms", handover.as_millis());
    assert!(handover < Duration::from_secs(3), "a live owner hands over at once, not after its lease: {handover:?}");
    let mut p1 = Client::connect_to(&ws_a).await.unwrap();
    p1.send(json!({"type": "resume", "room": code, "token": p1_token})).await;
    p1.until("welcome on a", |m| m["type"] == "welcome").await;

    // A delete that reaches b (not the owner now) is passed on: a's sessions hear it.
    let (status, _, _) = request(b, "DELETE", &format!("/api/rooms/{code}"), &[("Authorization", &auth)], "").await;
    assert_eq!(status, 204);
    p1.expect_error("unknown_room").await;
    watcher.expect_error("unknown_room").await;
    assert_eq!(get(a, &format!("/api/rooms/{code}")).await.0, 404);
    assert_eq!(get(b, &format!("/api/rooms/{code}")).await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgres_is_down_commands_are_refused_and_nothing_acknowledged_is_lost() {
    let pg = Postgres::start_own();
    let data = temp_dir("pg-down");
    let url = pg.database_for(&data).await;
    let (_node, addr, _) = spawn_server(&data, &["--database-url", &url, "--lease-seconds", "2"]).await;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan", "options": {"tables": 1}})).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    let (mut anna, _, anna_token) = Client::join(addr, &code, "Anna", None).await;
    let (_bram, _, _) = Client::join(addr, &code, "Bram", None).await;
    let (_cor, _, _) = Client::join(addr, &code, "Cor", None).await;
    host.ok(json!({"type": "start"})).await;
    while host.view["phase"]["kind"] != "discussion" {
        host.ok(json!({"type": "next"})).await;
    }
    let kind =
        anna.view_until("the discussion", |v| v["phase"]["kind"] == "discussion").await["phase"]["notes"][0].clone();
    anna.ok(json!({"type": "note", "kind": kind, "text": "Voor de storing"})).await;

    pg.down();
    // A command is refused, clearly, and the node says it cannot serve.
    let refused = anna.command(json!({"type": "note", "kind": kind, "text": "Tijdens de storing"})).await;
    assert_eq!(refused["code"], "storage_unavailable", "{refused}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(addr, "/healthz").await.0 != 503 {
        assert!(Instant::now() < deadline, "/healthz says so within a few seconds");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Not renewed for a whole lease, the room may be another node's now: this node stops
    // serving it and its clients are told to reconnect.
    assert_eq!(host.closed().await, 1012, "a node that cannot renew its lease lets the room go");
    // A new room cannot be stored either.
    let (status, body) = reqwest_post(addr, "/api/rooms", r#"{"scenario":"skatebaan"}"#).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("storage_unavailable"), "{body}");

    pg.up();
    let deadline = Instant::now() + Duration::from_secs(15);
    while get(addr, "/healthz").await.0 != 200 {
        assert!(Instant::now() < deadline, "/healthz recovers once PostgreSQL is back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Anna resumes (her socket may have been closed when the lease could not be renewed) and
    // finds what was acknowledged, and not what was refused.
    let anna = resume(addr, &code, json!({"type": "resume", "room": code, "token": anna_token})).await;
    assert_eq!(notes(&anna.view), vec!["Voor de storing".to_string()]);
    let mut anna = anna;
    anna.ok(json!({"type": "note", "kind": kind, "text": "Na de storing"})).await;
    assert_eq!(notes(&anna.view), vec!["Voor de storing".to_string(), "Na de storing".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_is_stopped_hands_its_rooms_over_at_once() {
    let (_pg, _url, (mut a_server, a), (_b_server, b)) = two_nodes("rolling").await;
    let (code, _) = create_room(a, json!({"scenario": "skatebaan"})).await;
    let (mut anna, _, token) =
        Client::connect_to(&format!("ws://{a}/ws?room={code}")).await.unwrap().joined(&code, "Anna", None).await;
    // SIGTERM, as systemd stops a node for an upgrade.
    let stopped = Instant::now();
    assert!(Command::new("kill").arg(a_server.0.id().to_string()).status().unwrap().success());
    assert_eq!(anna.closed().await, 1012, "the stopping node tells its clients to reconnect");
    let anna = resume(b, &code, json!({"type": "resume", "room": code, "token": token})).await;
    let took = stopped.elapsed();
    println!("rolling restart: the room moved to the other node {} ms after SIGTERM", took.as_millis());
    assert!(took < Duration::from_secs(3), "no lease to wait out: {took:?}");
    assert_eq!(anna.view["you"]["name"], "Anna", "{}", anna.view);
    assert!(a_server.wait().unwrap().success(), "the node stops cleanly");
}
