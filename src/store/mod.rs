//! `store`: the event log and room records, so that a crash or restart loses nothing.
//! Every accepted command is appended (and committed) before anyone sees its effect; a
//! room comes back by replaying its log on the scenario text and seed it was created with.
//! The game never sees the store: rooms talk to it through the small [`Store`] trait, so a
//! PostgreSQL store can sit beside SQLite later.

mod sqlite;

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

pub use sqlite::SqliteStore;

use crate::game::{Actor, Command, Millis, RoomOptions};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database {file} cannot be used: {reason}")]
    Unusable { file: String, reason: String },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data is damaged: {0}")]
    Damaged(String),
    #[error("the store has shut down")]
    Closed,
}

/// What is stored about a room besides its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomRecord {
    pub code: String,
    /// The scenario text as played (later edits of the file never change a room).
    pub scenario_toml: String,
    pub seed: u64,
    pub options: RoomOptions,
    /// Hash of the host token (the token itself is never stored).
    pub host_token_hash: String,
    pub created_ms: Millis,
    pub finished_ms: Option<Millis>,
}

/// One accepted command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub seq: u64,
    pub time_ms: Millis,
    pub actor: Actor,
    pub command: Command,
    /// For an accepted join: the hash of the new player's token.
    pub token_hash: Option<String>,
}

#[derive(Debug, Clone)]
pub struct StoredRoom {
    pub record: RoomRecord,
    pub log: Vec<LogEntry>,
}

/// Unfinished rooms as loaded: each readable room, or the code of one that is not and why.
pub type Loaded = Vec<Result<StoredRoom, (String, StoreError)>>;

/// The answer to a write: ready once the write is committed.
pub type Ack<T = ()> = oneshot::Receiver<Result<T, StoreError>>;

/// Where rooms and their logs live.
pub trait Store: Send + Sync + 'static {
    fn create_room(&self, record: RoomRecord) -> Ack;
    /// Appends one command; the ack comes once it is committed.
    fn append(&self, code: &str, entry: LogEntry) -> Ack;
    fn finish(&self, code: &str, at: Millis) -> Ack;
    /// Deletes a room and everything stored about it.
    fn delete(&self, code: &str) -> Ack;
    /// Deletes finished rooms finished before `before`; answers how many.
    fn purge(&self, before: Millis) -> Ack<usize>;
    /// Every unfinished room; a room whose data cannot be read is returned as an error that
    /// names it, and the others still load.
    fn load_unfinished(&self) -> Ack<Loaded>;
    fn load_room(&self, code: &str) -> Ack<Option<StoredRoom>>;
    /// Whether a code is taken (by any stored room).
    fn code_taken(&self, code: &str) -> Ack<bool>;
}

/// A store that keeps nothing: for tools and tests that need no persistence.
pub struct NoStore;

fn ready<T>(v: T) -> Ack<T> {
    let (tx, rx) = oneshot::channel();
    let _ = tx.send(Ok(v));
    rx
}

impl Store for NoStore {
    fn create_room(&self, _: RoomRecord) -> Ack {
        ready(())
    }
    fn append(&self, _: &str, _: LogEntry) -> Ack {
        ready(())
    }
    fn finish(&self, _: &str, _: Millis) -> Ack {
        ready(())
    }
    fn delete(&self, _: &str) -> Ack {
        ready(())
    }
    fn purge(&self, _: Millis) -> Ack<usize> {
        ready(0)
    }
    fn load_unfinished(&self) -> Ack<Loaded> {
        ready(Vec::new())
    }
    fn load_room(&self, _: &str) -> Ack<Option<StoredRoom>> {
        ready(None)
    }
    fn code_taken(&self, _: &str) -> Ack<bool> {
        ready(false)
    }
}
