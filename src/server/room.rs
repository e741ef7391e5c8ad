//! One task per room (an actor): it owns the room's [`Game`], checks identities, and for
//! every command checks it on a copy of the game, commits it to the store, and only then
//! makes the copy the room's state and shows it. A command the store does not take is
//! refused (`storage_unavailable`) and changes nothing. Nothing else touches a game.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tracing::{error, info, warn};

use super::outbox;
use super::outbox::Conn;
use super::patch;
use super::tokens::{hash_token, new_token, token_matches};
use super::wire::{As, CurrentProposal, Frame, ServerMsg, SessionMsg};
use super::{App, now_ms};
use crate::game::{Actor, Command, ErrorCode, Event, Game, GameError, Lens, PlayerId, Viewer, You};
use crate::scenario::Language;
use crate::store::LogEntry;

/// Messages waiting for a room: beyond this senders wait (each connection sends little).
const ROOM_QUEUE: usize = 1024;

/// How to reach a room's task.
#[derive(Clone)]
pub struct RoomHandle {
    tx: mpsc::Sender<RoomMsg>,
    /// Tells this task's listing apart from a later task's for the same code.
    id: u64,
}

impl RoomHandle {
    /// Which task this is: two handles with the same id reach the same room task.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Asks the room and waits for its answer; `None` when the room has gone.
    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> RoomMsg) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(make(tx)).await.ok()?;
        rx.await.ok()
    }

    /// Opens a session for `conn`: the room's language when it opened; `Some(None)` when
    /// the room refused it (and told the client why); `None` when the room has gone.
    pub async fn open(
        &self,
        session: Session,
        language: Option<Language>,
        conn: Arc<Conn>,
        id: Option<Value>,
    ) -> Option<Option<Language>> {
        self.ask(|reply| RoomMsg::Open { session, language, conn, id, reply }).await
    }

    /// Hands the room a command of `conn`; false when the room has gone.
    pub async fn command(&self, conn: u64, command: Command, id: Option<Value>) -> bool {
        self.tx.send(RoomMsg::Command { conn, command, id, received: Instant::now() }).await.is_ok()
    }

    /// A patched connection asks for a whole state (`{"type":"sync"}`).
    pub async fn sync(&self, conn: u64, id: Option<Value>) {
        let _ = self.tx.send(RoomMsg::Sync { conn, id }).await;
    }

    /// Tells the room a connection went away.
    pub async fn closed(&self, conn: u64) {
        let _ = self.tx.send(RoomMsg::Closed { conn }).await;
    }

    /// The public summary of `GET /api/rooms/{code}`.
    pub async fn summary(&self) -> Option<Value> {
        self.ask(|reply| RoomMsg::Summary { reply }).await
    }

    /// A report for the host: (content type, body).
    pub async fn report(&self, token: String, format: &str) -> Result<(String, String), Refusal> {
        let format = format.to_string();
        self.ask(|reply| RoomMsg::Report { token, format, reply }).await.unwrap_or(Err(Refusal::Gone))
    }

    /// The identity behind connection `conn` ("CODE/p3" or "CODE/host"), for the message
    /// budget it shares across reconnects; `None` for the screen or an unknown connection.
    pub async fn identity_of(&self, conn: u64) -> Option<String> {
        self.ask(|reply| RoomMsg::IdentityOf { conn, reply }).await.flatten()
    }

    /// Whether `token` is a live identity of this room (its host's or a player's).
    pub async fn knows_token(&self, token: String) -> bool {
        self.ask(|reply| RoomMsg::KnowsToken { token, reply }).await.unwrap_or(false)
    }

    /// Whether `token` is this room's host token.
    pub async fn is_host(&self, token: String) -> Result<(), Refusal> {
        self.ask(|reply| RoomMsg::IsHost { token, reply }).await.unwrap_or(Err(Refusal::Gone))
    }

    /// Deletes the room and everything stored about it, for the host.
    pub async fn delete(&self, token: String) -> Result<(), Refusal> {
        self.ask(|reply| RoomMsg::Delete { token: Some(token), reply }).await.unwrap_or(Err(Refusal::Gone))
    }

    /// The room was deleted through another node (which checked the host token): close its
    /// sessions and stop.
    pub async fn deleted_elsewhere(&self) {
        let _ = self.ask(|reply| RoomMsg::Delete { token: None, reply }).await;
    }

    /// Another node serves the room from now on (several nodes): close every session with
    /// 1012 "service restart", so clients reconnect through the proxy, and stop.
    pub async fn hand_over(&self) {
        let _ = self.tx.send(RoomMsg::HandOver).await;
    }
}

/// How a connection opens its session (a [`SessionMsg`] without its room, which chose the
/// room task).
#[derive(Debug, Clone)]
pub enum Session {
    Join { name: String, real_role: Option<String> },
    Resume { token: String },
    Host { token: String },
    Watch,
}

impl From<SessionMsg> for Session {
    fn from(m: SessionMsg) -> Session {
        match m {
            SessionMsg::Join { name, real_role, .. } => Session::Join { name, real_role },
            SessionMsg::Resume { token, .. } => Session::Resume { token },
            SessionMsg::Host { host_token, .. } => Session::Host { token: host_token },
            SessionMsg::Watch { .. } => Session::Watch,
        }
    }
}

/// Why an HTTP request about a room was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unauthorized,
    Gone,
    /// The store could not do it (a delete on a full disk, say); nothing changed.
    StorageUnavailable,
}

enum RoomMsg {
    /// Opens a session; answers the room's language when it opened.
    Open {
        session: Session,
        /// The connection's own language (version 2); `None`: the room's.
        language: Option<Language>,
        conn: Arc<Conn>,
        id: Option<Value>,
        reply: oneshot::Sender<Option<Language>>,
    },
    Command {
        conn: u64,
        command: Command,
        id: Option<Value>,
        received: Instant,
    },
    Closed {
        conn: u64,
    },
    Sync {
        conn: u64,
        id: Option<Value>,
    },
    Summary {
        reply: oneshot::Sender<Value>,
    },
    Report {
        token: String,
        format: String,
        reply: oneshot::Sender<Result<(String, String), Refusal>>,
    },
    /// `token: None`: already checked by another node.
    Delete {
        token: Option<String>,
        reply: oneshot::Sender<Result<(), Refusal>>,
    },
    HandOver,
    IsHost {
        token: String,
        reply: oneshot::Sender<Result<(), Refusal>>,
    },
    IdentityOf {
        conn: u64,
        reply: oneshot::Sender<Option<String>>,
    },
    KnowsToken {
        token: String,
        reply: oneshot::Sender<bool>,
    },
}

/// An error message for a person, with the id of the message it answers.
pub fn error_json(code: ErrorCode, message: &str, id: Option<&Value>) -> String {
    ServerMsg::Error { code, message, id, current: None }.text()
}

/// Why a room refused a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    Game(GameError),
    /// The store did not take the command: nothing changed.
    Storage,
    /// The room's log stopped replaying: it is shown, not played.
    ReadOnly,
}

impl Refused {
    fn code(self) -> ErrorCode {
        match self {
            Refused::Game(e) => e.code(),
            Refused::Storage => ErrorCode::StorageUnavailable,
            Refused::ReadOnly => ErrorCode::RoomReadOnly,
        }
    }

    fn message(self, lang: Language) -> String {
        match self {
            Refused::Game(e) => e.message(lang),
            other => other.code().message(lang).to_string(),
        }
    }
}

/// What a room's task starts from: a new game, or one replayed from the store.
pub struct Start {
    pub game: Game,
    /// Token hash → player, for the players still in the game.
    pub tokens: HashMap<String, PlayerId>,
    pub seq: u64,
    pub last_ms: i64,
    pub host_hash: String,
    /// Why the room is read-only (its log stopped replaying), if it is.
    pub read_only: Option<String>,
    /// A copy that answers one HTTP request on a node that does not own the room (several
    /// nodes): it never writes on its own (no idle end, no auto-advance) and holds no lease.
    pub replica: bool,
}

/// Starts a room's task; the caller lists the handle in the directory.
pub fn spawn(app: Arc<App>, code: String, start: Start) -> RoomHandle {
    static NEXT_ROOM: AtomicU64 = AtomicU64::new(1);
    let (tx, rx) = mpsc::channel(ROOM_QUEUE);
    let handle = RoomHandle { tx, id: NEXT_ROOM.fetch_add(1, Ordering::Relaxed) };
    app.metrics.room_tasks.inc();
    let room = Room {
        code,
        id: handle.id,
        game: start.game,
        app,
        host_hash: start.host_hash,
        tokens: start.tokens,
        conns: HashMap::new(),
        prev_frames: HashMap::new(),
        prev_you: HashMap::new(),
        langs: HashMap::new(),
        player_conn: HashMap::new(),
        host_conn: None,
        seq: start.seq,
        last_activity: start.last_ms.max(now_ms()),
        read_only: start.read_only,
        replica: start.replica,
        storage_down: false,
        retry_system_at: None,
    };
    // Every line the room task logs carries its code.
    let span = tracing::info_span!("room", room = %room.code);
    tokio::spawn(tracing::Instrument::instrument(room.run(rx), span));
    handle
}

struct Room {
    code: String,
    /// The id of this task's handle.
    id: u64,
    game: Game,
    app: Arc<App>,
    host_hash: String,
    /// Token hash → player.
    tokens: HashMap<String, PlayerId>,
    /// Each connection, its identity, a hash of the last view it was sent (without
    /// `server_time`), so an unchanged view is not sent again, and for a patched connection
    /// the lens its last view came through (`None`: it needs a whole state next).
    conns: HashMap<u64, (Arc<Conn>, Viewer, u64, Option<Lens>)>,
    /// Patches (version 2): the last frame of each lens a patched connection looks through,
    /// and the last `you` of each player with a patched connection.
    prev_frames: HashMap<Lens, patch::Prev>,
    prev_you: HashMap<PlayerId, Option<You>>,
    /// The languages connections asked for (version 2); the others get the room's.
    langs: HashMap<u64, Language>,
    player_conn: HashMap<PlayerId, u64>,
    host_conn: Option<u64>,
    seq: u64,
    last_activity: i64,
    /// Why the room takes no commands, when its log stopped replaying.
    read_only: Option<String>,
    replica: bool,
    /// The last write failed: the host sees a banner until a write succeeds.
    storage_down: bool,
    /// The room's own command (auto-advance, idle end) could not be stored: not before then.
    retry_system_at: Option<tokio::time::Instant>,
}

/// How long the room waits before trying its own command again after the store failed.
const SYSTEM_RETRY: Duration = Duration::from_secs(2);

impl Room {
    async fn run(mut self, mut rx: mpsc::Receiver<RoomMsg>) {
        // Check for idleness every 30 s, or more often when the idle limit is short.
        let idle_secs = (self.app.config.room_idle_hours * 3600.0).min(self.app.config.empty_room_minutes * 60.0);
        let mut idle_check = tokio::time::interval(Duration::from_secs_f64((idle_secs / 2.0).clamp(0.5, 30.0)));
        loop {
            let auto = self.game.options().auto_advance.then(|| self.game.deadline()).flatten();
            let wake_at = auto.filter(|_| self.read_only.is_none() && !self.replica).map(|d| {
                let wait = (d - now_ms()).max(0) as u64;
                let at = tokio::time::Instant::now() + Duration::from_millis(wait);
                self.retry_system_at.map_or(at, |r| r.max(at))
            });
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(RoomMsg::Delete { token, reply }) => {
                        let here = token.is_some();
                        if token.is_some_and(|t| !token_matches(&t, &self.host_hash)) {
                            let _ = reply.send(Err(Refusal::Unauthorized));
                            continue;
                        }
                        if !matches!(self.app.store.delete(&self.code).await, Ok(Ok(()))) {
                            warn!(room = %self.code, "the room could not be deleted: the store did not take it");
                            self.storage_down(true);
                            let _ = reply.send(Err(Refusal::StorageUnavailable));
                            continue;
                        }
                        for (cid, (conn, _, _, _)) in &self.conns {
                            let lang = self.lang_of(*cid);
                            conn.send(error_json(ErrorCode::UnknownRoom, ErrorCode::UnknownRoom.message(lang), None));
                            conn.close(1000);
                        }
                        info!(room = %self.code, "room deleted by its facilitator");
                        // Several nodes: the owner (when that is another node) closes its
                        // sessions; a delete that came from another node was told already.
                        if let Some(cluster) = self.app.cluster.as_ref().filter(|_| here) {
                            cluster.deleted(&self.code).await;
                        }
                        let _ = reply.send(Ok(()));
                        break;
                    }
                    Some(RoomMsg::HandOver) => {
                        for (conn, _, _, _) in self.conns.values() {
                            conn.close(1012);
                        }
                        info!(room = %self.code, "room handed over to another node");
                        break;
                    }
                    Some(msg) => self.handle(msg).await,
                    None => break,
                },
                _ = sleep_until(wake_at), if wake_at.is_some() => {
                    if self.game.due(now_ms()) {
                        self.system(Command::Next).await;
                    }
                }
                _ = idle_check.tick(), if !self.replica => {
                    // A room nobody ever joined is deleted after --empty-room-minutes: it
                    // holds nothing of anyone, and a storm of created rooms goes away.
                    if self.conns.is_empty() && self.never_used() {
                        if matches!(self.app.store.delete(&self.code).await, Ok(Ok(()))) {
                            info!(room = %self.code, "room nobody joined deleted");
                            break;
                        }
                        continue;
                    }
                    if self.conns.is_empty() && self.idle() {
                        if !self.game.is_finished() && self.read_only.is_none() {
                            info!(room = %self.code, "idle room finished");
                            if !self.system(Command::End).await {
                                continue;
                            }
                        }
                        break;
                    }
                }
            }
        }
        // Stop being reachable: new sessions get unknown_room (or bring the room back
        // from the store); reports come from the store. Its gauges go with it.
        self.app.rooms.remove_if(&self.code, |_, h| h.id == self.id);
        self.app.metrics.players_connected.dec_by(self.player_conn.len() as i64);
        self.app.metrics.room_tasks.dec();
        // Several nodes: another node may serve the room at once, without waiting out the lease.
        if let Some(cluster) = self.app.cluster.as_ref().filter(|_| !self.replica) {
            cluster.release(&self.code).await;
        }
    }

    /// Never started, no player ever joined, and older than `--empty-room-minutes`.
    fn never_used(&self) -> bool {
        let limit_ms = (self.app.config.empty_room_minutes * 60.0 * 1000.0) as i64;
        self.game.phase_index() == -1 && self.game.players().is_empty() && now_ms() - self.last_activity >= limit_ms
    }

    fn idle(&self) -> bool {
        let idle_ms = (self.app.config.room_idle_hours * 3600.0 * 1000.0) as i64;
        now_ms() - self.last_activity >= idle_ms
    }

    /// A command of the room's own; answers whether it was stored and applied. After a
    /// store failure the room waits a little before trying again.
    async fn system(&mut self, cmd: Command) -> bool {
        if self.retry_system_at.is_some_and(|r| r > tokio::time::Instant::now()) {
            return false;
        }
        let r = self.command(Actor::System, cmd, None, Instant::now()).await;
        self.retry_system_at = (r == Some(Refused::Storage)).then(|| tokio::time::Instant::now() + SYSTEM_RETRY);
        r.is_none()
    }

    /// Notes whether the store works; the host's banner follows it.
    /// The proposal at player `p`'s table now, as `stale_proposal` sends it.
    fn current_proposal(&self, p: PlayerId) -> Option<CurrentProposal> {
        let t = self.game.player(p)?.table?;
        let table = &self.game.tables()[t];
        let last = table.proposal()?;
        Some(CurrentProposal { text: last.text.clone(), by: last.by, version: table.proposals.len() })
    }

    /// The language of the sentences for connection `conn`: its own, else the room's.
    fn lang_of(&self, conn: u64) -> Language {
        self.langs.get(&conn).copied().unwrap_or(self.game.language())
    }

    fn storage_down(&mut self, down: bool) {
        if self.storage_down != down {
            self.storage_down = down;
            self.broadcast(None, Instant::now());
        }
    }

    async fn handle(&mut self, msg: RoomMsg) {
        match msg {
            RoomMsg::Open { session, language, conn, id, reply } => {
                let opened = self.open(session, language, conn, id).await;
                let _ = reply.send(opened.then_some(self.game.language()));
            }
            RoomMsg::Command { conn, command, id, received } => {
                let Some((c, viewer, _, _)) = self.conns.get(&conn).cloned() else { return };
                let actor = match viewer {
                    Viewer::Host => Actor::Host,
                    Viewer::Screen => Actor::Screen,
                    Viewer::Player(p) => Actor::Player(p),
                };
                if let Some(err) = self.command(actor, command, id.clone().map(|i| (conn, i)), received).await {
                    self.app.metrics.error(err.code().code());
                    // A stale proposal comes with the text as it is now, so nothing is lost.
                    let current = match (err, viewer) {
                        (Refused::Game(GameError::StaleProposal), Viewer::Player(p)) => self.current_proposal(p),
                        _ => None,
                    };
                    let message = err.message(self.lang_of(conn));
                    c.send(ServerMsg::Error { code: err.code(), message: &message, id: id.as_ref(), current }.text());
                }
            }
            RoomMsg::Sync { conn, id } => {
                if let Some(entry) = self.conns.get_mut(&conn) {
                    entry.3 = None;
                }
                self.broadcast(Some((conn, id.unwrap_or(Value::Null))), Instant::now());
            }
            RoomMsg::Closed { conn } => {
                self.langs.remove(&conn);
                if let Some((_, viewer, _, _)) = self.conns.remove(&conn) {
                    match viewer {
                        Viewer::Player(p) if self.player_conn.get(&p) == Some(&conn) => {
                            self.player_conn.remove(&p);
                            self.app.metrics.players_connected.dec();
                            self.broadcast(None, Instant::now());
                        }
                        Viewer::Host if self.host_conn == Some(conn) => self.host_conn = None,
                        _ => {}
                    }
                }
            }
            RoomMsg::Summary { reply } => {
                let mut summary = json!({
                    "room": self.code,
                    "scenario": {"id": self.game.scenario().id, "title": self.game.scenario().title},
                    "phase": {"kind": self.game.phase_kind(), "index": self.game.phase_index()},
                    "players": self.game.active_players(),
                    "locked": self.game.locked(),
                });
                // Version 2 (#17): the join form is easy to read before joining, too.
                if self.game.options().easy_read {
                    summary["easy_read"] = json!(true);
                }
                let _ = reply.send(summary);
            }
            RoomMsg::Report { token, format, reply } => {
                let r = if token_matches(&token, &self.host_hash) {
                    Ok(crate::report::render(&self.game, &self.code, &format))
                } else {
                    Err(Refusal::Unauthorized)
                };
                let _ = reply.send(r);
            }
            RoomMsg::KnowsToken { token, reply } => {
                let known = token_matches(&token, &self.host_hash) || self.tokens.contains_key(&hash_token(&token));
                let _ = reply.send(known);
            }
            RoomMsg::IdentityOf { conn, reply } => {
                let who = self.conns.get(&conn).and_then(|(_, viewer, _, _)| match viewer {
                    Viewer::Host => Some(format!("{}/host", self.code)),
                    Viewer::Player(p) => Some(format!("{}/{p}", self.code)),
                    Viewer::Screen => None,
                });
                let _ = reply.send(who);
            }
            RoomMsg::IsHost { token, reply } => {
                let ok = token_matches(&token, &self.host_hash);
                let _ = reply.send(if ok { Ok(()) } else { Err(Refusal::Unauthorized) });
            }
            RoomMsg::Delete { .. } | RoomMsg::HandOver => unreachable!("handled in run"),
        }
    }

    /// Checks a command on a copy of the game, stores it, then makes the copy the room's
    /// state, acts on its events and broadcasts. Refused commands change nothing.
    async fn command(
        &mut self,
        actor: Actor,
        command: Command,
        echo: Option<(u64, Value)>,
        received: Instant,
    ) -> Option<Refused> {
        let now = now_ms();
        let (next, events) = match self.check(actor, &command, now) {
            Ok(checked) => checked,
            Err(e) => return Some(e),
        };
        let (stored_actor, stored) = crate::game::stored_form(actor, &command, &events);
        if let Err(e) = self.store(stored_actor, &stored, now, None, &events).await {
            return Some(e);
        }
        self.game = next;
        self.app.metrics.command(command.kind());
        for ev in events {
            match ev {
                Event::Kicked(p) | Event::Left(p) => {
                    let kicked = matches!(ev, Event::Kicked(_));
                    self.tokens.retain(|_, id| *id != p);
                    if let Some(cid) = self.player_conn.remove(&p) {
                        self.app.metrics.players_connected.dec();
                        self.langs.remove(&cid);
                        if let Some((conn, _, _, _)) = self.conns.remove(&cid) {
                            let msg = if kicked {
                                ServerMsg::Kicked
                            } else {
                                ServerMsg::Left { id: echo.as_ref().filter(|(c, _)| *c == cid).map(|(_, id)| id) }
                            };
                            conn.send(msg.text());
                            conn.close(1000);
                        }
                    }
                }
                Event::Finished => {
                    if !matches!(self.app.store.finish(&self.code, now).await, Ok(Ok(()))) {
                        // The log holds the finish; marking it is retried when the room is next loaded.
                        warn!(room = %self.code, "the room finished, but the store did not mark it finished");
                    }
                    info!(room = %self.code, "room finished");
                }
                Event::Joined(_) | Event::Sealed { .. } => {}
            }
        }
        self.broadcast(echo, received);
        None
    }

    /// Applies a command to a copy of the game: the copy and its events, or the refusal.
    fn check(&self, actor: Actor, command: &Command, now: i64) -> Result<(Game, Vec<Event>), Refused> {
        if self.read_only.is_some() {
            return Err(Refused::ReadOnly);
        }
        let mut next = self.game.clone();
        let events = next.apply(actor, command, now).map_err(Refused::Game)?;
        Ok((next, events))
    }

    /// Appends to the log and waits for the commit. A secret ballot closed by the command
    /// is stored as its decisions, and the votes are forgotten in the same transaction.
    async fn store(
        &mut self,
        actor: Actor,
        command: &Command,
        now: i64,
        token_hash: Option<String>,
        events: &[Event],
    ) -> Result<(), Refused> {
        let (sealed, forget) = events
            .iter()
            .find_map(|e| match e {
                Event::Sealed { sealed, voters } => Some((Some(sealed.clone()), voters.clone())),
                _ => None,
            })
            .unwrap_or_default();
        let seq = self.seq + 1;
        let entry = LogEntry { seq, time_ms: now, actor, command: command.clone(), token_hash, sealed };
        match self.app.store.append(&self.code, entry, &forget).await {
            Ok(Ok(())) => {
                self.seq = seq;
                self.last_activity = now;
                self.storage_down(false);
                Ok(())
            }
            result => {
                let why = match result {
                    Ok(Err(e)) => e.to_string(),
                    _ => "the store has stopped".into(),
                };
                error!(room = %self.code, "command {seq} ({}) refused, it could not be stored: {why}", command.kind());
                self.storage_down(true);
                Err(Refused::Storage)
            }
        }
    }

    async fn open(&mut self, session: Session, language: Option<Language>, conn: Arc<Conn>, id: Option<Value>) -> bool {
        let lang = language.unwrap_or(self.game.language());
        let refuse = |code: ErrorCode, message: String| {
            conn.send(error_json(code, &message, id.as_ref()));
            false
        };
        let mut player_id = None;
        let mut token_back = None;
        let viewer = match session {
            Session::Watch => Viewer::Screen,
            Session::Host { token } => {
                if !token_matches(&token, &self.host_hash) {
                    self.app.metrics.error("invalid_token");
                    return refuse(ErrorCode::InvalidToken, ErrorCode::InvalidToken.message(lang).into());
                }
                Viewer::Host
            }
            Session::Resume { token } => {
                if token_matches(&token, &self.host_hash) {
                    token_back = Some(token);
                    Viewer::Host
                } else if let Some(p) = self.tokens.get(&hash_token(&token)).copied() {
                    token_back = Some(token);
                    player_id = Some(p);
                    Viewer::Player(p)
                } else {
                    self.app.metrics.error("invalid_token");
                    return refuse(ErrorCode::InvalidToken, ErrorCode::InvalidToken.message(lang).into());
                }
            }
            Session::Join { name, real_role } => {
                let cmd = Command::Join { name, real_role };
                let now = now_ms();
                let (next, events) = match self.check(Actor::Newcomer, &cmd, now) {
                    Ok(checked) => checked,
                    Err(e) => {
                        self.app.metrics.error(e.code().code());
                        return refuse(e.code(), e.message(lang));
                    }
                };
                let Some(Event::Joined(p)) = events.first().cloned() else { return false };
                let token = new_token();
                let hash = hash_token(&token);
                if let Err(e) = self.store(Actor::Newcomer, &cmd, now, Some(hash.clone()), &events).await {
                    self.app.metrics.error(e.code().code());
                    return refuse(e.code(), e.message(lang));
                }
                self.game = next;
                self.app.metrics.command("join");
                self.tokens.insert(hash, p);
                token_back = Some(token);
                player_id = Some(p);
                Viewer::Player(p)
            }
        };
        let welcome = ServerMsg::Welcome {
            as_: match viewer {
                Viewer::Host => As::Host,
                Viewer::Screen => As::Screen,
                Viewer::Player(_) => As::Player,
            },
            room: &self.code,
            player_id,
            token: token_back.as_deref(),
            id: id.as_ref(),
        }
        .text();
        // A second connection with the same identity replaces the first.
        let previous = match viewer {
            Viewer::Host => self.host_conn.replace(conn.id),
            Viewer::Player(p) => {
                let prev = self.player_conn.insert(p, conn.id);
                if prev.is_none() {
                    self.app.metrics.players_connected.inc();
                }
                prev
            }
            Viewer::Screen => None,
        };
        if let Some(old) = previous {
            self.langs.remove(&old);
        }
        if let Some((old, _, _, _)) = previous.and_then(|c| self.conns.remove(&c)) {
            old.send(ServerMsg::Replaced.text());
            old.close(1000);
        }
        conn.send(welcome);
        if let Some(l) = language {
            self.langs.insert(conn.id, l);
        }
        self.conns.insert(conn.id, (conn, viewer, 0, None));
        self.broadcast(None, Instant::now());
        true
    }

    /// What the host is told about the store (a banner), if anything is wrong.
    fn storage_notice(&self) -> Option<&'static str> {
        if self.read_only.is_some() {
            Some("read_only")
        } else if self.storage_down {
            Some("unavailable")
        } else {
            None
        }
    }

    /// Hands every connection the newest view it may see, when it changed for them (a note
    /// at one table changes nothing for the others). Everything but `you` is the same for all
    /// viewers through one lens (the host, the screen, the players of one table), so that part
    /// is serialised once per lens and each player's own part is spliced in.
    fn broadcast(&mut self, echo: Option<(u64, Value)>, received: Instant) {
        let now = now_ms();
        let player_conn = &self.player_conn;
        let connected = |p: PlayerId| player_conn.contains_key(&p);
        let storage = self.storage_notice();
        let mut frames: HashMap<Lens, Frame> = HashMap::new();
        let mut shared: HashMap<Lens, Arc<RawValue>> = HashMap::new();
        // Patches: each lens's operations once, and each player's `you` operations once.
        // The `ops` array of a lens is made once and shared by every connection that needs
        // nothing of its own (`you` unchanged).
        let mut lens_ops: HashMap<Lens, (String, Option<Arc<RawValue>>)> = HashMap::new();
        let mut you_ops: HashMap<PlayerId, String> = HashMap::new();
        for (cid, (conn, viewer, last, patched)) in self.conns.iter_mut() {
            let lens = self.game.lens(*viewer);
            let frame = frames.entry(lens).or_insert_with(|| {
                let mut v = self.game.frame(&self.code, lens, now, &connected);
                if lens == Lens::Host {
                    v.storage = storage;
                }
                Frame::new(v)
            });
            let id = echo.as_ref().filter(|(c, _)| c == cid).map(|(_, v)| v.clone());
            if conn.wants_patches() {
                let (ops, shared_ops) = lens_ops.entry(lens).or_insert_with(|| {
                    // A lens seen for the first time gives no operations: its connections
                    // are new and get a whole state.
                    (self.prev_frames.entry(lens).or_default().advance(&frame.view).into_inner(), None)
                });
                let you = match viewer {
                    Viewer::Player(p) => Some(you_ops.entry(*p).or_insert_with(|| {
                        // Compared typed: an unchanged `you` is not serialised at all.
                        let now_you = self.game.you_of(*p);
                        let mut ops = patch::Ops::default();
                        if let Some(prev) = self.prev_you.get(p) {
                            patch::field(prev, &now_you, "/you", &mut ops);
                        }
                        self.prev_you.insert(*p, now_you);
                        ops.into_inner()
                    })),
                    _ => None,
                };
                if *patched == Some(lens) {
                    let you_ops = you.map_or("", |ops| ops.as_str());
                    if ops.is_empty() && you_ops.is_empty() && id.is_none() {
                        continue;
                    }
                    let array = |text: String| Arc::from(RawValue::from_string(text).expect("operations are JSON"));
                    let all = match (ops.is_empty(), you_ops.is_empty()) {
                        (false, false) => array(format!("[{ops},{you_ops}]")),
                        (true, false) => array(format!("[{you_ops}]")),
                        (_, true) => shared_ops.get_or_insert_with(|| array(format!("[{ops}]"))).clone(),
                    };
                    if conn.push_patch(outbox::Patch { ops: all, id: id.clone() }) {
                        continue;
                    }
                }
                // A new connection, a new lens (a player seated at the start), a `sync` or
                // too many patches waiting: one whole state, and patches after it.
                *patched = Some(lens);
            }
            let (json, hash): (Arc<RawValue>, u64) = match viewer {
                Viewer::Player(p) => {
                    let (view, hash) = frame.with_you(&self.game.you_of(*p));
                    (view.into(), hash)
                }
                _ => (shared.entry(lens).or_insert_with(|| frame.json().to_owned().into()).clone(), frame.hash()),
            };
            if hash == *last && id.is_none() && !conn.wants_patches() {
                continue;
            }
            *last = hash;
            conn.push_state(json, id);
        }
        // Players and lenses nobody patched looks through any more are forgotten.
        if !you_ops.is_empty() || !self.prev_you.is_empty() {
            let conns = &self.conns;
            self.prev_you
                .retain(|p, _| conns.values().any(|(c, v, _, _)| c.wants_patches() && *v == Viewer::Player(*p)));
        }
        self.app.metrics.latency(received.elapsed().as_secs_f64());
    }
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
