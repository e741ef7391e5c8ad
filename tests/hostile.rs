//! Hostile clients over real sockets: each is answered with its PROTOCOL.md code and
//! nothing else is disturbed.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// A WebSocket by hand, to send frames no well-behaved library would.
struct Raw(TcpStream);

impl Raw {
    async fn connect(addr: std::net::SocketAddr) -> Raw {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let req = format!(
            "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut buf = Vec::new();
        let mut byte = [0u8; 1];
        while !buf.ends_with(b"\r\n\r\n") {
            s.read_exact(&mut byte).await.unwrap();
            buf.push(byte[0]);
        }
        assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 101"));
        Raw(s)
    }

    /// Writes one masked frame.
    async fn frame(&mut self, fin: bool, opcode: u8, payload: &[u8]) {
        let mut f = vec![(if fin { 0x80 } else { 0 }) | opcode];
        let n = payload.len();
        if n < 126 {
            f.push(0x80 | n as u8);
        } else if n < 65536 {
            f.push(0x80 | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        } else {
            f.push(0x80 | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
        let mask = [1u8, 2, 3, 4];
        f.extend_from_slice(&mask);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        let _ = self.0.write_all(&f).await;
    }

    /// The next frame from the server: (opcode, payload), or None when closed.
    async fn read(&mut self) -> Option<(u8, Vec<u8>)> {
        let mut h = [0u8; 2];
        tokio::time::timeout(WAIT, self.0.read_exact(&mut h)).await.ok()?.ok()?;
        let mut n = (h[1] & 0x7f) as usize;
        if n == 126 {
            let mut b = [0u8; 2];
            self.0.read_exact(&mut b).await.ok()?;
            n = u16::from_be_bytes(b) as usize;
        } else if n == 127 {
            let mut b = [0u8; 8];
            self.0.read_exact(&mut b).await.ok()?;
            n = u64::from_be_bytes(b) as usize;
        }
        let mut p = vec![0u8; n];
        self.0.read_exact(&mut p).await.ok()?;
        Some((h[0] & 0x0f, p))
    }

    /// Reads text frames until one is an error; answers its code.
    async fn error_code(&mut self) -> String {
        while let Some((op, p)) = self.read().await {
            if op == 1 {
                let v: Value = serde_json::from_slice(&p).unwrap();
                if v["type"] == "error" {
                    return v["code"].as_str().unwrap().to_string();
                }
            }
        }
        "closed".into()
    }

    /// Reads until a close frame; answers its code.
    async fn close_code(&mut self) -> Option<u16> {
        while let Some((op, p)) = self.read().await {
            if op == 8 {
                return p.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]]));
            }
        }
        None
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_get_their_codes() {
    let server = start("frames").await;
    let addr = server.addr;
    let (code, _) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let (mut bystander, _, _) = Client::join(addr, &code, "Omstander", None).await;

    // Invalid UTF-8 in a text frame: bad_message, then the socket closes (1007).
    let mut r = Raw::connect(addr).await;
    r.read().await; // hello
    r.frame(true, 1, &[0x7b, 0xff, 0xfe, 0x7d]).await;
    assert_eq!(r.error_code().await, "bad_message");
    assert_eq!(r.close_code().await, Some(1007));

    // A 1 MB frame: too_large, then the socket closes (1009), without reading the megabyte.
    let mut r = Raw::connect(addr).await;
    r.read().await;
    r.frame(true, 1, &vec![b'x'; 1 << 20]).await;
    assert_eq!(r.error_code().await, "too_large");
    assert_eq!(r.close_code().await, Some(1009));

    // A message in fragments is still one message (and may be a session message).
    let mut r = Raw::connect(addr).await;
    r.read().await;
    let join = json!({"type": "join", "room": code, "name": "In stukjes"}).to_string();
    let (a, b) = join.as_bytes().split_at(10);
    r.frame(false, 1, a).await;
    r.frame(true, 0, b).await;
    let (op, p) = r.read().await.unwrap();
    assert_eq!(op, 1);
    let v: Value = serde_json::from_slice(&p).unwrap();
    assert_eq!(v["type"], "welcome", "{v}");

    // Fragments that add up to more than 16 KiB are too large as well.
    let mut r = Raw::connect(addr).await;
    r.read().await;
    for i in 0..3 {
        r.frame(false, if i == 0 { 1 } else { 0 }, &[b' '; 8 * 1024]).await;
    }
    r.frame(true, 0, b"{}").await;
    assert_eq!(r.error_code().await, "too_large");

    // A frame that breaks the WebSocket rules (a continuation with nothing to continue).
    let mut r = Raw::connect(addr).await;
    r.read().await;
    r.frame(true, 0, b"{}").await;
    assert_eq!(r.error_code().await, "bad_message");
    assert_eq!(r.close_code().await, Some(1002));

    // The bystander noticed nothing and still plays.
    assert_eq!(bystander.command(json!({"type": "leave"})).await["type"], "left");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_only_open_their_own_room_and_players_cannot_host() {
    let server = start("tokens").await;
    let addr = server.addr;
    let (a, a_host) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let (b, _) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let (_, _, a_player) = Client::join(addr, &a, "Anna", None).await;
    let mut c = Client::connect(addr).await;
    c.send(json!({"type": "resume", "room": b, "token": a_player})).await;
    c.expect_error("invalid_token").await;
    c.send(json!({"type": "host", "room": b, "host_token": a_host})).await;
    c.expect_error("invalid_token").await;
    c.send(json!({"type": "resume", "room": b, "token": a_host})).await;
    c.expect_error("invalid_token").await;
    let (mut p, id, _) = Client::join(addr, &a, "Bram", None).await;
    for cmd in [
        json!({"type": "start"}),
        json!({"type": "next"}),
        json!({"type": "extend", "seconds": 60}),
        json!({"type": "kick", "player_id": id}),
        json!({"type": "lock", "locked": true}),
        json!({"type": "end"}),
        json!({"type": "hide_note", "table": 1, "note": 0}),
        json!({"type": "hide_name", "player_id": id}),
    ] {
        p.refused(cmd, "not_allowed").await;
    }
    let mut screen = Client::watch(addr, &a).await;
    screen.refused(json!({"type": "ready"}), "not_allowed").await;
    screen.refused(json!({"type": "start"}), "not_allowed").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_room_codes_is_limited_per_address() {
    let server = start("guess").await;
    let addr = server.addr;
    let (code, _) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let mut c = Client::connect(addr).await;
    let letters = democreatie::server::CODE_ALPHABET;
    let mut refused = 0;
    for i in 0..25 {
        let guess: String = (0..5).map(|k| letters[(i * 7 + k * 3) % 20] as char).collect();
        if guess == code {
            continue;
        }
        c.send(json!({"type": "watch", "room": guess})).await;
        let e = c.until("an error", |m| m["type"] == "error").await;
        if e["code"] == "rate_limited" {
            refused += 1;
        } else {
            assert_eq!(e["code"], "unknown_room");
        }
    }
    assert!(refused >= 4, "after 20 failures an address is slowed down ({refused} refused)");
    // Even the right code waits until the address has budget again...
    c.send(json!({"type": "watch", "room": code})).await;
    assert_eq!(c.until("an error", |m| m["type"] == "error").await["code"], "rate_limited");
    // ...and a wrong token on the right code learns nothing either...
    let mut wrong = Client::connect(addr).await;
    wrong.send(json!({"type": "resume", "room": code, "token": "not-a-token-of-this-room"})).await;
    assert_eq!(wrong.until("an error", |m| m["type"] == "error").await["code"], "rate_limited");
    server.stop().await;
}

/// Behind a venue's NAT every phone shares one address: someone mistyping codes must not
/// lock out the participants who come back with their token (issue #20).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_token_gets_through_a_barred_address() {
    let server = start("guess-token").await;
    let addr = server.addr;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let (_, _, anna) = Client::join(addr, &code, "Anna", None).await;
    let mut c = Client::connect(addr).await;
    for i in 0..25 {
        c.send(json!({"type": "watch", "room": format!("BBBB{}", ["B", "C", "D", "F", "G"][i % 5]), "id": i})).await;
        c.until("an error", |m| m["type"] == "error").await;
    }
    c.send(json!({"type": "watch", "room": code})).await;
    assert_eq!(c.until("an error", |m| m["type"] == "error").await["code"], "rate_limited", "the address is barred");
    let mut back = Client::connect(addr).await;
    back.send(json!({"type": "resume", "room": code, "token": anna})).await;
    let w = back.until("welcome", |m| m["type"] == "welcome" || m["type"] == "error").await;
    assert_eq!(w["type"], "welcome", "a player's valid token gets through: {w}");
    Client::host(addr, &code, &host_token).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_silent_sockets_do_not_stop_a_game() {
    // All from one address (loopback), so the per-address cap is lifted for this test.
    let server = start_with("silent-crowd", |c| {
        c.max_connections = 1500;
        c.max_connections_per_address = 0;
    })
    .await;
    let addr = server.addr;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let mut silent = Vec::new();
    for _ in 0..1000 {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
        silent.push(ws);
    }
    let mut host = Client::host(addr, &code, &host_token).await;
    let mut players = Vec::new();
    for n in ["A", "B", "C"] {
        players.push(Client::join(addr, &code, n, None).await.0);
    }
    let t0 = std::time::Instant::now();
    host.ok(json!({"type": "start"})).await;
    players[0].ok(json!({"type": "ready"})).await;
    assert!(t0.elapsed() < Duration::from_secs(3));
    // After the session timeout the silent ones are gone and their slots are free again.
    tokio::time::sleep(Duration::from_secs(11)).await;
    let (s, metrics) = get(addr, "/metrics").await;
    assert_eq!(s, 200);
    let open: usize = metrics
        .lines()
        .find_map(|l| l.strip_prefix("democreatie_connections "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(open < 100, "{open} connections still open");
    drop(silent);
    let _ = Message::Text("".into());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_response_carries_a_stack_trace_or_a_path() {
    let server = start("nopaths").await;
    let addr = server.addr;
    for (method, path, body) in [
        ("GET", "/api/rooms/%ZZ", ""),
        ("GET", "/nope/../../etc/passwd", ""),
        ("POST", "/api/rooms", "{\"scenario_toml\": \"[[[\"}"),
        ("POST", "/api/scenarios/check", "\u{0}\u{1}"),
        ("DELETE", "/api/rooms/BBBBB", ""),
        ("GET", "/assets/../Cargo.toml", ""),
    ] {
        let (status, text, _) = request(addr, method, path, &[], body).await;
        assert!(status < 500, "{method} {path}: {status}");
        for leak in ["/work", "src/", "panicked", "RUST_BACKTRACE", "/root"] {
            assert!(!text.contains(leak), "{method} {path} leaks {leak}: {text}");
        }
    }
    let big = "x".repeat(300 * 1024);
    let (status, text, _) = request(addr, "POST", "/api/scenarios/check", &[], &big).await;
    assert_eq!(status, 413);
    assert!(text.contains("\"error\":\"too_large\""), "{text}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn look_alike_names_and_invisible_text_are_refused_or_cleaned() {
    let server = start("look-alike").await;
    let addr = server.addr;
    let (code, token) = create_room(addr, json!({"scenario": "skatebaan", "options": {"tables": 1}})).await;
    let (mut anna, _, _) = Client::join(addr, &code, "Anna", None).await;
    // A Cyrillic А, in upper or lower case, looks like Anna: taken.
    for name in ["\u{0410}nna", "\u{0430}nna", "ANNA"] {
        let mut c = Client::connect(addr).await;
        c.send(json!({"type": "join", "room": code, "name": name})).await;
        c.expect_error("name_taken").await;
    }
    // Invisible characters after the name, or a name of nothing visible: invalid.
    for name in
        ["Anna\u{034F}", "Anna\u{FE0F}", "Anna\u{061C}", "\u{3164}\u{3164}\u{3164}", "\u{2800}\u{2800}", "Bo\u{202E}b"]
    {
        let mut c = Client::connect(addr).await;
        c.send(json!({"type": "join", "room": code, "name": name})).await;
        c.expect_error("invalid_name").await;
    }
    Client::join(addr, &code, "Bram", None).await;
    Client::join(addr, &code, "Cas", None).await;
    let mut host = Client::host(addr, &code, &token).await;
    host.ok(json!({"type": "start"})).await;
    host.ok(json!({"type": "next"})).await;
    anna.view_until("the discussion", |v| v["phase"]["kind"] == "discussion").await;
    // Control and bidirectional characters are removed, line breaks stay; a note of only
    // zero-width characters is empty.
    let v = anna.ok(json!({"type": "note", "kind": "value", "text": "Veilig\u{0000} \u{001B}[31mspelen\u{202E}\nook 's avonds"})).await;
    assert_eq!(v["tables"][0]["notes"][0]["text"], "Veilig [31mspelen\nook 's avonds");
    anna.refused(json!({"type": "note", "kind": "value", "text": "\u{200B}\u{200B}\u{FEFF}"}), "invalid_input").await;
    server.stop().await;
}
