//! The hostile-client soak (issue #20): the real binary at its default limits, an honest
//! workshop on 127.0.0.1, and at the same time, each from its own loopback address:
//! a player flooding notes and reconnecting, slowloris sockets, code guessing over HTTP and
//! WebSocket, a room-creation storm, look-alike names and a burst of large scenario checks
//! (from ever new addresses, so the per-address limit does not hide the parsing cost).
//!
//! It asserts what must hold (no honest note lost or refused, every attack refused, the
//! server alive) and prints a table of what it measured: the honest acknowledgement and
//! `/healthz` times while quiet and under attack. `DEMOCREATIE_SOAK_SECONDS` (default 30)
//! sets the attack's length; CI runs the default.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use support::*;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message;

async fn tcp_from(source: &str, addr: SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(source.parse().unwrap(), 0))?;
    socket.connect(addr).await
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn ws_from(source: &str, addr: SocketAddr) -> Option<Ws> {
    let stream = tcp_from(source, addr).await.ok()?;
    let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream).await.ok()?;
    ws.next().await?.ok()?; // hello
    Some(ws)
}

/// The next JSON message, or None after `wait` or at the end.
async fn next_json(ws: &mut Ws, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, ws.next()).await.ok()??.ok()? {
            Message::Text(t) => return serde_json::from_str(&t).ok(),
            Message::Close(_) => return None,
            _ => {}
        }
    }
}

/// An HTTP request from `source`: the status (0 when the connection was refused or cut).
async fn http_from(source: &str, addr: SocketAddr, head: &str, body: &[u8]) -> u16 {
    use tokio::io::AsyncReadExt;
    let Ok(mut s) = tcp_from(source, addr).await else { return 0 };
    let req = format!("{head}\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n", body.len());
    if s.write_all(req.as_bytes()).await.is_err() || s.write_all(body).await.is_err() {
        return 0;
    }
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf)).await;
    String::from_utf8_lossy(&buf).split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// Percentile of milliseconds (nearest rank).
fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[((p / 100.0 * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1]
}

#[derive(Default)]
struct Tally {
    tried: AtomicUsize,
    refused: AtomicUsize,
    got_through: AtomicUsize,
}

impl Tally {
    fn row(&self, name: &str, through_means: &str) -> String {
        format!(
            "| {name} | {} | {} | {} ({through_means}) |",
            self.tried.load(Ordering::Relaxed),
            self.refused.load(Ordering::Relaxed),
            self.got_through.load(Ordering::Relaxed)
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_soak_leaves_the_honest_workshop_untouched() {
    let seconds: u64 = std::env::var("DEMOCREATIE_SOAK_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    let data = temp_dir("soak");
    let (mut server, addr, _) = spawn_server(&data, &[]).await;

    // The honest workshop: one table of six, a host and the big screen, in a discussion.
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan", "options": {"tables": 1}})).await;
    let names = ["Anna", "Bram", "Chantal", "Dirk", "Esra", "Fleur"];
    let mut players = Vec::new();
    for name in names {
        players.push(Client::join(addr, &code, name, None).await.0);
    }
    let mut host = Client::host(addr, &code, &host_token).await;
    let mut screen = Client::watch(addr, &code).await;
    host.ok(json!({"type": "start"})).await;
    let v = host.ok(json!({"type": "next"})).await;
    assert_eq!(v["phase"]["kind"], "discussion");
    // A lobby where "Anna" is taken, for the look-alikes.
    let (lobby, _) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    Client::join(addr, &lobby, "Anna", None).await;
    // The flooder's own room (the per-identity budget is what is attacked).
    let (flood_room, flood_host) = create_room(addr, json!({"scenario": "skatebaan", "options": {"tables": 1}})).await;
    let mut flood_players = Vec::new();
    for name in ["Xander", "Yara", "Zoë"] {
        flood_players.push(Client::join(addr, &flood_room, name, None).await);
    }
    let mut fh = Client::host(addr, &flood_room, &flood_host).await;
    fh.ok(json!({"type": "start"})).await; // a briefing: "ready" is accepted again and again
    let flood_token = flood_players[0].2.clone();

    let stop = Arc::new(AtomicBool::new(false));
    let attacking = Arc::new(AtomicBool::new(false));
    let (flood, loris, guess, storm, alike, checks) = (
        Arc::new(Tally::default()),
        Arc::new(Tally::default()),
        Arc::new(Tally::default()),
        Arc::new(Tally::default()),
        Arc::new(Tally::default()),
        Arc::new(Tally::default()),
    );
    let mut tasks = Vec::new();
    // /healthz every 200 ms: (under attack, ms).
    let health = {
        let stop = stop.clone();
        let attacking = attacking.clone();
        tokio::spawn(async move {
            let mut samples = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let (s, _) = tokio::time::timeout(Duration::from_secs(10), get(addr, "/healthz"))
                    .await
                    .unwrap_or((0, String::new()));
                samples.push((attacking.load(Ordering::Relaxed), t.elapsed().as_secs_f64() * 1000.0, s));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            samples
        })
    };
    // Honest notes: every player one a second, each waiting for its acknowledgement.
    let mut honest = Vec::new();
    for (i, mut c) in players.into_iter().enumerate() {
        let stop = stop.clone();
        let attacking = attacking.clone();
        honest.push(tokio::spawn(async move {
            let mut acks = Vec::new();
            let mut sent = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let text = format!("eerlijk-{i}-{n}");
                let t = Instant::now();
                let answer = c.command(json!({"type": "note", "kind": "value", "text": text})).await;
                assert_eq!(answer["type"], "state", "an honest note was refused: {answer}");
                acks.push((attacking.load(Ordering::Relaxed), t.elapsed().as_secs_f64() * 1000.0));
                sent.push(text);
                tokio::time::sleep(Duration::from_millis(1000)).await;
            }
            (acks, sent)
        }));
    }

    // Five quiet seconds first, to compare against.
    tokio::time::sleep(Duration::from_secs(5)).await;
    attacking.store(true, Ordering::Relaxed);
    let started = Instant::now();

    // 1. A seated player floods "ready" at ~200/s and reconnects every 2 s with its token.
    {
        let (stop, t, code, token) = (stop.clone(), flood.clone(), flood_room.clone(), flood_token.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let Some(mut ws) = ws_from("127.0.0.2", addr).await else { continue };
                let _ =
                    ws.send(Message::Text(json!({"type":"resume","room":code,"token":token}).to_string().into())).await;
                let until = Instant::now() + Duration::from_secs(2);
                let mut i = 0u64;
                while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let note = json!({"type":"ready","id":i}).to_string();
                    if ws.send(Message::Text(note.into())).await.is_err() {
                        break;
                    }
                    t.tried.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                while let Some(m) = next_json(&mut ws, Duration::from_millis(100)).await {
                    if m["type"] == "state" && m["id"].is_number() {
                        t.got_through.fetch_add(1, Ordering::Relaxed);
                    } else if m["type"] == "error" {
                        t.refused.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    // 2. Slowloris: 400 half headers from one address, reopened as they are closed.
    {
        let (stop, t) = (stop.clone(), loris.clone());
        tasks.push(tokio::spawn(async move {
            let mut open: Vec<tokio::net::TcpStream> = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                // A socket the server closed (the header timeout) counts as cut.
                open.retain(|s| {
                    let mut b = [0u8; 16];
                    let open = matches!(s.try_read(&mut b), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
                    if !open {
                        t.refused.fetch_add(1, Ordering::Relaxed);
                    }
                    open
                });
                while open.len() < 400 && !stop.load(Ordering::Relaxed) {
                    t.tried.fetch_add(1, Ordering::Relaxed);
                    let mut s = match tcp_from("127.0.0.3", addr).await {
                        Ok(s) => s,
                        Err(_) => {
                            t.refused.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                    };
                    if s.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").await.is_ok() {
                        open.push(s);
                    } else {
                        t.refused.fetch_add(1, Ordering::Relaxed);
                    }
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }));
    }
    // 3. Guessing codes over HTTP and over the WebSocket.
    {
        let (stop, t) = (stop.clone(), guess.clone());
        tasks.push(tokio::spawn(async move {
            let alphabet = democreatie::server::CODE_ALPHABET;
            let mut n = 7u64;
            while !stop.load(Ordering::Relaxed) {
                n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let guess: String = (0..5).map(|k| alphabet[((n >> (k * 8 + 16)) % 20) as usize] as char).collect();
                t.tried.fetch_add(2, Ordering::Relaxed);
                match http_from("127.0.0.4", addr, &format!("GET /api/rooms/{guess} HTTP/1.1"), b"").await {
                    200 => t.got_through.fetch_add(1, Ordering::Relaxed),
                    _ => t.refused.fetch_add(1, Ordering::Relaxed),
                };
                if let Some(mut ws) = ws_from("127.0.0.4", addr).await {
                    let join = json!({"type":"join","room":guess,"name":"Gok"}).to_string();
                    let _ = ws.send(Message::Text(join.into())).await;
                    match next_json(&mut ws, Duration::from_secs(5)).await {
                        Some(m) if m["type"] == "welcome" => t.got_through.fetch_add(1, Ordering::Relaxed),
                        _ => t.refused.fetch_add(1, Ordering::Relaxed),
                    };
                }
            }
        }));
    }
    // 4. A room-creation storm, as JSON and as the text/plain any web page can send.
    {
        let (stop, t) = (stop.clone(), storm.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"scenario": "skatebaan"}).to_string();
            let mut plain = false;
            while !stop.load(Ordering::Relaxed) {
                plain = !plain;
                let kind = if plain { "text/plain" } else { "application/json" };
                t.tried.fetch_add(1, Ordering::Relaxed);
                let head = format!("POST /api/rooms HTTP/1.1\r\nContent-Type: {kind}");
                match http_from("127.0.0.5", addr, &head, body.as_bytes()).await {
                    201 => t.got_through.fetch_add(1, Ordering::Relaxed),
                    _ => t.refused.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    // 5. Look-alike names of "Anna".
    {
        let (stop, t, lobby) = (stop.clone(), alike.clone(), lobby.clone());
        tasks.push(tokio::spawn(async move {
            let names =
                ["\u{410}nna", "Anna\u{34F}", "Anna\u{FE0F}", "Anna\u{61C}", "\u{3164}", "\u{2800}\u{2800}", "ANNA"];
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let Some(mut ws) = ws_from("127.0.0.6", addr).await else { continue };
                t.tried.fetch_add(1, Ordering::Relaxed);
                let join = json!({"type":"join","room":lobby,"name":names[i % names.len()]}).to_string();
                let _ = ws.send(Message::Text(join.into())).await;
                match next_json(&mut ws, Duration::from_secs(5)).await {
                    Some(m) if m["type"] == "welcome" => t.got_through.fetch_add(1, Ordering::Relaxed),
                    _ => t.refused.fetch_add(1, Ordering::Relaxed),
                };
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }));
    }
    // 6. Large scenario checks, four at a time, each address used for 30 (its budget).
    for lane in 0..4u32 {
        let (stop, t) = (stop.clone(), checks.clone());
        tasks.push(tokio::spawn(async move {
            // 240 KB: a valid start, then thousands of unknown keys (each a problem).
            let mut body = String::from("id = \"groot\"\ntitle = \"Groot\"\n");
            while body.len() < 240 * 1024 {
                body.push_str("onbekende_sleutel_met_een_lange_naam = \"waarde\"\n");
            }
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let source = format!("127.0.{}.{}", 10 + lane, 1 + (n / 30) % 250);
                n += 1;
                t.tried.fetch_add(1, Ordering::Relaxed);
                match http_from(&source, addr, "POST /api/scenarios/check HTTP/1.1", body.as_bytes()).await {
                    422 => t.got_through.fetch_add(1, Ordering::Relaxed),
                    _ => t.refused.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }

    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let attacked_for = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(40), task).await;
    }
    let samples = health.await.unwrap();
    let mut all_sent = Vec::new();
    let (mut quiet, mut loud) = (Vec::new(), Vec::new());
    for h in honest {
        let (acks, sent) = h.await.unwrap();
        for (under, ms) in acks {
            if under { loud.push(ms) } else { quiet.push(ms) }
        }
        all_sent.extend(sent);
    }
    // Nothing honest was lost: every acknowledged note is in the host's and the screen's view.
    let view = host
        .view_until("the last notes", |v| v["tables"][0]["notes"].as_array().is_some_and(|n| n.len() >= all_sent.len()))
        .await;
    let texts: Vec<&str> =
        view["tables"][0]["notes"].as_array().unwrap().iter().filter_map(|n| n["text"].as_str()).collect();
    let lost: Vec<_> = all_sent.iter().filter(|s| !texts.contains(&s.as_str())).collect();
    assert!(lost.is_empty(), "honest notes lost: {lost:?}");
    screen.drain(Duration::from_millis(300)).await;
    assert!(server.0.try_wait().unwrap().is_none(), "the server is still running");

    let (mut hq, mut hl): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    for (under, ms, status) in &samples {
        assert_eq!(*status, 200, "/healthz failed after {ms:.0} ms");
        if *under { hl.push(*ms) } else { hq.push(*ms) }
    }
    println!(
        "\nhostile soak: {:.0} s of attack on the real binary at its default limits\n",
        attacked_for.as_secs_f64()
    );
    println!("| attack | tried | refused or cut | got through |");
    println!("|---|---:|---:|---|");
    println!("{}", flood.row("message flood (200/s) from one seated player, reconnecting every 2 s", "accepted"));
    println!("{}", loris.row("slowloris: 400 half headers from one address", "—"));
    println!("{}", guess.row("code guessing (HTTP and WebSocket)", "rooms found"));
    println!("{}", storm.row("room creation storm (JSON and text/plain)", "rooms made"));
    println!("{}", alike.row("look-alike names of Anna", "joined"));
    println!("{}", checks.row("240 KB scenario checks, 4 at a time, new addresses", "checked"));
    println!("\n| honest traffic | quiet p50 | quiet p99 | attacked p50 | attacked p99 | attacked max |");
    println!("|---|---:|---:|---:|---:|---:|");
    let lmax = loud.iter().cloned().fold(0.0, f64::max);
    println!(
        "| note acknowledged (ms, {} notes) | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
        quiet.len() + loud.len(),
        pct(&mut quiet, 50.0),
        pct(&mut quiet, 99.0),
        pct(&mut loud, 50.0),
        pct(&mut loud, 99.0),
        lmax
    );
    let hmax = hl.iter().cloned().fold(0.0, f64::max);
    println!(
        "| /healthz (ms, {} requests) | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |\n",
        samples.len(),
        pct(&mut hq, 50.0),
        pct(&mut hq, 99.0),
        pct(&mut hl, 50.0),
        pct(&mut hl, 99.0),
        hmax
    );
    // What must hold.
    let flooded = flood.got_through.load(Ordering::Relaxed) as f64;
    assert!(flooded <= 40.0 + 20.0 * attacked_for.as_secs_f64() + 5.0, "the flood got {flooded} notes through");
    assert!(flood.refused.load(Ordering::Relaxed) > 0, "the flood was never told it was limited");
    assert_eq!(guess.got_through.load(Ordering::Relaxed), 0, "a guessed code found a room");
    assert!(storm.got_through.load(Ordering::Relaxed) <= 60, "more than 60 rooms from one address in an hour");
    assert_eq!(alike.got_through.load(Ordering::Relaxed), 0, "a look-alike of Anna joined");
    assert!(loris.refused.load(Ordering::Relaxed) >= 400, "the half headers were not cut after 10 s");
    assert!(checks.tried.load(Ordering::Relaxed) > 0 && !loud.is_empty());
    assert!(hmax < 5000.0, "/healthz took {hmax:.0} ms under attack");
    server.kill().unwrap();
    server.wait().unwrap();
}
