//! The SQLite store: one writer thread owns the connection (WAL mode) and commits the
//! writes of all rooms in small batches, so durability costs a batch, not an fsync per vote.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::oneshot;

use super::{Ack, Loaded, LogEntry, RoomRecord, Store, StoreError, StoredRoom};

type Reply<T = ()> = oneshot::Sender<Result<T, StoreError>>;
use crate::game::{Actor, Millis, PlayerId, Sealed};

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 512;

/// The migrations, in order; `schema_version` records how many have run.
const MIGRATIONS: &[&str] = &[
    r#"
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
"#,
    // Rules version per room (every room before this was recorded under version 1), and
    // the decisions a command took under secret ballot, stored in place of the votes.
    // Rooms recorded before this are sealed by `seal_legacy` right after.
    r#"
    ALTER TABLE rooms ADD COLUMN rules_version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE commands ADD COLUMN sealed TEXT;
"#,
];

/// The schema version from which closed secret ballots are stored sealed.
const SEALED_FROM: usize = 2;

enum Request {
    Write(Write, Reply),
    Purge(Millis, Reply<usize>),
    LoadUnfinished(Reply<Loaded>),
    Load(String, Reply<Option<StoredRoom>>),
    CodeTaken(String, Reply<bool>),
}

/// A write that is answered with `()` once committed.
enum Write {
    Create(RoomRecord),
    Append(String, LogEntry, Vec<PlayerId>),
    Finish(String, Millis),
    Delete(String),
}

pub struct SqliteStore {
    tx: std::sync::Mutex<Option<mpsc::Sender<Request>>>,
    thread: std::sync::Mutex<Option<JoinHandle<()>>>,
    pub path: PathBuf,
}

impl SqliteStore {
    /// Opens (or creates) `democreatie.sqlite3` in `dir`, running any pending migrations.
    /// A damaged file (one that fails SQLite's `quick_check`, or that is empty although
    /// it exists) is moved aside with a message naming both files, and a fresh database
    /// is started: a workshop must go on, and the old file can still be read by
    /// `democreatie report --database FILE`.
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        let path = dir.join("democreatie.sqlite3");
        let unusable = |reason: String| StoreError::Unusable { file: path.display().to_string(), reason };
        std::fs::create_dir_all(dir).map_err(|e| unusable(format!("cannot create the folder: {e}")))?;
        let conn = match open_checked(&path) {
            Ok(conn) => conn,
            Err(Opened::Unusable(reason)) => return Err(unusable(reason)),
            Err(Opened::Damaged(why)) => {
                let aside = move_aside(&path).map_err(|e| unusable(format!("damaged ({why}), and {e}")))?;
                tracing::error!(
                    "the database {} is damaged ({why}); it was moved to {} and a new one started. \
                     Reports of its rooms can still be read with `democreatie report CODE --database {}`",
                    path.display(),
                    aside.display(),
                    aside.display()
                );
                open_checked(&path).map_err(|e| match e {
                    Opened::Unusable(r) | Opened::Damaged(r) => unusable(r),
                })?
            }
        };
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

/// Why a database file could not be opened.
enum Opened {
    /// Damaged: move it aside and start afresh.
    Damaged(String),
    /// Not usable for another reason (permissions, a full disk at start): say so and stop.
    Unusable(String),
}

fn open_checked(path: &Path) -> Result<Connection, Opened> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return Err(Opened::Damaged("the file is empty".into()));
    }
    let classify = |e: rusqlite::Error| {
        if is_corrupt(&e) { Opened::Damaged(e.to_string()) } else { Opened::Unusable(e.to_string()) }
    };
    let mut conn = Connection::open(path).map_err(classify)?;
    let from = setup(&mut conn).map_err(classify)?;
    let check: Vec<String> = conn
        .prepare("PRAGMA quick_check")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(classify)?;
    if check != ["ok"] {
        return Err(Opened::Damaged(format!("quick_check: {}", check.join("; "))));
    }
    if from < SEALED_FROM {
        seal_legacy(&mut conn).map_err(classify)?;
    }
    Ok(conn)
}

/// Moves a damaged database (and its WAL and shared-memory files) aside; answers the new name.
fn move_aside(path: &Path) -> Result<PathBuf, String> {
    let aside = path.with_extension(format!("sqlite3.damaged-{}", now_ms()));
    std::fs::rename(path, &aside).map_err(|e| format!("it cannot be moved aside: {e}"))?;
    for ext in ["-wal", "-shm"] {
        let mut from = path.as_os_str().to_owned();
        from.push(ext);
        let mut to = aside.as_os_str().to_owned();
        to.push(ext);
        if Path::new(&from).exists() {
            let _ = std::fs::rename(&from, &to);
        }
    }
    Ok(aside)
}

fn now_ms() -> Millis {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as Millis)
}

/// Rooms recorded before closed secret ballots were stored sealed: replay each, store the
/// decisions with the command that closed the vote and forget the votes, as a live room
/// does now. A room that does not replay is left as it is (recovery names it).
fn seal_legacy(conn: &mut Connection) -> rusqlite::Result<()> {
    let codes: Vec<String> =
        conn.prepare("SELECT code FROM rooms ORDER BY code")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let tx = conn.transaction()?;
    let mut sealed_any = false;
    for code in codes {
        let Ok(Some(stored)) = load_room(&tx, &code) else { continue };
        let Ok(replayed) = super::replay(&stored) else { continue };
        for (seq, decisions, voters) in replayed.unsealed {
            seal(&tx, &code, seq, &decisions, &voters)?;
            sealed_any = true;
        }
    }
    tx.commit()?;
    if sealed_any {
        tracing::info!("closed secret ballots of older rooms are now stored without the votes");
        checkpoint(conn);
    }
    Ok(())
}

/// Stores what a closed secret ballot decided with command `seq` and deletes the earlier votes
/// and ballots of `voters`.
fn seal(conn: &Connection, code: &str, seq: u64, sealed: &Sealed, voters: &[PlayerId]) -> rusqlite::Result<()> {
    let json = serde_json::to_string(sealed).expect("sealed results serialise");
    conn.execute("UPDATE commands SET sealed = ?3 WHERE room = ?1 AND seq = ?2", params![code, seq as i64, json])?;
    forget_votes(conn, code, seq, voters)
}

fn forget_votes(conn: &Connection, code: &str, before: u64, voters: &[PlayerId]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "DELETE FROM commands WHERE room = ?1 AND seq < ?2 AND actor = ?3 AND json_extract(command, '$.type') IN ('vote', 'approve')",
    )?;
    for p in voters {
        let actor = serde_json::to_string(&Actor::Player(*p)).expect("actors serialise");
        stmt.execute(params![code, before as i64, actor])?;
    }
    Ok(())
}

/// Moves everything from the WAL into the database file and empties the WAL, so that the
/// deleted votes (zeroed in the database by `secure_delete`) are gone from the WAL too.
fn checkpoint(conn: &Connection) {
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
        tracing::warn!("the database could not be checkpointed after forgetting votes: {e}");
    }
}

/// A database opened read-only: for `democreatie report`, which must never move or change
/// a file (it may be one that the server moved aside as damaged).
pub struct SqliteReader {
    conn: Connection,
}

impl SqliteReader {
    pub fn open(path: &Path) -> Result<SqliteReader, StoreError> {
        let unusable = |reason: String| StoreError::Unusable { file: path.display().to_string(), reason };
        if !path.is_file() {
            return Err(unusable("there is no such file".into()));
        }
        use rusqlite::OpenFlags;
        let ro = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        // Only the schema is read here: a damaged page elsewhere must not stop the rooms
        // that can still be read from being reported.
        let open = |uri: String| {
            Connection::open_with_flags(uri, ro).and_then(|c| {
                c.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'rooms'", [], |r| r.get::<_, i64>(0))?;
                Ok(c)
            })
        };
        let file = path.display().to_string().replace('%', "%25").replace('?', "%3f").replace('#', "%23");
        // Without a WAL beside it (a server that stopped cleanly, or a file moved aside),
        // `immutable=1` reads the file as it is and makes no files of its own. With one (a
        // running server), `mode=ro` reads the WAL too: the newest commits are there.
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        let conn = if Path::new(&wal).exists() {
            open(format!("file:{file}?mode=ro")).or_else(|_| open(format!("file:{file}?immutable=1")))
        } else {
            open(format!("file:{file}?immutable=1"))
        }
        .map_err(|e| unusable(e.to_string()))?;
        Ok(SqliteReader { conn })
    }

    pub fn load_room(&self, code: &str) -> Result<Option<StoredRoom>, StoreError> {
        load_room(&self.conn, code)
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

/// Prepares a connection and runs pending migrations; answers the schema version the file
/// had before.
fn setup(conn: &mut Connection) -> rusqlite::Result<usize> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted rows (forgotten votes, deleted rooms) are overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let version: Option<i64> = conn.query_row("SELECT version FROM schema_version", [], |r| r.get(0)).optional()?;
    let version = match version {
        Some(v) => v as usize,
        None => {
            conn.execute("INSERT INTO schema_version (version) VALUES (0)", [])?;
            0
        }
    };
    for (i, m) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(m)?;
        tx.execute("UPDATE schema_version SET version = ?1", [i as i64 + 1])?;
        tx.commit()?;
    }
    // Reading once proves the file is a database we can use, before rooms depend on it.
    conn.query_row("SELECT count(*) FROM rooms", [], |r| r.get::<_, i64>(0))?;
    // A new file needs no sealing: report the current version for it.
    Ok(if version == 0 { MIGRATIONS.len() } else { version })
}

/// The writer loop: take one request, then whatever else is waiting (up to a batch), run
/// the writes in one transaction, commit, then answer them all. When anything in a batch
/// fails (a full disk, say), the batch is rolled back and each write is tried again in a
/// transaction of its own, so one failure never takes others with it and nothing is
/// answered as stored that is not.
fn writer(mut conn: Connection, rx: mpsc::Receiver<Request>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        let mut writes = Vec::new();
        let mut acks = Vec::new();
        let mut others = Vec::new();
        for r in batch {
            match r {
                Request::Write(w, ack) => {
                    writes.push(w);
                    acks.push(ack);
                }
                other => others.push(other),
            }
        }
        if !writes.is_empty() {
            write_batch(&mut conn, writes, acks);
        }
        // Reads come after the writes taken with them, so they see those writes.
        for r in others {
            other(&mut conn, r);
        }
    }
}

fn write_batch(conn: &mut Connection, writes: Vec<Write>, acks: Vec<Reply>) {
    {
        let results = match commit(conn, &writes) {
            Ok(()) => writes.iter().map(|_| Ok(())).collect(),
            Err(_) if writes.len() > 1 => writes.iter().map(|w| commit(conn, std::slice::from_ref(w))).collect(),
            Err(e) => vec![Err(e)],
        };
        if writes.iter().any(|w| matches!(w, Write::Append(_, e, _) if e.sealed.is_some())) {
            checkpoint(conn);
        }
        for (ack, r) in acks.into_iter().zip(results) {
            let _ = ack.send(r);
        }
    }
}

/// Runs `writes` in one transaction and commits it; on any error nothing of it stays.
/// `BEGIN` and `COMMIT` are cached statements: rusqlite's `transaction()` parses both again
/// for every commit, which was a third of this thread's time under the peer workload
/// (docs/performance.md, "Session 6").
fn commit(conn: &mut Connection, writes: &[Write]) -> Result<(), StoreError> {
    conn.prepare_cached("BEGIN")?.execute([])?;
    let done = write_all(conn, writes).and_then(|()| Ok(conn.prepare_cached("COMMIT")?.execute([]).map(|_| ())?));
    if done.is_err() && !conn.is_autocommit() {
        // Still in the transaction (a write or the commit failed): undo it all.
        if let Err(e) = conn.prepare_cached("ROLLBACK").and_then(|mut s| s.execute([])) {
            tracing::warn!("a failed batch could not be rolled back: {e}");
        }
    }
    done
}

fn write_all(tx: &Connection, writes: &[Write]) -> Result<(), StoreError> {
    for w in writes {
        match w {
            Write::Create(rec) => {
                tx.execute(
                    "INSERT INTO rooms (code, scenario_toml, seed, options, host_token_hash, created_ms, finished_ms, rules_version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        rec.code,
                        rec.scenario_toml,
                        rec.seed as i64,
                        serde_json::to_string(&rec.options).expect("options serialise"),
                        rec.host_token_hash,
                        rec.created_ms,
                        rec.finished_ms,
                        rec.rules_version
                    ],
                )?;
            }
            Write::Append(code, e, forget) => {
                if !forget.is_empty() {
                    forget_votes(tx, code, e.seq, forget)?;
                }
                // Every command goes through here: the statement is prepared once per
                // connection, not parsed again for each.
                tx.prepare_cached(
                    "INSERT INTO commands (room, seq, time_ms, actor, command, token_hash, sealed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                        code,
                        e.seq as i64,
                        e.time_ms,
                        serde_json::to_string(&e.actor).expect("actors serialise"),
                        serde_json::to_string(&e.command).expect("commands serialise"),
                        e.token_hash,
                        e.sealed.as_ref().map(|s| serde_json::to_string(s).expect("decisions serialise"))
                    ])?;
            }
            Write::Finish(code, at) => {
                tx.execute(
                    "UPDATE rooms SET finished_ms = ?2 WHERE code = ?1 AND finished_ms IS NULL",
                    params![code, at],
                )?;
            }
            Write::Delete(code) => {
                tx.execute("DELETE FROM commands WHERE room = ?1", [code])?;
                tx.execute("DELETE FROM rooms WHERE code = ?1", [code])?;
            }
        }
    }
    Ok(())
}

/// Answers a read, or purges (a write with its own answer, in its own transaction).
fn other(conn: &mut Connection, req: Request) {
    match req {
        Request::LoadUnfinished(ack) => drop(ack.send(load_unfinished(conn))),
        Request::Load(code, ack) => drop(ack.send(load_room(conn, &code))),
        Request::CodeTaken(code, ack) => {
            let r = conn.query_row("SELECT count(*) FROM rooms WHERE code = ?1", [&code], |r| r.get::<_, i64>(0));
            let _ = ack.send(r.map(|n| n > 0).map_err(Into::into));
        }
        Request::Purge(before, ack) => {
            let purge = |conn: &mut Connection| -> rusqlite::Result<usize> {
                let tx = conn.transaction()?;
                tx.execute(
                    "DELETE FROM commands WHERE room IN (SELECT code FROM rooms WHERE finished_ms < ?1)",
                    [before],
                )?;
                let n = tx.execute("DELETE FROM rooms WHERE finished_ms < ?1", [before])?;
                tx.commit()?;
                Ok(n)
            };
            let _ = ack.send(purge(conn).map_err(Into::into));
        }
        Request::Write(..) => unreachable!("writes are batched"),
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
            rules_version: row.get(7)?,
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
    rules_version: u32,
}

const ROOM_COLUMNS: &str =
    "code, scenario_toml, seed, options, host_token_hash, created_ms, finished_ms, rules_version";

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
    let mut stmt = conn.prepare_cached(
        "SELECT seq, time_ms, actor, command, token_hash, sealed FROM commands WHERE room = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([&raw.code], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut log = Vec::new();
    for row in rows {
        let (seq, time_ms, actor, command, token_hash, sealed) = row?;
        let bad = |what: &str, e: serde_json::Error| StoreError::Damaged(format!("command {seq}: {what}: {e}"));
        log.push(LogEntry {
            seq: seq as u64,
            time_ms,
            actor: serde_json::from_str(&actor).map_err(|e| bad("actor", e))?,
            command: serde_json::from_str(&command).map_err(|e| bad("command", e))?,
            token_hash,
            sealed: sealed.map(|s| serde_json::from_str(&s).map_err(|e| bad("sealed decisions", e))).transpose()?,
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
            rules_version: raw.rules_version,
        },
        log,
    })
}

impl Store for SqliteStore {
    fn create_room(&self, record: RoomRecord) -> Ack {
        self.send(|a| Request::Write(Write::Create(record), a))
    }
    fn append(&self, code: &str, entry: LogEntry, forget_votes_of: &[PlayerId]) -> Ack {
        self.send(|a| Request::Write(Write::Append(code.to_string(), entry, forget_votes_of.to_vec()), a))
    }
    fn finish(&self, code: &str, at: Millis) -> Ack {
        self.send(|a| Request::Write(Write::Finish(code.to_string(), at), a))
    }
    fn delete(&self, code: &str) -> Ack {
        self.send(|a| Request::Write(Write::Delete(code.to_string()), a))
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
    fn name(&self) -> String {
        self.path.display().to_string()
    }
    fn close(&self) {
        SqliteStore::close(self);
    }
}
