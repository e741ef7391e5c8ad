//! A WebSocket session: a reader (this task) and a writer task around the connection's
//! queue. The reader checks frames, rate and session order, then hands commands to the
//! room; the writer sends what the room queued, newest state first-come, and drops a
//! client that stays stuck.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::App;
use super::outbox::{CONTROL_QUEUE, Conn, Out};
use super::room::{Session, error_json};
use super::wire::{Limits, PROTOCOL, ServerMsg, SessionMsg};
use crate::code::normalize_code;
use crate::game::{Command, ErrorCode};
use crate::scenario::Language;

/// Largest frame and message (PROTOCOL.md: 16 KiB).
pub const MAX_FRAME: usize = 16 * 1024;
/// Time to open a session after connecting.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(10);
/// Sustained messages per second per connection.
pub const RATE_PER_SECOND: f64 = 20.0;
/// Burst of messages per connection.
pub const RATE_BURST: f64 = 40.0;
/// Dropped messages (without a quiet second) before the socket is closed.
pub const MAX_DROPPED: u32 = 40;
/// Failed session attempts (unknown room, wrong token, refused join) per address per
/// minute before further session messages from that address are `rate_limited`.
pub const MAX_FAILED_SESSIONS_PER_MINUTE: u32 = 20;
/// A send that takes longer means the client is stuck: it is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a socket stays open after the server's close frame.
const CLOSE_LINGER: Duration = Duration::from_millis(500);
/// Pings keep phones' connections (and NAT mappings) alive and find dead ones.
const PING_EVERY: Duration = Duration::from_secs(25);

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

pub async fn handler(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !origin_allowed(&app, &headers) {
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    ws.max_frame_size(MAX_FRAME)
        .max_message_size(MAX_FRAME)
        // tungstenite's defaults (128 KiB each) would cost a gigabyte per 10,000 sockets.
        // Client messages are small; a 512-byte read chunk still reads a 16 KiB message in
        // a few calls, and each idle connection keeps 3.5 KiB less (docs/performance.md).
        .read_buffer_size(512)
        .write_buffer_size(0)
        .max_write_buffer_size(4 << 20)
        .on_upgrade(move |socket| {
            // Every line a connection logs carries its number (never its address: that is
            // personal data), and its room once a session is open.
            let id = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
            let span = tracing::info_span!("conn", conn = id, room = tracing::field::Empty);
            tracing::Instrument::instrument(session(socket, app, peer.ip(), id), span)
        })
}

/// Browsers send Origin: only pages of this server (or configured origins) may connect.
/// Clients that are not browsers send none and are let through.
fn origin_allowed(app: &App, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get("origin").and_then(|o| o.to_str().ok()) else { return true };
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
    origin_host.eq_ignore_ascii_case(host)
        || origin.eq_ignore_ascii_case(&app.base_url)
        || app.config.allowed_origins.iter().any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

struct Counted(Arc<App>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A token bucket: 20 messages a second, bursts of 40.
struct Bucket {
    tokens: f64,
    at: Instant,
    dropped: u32,
    last_drop: Instant,
}

impl Bucket {
    fn new() -> Bucket {
        let now = Instant::now();
        Bucket { tokens: RATE_BURST, at: now, dropped: 0, last_drop: now }
    }

    /// Whether a message may pass now.
    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * RATE_PER_SECOND).min(RATE_BURST);
        self.at = now;
        if now.duration_since(self.last_drop) >= Duration::from_secs(1) {
            self.dropped = 0;
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            self.dropped += 1;
            self.last_drop = now;
            false
        }
    }
}

async fn session(socket: WebSocket, app: Arc<App>, peer: IpAddr, conn_id: u64) {
    let n = app.connections.fetch_add(1, Ordering::Relaxed) + 1;
    let counted = Counted(app.clone());
    let (mut sink, mut stream) = socket.split();
    if n > app.config.max_connections {
        app.metrics.error("server_busy");
        let msg = error_json(ErrorCode::ServerBusy, ErrorCode::ServerBusy.message(Language::Nl), None);
        let _ = sink.send(Message::Text(msg.into())).await;
        let _ = sink.send(close(1013)).await;
        return;
    }
    let hello = ServerMsg::Hello {
        protocol: PROTOCOL,
        server: concat!("democreatie/", env!("CARGO_PKG_VERSION")),
        limits: Limits::NOW,
    }
    .text();
    if sink.send(Message::Text(hello.into())).await.is_err() {
        return;
    }
    let (control_tx, control_rx) = mpsc::channel(CONTROL_QUEUE);
    let (kill_tx, mut kill_rx) = watch::channel(false);
    let conn = Arc::new(Conn::new(conn_id, control_tx, kill_tx));
    tracing::debug!("connection opened");
    let writer = tokio::spawn(write_loop(sink, conn.clone(), control_rx, kill_rx.clone()));

    let mut room = None;
    let mut lang = Language::Nl;
    let mut bucket = Bucket::new();
    let session_deadline = tokio::time::Instant::now() + SESSION_TIMEOUT;
    let fail = |code: ErrorCode, lang: Language, id: Option<&Value>| {
        app.metrics.error(code.code());
        conn.send(error_json(code, code.message(lang), id));
    };
    loop {
        let frame = tokio::select! {
            f = stream.next() => f,
            _ = tokio::time::sleep_until(session_deadline), if room.is_none() => {
                conn.close(1008);
                break;
            }
            _ = kill_rx.changed() => break,
        };
        let text = match frame {
            None | Some(Ok(Message::Close(_))) => break,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(other)) => {
                if !bucket.take() {
                    rate_limited(&app, &conn, &bucket, lang);
                    if bucket.dropped > MAX_DROPPED {
                        break;
                    }
                    continue;
                }
                match other {
                    Message::Text(t) => t,
                    _ => {
                        fail(ErrorCode::BadMessage, lang, None);
                        continue;
                    }
                }
            }
            Some(Err(e)) => {
                // The reader cannot go on after a protocol error; say why, then close.
                let (code, close_code) = match e.into_inner().downcast_ref::<tungstenite::Error>() {
                    Some(tungstenite::Error::Capacity(_)) => (ErrorCode::TooLarge, 1009),
                    Some(tungstenite::Error::Utf8(_)) => (ErrorCode::BadMessage, 1007),
                    Some(tungstenite::Error::Protocol(_)) => (ErrorCode::BadMessage, 1002),
                    _ => break,
                };
                fail(code, lang, None);
                conn.close(close_code);
                break;
            }
        };
        let incoming = match decode(text.as_str()) {
            Ok(i) => i,
            Err(id) => {
                fail(ErrorCode::BadMessage, lang, id.as_ref());
                continue;
            }
        };
        match incoming {
            Incoming::Session { room: code, session, id } => {
                if room.is_some() {
                    fail(ErrorCode::BadMessage, lang, id.as_ref());
                    continue;
                }
                if guessing(&app, peer) {
                    fail(ErrorCode::RateLimited, lang, id.as_ref());
                    continue;
                }
                let handle = match &code {
                    Some(c) => super::directory::find(&app, c).await,
                    None => None,
                };
                let Some(handle) = handle else {
                    failed_session(&app, peer);
                    fail(ErrorCode::UnknownRoom, lang, id.as_ref());
                    continue;
                };
                match handle.open(session, conn.clone(), id.clone()).await {
                    None => fail(ErrorCode::UnknownRoom, lang, id.as_ref()),
                    Some(Some(l)) => {
                        lang = l;
                        room = Some(handle);
                        if let Some(c) = &code {
                            tracing::Span::current().record("room", c.as_str());
                        }
                        tracing::debug!("session opened");
                    }
                    Some(None) => failed_session(&app, peer),
                }
            }
            Incoming::Command { command, id } => {
                let Some(handle) = &room else {
                    fail(ErrorCode::BadMessage, lang, id.as_ref());
                    continue;
                };
                if !handle.command(conn.id, command, id).await {
                    fail(ErrorCode::UnknownRoom, lang, None);
                    conn.close(1000);
                    break;
                }
            }
        }
    }
    if let Some(handle) = room {
        handle.closed(conn.id).await;
    }
    tracing::debug!("connection closed");
    // The session is over: it stops counting against --max-connections now, not after the
    // writer's last words.
    drop(counted);
    // Let the writer send what is queued (an error, a close), then stop; a writer that is
    // stuck sending is stopped after 2 s.
    conn.done();
    let mut writer = writer;
    if tokio::time::timeout(Duration::from_secs(2), &mut writer).await.is_err() {
        conn.kill();
        let _ = writer.await;
    }
}

/// Whether an address has failed too many sessions this minute: guessing room codes or
/// tokens. A workshop behind one address (NAT) is not hurt: only failures count.
fn guessing(app: &App, peer: IpAddr) -> bool {
    app.failed_sessions
        .get(&peer)
        .is_some_and(|e| e.0.elapsed() < Duration::from_secs(60) && e.1 >= MAX_FAILED_SESSIONS_PER_MINUTE)
}

fn failed_session(app: &App, peer: IpAddr) {
    let mut e = app.failed_sessions.entry(peer).or_insert((Instant::now(), 0));
    if e.0.elapsed() >= Duration::from_secs(60) {
        *e = (Instant::now(), 0);
    }
    e.1 += 1;
}

/// Tells a flooding client once per streak of dropped messages (an error per dropped
/// message would itself be a flood), and closes the socket past the limit.
fn rate_limited(app: &App, conn: &Conn, bucket: &Bucket, lang: Language) {
    if bucket.dropped == 1 || bucket.dropped > MAX_DROPPED {
        app.metrics.error("rate_limited");
        conn.send(error_json(ErrorCode::RateLimited, ErrorCode::RateLimited.message(lang), None));
    }
    if bucket.dropped > MAX_DROPPED {
        conn.close(1008);
    }
}

/// A client message, decoded.
#[derive(Debug, Clone)]
pub enum Incoming {
    /// A session message; `room` is `None` for a code that cannot exist.
    Session {
        room: Option<String>,
        session: Session,
        id: Option<Value>,
    },
    Command {
        command: Command,
        id: Option<Value>,
    },
}

/// Decodes one text message without looking at any room: pure, so it is fuzzed on its own.
/// `Err` is `bad_message`, with the message's `id` when one could be read.
pub fn decode(text: &str) -> Result<Incoming, Option<Value>> {
    let Ok(Value::Object(msg)) = serde_json::from_str::<Value>(text) else { return Err(None) };
    let id = match msg.get("id") {
        None => None,
        Some(i) if i.is_string() || i.is_number() => Some(i.clone()),
        Some(_) => return Err(None),
    };
    let kind = msg.get("type").and_then(Value::as_str).unwrap_or_default();
    match kind {
        "join" | "resume" | "host" | "watch" => match serde_json::from_value::<SessionMsg>(Value::Object(msg)) {
            Ok(s) => Ok(Incoming::Session { room: normalize_code(s.room()), session: s.into(), id }),
            Err(_) => Err(id),
        },
        _ => match serde_json::from_value::<Command>(Value::Object(msg)) {
            Ok(command) => Ok(Incoming::Command { command, id }),
            Err(_) => Err(id),
        },
    }
}

fn close(code: u16) -> Message {
    Message::Close(Some(CloseFrame { code, reason: "".into() }))
}

async fn write_loop(
    mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
    conn: Arc<Conn>,
    mut control: mpsc::Receiver<Out>,
    mut kill: watch::Receiver<bool>,
) {
    let mut rev: u64 = 0;
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        let batch: Vec<Message> = tokio::select! {
            biased;
            _ = kill.changed() => break,
            out = control.recv() => match out {
                None => break,
                Some(Out::Text(t)) => vec![Message::Text(t.into())],
                Some(Out::Done) => break,
                Some(Out::Close(code)) => {
                    let _ = tokio::time::timeout(SEND_TIMEOUT, sink.send(close(code))).await;
                    // Hold the socket a moment: closing it with unread bytes (the rest of an
                    // oversized frame) makes the kernel reset the connection, and the client
                    // would lose the error and the close frame before reading them.
                    tokio::time::sleep(CLOSE_LINGER).await;
                    break;
                }
            },
            _ = conn.wake.notified() => {
                let (view, ids) = conn.take_state();
                let Some(view) = view else { continue };
                let ids: Vec<Option<Value>> = if ids.is_empty() { vec![None] } else { ids.into_iter().map(Some).collect() };
                ids.into_iter()
                    .map(|id| {
                        rev += 1;
                        Message::Text(ServerMsg::State { rev, id: id.as_ref(), view: &view }.text().into())
                    })
                    .collect()
            }
            _ = ping.tick() => vec![Message::Ping(Default::default())],
        };
        for m in batch {
            match tokio::time::timeout(SEND_TIMEOUT, sink.send(m)).await {
                Ok(Ok(())) => {}
                _ => {
                    conn.kill();
                    return;
                }
            }
        }
    }
    conn.kill();
}
