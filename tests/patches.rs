//! State patches (issue #14): a whole game with two tables, a host and the big screen, every
//! client taking patches and some reconnecting mid-game. After every step each client's
//! patched view is compared with a whole state the server sends on `sync`: they must be the
//! same (apart from `server_time`). Patches chain (`base` is the previous `rev`), a new note
//! is one `add …/notes/-`, and a version-1 client still gets whole states only.

mod support;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use support::*;
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A client that keeps its view by applying patches, as the web client does.
struct Patched {
    ws: Ws,
    view: Value,
    rev: u64,
    patches: usize,
    ops: Vec<Value>,
    token: Option<String>,
    name: String,
}

impl Patched {
    async fn open(addr: std::net::SocketAddr, code: &str, session: Value, name: &str) -> Patched {
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws?room={code}")).await.unwrap();
        ws.next().await.unwrap().unwrap(); // hello
        let mut msg = session;
        msg["patches"] = json!(true);
        ws.send(Message::Text(msg.to_string().into())).await.unwrap();
        let mut c =
            Patched { ws, view: Value::Null, rev: 0, patches: 0, ops: Vec::new(), token: None, name: name.into() };
        loop {
            let m = c.next().await;
            if m["type"] == "welcome" {
                c.token = m["token"].as_str().map(str::to_string).or(c.token);
            }
            if m["type"] == "state" {
                return c;
            }
            assert_ne!(m["type"], "error", "{name}: {m}");
        }
    }

    /// The next message, applied to the view.
    async fn next(&mut self) -> Value {
        loop {
            let m = tokio::time::timeout(std::time::Duration::from_secs(10), self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("{}: nothing arrived", self.name))
                .unwrap()
                .unwrap();
            let Message::Text(t) = m else { continue };
            return self.take(&t);
        }
    }

    /// A message received: a state becomes the view, a patch is applied to it.
    fn take(&mut self, text: &str) -> Value {
        let v: Value = serde_json::from_str(text).unwrap();
        match v["type"].as_str() {
            Some("state") => {
                self.view = v["view"].clone();
                self.rev = v["rev"].as_u64().unwrap();
            }
            Some("patch") => {
                assert_eq!(v["base"].as_u64(), Some(self.rev), "{}: a patch on another base", self.name);
                let ops = v["ops"].as_array().unwrap();
                democreatie::server::patch::apply(&mut self.view, ops).unwrap_or_else(|e| panic!("{e}: {v}"));
                self.ops.extend(ops.iter().cloned());
                self.rev = v["rev"].as_u64().unwrap();
                self.patches += 1;
            }
            _ => {}
        }
        v
    }

    /// Sends a command and waits for its answer (the message echoing its id).
    async fn command(&mut self, mut cmd: Value) -> Value {
        static ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        cmd["id"] = json!(id);
        self.ws.send(Message::Text(cmd.to_string().into())).await.unwrap();
        loop {
            let m = self.next().await;
            if m["id"] == id {
                return m;
            }
        }
    }

    /// Asks for a whole state and checks that the patched view was the same.
    async fn check(&mut self) {
        self.settle().await;
        let patched = self.view.clone();
        let answer = self.command(json!({"type": "sync"})).await;
        assert_eq!(answer["type"], "state", "{}: {answer}", self.name);
        let mut a = patched;
        let mut b = answer["view"].clone();
        a["server_time"] = Value::Null;
        b["server_time"] = Value::Null;
        assert_eq!(a, b, "{}: the patched view differs from the whole state", self.name);
    }

    /// Reads what is waiting (up to a quiet moment).
    async fn settle(&mut self) {
        while let Ok(Some(Ok(m))) = tokio::time::timeout(std::time::Duration::from_millis(30), self.ws.next()).await {
            if let Message::Text(t) = m {
                self.take(&t);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patched_views_stay_the_same_as_whole_states_through_a_game_with_reconnects() {
    let server = start("patches").await;
    let addr = server.addr;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan", "options": {"tables": 2}})).await;
    let mut clients = Vec::new();
    for i in 0..8 {
        let name = format!("Speler {i}");
        clients.push(Patched::open(addr, &code, json!({"type": "join", "room": code, "name": name}), &name).await);
    }
    let mut host =
        Patched::open(addr, &code, json!({"type": "host", "room": code, "host_token": host_token}), "host").await;
    let mut screen = Patched::open(addr, &code, json!({"type": "watch", "room": code}), "screen").await;
    // A version-1 client alongside: whole states only.
    let mut plain = Client::watch(addr, &code).await;
    let a = host.command(json!({"type": "start"})).await;
    assert_eq!(a["type"], "patch", "{a}");
    let mut step = 0;
    loop {
        step += 1;
        for c in clients.iter_mut() {
            c.settle().await;
        }
        host.settle().await;
        let kind = host.view["phase"]["kind"].as_str().unwrap().to_string();
        if kind == "finished" {
            break;
        }
        for (i, c) in clients.iter_mut().enumerate() {
            let me = c.view.clone();
            let table = me["you"]["table"].as_u64().unwrap_or(1) as usize;
            let role = me["you"]["role"].as_str().unwrap_or_default().to_string();
            let cmd = match kind.as_str() {
                "briefing" | "debrief" => json!({"type": "ready"}),
                "discussion" => {
                    json!({"type": "note", "kind": me["phase"]["notes"][0], "text": format!("Notitie {i} stap {step}")})
                }
                "proposal" => {
                    let may = me["phase"]["proposers"].as_array().is_none_or(|l| l.iter().any(|r| r == role.as_str()));
                    if !may || me["tables"][table - 1]["decision"]["reached"] == true {
                        continue;
                    }
                    json!({"type": "propose", "text": format!("Voorstel van {i} in stap {step}")})
                }
                "vote" => {
                    let t = &me["tables"][table - 1];
                    if t["proposal"].is_null() || t["decision"]["reached"] == true {
                        continue;
                    }
                    if i % 3 == 0 {
                        json!({"type": "vote", "choice": "object", "reason": format!("Bezwaar {i}")})
                    } else {
                        json!({"type": "vote", "choice": "support_if", "condition": format!("Mits {i}")})
                    }
                }
                _ => continue,
            };
            let answer = c.command(cmd).await;
            assert!(answer["type"] == "patch" || answer["type"] == "error", "{answer}");
        }
        // Two players reconnect in the middle of every round: a new connection gets a whole
        // state first, then patches.
        for i in [1usize, 6] {
            let token = clients[i].token.clone().unwrap();
            let name = clients[i].name.clone();
            clients[i] =
                Patched::open(addr, &code, json!({"type": "resume", "room": code, "token": token}), &name).await;
        }
        host.command(json!({"type": "hide_note", "table": 1, "note": 0})).await;
        for c in clients.iter_mut() {
            c.settle().await;
            c.check().await;
        }
        host.settle().await;
        host.check().await;
        screen.settle().await;
        screen.check().await;
        host.command(json!({"type": "next"})).await;
    }
    for (i, c) in clients.iter_mut().enumerate() {
        c.check().await;
        // (Players 1 and 6 reconnected every round: they start again with a whole state.)
        assert!(i == 1 || i == 6 || c.patches > 5, "{} got {} patches", c.name, c.patches);
    }
    screen.check().await;
    // A new note reached the others as one `add …/notes/-`, not as the whole list.
    let adds =
        host.ops.iter().filter(|o| o["op"] == "add" && o["path"].as_str().unwrap().ends_with("/notes/-")).count();
    assert!(adds >= 8, "{adds} note additions");
    assert!(
        host.ops.iter().all(|o| !(o["op"] == "replace" && o["path"].as_str().unwrap().ends_with("/notes"))),
        "a notes list was sent whole"
    );
    // The version-1 client never saw a patch.
    plain.drain(std::time::Duration::from_millis(200)).await;
    assert!(plain.log.iter().all(|m| m["type"] != "patch"));
    assert!(plain.log.iter().filter(|m| m["type"] == "state").count() > 5);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_room_in_the_url_must_be_the_room_of_the_session() {
    let server = start("route-hint").await;
    let addr = server.addr;
    let (code, _) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws?room=BCDFG")).await.unwrap();
    ws.next().await.unwrap().unwrap();
    ws.send(Message::Text(json!({"type": "watch", "room": code}).to_string().into())).await.unwrap();
    let m: Value = serde_json::from_str(ws.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(m["code"], "bad_message", "{m}");
    // The same room, in another case, is the same room.
    let lower = code.to_lowercase();
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws?room={lower}")).await.unwrap();
    ws.next().await.unwrap().unwrap();
    ws.send(Message::Text(json!({"type": "watch", "room": code}).to_string().into())).await.unwrap();
    let m: Value = serde_json::from_str(ws.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(m["type"], "welcome", "{m}");
    server.stop().await;
}
