//! The store's own suite, run against both stores: SQLite on a real file and PostgreSQL on
//! a real (throwaway) cluster: logs, finish, purge after retention, delete, migrations,
//! forgetting the votes of a closed secret ballot, and (PostgreSQL) the leases of rooms.

mod support;

use democreatie::game::{Actor, Command, RoomOptions};
use std::sync::Arc;
use std::time::Duration;

use democreatie::game::PlayerId;
use democreatie::store::{Claim, LogEntry, PostgresStore, RoomRecord, SqliteStore, Store};

fn record(code: &str) -> RoomRecord {
    RoomRecord {
        code: code.into(),
        scenario_toml: "id = \"x\"".into(),
        seed: u64::MAX,
        options: RoomOptions::default(),
        host_token_hash: "hash".into(),
        created_ms: 1_000,
        finished_ms: None,
        rules_version: 1,
    }
}

fn entry(seq: u64) -> LogEntry {
    LogEntry {
        seq,
        time_ms: 2_000 + seq as i64,
        actor: Actor::Newcomer,
        command: Command::Join { name: format!("P{seq}"), real_role: None },
        token_hash: Some(format!("t{seq}")),
        sealed: None,
    }
}

fn vote(seq: u64, p: u32) -> LogEntry {
    LogEntry {
        seq,
        time_ms: 3_000 + seq as i64,
        actor: Actor::Player(PlayerId(p)),
        command: serde_json::from_value(serde_json::json!({"type": "vote", "choice": "support"})).unwrap(),
        token_hash: None,
        sealed: None,
    }
}

/// The suite: `open` opens the same store again (a restart), `close` lets it go.
async fn suite(open: impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = Arc<dyn Store>>>>) {
    {
        let s = open().await;
        for code in ["BBBBB", "CCCCC", "DDDDD"] {
            s.create_room(record(code)).await.unwrap().unwrap();
        }
        assert!(s.create_room(record("BBBBB")).await.unwrap().is_err(), "a code is never stored twice");
        for seq in 1..=3 {
            s.append("BBBBB", entry(seq), &[]).await.unwrap().unwrap();
        }
        assert!(s.append("BBBBB", entry(3), &[]).await.unwrap().is_err(), "a sequence number is never written twice");
        assert!(s.append("ZZZZZ", entry(1), &[]).await.unwrap().is_err(), "no log without its room");
        s.finish("CCCCC", 10_000).await.unwrap().unwrap();
        s.finish("DDDDD", 50_000).await.unwrap().unwrap();
        s.finish("DDDDD", 60_000).await.unwrap().unwrap(); // a second finish keeps the first time
        assert!(s.code_taken("CCCCC").await.unwrap().unwrap());
        s.close();
    }
    let s = open().await; // migrations run once; reopening keeps everything
    let unfinished = s.load_unfinished().await.unwrap().unwrap();
    assert_eq!(unfinished.len(), 1);
    let room = unfinished.into_iter().next().unwrap().unwrap();
    assert_eq!(room.record, record("BBBBB"));
    assert_eq!(room.record.seed, u64::MAX, "seeds keep all 64 bits");
    assert_eq!(room.log, vec![entry(1), entry(2), entry(3)]);
    assert_eq!(s.load_room("DDDDD").await.unwrap().unwrap().unwrap().record.finished_ms, Some(50_000));
    assert_eq!(s.purge(20_000).await.unwrap().unwrap(), 1);
    assert!(s.load_room("CCCCC").await.unwrap().unwrap().is_none());
    assert!(s.load_room("DDDDD").await.unwrap().unwrap().is_some());
    s.delete("BBBBB").await.unwrap().unwrap();
    assert!(s.load_room("BBBBB").await.unwrap().unwrap().is_none());
    assert!(!s.code_taken("BBBBB").await.unwrap().unwrap());

    // A closed secret ballot: the votes go in the same transaction as the closing command.
    s.create_room(record("EEEEE")).await.unwrap().unwrap();
    s.append("EEEEE", entry(1), &[]).await.unwrap().unwrap();
    s.append("EEEEE", vote(2, 1), &[]).await.unwrap().unwrap();
    s.append("EEEEE", vote(3, 2), &[]).await.unwrap().unwrap();
    let mut close = entry(4);
    close.command = democreatie::game::Command::Next;
    close.actor = Actor::Host;
    close.token_hash = None;
    s.append("EEEEE", close.clone(), &[PlayerId(1)]).await.unwrap().unwrap();
    let log = s.load_room("EEEEE").await.unwrap().unwrap().unwrap().log;
    assert_eq!(log, vec![entry(1), vote(3, 2), close], "player 1's vote is forgotten, player 2's is not");
    s.close();
}

#[tokio::test]
async fn the_sqlite_store_passes_the_suite() {
    let dir = support::temp_dir("store");
    suite(move || {
        let dir = dir.clone();
        Box::pin(async move { Arc::new(SqliteStore::open(&dir).unwrap()) as Arc<dyn Store> })
    })
    .await;
}

#[tokio::test]
async fn the_postgres_store_passes_the_suite() {
    let pg = support::Postgres::start();
    let url = pg.database_for(&support::temp_dir("store-pg")).await;
    suite(move || {
        let url = url.clone();
        Box::pin(async move { PostgresStore::open(&url, Duration::from_secs(5)).await.unwrap() as Arc<dyn Store> })
    })
    .await;
}

#[tokio::test]
async fn a_room_has_one_owner_at_a_time_and_a_lost_lease_fences_writes() {
    let pg = support::Postgres::start();
    let url = pg.database_for(&support::temp_dir("lease")).await;
    let lease = Duration::from_secs(1);
    let a = PostgresStore::open(&url, lease).await.unwrap();
    let b = PostgresStore::open(&url, lease).await.unwrap();
    assert_ne!(a.node(), b.node());
    a.create_room(record("FFFFF")).await.unwrap().unwrap();
    assert_eq!(b.claim("QQQQQ").await.unwrap(), Claim::Missing);
    assert_eq!(a.claim("FFFFF").await.unwrap(), Claim::Ours);
    assert_eq!(a.claim("FFFFF").await.unwrap(), Claim::Ours, "claiming again renews");
    assert_eq!(b.claim("FFFFF").await.unwrap(), Claim::Held(a.node().to_string()));
    assert_eq!(b.live_owner("FFFFF").await.unwrap().as_deref(), Some(a.node()));
    a.append("FFFFF", entry(1), &[]).await.unwrap().unwrap();
    assert!(b.append("FFFFF", entry(2), &[]).await.unwrap().is_err(), "a node that does not own the room cannot write");
    assert_eq!(a.renew(&["FFFFF".into()]).await.unwrap(), vec!["FFFFF".to_string()]);
    // a stops renewing (it died): after the lease b takes over, and a's writes are refused.
    tokio::time::sleep(lease + Duration::from_millis(300)).await;
    assert_eq!(b.claim("FFFFF").await.unwrap(), Claim::Ours);
    assert!(a.renew(&["FFFFF".into()]).await.unwrap().is_empty(), "a learns it lost the room");
    assert!(a.append("FFFFF", entry(2), &[]).await.unwrap().is_err(), "the old owner is fenced off");
    b.append("FFFFF", entry(2), &[]).await.unwrap().unwrap();
    // Giving a room up lets another node claim it at once.
    b.release("FFFFF").await.unwrap();
    assert_eq!(a.claim("FFFFF").await.unwrap(), Claim::Ours);
    assert_eq!(a.load_room("FFFFF").await.unwrap().unwrap().unwrap().log, vec![entry(1), entry(2)]);
}

#[tokio::test]
async fn an_unreachable_postgres_is_a_clear_error_at_start() {
    // A port nobody listens on (bound, then closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let started = std::time::Instant::now();
    let e = PostgresStore::open(&format!("postgres://user:secret@127.0.0.1:{port}/db"), Duration::from_secs(5))
        .await
        .err()
        .expect("no store without PostgreSQL");
    let text = e.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}/db")) && text.contains("PostgreSQL"), "{text}");
    assert!(!text.contains("secret"), "the password is never shown: {text}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let e = PostgresStore::open("mysql://x", Duration::from_secs(5)).await.err().unwrap().to_string();
    assert!(e.contains("--database-url") && e.contains("postgres://"), "{e}");
}
