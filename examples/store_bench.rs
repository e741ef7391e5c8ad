//! Store benchmark (a measurement, not a test): how many commands per second the SQLite
//! store commits with batching, by number of rooms writing at once, and how long a restart
//! takes with 1,000 unfinished rooms.
//!
//! `cargo run --release --example store_bench`

use std::sync::Arc;
use std::time::{Duration, Instant};

use democreatie::game::{Actor, Command, RoomOptions};
use democreatie::server::{Config, hash_token};
use democreatie::store::{LogEntry, RoomRecord, SqliteStore, Store};

fn temp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("democreatie-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn record(code: &str, toml: &str) -> RoomRecord {
    RoomRecord {
        code: code.into(),
        scenario_toml: toml.into(),
        seed: 7,
        options: RoomOptions::default(),
        host_token_hash: hash_token("host"),
        created_ms: 0,
        finished_ms: None,
        rules_version: 1,
    }
}

fn code(i: usize) -> String {
    let a = democreatie::server::CODE_ALPHABET;
    (0..5).map(|k| a[(i / 20usize.pow(k)) % 20] as char).collect()
}

/// Rooms writing at once, each waiting for its commit like a room task does.
async fn throughput(rooms: usize, seconds: f64) -> f64 {
    let dir = temp(&format!("tp{rooms}"));
    let store = Arc::new(SqliteStore::open(&dir).unwrap());
    for r in 0..rooms {
        store.create_room(record(&code(r), "")).await.unwrap().unwrap();
    }
    let stop = Instant::now() + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for r in 0..rooms {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < stop {
                n += 1;
                let e = LogEntry {
                    seq: n,
                    time_ms: n as i64,
                    actor: Actor::Host,
                    command: Command::Note {
                        kind: "value".into(),
                        text: format!("Een notitie van kamer {r}, nummer {n}"),
                    },
                    token_hash: None,
                    sealed: None,
                };
                store.append(&code(r), e, &[]).await.unwrap().unwrap();
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    store.close();
    let _ = std::fs::remove_dir_all(&dir);
    total as f64 / seconds
}

/// Fills a data folder with `rooms` unfinished rooms, each with 25 joined players, a start,
/// a discussion round with one note each, and then times a server start (with recovery).
async fn restart(rooms: usize) -> (f64, usize) {
    let dir = temp("restart");
    let toml = std::fs::read_to_string("scenarios/skatebaan.toml").unwrap();
    let store = SqliteStore::open(&dir).unwrap();
    let mut commands = 0;
    for r in 0..rooms {
        let c = code(r);
        store.create_room(record(&c, &toml)).await.unwrap().unwrap();
        let mut log: Vec<(Actor, Command)> = (0..25)
            .map(|i| (Actor::Newcomer, Command::Join { name: format!("Speler {i}"), real_role: None }))
            .collect();
        log.push((Actor::Host, Command::Start));
        log.push((Actor::Host, Command::Next));
        for i in 1..=25 {
            let note = Command::Note { kind: "value".into(), text: format!("Waarde {i}") };
            log.push((Actor::Player(democreatie::game::PlayerId(i)), note));
        }
        let mut acks = Vec::new();
        for (seq, (actor, command)) in log.into_iter().enumerate() {
            let token_hash = matches!(command, Command::Join { .. }).then(|| hash_token(&format!("{c}-{seq}")));
            let e = LogEntry { seq: seq as u64 + 1, time_ms: seq as i64, actor, command, token_hash, sealed: None };
            acks.push(store.append(&c, e, &[]));
            commands += 1;
        }
        for a in acks {
            a.await.unwrap().unwrap();
        }
    }
    store.close();
    drop(store);
    let t0 = Instant::now();
    let mut config = Config::for_test("127.0.0.1:0", dir.clone());
    config.max_rooms = rooms + 10;
    let running = democreatie::server::start(config).await.unwrap();
    let took = t0.elapsed().as_secs_f64();
    let served = running.app.rooms.len();
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(served, rooms, "every room is served again");
    (took, commands)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!("| rooms writing at once | commands/s committed |");
    println!("|---:|---:|");
    for rooms in [1, 10, 100, 1000] {
        println!("| {rooms} | {:.0} |", throughput(rooms, 3.0).await);
    }
    let (took, commands) = restart(1000).await;
    println!("\nrestart with 1000 unfinished rooms ({commands} commands): served again after {took:.2} s");
}
