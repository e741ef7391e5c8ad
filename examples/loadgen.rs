//! Load generator: plays the "workshop" workload against a running server through the
//! public protocol and prints one table row per level.
//!
//! R rooms of 25 players plus a host and a screen; players join, the host starts and opens
//! a discussion round, and every player posts a short unique note every S seconds (random
//! phase) for D seconds. Measured: sender latency (sending a note until the sender's own
//! state contains it), fan-out latency (until every client that may see it has it: the
//! players of that table and the host), notes lost, connection errors, and the server's
//! RSS and CPU seconds from /proc.
//!
//! One process holds at most 20,000 open files here, so the parent splits the rooms over
//! worker processes (at most 8,000 connections each) and merges their results.
//!
//! `cargo run --release --example loadgen -- --server 127.0.0.1:8080 --participants 1000 --server-pid PID`
//!
//! The peer workload of issue #14 (everyone at one table, a note every 10 s, the screen
//! showing notes, every client taking patches) is
//! `--tables 1 --interval 10 --screen-notes --patches`; then the screen waits for every note
//! too, and the bytes the server wrote per note (from `/metrics`) are reported.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use rand::RngExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

const PLAYERS_PER_ROOM: usize = 25;
const CONNECTIONS_PER_WORKER: usize = 8_000;
/// When this worker began sending notes (for `--timeline`).
static NOTES_START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

#[derive(Parser, Debug, Clone)]
struct Args {
    /// host:port of the server.
    #[arg(long, default_value = "127.0.0.1:8080")]
    server: SocketAddr,
    /// Participants (players) in all rooms together; rooms = participants / 25.
    #[arg(long, default_value_t = 1000)]
    participants: usize,
    /// Seconds between one player's notes.
    #[arg(long, default_value_t = 30.0)]
    interval: f64,
    /// Seconds of note posting.
    #[arg(long, default_value_t = 60.0)]
    duration: f64,
    /// The server's process id, for RSS and CPU from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Print the table header first.
    #[arg(long)]
    header: bool,
    /// Tables per room (default: the case's table size decides).
    #[arg(long)]
    tables: Option<usize>,
    /// Notes on the big screen (`screen_notes`): the screen then waits for every note too.
    #[arg(long)]
    screen_notes: bool,
    /// Every client asks for state patches (version 2).
    #[arg(long)]
    patches: bool,
    /// Also print the sender latency over time (p50, p99 and max per 5 s of notes) to stderr:
    /// shows whether slow notes come in bursts (pings, checkpoints) or evenly.
    #[arg(long)]
    timeline: bool,
    /// Internal: run as a worker for rooms [from, to).
    #[arg(long, num_args = 2, hide = true)]
    worker: Option<Vec<usize>>,
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Results {
    sender_ms: Vec<f64>,
    /// Seconds after the start of the notes at which each `sender_ms` was sent.
    sender_at: Vec<f64>,
    fanout_ms: Vec<f64>,
    sent: u64,
    lost: u64,
    connect_errors: u64,
}

fn main() {
    let args = Args::parse();
    if let Some(w) = &args.worker {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        return rt.block_on(worker(args.clone(), w[0], w[1]));
    }
    parent(args);
}

/// Spawns workers, lets them connect, measures the idle server, starts the notes, merges.
fn parent(args: Args) {
    let rooms = (args.participants / PLAYERS_PER_ROOM).max(1);
    let per_room = PLAYERS_PER_ROOM + 2;
    let rooms_per_worker = (CONNECTIONS_PER_WORKER / per_room).max(1);
    let before = args.server_pid.map(proc_stats);
    let connecting = Instant::now();
    let mut workers = Vec::new();
    let mut from = 0;
    while from < rooms {
        let to = (from + rooms_per_worker).min(rooms);
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args(["--server", &args.server.to_string(), "--interval", &args.interval.to_string()]).args([
            "--duration",
            &args.duration.to_string(),
            "--worker",
            &from.to_string(),
            &to.to_string(),
        ]);
        if let Some(t) = args.tables {
            cmd.args(["--tables", &t.to_string()]);
        }
        if args.screen_notes {
            cmd.arg("--screen-notes");
        }
        if args.patches {
            cmd.arg("--patches");
        }
        cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
        workers.push(cmd.spawn().expect("a worker starts"));
        from = to;
    }
    let mut readers: Vec<_> = workers.iter_mut().map(|w| BufReader::new(w.stdout.take().unwrap())).collect();
    for r in readers.iter_mut() {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "READY", "a worker failed to connect: {line}");
    }
    let idle = args.server_pid.map(proc_stats);
    if args.timeline
        && let (Some(b), Some(i)) = (before, idle)
    {
        eprintln!(
            "idle growth per connection: {:.1} KiB in all = {:.1} KiB anonymous + {:.1} KiB of files (code paged in)",
            (i.rss_kib as f64 - b.rss_kib as f64) / (rooms * per_room) as f64,
            (i.anon_kib as f64 - b.anon_kib as f64) / (rooms * per_room) as f64,
            (i.file_kib as f64 - b.file_kib as f64) / (rooms * per_room) as f64,
        );
    }
    if args.timeline {
        let unix = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        eprintln!(
            "connected in {:.1} s; notes start at {:.3} (Unix time)",
            connecting.elapsed().as_secs_f64(),
            unix.as_secs_f64()
        );
    }
    let bytes_before = sent_bytes(args.server);
    for w in workers.iter_mut() {
        let stdin = w.stdin.as_mut().unwrap();
        writeln!(stdin, "GO").unwrap();
        stdin.flush().unwrap();
    }
    // CPU per 5 s of notes, the server's and the generator's (its workers together): a
    // slow spell on a saturated generator core is the generator's, not the server's.
    let samples = Arc::new(Mutex::new(Vec::<(f64, f64)>::new()));
    if args.timeline {
        let (samples, server, pids) =
            (samples.clone(), args.server_pid, workers.iter().map(|w| w.id()).collect::<Vec<_>>());
        std::thread::spawn(move || {
            let cpu = |pid: Option<u32>| pid.map_or(0.0, |p| proc_stats(p).cpu_seconds);
            let gen_cpu = || pids.iter().map(|p| cpu(Some(*p))).sum::<f64>();
            let (mut s0, mut g0) = (cpu(server), gen_cpu());
            loop {
                std::thread::sleep(Duration::from_secs(5));
                let (s1, g1) = (cpu(server), gen_cpu());
                samples.lock().unwrap().push((s1 - s0, g1 - g0));
                (s0, g0) = (s1, g1);
            }
        });
    }
    let mut all = Results::default();
    for r in readers.iter_mut() {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        let part: Results = serde_json::from_str(&line).expect("a worker reports JSON");
        all.sender_ms.extend(part.sender_ms);
        all.sender_at.extend(part.sender_at);
        all.fanout_ms.extend(part.fanout_ms);
        all.sent += part.sent;
        all.lost += part.lost;
        all.connect_errors += part.connect_errors;
    }
    let after = args.server_pid.map(proc_stats);
    let bytes = sent_bytes(args.server).zip(bytes_before).map(|(a, b)| a.saturating_sub(b));
    for mut w in workers {
        let _ = w.wait();
    }
    let connections = rooms * per_room;
    if args.timeline {
        timeline(&all, &samples.lock().unwrap());
    }
    let pct = |v: &mut Vec<f64>, p: f64| -> f64 {
        if v.is_empty() {
            return f64::NAN;
        }
        v.sort_by(|a, b| a.total_cmp(b));
        v[((v.len() as f64 - 1.0) * p).round() as usize]
    };
    let (s50, s99, smax) = (pct(&mut all.sender_ms, 0.5), pct(&mut all.sender_ms, 0.99), pct(&mut all.sender_ms, 1.0));
    let f99 = pct(&mut all.fanout_ms, 0.99);
    let (rss, kib_per_conn, cpu) = match (before, idle, after) {
        (Some(b), Some(i), Some(a)) => (
            format!("{:.0}", a.peak_rss_kib as f64 / 1024.0),
            format!("{:.1}", (i.rss_kib as f64 - b.rss_kib as f64) / connections as f64),
            format!("{:.1}", a.cpu_seconds - i.cpu_seconds),
        ),
        _ => ("-".into(), "-".into(), "-".into()),
    };
    if args.header {
        println!(
            "| participants | connections | notes sent | sender p50 ms | sender p99 ms | sender max ms | fan-out p99 ms | lost | conn errors | server peak RSS MiB | idle KiB/conn | server CPU s | KB sent per note |"
        );
        println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    }
    let per_note =
        bytes.filter(|_| all.sent > 0).map_or("-".into(), |b| format!("{:.1}", b as f64 / all.sent as f64 / 1000.0));
    println!(
        "| {} | {connections} | {} | {s50:.1} | {s99:.1} | {smax:.1} | {f99:.1} | {} | {} | {rss} | {kib_per_conn} | {cpu} | {per_note} |",
        rooms * PLAYERS_PER_ROOM,
        all.sent,
        all.lost,
        all.connect_errors
    );
}

/// Sender latency per 5 s of notes, to stderr.
fn timeline(all: &Results, cpu: &[(f64, f64)]) {
    let mut buckets: Vec<Vec<f64>> = Vec::new();
    for (at, ms) in all.sender_at.iter().zip(&all.sender_ms) {
        let b = (*at / 5.0) as usize;
        if buckets.len() <= b {
            buckets.resize(b + 1, Vec::new());
        }
        buckets[b].push(*ms);
    }
    eprintln!("seconds  notes  p50 ms  p99 ms  max ms  server CPU %  generator CPU %");
    for (i, mut v) in buckets.into_iter().enumerate() {
        if v.is_empty() {
            continue;
        }
        v.sort_by(|a, b| a.total_cmp(b));
        let p = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
        let (server, generator) = cpu
            .get(i)
            .map_or(("-".into(), "-".into()), |(s, g)| (format!("{:.0}", s * 20.0), format!("{:.0}", g * 20.0)));
        eprintln!(
            "{:>3}-{:<3} {:>6} {:>7.1} {:>7.1} {:>7.1} {server:>13} {generator:>16}",
            i * 5,
            i * 5 + 5,
            v.len(),
            p(0.5),
            p(0.99),
            p(1.0)
        );
    }
}

/// `democreatie_ws_sent_bytes_total` from `/metrics` (loopback needs no token).
fn sent_bytes(server: SocketAddr) -> Option<u64> {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(server).ok()?;
    write!(s, "GET /metrics HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    text.lines().find(|l| l.starts_with("democreatie_ws_sent_bytes_total"))?.split_whitespace().nth(1)?.parse().ok()
}

#[derive(Clone, Copy)]
struct ProcStats {
    rss_kib: u64,
    /// Of `rss_kib`: anonymous memory (heap, stacks), and pages of files (the binary's code).
    anon_kib: u64,
    file_kib: u64,
    peak_rss_kib: u64,
    cpu_seconds: f64,
}

fn proc_stats(pid: u32) -> ProcStats {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest: Vec<&str> = stat.rsplit_once(')').map(|(_, r)| r.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| rest.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    ProcStats {
        rss_kib: field("VmRSS:"),
        anon_kib: field("RssAnon:"),
        file_kib: field("RssFile:"),
        peak_rss_kib: field("VmHWM:"),
        cpu_seconds: (ticks(11) + ticks(12)) / 100.0,
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(server: SocketAddr) -> Result<Ws, String> {
    // Small buffers on the client too: thousands of sockets live in this process.
    let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(format!("ws://{server}/ws"), Some(config), false)
        .await
        .map_err(|e| e.to_string())?;
    match ws.next().await {
        Some(Ok(Message::Text(_))) => Ok(ws),
        other => Err(format!("no hello: {other:?}")),
    }
}

async fn http_post(server: SocketAddr, path: &str, body: &str) -> Result<Value, String> {
    let mut s = tokio::net::TcpStream::connect(server).await.map_err(|e| e.to_string())?;
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&buf);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(body).map_err(|e| format!("{e}: {text}"))
}

/// A note in flight: who still has to see it.
struct Pending {
    text: String,
    sent: Instant,
    sender: usize,
    /// Clients (by index in the room; the host is PLAYERS_PER_ROOM) still waiting for it.
    waiting: Vec<usize>,
    sender_seen: bool,
}

#[derive(Default)]
struct Track {
    pending: Vec<Pending>,
    sender_ms: Vec<f64>,
    sender_at: Vec<f64>,
    fanout_ms: Vec<f64>,
}

async fn send(ws: &mut Ws, v: Value) -> Result<(), String> {
    ws.send(Message::Text(v.to_string().into())).await.map_err(|e| e.to_string())
}

async fn until(ws: &mut Ws, pred: impl Fn(&Value) -> bool) -> Result<Value, String> {
    loop {
        match tokio::time::timeout(Duration::from_secs(60), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(&t).map_err(|e| e.to_string())?;
                if pred(&v) {
                    return Ok(v);
                }
            }
            Ok(Some(Ok(_))) => {}
            other => return Err(format!("connection ended: {other:?}")),
        }
    }
}

struct Room {
    host: Ws,
    screen: Option<Ws>,
    players: Vec<(Ws, usize)>,
    tables: Vec<usize>,
}

async fn setup_room(args: &Args, errors: Arc<Mutex<u64>>) -> Result<Room, String> {
    let server = args.server;
    let mut options = json!({"screen_notes": args.screen_notes});
    if let Some(t) = args.tables {
        options["tables"] = json!(t);
    }
    let created =
        http_post(server, "/api/rooms", &json!({"scenario": "skatebaan", "options": options}).to_string()).await?;
    let code = created["room"].as_str().ok_or(format!("no room: {created}"))?.to_string();
    let token = created["host_token"].as_str().unwrap_or_default().to_string();
    let mut host = connect(server).await?;
    let patches = args.patches;
    send(&mut host, json!({"type": "host", "room": code, "host_token": token, "patches": patches})).await?;
    until(&mut host, |v| v["type"] == "welcome").await?;
    let screen = match connect(server).await {
        Ok(mut s) => {
            send(&mut s, json!({"type": "watch", "room": code, "patches": patches})).await?;
            Some(s)
        }
        Err(_) => {
            *errors.lock().unwrap() += 1;
            None
        }
    };
    let mut players = Vec::new();
    for i in 0..PLAYERS_PER_ROOM {
        let mut ws = match connect(server).await {
            Ok(ws) => ws,
            Err(_) => {
                *errors.lock().unwrap() += 1;
                continue;
            }
        };
        let join = json!({"type": "join", "room": code, "name": format!("Speler {i}"), "patches": patches});
        send(&mut ws, join).await?;
        until(&mut ws, |v| v["type"] == "welcome").await?;
        players.push((ws, i));
    }
    send(&mut host, json!({"type": "start", "id": "s"})).await?;
    until(&mut host, |v| v["id"] == "s").await?;
    send(&mut host, json!({"type": "next", "id": "n"})).await?;
    let view = until(&mut host, |v| v["id"] == "n").await?["view"].clone();
    // Each player's table, from the host's view.
    let mut tables = vec![0; PLAYERS_PER_ROOM];
    for t in view["tables"].as_array().into_iter().flatten() {
        for p in t["players"].as_array().into_iter().flatten() {
            let id: usize = p["player_id"].as_str().unwrap_or("p1")[1..].parse().unwrap_or(1);
            if (1..=PLAYERS_PER_ROOM).contains(&id) {
                tables[id - 1] = t["table"].as_u64().unwrap_or(0) as usize;
            }
        }
    }
    Ok(Room { host, screen, players, tables })
}

async fn worker(args: Args, from: usize, to: usize) {
    let errors = Arc::new(Mutex::new(0u64));
    // Connect rooms a few at a time: a storm of handshakes is not the workload.
    let mut rooms = Vec::new();
    let mut set = tokio::task::JoinSet::new();
    for r in from..to {
        if set.len() >= 8
            && let Some(Ok(res)) = set.join_next().await
        {
            rooms.push(res);
        }
        let e = errors.clone();
        let a = args.clone();
        let _ = r; // rooms are numbered by the server; `r` only counts them
        set.spawn(async move { setup_room(&a, e).await });
    }
    while let Some(Ok(res)) = set.join_next().await {
        rooms.push(res);
    }
    let rooms: Vec<Room> = rooms
        .into_iter()
        .filter_map(|r| {
            r.map_err(|e| {
                eprintln!("room setup failed: {e}");
                *errors.lock().unwrap() += 1;
            })
            .ok()
        })
        .collect();
    println!("READY");
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();

    let started = Instant::now();
    let _ = NOTES_START.set(started);
    let stop_sending = started + Duration::from_secs_f64(args.duration);
    let stop_all = stop_sending + Duration::from_secs(5);
    let sent = Arc::new(Mutex::new(0u64));
    let mut tasks = Vec::new();
    let mut tracks = Vec::new();
    for (ri, room) in rooms.into_iter().enumerate() {
        let track = Arc::new(Mutex::new(Track::default()));
        tracks.push(track.clone());
        let tables = Arc::new(room.tables.clone());
        // The host sees every table: it waits for every note; so does the screen when it
        // shows notes (index 26), else it only reads.
        tasks.push(tokio::spawn(read_loop(room.host, PLAYERS_PER_ROOM, track.clone(), stop_all)));
        if let Some(screen) = room.screen {
            let me = if args.screen_notes { PLAYERS_PER_ROOM + 1 } else { usize::MAX };
            tasks.push(tokio::spawn(read_loop(screen, me, track.clone(), stop_all)));
        }
        for (ws, idx) in room.players {
            let (track, tables, sent) = (track.clone(), tables.clone(), sent.clone());
            let (interval, screen_notes) = (args.interval, args.screen_notes);
            tasks.push(tokio::spawn(async move {
                player_loop(ws, idx, ri + from, tables, track, interval, stop_sending, stop_all, sent, screen_notes)
                    .await
            }));
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    let mut res =
        Results { connect_errors: *errors.lock().unwrap(), sent: *sent.lock().unwrap(), ..Default::default() };
    for t in tracks {
        let mut t = t.lock().unwrap();
        res.sender_ms.append(&mut t.sender_ms);
        res.sender_at.append(&mut t.sender_at);
        res.fanout_ms.append(&mut t.fanout_ms);
        res.lost += t.pending.iter().filter(|p| !p.sender_seen).count() as u64;
    }
    println!("{}", serde_json::to_string(&res).unwrap());
}

/// Checks a received message against the notes this client still waits for.
fn observe(track: &Mutex<Track>, me: usize, text: &str) {
    let now = Instant::now();
    let mut t = track.lock().unwrap();
    let Track { pending, sender_ms, sender_at, fanout_ms } = &mut *t;
    pending.retain_mut(|p| {
        if let Some(pos) = p.waiting.iter().position(|w| *w == me)
            && text.contains(p.text.as_str())
        {
            p.waiting.swap_remove(pos);
            if me == p.sender {
                p.sender_seen = true;
                sender_ms.push(now.duration_since(p.sent).as_secs_f64() * 1000.0);
                sender_at.push(p.sent.duration_since(*NOTES_START.get().unwrap_or(&p.sent)).as_secs_f64());
            }
            if p.waiting.is_empty() {
                fanout_ms.push(now.duration_since(p.sent).as_secs_f64() * 1000.0);
                return false;
            }
        }
        true
    });
}

/// Reads until `stop`, checking every text message against the notes `me` waits for.
async fn read_loop<S>(mut ws: S, me: usize, track: Arc<Mutex<Track>>, stop: Instant)
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let left = stop.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => observe(&track, me, &t),
            Ok(Some(Ok(_))) => {}
            _ => break,
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn player_loop(
    ws: Ws,
    me: usize,
    room: usize,
    tables: Arc<Vec<usize>>,
    track: Arc<Mutex<Track>>,
    interval: f64,
    stop_sending: Instant,
    stop_all: Instant,
    sent: Arc<Mutex<u64>>,
    screen_notes: bool,
) {
    let (mut sink, stream) = ws.split();
    let reader = tokio::spawn(read_loop(stream, me, track.clone(), stop_all));
    let phase = rand::rng().random_range(0.0..interval);
    let mut next = Instant::now() + Duration::from_secs_f64(phase);
    let mut k = 0;
    while next < stop_sending {
        tokio::time::sleep_until(next.into()).await;
        let text = format!("n{room}x{me}x{k}q");
        let my_table = tables[me];
        let mut waiting: Vec<usize> = (0..PLAYERS_PER_ROOM).filter(|p| tables[*p] == my_table).collect();
        waiting.push(PLAYERS_PER_ROOM);
        if screen_notes {
            waiting.push(PLAYERS_PER_ROOM + 1);
        }
        track.lock().unwrap().pending.push(Pending {
            text: text.clone(),
            sent: Instant::now(),
            sender: me,
            waiting,
            sender_seen: false,
        });
        let msg = json!({"type": "note", "kind": "value", "text": text});
        if sink.send(Message::Text(msg.to_string().into())).await.is_err() {
            break;
        }
        *sent.lock().unwrap() += 1;
        k += 1;
        next += Duration::from_secs_f64(interval);
    }
    let _ = reader.await;
}
