//! One task per room (an actor): it owns the room's [`Game`], checks identities, writes
//! every accepted command to the store before anyone sees its effect, and hands each
//! connection the newest view it may see. Nothing else touches a game.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tracing::{error, info, warn};

use super::tokens::{hash_token, new_token, token_matches};
use super::{App, now_ms};
use crate::game::{Actor, Command, ErrorCode, Event, Game, GameError, Lens, PlayerId, Viewer};
use crate::scenario::{self, Language};
use crate::store::{LogEntry, StoredRoom};

/// Messages a connection may have queued besides states: beyond this it counts as stuck.
pub const CONTROL_QUEUE: usize = 64;
/// Messages waiting for a room: beyond this senders wait (each connection sends little).
const ROOM_QUEUE: usize = 1024;

/// How to reach a room's task.
#[derive(Clone)]
pub struct RoomHandle {
    tx: mpsc::Sender<RoomMsg>,
}

impl RoomHandle {
    /// Sends a message; false when the room has gone.
    pub async fn send(&self, msg: RoomMsg) -> bool {
        self.tx.send(msg).await.is_ok()
    }
}

/// How a connection opens its session.
#[derive(Debug, Clone)]
pub enum Session {
    Join { name: String, real_role: Option<String> },
    Resume { token: String },
    Host { token: String },
    Watch,
}

/// Why an HTTP request about a room was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unauthorized,
    Gone,
}

pub enum RoomMsg {
    /// Opens a session; answers the room's language when it opened.
    Open {
        session: Session,
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
    Summary {
        reply: oneshot::Sender<Value>,
    },
    Report {
        token: String,
        format: String,
        reply: oneshot::Sender<Result<(String, String), Refusal>>,
    },
    Delete {
        token: String,
        reply: oneshot::Sender<Result<(), Refusal>>,
    },
}

/// What a room hands a connection's writer.
#[derive(Debug)]
pub enum Out {
    Text(String),
    /// Close the socket with this code.
    Close(u16),
}

/// One WebSocket connection as a room sees it: the newest state waiting to be written (so
/// a slow client gets the newest, never a backlog) and a small queue for everything else.
pub struct Conn {
    pub id: u64,
    pending: std::sync::Mutex<Pending>,
    pub wake: Notify,
    control: mpsc::Sender<Out>,
    kill: watch::Sender<bool>,
}

#[derive(Default)]
struct Pending {
    view: Option<Arc<str>>,
    /// Ids of accepted commands to echo; each gets its own state message.
    ids: Vec<Value>,
}

impl Conn {
    pub fn new(id: u64, control: mpsc::Sender<Out>, kill: watch::Sender<bool>) -> Conn {
        Conn { id, pending: Default::default(), wake: Notify::new(), control, kill }
    }

    /// Queues a message; a connection whose queue stays full is stuck and is dropped.
    pub fn send(&self, text: String) {
        if self.control.try_send(Out::Text(text)).is_err() {
            self.kill();
        }
    }

    pub fn close(&self, code: u16) {
        if self.control.try_send(Out::Close(code)).is_err() {
            self.kill();
        }
    }

    pub fn kill(&self) {
        let _ = self.kill.send(true);
    }

    fn push_state(&self, view: Arc<str>, id: Option<Value>) {
        let mut p = self.pending.lock().expect("the pending lock is never poisoned");
        p.view = Some(view);
        p.ids.extend(id);
        drop(p);
        self.wake.notify_one();
    }

    /// The newest view and the ids to echo with it.
    pub fn take_state(&self) -> (Option<Arc<str>>, Vec<Value>) {
        let mut p = self.pending.lock().expect("the pending lock is never poisoned");
        (p.view.take(), std::mem::take(&mut p.ids))
    }
}

/// An error message for a person, with the id of the message it answers.
pub fn error_json(code: ErrorCode, message: &str, id: Option<&Value>) -> String {
    let mut v = json!({"type": "error", "code": code.code(), "message": message});
    if let Some(id) = id {
        v["id"] = id.clone();
    }
    v.to_string()
}

/// A room rebuilt from its stored log.
pub struct Rebuilt {
    pub game: Game,
    pub tokens: HashMap<String, PlayerId>,
    pub seq: u64,
    pub last_ms: i64,
}

/// Replays a stored room: same scenario text, seed and commands give the same state.
pub fn rebuild(stored: &StoredRoom) -> Result<Rebuilt, String> {
    let rec = &stored.record;
    let scenario = scenario::parse(&rec.scenario_toml)
        .map_err(|p| format!("its scenario no longer reads: {}", p.first().map_or("", |p| p.message.as_str())))?;
    let mut game = Game::new(Arc::new(scenario), rec.options.clone(), rec.seed);
    let mut tokens = HashMap::new();
    let mut last_ms = rec.created_ms;
    for e in &stored.log {
        let events = game
            .apply(e.actor, &e.command, e.time_ms)
            .map_err(|err| format!("command {} ({}) no longer replays: {err}", e.seq, e.command.kind()))?;
        for ev in events {
            if let (Event::Joined(id), Some(h)) = (ev, &e.token_hash) {
                tokens.insert(h.clone(), id);
            }
        }
        last_ms = e.time_ms;
    }
    Ok(Rebuilt { game, tokens, seq: stored.log.last().map_or(0, |e| e.seq), last_ms })
}

/// Serves every unfinished room of the store again.
pub async fn recover(app: &Arc<App>) {
    let started = Instant::now();
    let rooms = match app.store.load_unfinished().await {
        Ok(Ok(rooms)) => rooms,
        Ok(Err(e)) => return error!("cannot read unfinished rooms: {e}"),
        Err(_) => return error!("the store stopped while loading rooms"),
    };
    let mut served = 0;
    for room in rooms {
        match room {
            Ok(stored) => match rebuild(&stored) {
                Ok(r) => {
                    spawn(app.clone(), stored.record.code.clone(), r, stored.record.host_token_hash.clone());
                    served += 1;
                }
                Err(e) => {
                    error!(room = %stored.record.code, "room {} in {} cannot be restored: {e}", stored.record.code, store_name(app))
                }
            },
            Err((code, e)) => error!(room = %code, "room {code} in {} cannot be read: {e}", store_name(app)),
        }
    }
    if served > 0 {
        info!(rooms = served, ms = started.elapsed().as_millis() as u64, "unfinished rooms restored");
    }
}

fn store_name(app: &App) -> String {
    app.config.data_dir.join("democreatie.sqlite3").display().to_string()
}

/// The room with this code: in memory, or brought back from the store (a finished room
/// that left memory while idle stays reachable for resume, host and watch until purged).
pub async fn find(app: &Arc<App>, code: &str) -> Option<RoomHandle> {
    if let Some(h) = app.rooms.get(code) {
        return Some(h.clone());
    }
    let stored = app.store.load_room(code).await.ok()?.ok()??;
    let rebuilt = rebuild(&stored).map_err(|e| error!(room = %code, "room {code} cannot be restored: {e}")).ok()?;
    if let Some(h) = app.rooms.get(code) {
        return Some(h.clone());
    }
    Some(spawn(app.clone(), code.to_string(), rebuilt, stored.record.host_token_hash))
}

/// Starts a room's task and lists it in the directory.
pub fn spawn(app: Arc<App>, code: String, r: Rebuilt, host_hash: String) -> RoomHandle {
    let (tx, rx) = mpsc::channel(ROOM_QUEUE);
    let handle = RoomHandle { tx };
    app.rooms.insert(code.clone(), handle.clone());
    let room = Room {
        code,
        game: r.game,
        app,
        host_hash,
        tokens: r.tokens,
        conns: HashMap::new(),
        player_conn: HashMap::new(),
        host_conn: None,
        seq: r.seq,
        last_activity: r.last_ms.max(now_ms()),
    };
    tokio::spawn(room.run(rx));
    handle
}

struct Room {
    code: String,
    game: Game,
    app: Arc<App>,
    host_hash: String,
    /// Token hash → player.
    tokens: HashMap<String, PlayerId>,
    /// Each connection, its identity, and a hash of the last view it was sent (without
    /// `server_time`), so an unchanged view is not sent again.
    conns: HashMap<u64, (Arc<Conn>, Viewer, u64)>,
    player_conn: HashMap<PlayerId, u64>,
    host_conn: Option<u64>,
    seq: u64,
    last_activity: i64,
}

impl Room {
    async fn run(mut self, mut rx: mpsc::Receiver<RoomMsg>) {
        // Check for idleness every 30 s, or more often when the idle limit is short.
        let idle_secs = self.app.config.room_idle_hours * 3600.0;
        let mut idle_check = tokio::time::interval(Duration::from_secs_f64((idle_secs / 2.0).clamp(0.5, 30.0)));
        loop {
            let auto = self.game.options().auto_advance.then(|| self.game.deadline()).flatten();
            let wake_at = auto.map(|d| {
                let wait = (d - now_ms()).max(0) as u64;
                tokio::time::Instant::now() + Duration::from_millis(wait)
            });
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(RoomMsg::Delete { token, reply }) => {
                        if !token_matches(&token, &self.host_hash) {
                            let _ = reply.send(Err(Refusal::Unauthorized));
                            continue;
                        }
                        let _ = self.app.store.delete(&self.code).await;
                        for (conn, _, _) in self.conns.values() {
                            conn.send(error_json(ErrorCode::UnknownRoom, ErrorCode::UnknownRoom.message(self.game.language()), None));
                            conn.close(1000);
                        }
                        self.app.rooms.remove(&self.code);
                        info!(room = %self.code, "room deleted by its facilitator");
                        let _ = reply.send(Ok(()));
                        break;
                    }
                    Some(msg) => self.handle(msg).await,
                    None => break,
                },
                _ = sleep_until(wake_at), if wake_at.is_some() => {
                    if self.game.due(now_ms()) {
                        self.command(Actor::System, Command::Next, None, Instant::now()).await;
                    }
                }
                _ = idle_check.tick() => {
                    if self.conns.is_empty() && self.idle() {
                        if !self.game.is_finished() {
                            info!(room = %self.code, "idle room finished");
                            self.command(Actor::System, Command::End, None, Instant::now()).await;
                        }
                        self.app.rooms.remove(&self.code);
                        break;
                    }
                }
            }
        }
        // Stop being reachable: new sessions get unknown_room; reports come from the store.
        self.app.rooms.remove(&self.code);
    }

    fn idle(&self) -> bool {
        let idle_ms = (self.app.config.room_idle_hours * 3600.0 * 1000.0) as i64;
        now_ms() - self.last_activity >= idle_ms
    }

    async fn handle(&mut self, msg: RoomMsg) {
        match msg {
            RoomMsg::Open { session, conn, id, reply } => {
                let opened = self.open(session, conn, id).await;
                let _ = reply.send(opened.then_some(self.game.language()));
            }
            RoomMsg::Command { conn, command, id, received } => {
                let Some((c, viewer, _)) = self.conns.get(&conn).cloned() else { return };
                let actor = match viewer {
                    Viewer::Host => Actor::Host,
                    Viewer::Screen => Actor::Screen,
                    Viewer::Player(p) => Actor::Player(p),
                };
                if let Some(err) = self.command(actor, command, id.clone().map(|i| (conn, i)), received).await {
                    self.app.metrics.error(err.code().code());
                    c.send(error_json(err.code(), &err.message(self.game.language()), id.as_ref()));
                }
            }
            RoomMsg::Closed { conn } => {
                if let Some((_, viewer, _)) = self.conns.remove(&conn) {
                    match viewer {
                        Viewer::Player(p) if self.player_conn.get(&p) == Some(&conn) => {
                            self.player_conn.remove(&p);
                            self.app.metrics.players_connected.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                            self.broadcast(None, Instant::now());
                        }
                        Viewer::Host if self.host_conn == Some(conn) => self.host_conn = None,
                        _ => {}
                    }
                }
            }
            RoomMsg::Summary { reply } => {
                let _ = reply.send(json!({
                    "room": self.code,
                    "scenario": {"id": self.game.scenario().id, "title": self.game.scenario().title},
                    "phase": {"kind": self.game.phase_kind(), "index": self.game.phase_index()},
                    "players": self.game.active_players(),
                    "locked": self.game.locked(),
                }));
            }
            RoomMsg::Report { token, format, reply } => {
                let r = if token_matches(&token, &self.host_hash) {
                    Ok(crate::report::render(&self.game, &self.code, &format))
                } else {
                    Err(Refusal::Unauthorized)
                };
                let _ = reply.send(r);
            }
            RoomMsg::Delete { .. } => unreachable!("handled in run"),
        }
    }

    /// Applies a command; on success stores it, acts on its events and broadcasts.
    async fn command(
        &mut self,
        actor: Actor,
        command: Command,
        echo: Option<(u64, Value)>,
        received: Instant,
    ) -> Option<GameError> {
        let now = now_ms();
        let events = match self.game.apply(actor, &command, now) {
            Ok(ev) => ev,
            Err(e) => return Some(e),
        };
        self.store(actor, &command, now, None).await;
        self.app.metrics.command(command.kind());
        for ev in events {
            match ev {
                Event::Kicked(p) | Event::Left(p) => {
                    let kicked = matches!(ev, Event::Kicked(_));
                    self.tokens.retain(|_, id| *id != p);
                    if let Some(cid) = self.player_conn.remove(&p) {
                        self.app.metrics.players_connected.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                        if let Some((conn, _, _)) = self.conns.remove(&cid) {
                            let mut msg = json!({"type": if kicked { "kicked" } else { "left" }});
                            if let Some((c, id)) = &echo
                                && *c == cid
                                && !kicked
                            {
                                msg["id"] = id.clone();
                            }
                            conn.send(msg.to_string());
                            conn.close(1000);
                        }
                    }
                }
                Event::Finished => {
                    let _ = self.app.store.finish(&self.code, now).await;
                    info!(room = %self.code, "room finished");
                }
                Event::Joined(_) => {}
            }
        }
        self.broadcast(echo, received);
        None
    }

    /// Appends to the log and waits for the commit: nobody sees an effect before it is stored.
    async fn store(&mut self, actor: Actor, command: &Command, now: i64, token_hash: Option<String>) {
        self.seq += 1;
        self.last_activity = now;
        let entry = LogEntry { seq: self.seq, time_ms: now, actor, command: command.clone(), token_hash };
        match self.app.store.append(&self.code, entry).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => error!(room = %self.code, "command {} not stored: {e}", self.seq),
            Err(_) => error!(room = %self.code, "command {} not stored: the store has stopped", self.seq),
        }
    }

    async fn open(&mut self, session: Session, conn: Arc<Conn>, id: Option<Value>) -> bool {
        let lang = self.game.language();
        let refuse = |code: ErrorCode, message: String| {
            conn.send(error_json(code, &message, id.as_ref()));
            false
        };
        let mut welcome = json!({"type": "welcome", "room": self.code});
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
                    welcome["token"] = json!(token);
                    Viewer::Host
                } else if let Some(p) = self.tokens.get(&hash_token(&token)).copied() {
                    welcome["token"] = json!(token);
                    welcome["player_id"] = json!(p);
                    Viewer::Player(p)
                } else {
                    self.app.metrics.error("invalid_token");
                    return refuse(ErrorCode::InvalidToken, ErrorCode::InvalidToken.message(lang).into());
                }
            }
            Session::Join { name, real_role } => {
                let cmd = Command::Join { name, real_role };
                let events = match self.game.apply(Actor::Newcomer, &cmd, now_ms()) {
                    Ok(ev) => ev,
                    Err(e) => {
                        self.app.metrics.error(e.code().code());
                        return refuse(e.code(), e.message(lang));
                    }
                };
                let Some(Event::Joined(p)) = events.first().cloned() else { return false };
                let token = new_token();
                let hash = hash_token(&token);
                self.store(Actor::Newcomer, &cmd, now_ms(), Some(hash.clone())).await;
                self.app.metrics.command("join");
                self.tokens.insert(hash, p);
                welcome["token"] = json!(token);
                welcome["player_id"] = json!(p);
                Viewer::Player(p)
            }
        };
        welcome["as"] = json!(match viewer {
            Viewer::Host => "host",
            Viewer::Screen => "screen",
            Viewer::Player(_) => "player",
        });
        if let Some(id) = &id {
            welcome["id"] = id.clone();
        }
        // A second connection with the same identity replaces the first.
        let previous = match viewer {
            Viewer::Host => self.host_conn.replace(conn.id),
            Viewer::Player(p) => {
                let prev = self.player_conn.insert(p, conn.id);
                if prev.is_none() {
                    self.app.metrics.players_connected.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                prev
            }
            Viewer::Screen => None,
        };
        if let Some((old, _, _)) = previous.and_then(|c| self.conns.remove(&c)) {
            old.send(json!({"type": "replaced"}).to_string());
            old.close(1000);
        }
        conn.send(welcome.to_string());
        self.conns.insert(conn.id, (conn, viewer, 0));
        self.broadcast(None, Instant::now());
        true
    }

    /// Hands every connection the newest view it may see, when it changed for them (a note
    /// at one table changes nothing for the others). Everything but `you` is the same for all
    /// viewers through one lens (the host, the screen, the players of one table), so that part
    /// is serialised once per lens and each player's own part is spliced in.
    fn broadcast(&mut self, echo: Option<(u64, Value)>, received: Instant) {
        let now = now_ms();
        let player_conn = &self.player_conn;
        let connected = |p: PlayerId| player_conn.contains_key(&p);
        let mut frames: HashMap<Lens, (Arc<str>, u64)> = HashMap::new();
        for (cid, (conn, viewer, last)) in self.conns.iter_mut() {
            let lens = self.game.lens(*viewer);
            let (frame, frame_hash) = frames
                .entry(lens)
                .or_insert_with(|| {
                    let v = self.game.frame(&self.code, lens, now, &connected);
                    let json: Arc<str> = serde_json::to_string(&v).expect("views serialise").into();
                    let h = hash_without_time(&json);
                    (json, h)
                })
                .clone();
            let (json, hash) = match viewer {
                Viewer::Player(p) => {
                    let you = serde_json::to_string(&self.game.you_of(*p)).expect("views serialise");
                    let head = frame.strip_suffix(FRAME_TAIL).expect("a frame ends with `you: null`");
                    let mut h = std::hash::DefaultHasher::new();
                    std::hash::Hash::hash(&frame_hash, &mut h);
                    std::hash::Hash::hash(&you, &mut h);
                    (format!("{head}\"you\":{you}}}").into(), std::hash::Hasher::finish(&h))
                }
                _ => (frame, frame_hash),
            };
            let id = echo.as_ref().filter(|(c, _)| c == cid).map(|(_, v)| v.clone());
            if hash == *last && id.is_none() {
                continue;
            }
            *last = hash;
            conn.push_state(json, id);
        }
        self.app.metrics.latency(received.elapsed().as_secs_f64());
    }
}

/// A hash of a serialised view that ignores `server_time` (it changes on every broadcast
/// but is no change a client needs to be told about).
fn hash_without_time(json: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    const KEY: &str = "\"server_time\":\"";
    match json.find(KEY) {
        Some(i) => {
            let rest = &json[i + KEY.len()..];
            let end = rest.find('"').map_or(json.len(), |e| i + KEY.len() + e);
            std::hash::Hash::hash(&json[..i], &mut h);
            std::hash::Hash::hash(&json[end..], &mut h);
        }
        None => std::hash::Hash::hash(json, &mut h),
    }
    std::hash::Hasher::finish(&h)
}

/// How a serialised frame ends: `you` is the last field of a view.
const FRAME_TAIL: &str = "\"you\":null}";

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Creates a new room from a scenario text and options; answers the code and host token.
pub async fn create(
    app: &Arc<App>,
    scenario: Arc<scenario::Scenario>,
    source: &str,
    options: crate::game::RoomOptions,
) -> Result<(String, String), String> {
    let mut code = super::tokens::new_code();
    for _ in 0..50 {
        let taken = app.rooms.contains_key(&code) || matches!(app.store.code_taken(&code).await, Ok(Ok(true)));
        if !taken {
            break;
        }
        code = super::tokens::new_code();
    }
    let host_token = new_token();
    let seed = super::tokens::new_seed();
    let record = crate::store::RoomRecord {
        code: code.clone(),
        scenario_toml: source.to_string(),
        seed,
        options: options.clone(),
        host_token_hash: hash_token(&host_token),
        created_ms: now_ms(),
        finished_ms: None,
    };
    match app.store.create_room(record).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            warn!("room not stored: {e}");
            return Err(e.to_string());
        }
        Err(_) => return Err("the store has stopped".into()),
    }
    let game = Game::new(scenario, options, seed);
    let rebuilt = Rebuilt { game, tokens: HashMap::new(), seq: 0, last_ms: now_ms() };
    spawn(app.clone(), code.clone(), rebuilt, hash_token(&host_token));
    info!(room = %code, "room created");
    Ok((code, host_token))
}
