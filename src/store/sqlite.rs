//! The SQLite store: one writer thread owns the connection (WAL mode) and commits the
//! writes of all rooms in small batches, so durability costs a batch, not an fsync per vote.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::oneshot;

use super::{Ack, Loaded, LogEntry, RoomRecord, Store, StoreError, StoredRoom};

type Reply<T = ()> = oneshot::Sender<Result<T, StoreError>>;
use crate::game::Millis;

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 512;

/// The migrations, in order; `schema_version` records how many have run.
const MIGRATIONS: &[&str] = &[r#"
    CREATE TABLE rooms (
        code TEXT PRIMARY KEY,
        scenario_toml TEXT NOT NULL,
        seed INTEGER NOT NULL,
        options TEXT NOT NULL,
        host_token_hash TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        finished_ms INTEGER
    );
    CREATE TABLE commands (
        room TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        time_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        command TEXT NOT NULL,
        token_hash TEXT,
        PRIMARY KEY (room, seq)
    ) WITHOUT ROWID;
    CREATE INDEX rooms_unfinished ON rooms(finished_ms);
"#];

enum Request {
    Create(RoomRecord, Reply),
    Append(String, LogEntry, Reply),
    Finish(String, Millis, Reply),
    Delete(String, Reply),
    Purge(Millis, Reply<usize>),
    LoadUnfinished(Reply<Loaded>),
    Load(String, Reply<Option<StoredRoom>>),
    CodeTaken(String, Reply<bool>),
}

pub struct SqliteStore {
    tx: std::sync::Mutex<Option<mpsc::Sender<Request>>>,
    thread: std::sync::Mutex<Option<JoinHandle<()>>>,
    pub path: PathBuf,
}

impl SqliteStore {
    /// Opens (or creates) `democreatie.sqlite3` in `dir`, running any pending migrations.
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        let path = dir.join("democreatie.sqlite3");
        let unusable = |reason: String| StoreError::Unusable { file: path.display().to_string(), reason };
        std::fs::create_dir_all(dir).map_err(|e| unusable(format!("cannot create the folder: {e}")))?;
        let mut conn = Connection::open(&path).map_err(|e| unusable(e.to_string()))?;
        if let Err(e) = setup(&mut conn) {
            if !is_corrupt(&e) {
                return Err(unusable(e.to_string()));
            }
            // A workshop must go on: keep the damaged file for inspection, start afresh.
            drop(conn);
            let aside = path.with_extension(format!("sqlite3.corrupt-{}", crate::server::now_ms()));
            std::fs::rename(&path, &aside).map_err(|e| unusable(format!("damaged and cannot be moved aside: {e}")))?;
            tracing::error!(
                "the database {} is damaged ({e}); it was moved to {} and a new one started",
                path.display(),
                aside.display()
            );
            conn = Connection::open(&path).map_err(|e| unusable(e.to_string()))?;
            setup(&mut conn).map_err(|e| unusable(e.to_string()))?;
        }
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer(conn, rx))
            .map_err(|e| unusable(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStore { tx: std::sync::Mutex::new(Some(tx)), thread: std::sync::Mutex::new(Some(thread)), path })
    }

    /// Finishes every pending write and stops the writer thread.
    pub fn close(&self) {
        drop(self.tx.lock().expect("the store lock is never poisoned").take());
        if let Some(t) = self.thread.lock().expect("the store lock is never poisoned").take() {
            let _ = t.join();
        }
    }

    fn send<T>(&self, make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Request) -> Ack<T> {
        let (tx, rx) = oneshot::channel();
        let guard = self.tx.lock().expect("the store lock is never poisoned");
        match guard.as_ref() {
            Some(sender) => {
                if let Err(mpsc::SendError(req)) = sender.send(make(tx)) {
                    drop(req);
                }
            }
            None => {
                let _ = tx.send(Err(StoreError::Closed));
            }
        }
        rx
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.close();
    }
}

fn is_corrupt(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt))
}

fn setup(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let version: Option<i64> = conn.query_row("SELECT version FROM schema_version", [], |r| r.get(0)).optional()?;
    let version = version.unwrap_or_else(|| {
        let _ = conn.execute("INSERT INTO schema_version (version) VALUES (0)", []);
        0
    }) as usize;
    for (i, m) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(m)?;
        tx.execute("UPDATE schema_version SET version = ?1", [i as i64 + 1])?;
        tx.commit()?;
    }
    // Reading once proves the file is a database we can use, before rooms depend on it.
    conn.query_row("SELECT count(*) FROM rooms", [], |r| r.get::<_, i64>(0))?;
    Ok(())
}

/// The writer loop: take one request, then whatever else is waiting (up to a batch), run
/// the writes in one transaction, commit, then answer them all.
fn writer(mut conn: Connection, rx: mpsc::Receiver<Request>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        let mut acks: Vec<(Reply, Result<(), StoreError>)> = Vec::new();
        let tx = match conn.transaction() {
            Ok(tx) => tx,
            Err(e) => {
                let msg = e.to_string();
                for r in batch {
                    fail(r, &msg);
                }
                continue;
            }
        };
        for req in batch {
            match req {
                Request::Create(rec, ack) => {
                    let r = tx.execute(
                        "INSERT INTO rooms (code, scenario_toml, seed, options, host_token_hash, created_ms, finished_ms)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![
                            rec.code,
                            rec.scenario_toml,
                            rec.seed as i64,
                            serde_json::to_string(&rec.options).expect("options serialise"),
                            rec.host_token_hash,
                            rec.created_ms,
                            rec.finished_ms
                        ],
                    );
                    acks.push((ack, r.map(drop).map_err(Into::into)));
                }
                Request::Append(code, e, ack) => {
                    let r = tx.execute(
                        "INSERT INTO commands (room, seq, time_ms, actor, command, token_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![
                            code,
                            e.seq as i64,
                            e.time_ms,
                            serde_json::to_string(&e.actor).expect("actors serialise"),
                            serde_json::to_string(&e.command).expect("commands serialise"),
                            e.token_hash
                        ],
                    );
                    acks.push((ack, r.map(drop).map_err(Into::into)));
                }
                Request::Finish(code, at, ack) => {
                    let r = tx.execute(
                        "UPDATE rooms SET finished_ms = ?2 WHERE code = ?1 AND finished_ms IS NULL",
                        params![code, at],
                    );
                    acks.push((ack, r.map(drop).map_err(Into::into)));
                }
                Request::Delete(code, ack) => {
                    let r = tx
                        .execute("DELETE FROM commands WHERE room = ?1", [&code])
                        .and_then(|_| tx.execute("DELETE FROM rooms WHERE code = ?1", [&code]));
                    acks.push((ack, r.map(drop).map_err(Into::into)));
                }
                Request::Purge(before, ack) => {
                    let r = tx
                        .execute(
                            "DELETE FROM commands WHERE room IN (SELECT code FROM rooms WHERE finished_ms < ?1)",
                            [before],
                        )
                        .and_then(|_| tx.execute("DELETE FROM rooms WHERE finished_ms < ?1", [before]));
                    let _ = ack.send(r.map_err(Into::into));
                }
                Request::LoadUnfinished(ack) => {
                    let _ = ack.send(load_unfinished(&tx));
                }
                Request::Load(code, ack) => {
                    let _ = ack.send(load_room(&tx, &code));
                }
                Request::CodeTaken(code, ack) => {
                    let r = tx.query_row("SELECT count(*) FROM rooms WHERE code = ?1", [&code], |r| r.get::<_, i64>(0));
                    let _ = ack.send(r.map(|n| n > 0).map_err(Into::into));
                }
            }
        }
        match tx.commit() {
            Ok(()) => {
                for (ack, r) in acks {
                    let _ = ack.send(r);
                }
            }
            Err(e) => {
                for (ack, _) in acks {
                    let _ = ack.send(Err(StoreError::Damaged(format!("commit failed: {e}"))));
                }
            }
        }
    }
}

fn fail(req: Request, msg: &str) {
    let e = || StoreError::Damaged(msg.to_string());
    match req {
        Request::Create(_, a) | Request::Append(_, _, a) | Request::Finish(_, _, a) | Request::Delete(_, a) => {
            let _ = a.send(Err(e()));
        }
        Request::Purge(_, a) => drop(a.send(Err(e()))),
        Request::LoadUnfinished(a) => drop(a.send(Err(e()))),
        Request::Load(_, a) => drop(a.send(Err(e()))),
        Request::CodeTaken(_, a) => drop(a.send(Err(e()))),
    }
}

fn read_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<(RoomRecordRaw, String)> {
    Ok((
        RoomRecordRaw {
            code: row.get(0)?,
            scenario_toml: row.get(1)?,
            seed: row.get::<_, i64>(2)? as u64,
            options: row.get(3)?,
            host_token_hash: row.get(4)?,
            created_ms: row.get(5)?,
            finished_ms: row.get(6)?,
        },
        row.get(0)?,
    ))
}

struct RoomRecordRaw {
    code: String,
    scenario_toml: String,
    seed: u64,
    options: String,
    host_token_hash: String,
    created_ms: i64,
    finished_ms: Option<i64>,
}

const ROOM_COLUMNS: &str = "code, scenario_toml, seed, options, host_token_hash, created_ms, finished_ms";

fn load_unfinished(conn: &Connection) -> Result<Loaded, StoreError> {
    let mut stmt =
        conn.prepare(&format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE finished_ms IS NULL ORDER BY code"))?;
    let raws: Vec<(RoomRecordRaw, String)> = stmt.query_map([], read_record)?.collect::<Result<_, _>>()?;
    Ok(raws.into_iter().map(|(raw, code)| complete(conn, raw).map_err(|e| (code, e))).collect())
}

fn load_room(conn: &Connection, code: &str) -> Result<Option<StoredRoom>, StoreError> {
    let raw =
        conn.query_row(&format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE code = ?1"), [code], read_record).optional()?;
    raw.map(|(raw, _)| complete(conn, raw)).transpose()
}

fn complete(conn: &Connection, raw: RoomRecordRaw) -> Result<StoredRoom, StoreError> {
    let options = serde_json::from_str(&raw.options).map_err(|e| StoreError::Damaged(format!("options: {e}")))?;
    let mut stmt = conn
        .prepare_cached("SELECT seq, time_ms, actor, command, token_hash FROM commands WHERE room = ?1 ORDER BY seq")?;
    let rows = stmt.query_map([&raw.code], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get(4)?))
    })?;
    let mut log = Vec::new();
    for row in rows {
        let (seq, time_ms, actor, command, token_hash) = row?;
        let bad = |what: &str, e: serde_json::Error| StoreError::Damaged(format!("command {seq}: {what}: {e}"));
        log.push(LogEntry {
            seq: seq as u64,
            time_ms,
            actor: serde_json::from_str(&actor).map_err(|e| bad("actor", e))?,
            command: serde_json::from_str(&command).map_err(|e| bad("command", e))?,
            token_hash,
        });
    }
    Ok(StoredRoom {
        record: RoomRecord {
            code: raw.code,
            scenario_toml: raw.scenario_toml,
            seed: raw.seed,
            options,
            host_token_hash: raw.host_token_hash,
            created_ms: raw.created_ms,
            finished_ms: raw.finished_ms,
        },
        log,
    })
}

impl Store for SqliteStore {
    fn create_room(&self, record: RoomRecord) -> Ack {
        self.send(|a| Request::Create(record, a))
    }
    fn append(&self, code: &str, entry: LogEntry) -> Ack {
        self.send(|a| Request::Append(code.to_string(), entry, a))
    }
    fn finish(&self, code: &str, at: Millis) -> Ack {
        self.send(|a| Request::Finish(code.to_string(), at, a))
    }
    fn delete(&self, code: &str) -> Ack {
        self.send(|a| Request::Delete(code.to_string(), a))
    }
    fn purge(&self, before: Millis) -> Ack<usize> {
        self.send(|a| Request::Purge(before, a))
    }
    fn load_unfinished(&self) -> Ack<Loaded> {
        self.send(Request::LoadUnfinished)
    }
    fn load_room(&self, code: &str) -> Ack<Option<StoredRoom>> {
        self.send(|a| Request::Load(code.to_string(), a))
    }
    fn code_taken(&self, code: &str) -> Ack<bool> {
        self.send(|a| Request::CodeTaken(code.to_string(), a))
    }
}
