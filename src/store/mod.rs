//! `store`: the event log and room records, so that a crash or restart loses nothing.
//! Every accepted command is appended (and committed) before anyone sees its effect; a
//! room comes back by replaying its log on the scenario text and seed it was created with.
//! The game never sees the store: rooms talk to it through the small [`Store`] trait, with
//! two implementations: SQLite (embedded, the default) and PostgreSQL (`--database-url`,
//! for several nodes, which also holds each room's ownership lease).

mod postgres;
mod replay;
mod sqlite;

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

pub use postgres::{Claim, Notice, PostgresStore};
pub use replay::{Replayed, replay, replay_with};
pub use sqlite::{SqliteReader, SqliteStore};

use crate::game::{Actor, Command, Millis, PlayerId, RoomOptions, Sealed};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database {file} cannot be used: {reason}")]
    Unusable { file: String, reason: String },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(String),
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
    /// The rules the room was recorded under ([`crate::game::shuffle::RULES_VERSION`]):
    /// a later build replays it by those rules, or refuses it by name.
    pub rules_version: u32,
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
    /// For a command that closed a secret-ballot vote: the decisions it took, stored in
    /// place of the votes (which the store forgets in the same transaction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<Sealed>,
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
    /// Appends one command; the ack comes once it is committed. In the same transaction
    /// the stored votes of `forget_votes_of` are deleted (a secret ballot was closed), so
    /// either both happen or neither.
    fn append(&self, code: &str, entry: LogEntry, forget_votes_of: &[PlayerId]) -> Ack;
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
    /// Where the data is, for messages that name it (a file, or a database without its password).
    fn name(&self) -> String;
    /// Finishes pending writes and lets go of the data (at shutdown); blocking.
    fn close(&self) {}
}
