//! Real WebSocket clients that keep every message they received (so tests can scan them
//! for secrets), a minimal HTTP client, and the in-process server for tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use democreatie::server::{self, Config, Running};

pub const WAIT: Duration = Duration::from_secs(10);

/// A fresh data folder under the system temp folder.
pub fn temp_dir(name: &str) -> PathBuf {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let d = std::env::temp_dir().join(format!("democreatie-test-{name}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub async fn start(name: &str) -> Running {
    start_with(name, |_| {}).await
}

pub async fn start_with(name: &str, tweak: impl FnOnce(&mut Config)) -> Running {
    let mut c = Config::for_test("127.0.0.1:0", temp_dir(name));
    tweak(&mut c);
    // The suite's PostgreSQL pass: every server on a database of its own (per data folder,
    // so a server started again on the same folder finds its rooms).
    if c.database_url.is_none() {
        c.database_url = test_database(&c.data_dir).await;
    }
    server::start(c).await.expect("the server starts")
}

/// How many commands of `kind` ("vote", "approve", ...) the server's store holds for a room,
/// asked of the store itself, so the same test holds for SQLite and PostgreSQL.
pub async fn stored_commands(server: &Running, code: &str, kind: &str) -> usize {
    let room = server.app.store.load_room(code).await.unwrap().unwrap().expect("the room is stored");
    room.log.iter().filter(|e| e.command.kind() == kind).count()
}

pub fn http(addr: std::net::SocketAddr) -> String {
    format!("http://{addr}")
}

/// Creates a room from a built-in scenario; answers (code, host token).
pub async fn create_room(addr: std::net::SocketAddr, body: Value) -> (String, String) {
    let r = reqwest_post(addr, "/api/rooms", &body.to_string()).await;
    assert_eq!(r.0, 201, "{}", r.1);
    let v: Value = serde_json::from_str(&r.1).unwrap();
    (v["room"].as_str().unwrap().to_string(), v["host_token"].as_str().unwrap().to_string())
}

/// A minimal HTTP/1.1 client over a plain socket (no extra crates): (status, body).
pub async fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").map_or(buf.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&buf[..split]).trim_end().to_string();
    let rest = &buf[split.min(buf.len())..];
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    // Bodies are read as bytes: a compressed body is not text, and its chunk sizes count bytes.
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(rest) } else { rest.to_vec() };
    (status, String::from_utf8_lossy(&body).to_string(), head)
}

fn dechunk(mut s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = s.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(String::from_utf8_lossy(&s[..i]).trim(), 16).unwrap_or(0);
        if n == 0 || s.len() < i + 2 + n {
            break;
        }
        out.extend_from_slice(&s[i + 2..i + 2 + n]);
        s = &s[(i + 4 + n).min(s.len())..];
    }
    out
}

pub async fn reqwest_post(addr: std::net::SocketAddr, path: &str, body: &str) -> (u16, String) {
    let (s, b, _) = request(addr, "POST", path, &[], body).await;
    (s, b)
}

pub async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let (s, b, _) = request(addr, "GET", path, &[], "").await;
    (s, b)
}

pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Every text message received, in order.
    pub log: Vec<Value>,
    /// The newest view received.
    pub view: Value,
    pub closed: Option<u16>,
}

impl Client {
    pub async fn connect(addr: std::net::SocketAddr) -> Client {
        let (ws, _) = connect_async(format!("ws://{addr}/ws")).await.expect("ws connects");
        Client::greeted(ws).await
    }

    /// Connects to a WebSocket URL (a proxy's `/ws?room=CODE`, say); an error instead of a
    /// panic when nothing answers or the handshake fails, for clients that retry.
    pub async fn connect_to(url: &str) -> Result<Client, String> {
        let (ws, _) = connect_async(url).await.map_err(|e| e.to_string())?;
        let mut c = Client { ws, log: Vec::new(), view: Value::Null, closed: None };
        match c.try_recv(WAIT).await {
            Some(hello) if hello["type"] == "hello" => Ok(c),
            other => Err(format!("no hello: {other:?}")),
        }
    }

    /// A client whose socket takes in at most a few KiB before the server must wait: a
    /// phone that stops reading fills up quickly (the kernel would otherwise buffer up to
    /// tens of MB for it on loopback).
    pub async fn connect_small_window(addr: std::net::SocketAddr) -> Client {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let stream = socket.connect(addr).await.expect("tcp connects");
        let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), MaybeTlsStream::Plain(stream))
            .await
            .expect("ws connects");
        Client::greeted(ws).await
    }

    async fn greeted(ws: WebSocketStream<MaybeTlsStream<TcpStream>>) -> Client {
        let mut c = Client { ws, log: Vec::new(), view: Value::Null, closed: None };
        let hello = c.recv().await;
        assert_eq!(hello["type"], "hello");
        assert_eq!(hello["protocol"], 2);
        assert_eq!(hello["limits"]["note"], 280);
        c
    }

    pub async fn send(&mut self, v: Value) {
        self.ws.send(Message::Text(v.to_string().into())).await.expect("send");
    }

    pub async fn send_raw(&mut self, m: Message) {
        let _ = self.ws.send(m).await;
    }

    /// The next text message (panics after a timeout).
    pub async fn recv(&mut self) -> Value {
        self.try_recv(WAIT).await.expect("a message arrives in time")
    }

    /// The next text message, or None on timeout or close.
    pub async fn try_recv(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let m = tokio::time::timeout(wait, self.ws.next()).await.ok()??;
            match m {
                Ok(Message::Text(t)) => {
                    let v: Value = serde_json::from_str(&t).expect("the server sends JSON");
                    if v["type"] == "state" {
                        self.view = v["view"].clone();
                    }
                    self.log.push(v.clone());
                    return Some(v);
                }
                Ok(Message::Close(f)) => {
                    self.closed = Some(f.map(|f| u16::from(f.code)).unwrap_or(1005));
                    return None;
                }
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }

    /// Reads until a message matches.
    pub async fn until(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.try_recv(left).await {
                Some(v) if pred(&v) => return v,
                Some(_) => {}
                None => panic!(
                    "waiting for {what}: nothing more arrived (closed: {:?}); last view: {}",
                    self.closed, self.view
                ),
            }
        }
    }

    /// Reads until a state whose view matches.
    pub async fn view_until(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if !self.view.is_null() && pred(&self.view) {
            return self.view.clone();
        }
        self.until(what, |m| m["type"] == "state" && pred(&m["view"])).await["view"].clone()
    }

    /// Reads until an error; asserts its code.
    pub async fn expect_error(&mut self, code: &str) -> Value {
        let e = self.until(&format!("error {code}"), |m| m["type"] == "error").await;
        assert_eq!(e["code"], code, "{e}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
        e
    }

    /// Waits until the server closes the socket; answers the close code.
    pub async fn closed(&mut self) -> u16 {
        while self.closed.is_none() {
            if self.try_recv(WAIT + Duration::from_secs(5)).await.is_none() && self.closed.is_none() {
                return 0;
            }
        }
        self.closed.unwrap()
    }

    pub async fn join(
        addr: std::net::SocketAddr,
        room: &str,
        name: &str,
        real_role: Option<&str>,
    ) -> (Client, String, String) {
        Client::connect(addr).await.joined(room, name, real_role).await
    }

    /// Joins on an open connection; answers the client, its player id and token.
    pub async fn joined(self, room: &str, name: &str, real_role: Option<&str>) -> (Client, String, String) {
        let mut c = self;
        c.send(json!({"type": "join", "room": room, "name": name, "real_role": real_role, "id": 1})).await;
        let w = c.until("welcome", |m| m["type"] == "welcome" || m["type"] == "error").await;
        assert_eq!(w["type"], "welcome", "{w}");
        assert_eq!(w["id"], 1);
        let id = w["player_id"].as_str().unwrap().to_string();
        let token = w["token"].as_str().unwrap().to_string();
        c.view_until("first state", |_| true).await;
        (c, id, token)
    }

    pub async fn host(addr: std::net::SocketAddr, room: &str, token: &str) -> Client {
        let mut c = Client::connect(addr).await;
        c.send(json!({"type": "host", "room": room, "host_token": token})).await;
        let w = c.until("welcome", |m| m["type"] == "welcome").await;
        assert_eq!(w["as"], "host");
        c
    }

    pub async fn watch(addr: std::net::SocketAddr, room: &str) -> Client {
        let mut c = Client::connect(addr).await;
        c.send(json!({"type": "watch", "room": room})).await;
        let w = c.until("welcome", |m| m["type"] == "welcome").await;
        assert_eq!(w["as"], "screen");
        c
    }

    /// Sends a command with an id and waits for its answer: the state echoing the id, or an
    /// error. Answers that message.
    pub async fn command(&mut self, mut cmd: Value) -> Value {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1000);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        cmd["id"] = json!(id);
        self.send(cmd).await;
        self.until("answer", |m| m["id"] == id).await
    }

    /// Like `command`, and asserts it was accepted.
    pub async fn ok(&mut self, cmd: Value) -> Value {
        let what = cmd.to_string();
        let a = self.command(cmd).await;
        assert_eq!(a["type"], "state", "{what} was refused: {a}");
        a["view"].clone()
    }

    pub async fn refused(&mut self, cmd: Value, code: &str) {
        let what = cmd.to_string();
        let a = self.command(cmd).await;
        assert_eq!(a["type"], "error", "{what} should be refused with {code}");
        assert_eq!(a["code"], code, "{what}: {a}");
    }

    /// Reads whatever arrives within `wait` (to catch up before scanning the log).
    pub async fn drain(&mut self, wait: Duration) {
        while self.try_recv(wait).await.is_some() {}
    }

    pub fn all_text(&self) -> String {
        self.log.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("\n")
    }
}

/// PostgreSQL for tests: the cluster in `DEMOCREATIE_TEST_DATABASE_URL` (scripts/test.sh
/// starts one for its PostgreSQL pass), or a throwaway cluster of this test's own, started
/// by scripts/pg-throwaway.sh and stopped when dropped.
pub struct Postgres {
    pub url: String,
    dir: Option<PathBuf>,
}

impl Postgres {
    pub fn start() -> Postgres {
        if let Ok(url) = std::env::var("DEMOCREATIE_TEST_DATABASE_URL") {
            return Postgres { url, dir: None };
        }
        Postgres::start_own()
    }

    /// A throwaway cluster of this test's own, always (a test that stops it for a while).
    pub fn start_own() -> Postgres {
        let dir = temp_dir("pg");
        let url = String::from_utf8(pg_throwaway("start", &dir).stdout).unwrap().trim().to_string();
        Postgres { url, dir: Some(dir) }
    }

    /// Stops the cluster for a while (an outage); `up` starts it again on the same port.
    pub fn down(&self) {
        pg_throwaway("down", self.dir.as_ref().expect("a cluster of this test's own"));
    }

    pub fn up(&self) {
        pg_throwaway("up", self.dir.as_ref().expect("a cluster of this test's own"));
    }

    /// A database of its own for `dir` (the same folder gives the same database, so a
    /// restarted server finds its rooms); answers its URL.
    pub async fn database_for(&self, dir: &std::path::Path) -> String {
        database_for(&self.url, dir).await
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            pg_throwaway("stop", dir);
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Runs scripts/pg-throwaway.sh (the same script scripts/test.sh uses) and checks it worked.
fn pg_throwaway(what: &str, dir: &std::path::Path) -> std::process::Output {
    let out = std::process::Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg-throwaway.sh"))
        .arg(what)
        .arg(dir)
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "pg-throwaway.sh {what}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Creates (once) a database named after `dir` in the cluster at `base`; answers its URL.
pub async fn database_for(base: &str, dir: &std::path::Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    dir.hash(&mut h);
    let name = format!("t_{:016x}", h.finish());
    let (client, connection) = tokio_postgres::connect(base, tokio_postgres::NoTls).await.expect("PostgreSQL answers");
    let task = tokio::spawn(connection);
    if let Err(e) = client.batch_execute(&format!("CREATE DATABASE {name}")).await {
        assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE), "{e}");
    }
    drop(client);
    let _ = task.await;
    let (root, _) = base.rsplit_once('/').expect("a URL with a database");
    format!("{root}/{name}")
}

/// The PostgreSQL database the tests' servers use, when `DEMOCREATIE_TEST_DATABASE_URL` is
/// set (the suite's PostgreSQL pass), for the data folder `dir`; `None`: SQLite.
pub async fn test_database(dir: &std::path::Path) -> Option<String> {
    let base = std::env::var("DEMOCREATIE_TEST_DATABASE_URL").ok()?;
    Some(database_for(&base, dir).await)
}
