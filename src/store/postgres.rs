//! The PostgreSQL store (`--database-url`), for a hosted service with several nodes: the
//! same log and room records as SQLite, plus each room's ownership lease (which node serves
//! it, until when) and a notification channel between nodes.
//!
//! Behaviour matches [`super::SqliteStore`] (the store tests run against both): a write is
//! answered once committed, a closed secret ballot forgets its votes in the same
//! transaction. Unlike SQLite, writes are not batched by one thread: a pool of connections
//! commits concurrently, and one room never has two writes in flight (its task waits for
//! each answer).
//!
//! Leases use the database's clock (`now()`), so the nodes' clocks need not agree. A write
//! to a room's log is fenced: it is stored only while this node owns the room (or nobody
//! does), so a node that lost its lease (a long pause, a network split) cannot write behind
//! the new owner's back; `(room, seq)` being the key fences it a second time.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use futures_util::StreamExt;
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::{AsyncMessage, NoTls};
use tracing::{info, warn};

use super::{Ack, Loaded, LogEntry, RoomRecord, Store, StoreError, StoredRoom};
use crate::game::{Actor, Millis, PlayerId};

/// The notification channel between nodes.
const CHANNEL: &str = "democreatie";

/// Connections per node: a room waits for each write, so this bounds concurrent rooms'
/// writes, not a room's.
const POOL_SIZE: usize = 16;

/// How long a request waits for a connection or for PostgreSQL to answer a connect, before
/// it is answered `storage_unavailable`: a workshop must hear "try again", not hang.
const WAIT: Duration = Duration::from_secs(3);

/// The migrations, in order; `schema_version` records how many have run. Nodes starting at
/// once take an advisory lock, so each migration runs once.
const MIGRATIONS: &[&str] = &[r#"
    CREATE TABLE rooms (
        code TEXT PRIMARY KEY,
        scenario_toml TEXT NOT NULL,
        seed BIGINT NOT NULL,
        options TEXT NOT NULL,
        host_token_hash TEXT NOT NULL,
        created_ms BIGINT NOT NULL,
        finished_ms BIGINT,
        rules_version INTEGER NOT NULL,
        owner TEXT,
        lease_until TIMESTAMPTZ
    );
    CREATE INDEX rooms_unfinished ON rooms (finished_ms);
    CREATE TABLE commands (
        room TEXT NOT NULL REFERENCES rooms (code) ON DELETE CASCADE,
        seq BIGINT NOT NULL,
        time_ms BIGINT NOT NULL,
        actor TEXT NOT NULL,
        command TEXT NOT NULL,
        token_hash TEXT,
        sealed TEXT,
        PRIMARY KEY (room, seq)
    );
"#];

/// A key for `pg_advisory_xact_lock` while migrating ("demo" in ASCII).
const MIGRATION_LOCK: i64 = 0x6465_6d6f;

/// Who serves a room, as a claim found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This node owns the room now (until its lease runs out unless renewed).
    Ours,
    /// Another node's lease is still running.
    Held(String),
    /// No such room.
    Missing,
}

/// What one node asks another through PostgreSQL's LISTEN/NOTIFY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The room was deleted by its host on another node: close its sessions, forget it.
    Delete(String),
    /// Another node received a session for the room (the proxy's hash moved): hand it over.
    Release(String),
}

impl Notice {
    fn payload(&self) -> String {
        match self {
            Notice::Delete(c) => format!("delete {c}"),
            Notice::Release(c) => format!("release {c}"),
        }
    }
    fn parse(s: &str) -> Option<Notice> {
        let (op, code) = s.split_once(' ')?;
        match op {
            "delete" => Some(Notice::Delete(code.to_string())),
            "release" => Some(Notice::Release(code.to_string())),
            _ => None,
        }
    }
}

pub struct PostgresStore {
    pool: Pool,
    config: tokio_postgres::Config,
    /// This node's name in `rooms.owner`: host, process and a random part, so a restarted
    /// process never mistakes an old lease for its own.
    node: String,
    lease: Duration,
    /// Where the store is, for messages (never the password).
    pub place: String,
}

/// A PostgreSQL or pool error with its causes ("error connecting to server: Connection
/// refused"), since the outer message alone does not say what to fix.
fn pg(e: impl std::error::Error) -> StoreError {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    StoreError::Postgres(text)
}

impl PostgresStore {
    /// Connects, runs pending migrations, and answers the store; a clear error when
    /// PostgreSQL cannot be reached or used.
    pub async fn open(url: &str, lease: Duration) -> Result<Arc<PostgresStore>, StoreError> {
        let mut config = tokio_postgres::Config::from_str(url).map_err(|e| StoreError::Unusable {
            file: "given with --database-url".into(),
            reason: format!("it is not a PostgreSQL URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE): {e}"),
        })?;
        config.connect_timeout(WAIT);
        config.application_name("democreatie");
        let place = describe(&config);
        let manager =
            Manager::from_config(config.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(WAIT))
            .create_timeout(Some(WAIT))
            .recycle_timeout(Some(WAIT))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Unusable { file: place.clone(), reason: e.to_string() })?;
        let store = PostgresStore { pool, config, node: node_name(), lease, place };
        store.migrate().await.map_err(|e| StoreError::Unusable {
            file: store.place.clone(),
            reason: format!("PostgreSQL cannot be used: {}", e.to_string().trim_start_matches("PostgreSQL: ")),
        })?;
        info!(node = %store.node, "using PostgreSQL at {}", store.place);
        Ok(Arc::new(store))
    }

    /// This node's name in the leases.
    pub fn node(&self) -> &str {
        &self.node
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pg)?;
        let tx = client.transaction().await.map_err(pg)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.map_err(pg)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)").await.map_err(pg)?;
        let version: Option<i32> =
            tx.query_opt("SELECT version FROM schema_version", &[]).await.map_err(pg)?.map(|r| r.get(0));
        let version = match version {
            Some(v) => v as usize,
            None => {
                tx.execute("INSERT INTO schema_version (version) VALUES (0)", &[]).await.map_err(pg)?;
                0
            }
        };
        if version > MIGRATIONS.len() {
            return Err(StoreError::Postgres(format!(
                "the database has schema version {version}, and this build knows up to {}: use a newer build",
                MIGRATIONS.len()
            )));
        }
        for (i, m) in MIGRATIONS.iter().enumerate().skip(version) {
            tx.batch_execute(m).await.map_err(pg)?;
            tx.execute("UPDATE schema_version SET version = $1", &[&(i as i32 + 1)]).await.map_err(pg)?;
        }
        tx.commit().await.map_err(pg)
    }

    /// Runs `work` on a pooled connection in a task of its own; the answer comes on the ack.
    fn run<T, F, Fut>(&self, work: F) -> Ack<T>
    where
        T: Send + 'static,
        F: FnOnce(Pool) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<T, StoreError>> + Send,
    {
        let (tx, rx) = oneshot::channel();
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let _ = tx.send(work(pool).await);
        });
        rx
    }

    /// Claims a room for this node: when nobody owns it, this node does, or the owner's
    /// lease ran out. Renews it when it is ours already.
    pub async fn claim(&self, code: &str) -> Result<Claim, StoreError> {
        let client = self.pool.get().await.map_err(pg)?;
        let secs = self.lease.as_secs_f64();
        let taken = client
            .query_opt(
                "UPDATE rooms SET owner = $2, lease_until = now() + make_interval(secs => $3)
                 WHERE code = $1 AND (owner IS NULL OR owner = $2 OR lease_until < now()) RETURNING 1",
                &[&code, &self.node, &secs],
            )
            .await
            .map_err(pg)?;
        if taken.is_some() {
            return Ok(Claim::Ours);
        }
        let row = client.query_opt("SELECT owner FROM rooms WHERE code = $1", &[&code]).await.map_err(pg)?;
        Ok(match row {
            None => Claim::Missing,
            Some(r) => Claim::Held(r.get::<_, Option<String>>(0).unwrap_or_default()),
        })
    }

    /// Renews this node's leases on `codes`; answers the codes it still owns (a room
    /// missing from the answer was taken over or deleted).
    pub async fn renew(&self, codes: &[String]) -> Result<Vec<String>, StoreError> {
        let client = self.pool.get().await.map_err(pg)?;
        let secs = self.lease.as_secs_f64();
        let rows = client
            .query(
                "UPDATE rooms SET lease_until = now() + make_interval(secs => $3)
                 WHERE owner = $1 AND code = ANY($2) RETURNING code",
                &[&self.node, &codes, &secs],
            )
            .await
            .map_err(pg)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Gives a room up (its task ended, or another node asked for it).
    pub async fn release(&self, code: &str) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pg)?;
        client
            .execute(
                "UPDATE rooms SET owner = NULL, lease_until = NULL WHERE code = $1 AND owner = $2",
                &[&code, &self.node],
            )
            .await
            .map_err(pg)?;
        Ok(())
    }

    /// Gives up every room of this node (it stops); answers how many.
    pub async fn release_all(&self) -> Result<u64, StoreError> {
        let client = self.pool.get().await.map_err(pg)?;
        client
            .execute("UPDATE rooms SET owner = NULL, lease_until = NULL WHERE owner = $1", &[&self.node])
            .await
            .map_err(pg)
    }

    /// Whether PostgreSQL answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pg)?;
        client.execute("SELECT 1", &[]).await.map_err(pg)?;
        Ok(())
    }

    /// How many rooms count toward --max-rooms: those not finished (every node's, and those
    /// no node serves) and finished ones a node still serves, as a single node counts the
    /// rooms in its memory.
    pub async fn live_rooms(&self) -> Result<usize, StoreError> {
        let client = self.pool.get().await.map_err(pg)?;
        let row = client
            .query_one("SELECT count(*) FROM rooms WHERE finished_ms IS NULL OR lease_until > now()", &[])
            .await
            .map_err(pg)?;
        Ok(row.get::<_, i64>(0) as usize)
    }

    /// Unfinished rooms that no node serves and that saw no command since `before` (or
    /// were created before it, when they have none): at most `limit`, oldest first. Such a
    /// room has no task to finish it after --room-idle-hours; the sweeper brings it back.
    pub async fn idle_unserved(&self, before: Millis, limit: i64) -> Result<Vec<String>, StoreError> {
        let client = self.pool.get().await.map_err(pg)?;
        let rows = client
            .query(
                "SELECT code FROM (
                   SELECT r.code, COALESCE((SELECT max(c.time_ms) FROM commands c WHERE c.room = r.code), r.created_ms) AS last
                   FROM rooms r
                   WHERE r.finished_ms IS NULL AND (r.owner IS NULL OR r.lease_until < now())
                 ) idle WHERE last < $1 ORDER BY last LIMIT $2",
                &[&before, &limit],
            )
            .await
            .map_err(pg)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// The node whose lease on the room is running, if any.
    pub async fn live_owner(&self, code: &str) -> Result<Option<String>, StoreError> {
        let client = self.pool.get().await.map_err(pg)?;
        let row = client
            .query_opt("SELECT owner FROM rooms WHERE code = $1 AND lease_until > now()", &[&code])
            .await
            .map_err(pg)?;
        Ok(row.and_then(|r| r.get(0)))
    }

    /// Tells every node (this one too) through LISTEN/NOTIFY.
    pub async fn notify(&self, notice: &Notice) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pg)?;
        client.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &notice.payload()]).await.map_err(pg)?;
        Ok(())
    }

    /// Deletes rooms nobody ever joined, that no node serves and that were created before
    /// `before`: a room that was created but never opened has no task to delete it.
    pub async fn delete_unused(&self, before: Millis) -> Result<u64, StoreError> {
        let client = self.pool.get().await.map_err(pg)?;
        client
            .execute(
                "DELETE FROM rooms r WHERE created_ms < $1 AND finished_ms IS NULL
                   AND (owner IS NULL OR lease_until < now())
                   AND NOT EXISTS (SELECT 1 FROM commands c WHERE c.room = r.code)",
                &[&before],
            )
            .await
            .map_err(pg)
    }

    /// Listens for notices on a connection of its own, reconnecting after a failure; each
    /// notice goes to `to` until it closes.
    pub fn listen(self: &Arc<Self>, to: mpsc::UnboundedSender<Notice>) {
        let config = self.config.clone();
        tokio::spawn(async move {
            // Warn once per outage, not every second of it.
            let mut warned = false;
            while !to.is_closed() {
                match config.connect(NoTls).await {
                    Ok((client, mut connection)) => {
                        let (msg_tx, mut msg_rx) = mpsc::unbounded_channel();
                        // The connection yields notifications only when polled as a stream.
                        let pump = tokio::spawn(async move {
                            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                            while let Some(m) = messages.next().await {
                                match m {
                                    Ok(AsyncMessage::Notification(n)) => {
                                        if msg_tx.send(n.payload().to_string()).is_err() {
                                            break;
                                        }
                                    }
                                    Ok(_) => {}
                                    Err(_) => break,
                                }
                            }
                        });
                        if client.batch_execute(&format!("LISTEN {CHANNEL}")).await.is_ok() {
                            if warned {
                                info!("listening to the other nodes again");
                            }
                            warned = false;
                            while let Some(payload) = msg_rx.recv().await {
                                if let Some(n) = Notice::parse(&payload)
                                    && to.send(n).is_err()
                                {
                                    break;
                                }
                            }
                        }
                        pump.abort();
                    }
                    Err(e) => {
                        if !warned {
                            warn!("cannot listen to the other nodes through PostgreSQL: {e}; trying again");
                            warned = true;
                        }
                    }
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

/// host:port/database of a configuration, for messages (without user or password).
fn describe(c: &tokio_postgres::Config) -> String {
    let host = c
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(s) => s.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = c.get_ports().first().copied().unwrap_or(5432);
    format!("postgres://{host}:{port}/{}", c.get_dbname().unwrap_or(c.get_user().unwrap_or("postgres")))
}

fn node_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    let mut bytes = [0u8; 4];
    let _ = getrandom::fill(&mut bytes);
    let tag: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}:{}:{tag}", if host.is_empty() { "node" } else { &host }, std::process::id())
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("stored values serialise")
}

impl Store for PostgresStore {
    fn create_room(&self, rec: RoomRecord) -> Ack {
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pg)?;
            client
                .execute(
                    "INSERT INTO rooms (code, scenario_toml, seed, options, host_token_hash, created_ms, finished_ms, rules_version)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &rec.code,
                        &rec.scenario_toml,
                        &(rec.seed as i64),
                        &json(&rec.options),
                        &rec.host_token_hash,
                        &rec.created_ms,
                        &rec.finished_ms,
                        &(rec.rules_version as i32),
                    ],
                )
                .await
                .map_err(pg)?;
            Ok(())
        })
    }

    fn append(&self, code: &str, e: LogEntry, forget_votes_of: &[PlayerId]) -> Ack {
        let (code, forget, node) = (code.to_string(), forget_votes_of.to_vec(), self.node.clone());
        self.run(move |pool| async move {
            let mut client = pool.get().await.map_err(pg)?;
            let tx = client.transaction().await.map_err(pg)?;
            for p in &forget {
                tx.execute(
                    "DELETE FROM commands WHERE room = $1 AND seq < $2 AND actor = $3
                       AND (command::jsonb ->> 'type') IN ('vote', 'approve')",
                    &[&code, &(e.seq as i64), &json(&Actor::Player(*p))],
                )
                .await
                .map_err(pg)?;
            }
            let sealed = e.sealed.as_ref().map(json);
            let n = tx
                .execute(
                    "INSERT INTO commands (room, seq, time_ms, actor, command, token_hash, sealed)
                     SELECT $1, $2, $3, $4, $5, $6, $7
                     WHERE EXISTS (SELECT 1 FROM rooms WHERE code = $1 AND (owner IS NULL OR owner = $8))",
                    &[
                        &code,
                        &(e.seq as i64),
                        &e.time_ms,
                        &json(&e.actor),
                        &json(&e.command),
                        &e.token_hash,
                        &sealed,
                        &node,
                    ],
                )
                .await
                .map_err(pg)?;
            if n == 0 {
                return Err(StoreError::Postgres(format!(
                    "room {code} is served by another node now (or was deleted)"
                )));
            }
            tx.commit().await.map_err(pg)
        })
    }

    fn finish(&self, code: &str, at: Millis) -> Ack {
        let code = code.to_string();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pg)?;
            client
                .execute("UPDATE rooms SET finished_ms = $2 WHERE code = $1 AND finished_ms IS NULL", &[&code, &at])
                .await
                .map_err(pg)?;
            Ok(())
        })
    }

    fn delete(&self, code: &str) -> Ack {
        let code = code.to_string();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pg)?;
            // The commands go with the room (ON DELETE CASCADE), in one statement.
            client.execute("DELETE FROM rooms WHERE code = $1", &[&code]).await.map_err(pg)?;
            Ok(())
        })
    }

    fn purge(&self, before: Millis) -> Ack<usize> {
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pg)?;
            let n = client.execute("DELETE FROM rooms WHERE finished_ms < $1", &[&before]).await.map_err(pg)?;
            Ok(n as usize)
        })
    }

    fn load_unfinished(&self) -> Ack<Loaded> {
        self.run(move |pool| async move {
            let mut client = pool.get().await.map_err(pg)?;
            let codes = client
                .query("SELECT code FROM rooms WHERE finished_ms IS NULL ORDER BY code", &[])
                .await
                .map_err(pg)?;
            let mut loaded = Vec::new();
            for row in codes {
                let code: String = row.get(0);
                match load_room(&mut client, &code).await {
                    Ok(Some(room)) => loaded.push(Ok(room)),
                    Ok(None) => {} // deleted meanwhile
                    Err(e) => loaded.push(Err((code, e))),
                }
            }
            Ok(loaded)
        })
    }

    fn load_room(&self, code: &str) -> Ack<Option<StoredRoom>> {
        let code = code.to_string();
        self.run(move |pool| async move {
            let mut client = pool.get().await.map_err(pg)?;
            load_room(&mut client, &code).await
        })
    }

    fn code_taken(&self, code: &str) -> Ack<bool> {
        let code = code.to_string();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pg)?;
            let row = client.query_opt("SELECT 1 FROM rooms WHERE code = $1", &[&code]).await.map_err(pg)?;
            Ok(row.is_some())
        })
    }

    fn name(&self) -> String {
        self.place.clone()
    }
}

async fn load_room(client: &mut deadpool_postgres::Client, code: &str) -> Result<Option<StoredRoom>, StoreError> {
    // One snapshot for the record and its log, so a write in between cannot split them.
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(pg)?;
    let row = tx
        .query_opt(
            "SELECT code, scenario_toml, seed, options, host_token_hash, created_ms, finished_ms, rules_version
             FROM rooms WHERE code = $1",
            &[&code],
        )
        .await
        .map_err(pg)?;
    let Some(row) = row else { return Ok(None) };
    let options: String = row.get(3);
    let record = RoomRecord {
        code: row.get(0),
        scenario_toml: row.get(1),
        seed: row.get::<_, i64>(2) as u64,
        options: serde_json::from_str(&options).map_err(|e| StoreError::Damaged(format!("options: {e}")))?,
        host_token_hash: row.get(4),
        created_ms: row.get(5),
        finished_ms: row.get(6),
        rules_version: row.get::<_, i32>(7) as u32,
    };
    let rows = tx
        .query(
            "SELECT seq, time_ms, actor, command, token_hash, sealed FROM commands WHERE room = $1 ORDER BY seq",
            &[&code],
        )
        .await
        .map_err(pg)?;
    let mut log = Vec::with_capacity(rows.len());
    for r in &rows {
        let seq: i64 = r.get(0);
        let bad = |what: &str, e: serde_json::Error| StoreError::Damaged(format!("command {seq}: {what}: {e}"));
        let actor: String = r.get(2);
        let command: String = r.get(3);
        let sealed: Option<String> = r.get(5);
        log.push(LogEntry {
            seq: seq as u64,
            time_ms: r.get(1),
            actor: serde_json::from_str(&actor).map_err(|e| bad("actor", e))?,
            command: serde_json::from_str(&command).map_err(|e| bad("command", e))?,
            token_hash: r.get(4),
            sealed: sealed.map(|s| serde_json::from_str(&s).map_err(|e| bad("sealed decisions", e))).transpose()?,
        });
    }
    tx.commit().await.map_err(pg)?;
    Ok(Some(StoredRoom { record, log }))
}
