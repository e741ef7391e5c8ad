//! The SQLite store on a real file: logs, finish, purge after retention, delete, migrations.

mod support;

use democreatie::game::{Actor, Command, RoomOptions};
use democreatie::store::{LogEntry, RoomRecord, SqliteStore, Store};

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

#[tokio::test]
async fn logs_survive_reopening_and_retention_purges_only_old_finished_rooms() {
    let dir = support::temp_dir("store");
    {
        let s = SqliteStore::open(&dir).unwrap();
        for code in ["BBBBB", "CCCCC", "DDDDD"] {
            s.create_room(record(code)).await.unwrap().unwrap();
        }
        for seq in 1..=3 {
            s.append("BBBBB", entry(seq), &[]).await.unwrap().unwrap();
        }
        assert!(s.append("BBBBB", entry(3), &[]).await.unwrap().is_err(), "a sequence number is never written twice");
        s.finish("CCCCC", 10_000).await.unwrap().unwrap();
        s.finish("DDDDD", 50_000).await.unwrap().unwrap();
        assert!(s.code_taken("CCCCC").await.unwrap().unwrap());
        s.close();
    }
    let s = SqliteStore::open(&dir).unwrap(); // migrations run once; reopening keeps everything
    let unfinished = s.load_unfinished().await.unwrap().unwrap();
    assert_eq!(unfinished.len(), 1);
    let room = unfinished.into_iter().next().unwrap().unwrap();
    assert_eq!(room.record.seed, u64::MAX, "seeds keep all 64 bits");
    assert_eq!(room.log, vec![entry(1), entry(2), entry(3)]);
    assert_eq!(s.purge(20_000).await.unwrap().unwrap(), 1);
    assert!(s.load_room("CCCCC").await.unwrap().unwrap().is_none());
    assert!(s.load_room("DDDDD").await.unwrap().unwrap().is_some());
    s.delete("BBBBB").await.unwrap().unwrap();
    assert!(s.load_room("BBBBB").await.unwrap().unwrap().is_none());
    assert!(!s.code_taken("BBBBB").await.unwrap().unwrap());
}
