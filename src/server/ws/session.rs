//! The session loop: the reader of one connection. It works on any stream and sink of
//! WebSocket messages, so its rules (session first, one session, limits, errors) are tested
//! below without a socket.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde_json::Value;

use super::super::App;
use super::super::outbox::Conn;
use super::super::room::{Session, error_json};
use super::super::wire::{Limits, PROTOCOL, ServerMsg};
use super::decode::{Incoming, decode};
use super::limits::{Bucket, MAX_DROPPED, rate_limited};
use super::writer::write_loop;
use super::{Message, SESSION_TIMEOUT, close};
use crate::code::normalize_code;
use crate::game::ErrorCode;
use crate::scenario::Language;

struct Counted(Arc<App>, IpAddr, bool);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::Relaxed);
        if self.2 {
            self.0.addresses.closed(self.1);
        }
    }
}

/// Runs one connection's session until it ends.
/// `hint`: the room named in `/ws?room=CODE` (version 2, for a proxy that routes by room);
/// a session message must then name the same room.
pub(super) async fn run<S, K>(
    mut stream: S,
    mut sink: K,
    app: Arc<App>,
    peer: IpAddr,
    conn_id: u64,
    hint: Option<String>,
) where
    S: Stream<Item = Result<Message, tungstenite::Error>> + Unpin,
    K: Sink<Message> + Unpin + Send + 'static,
{
    let n = app.connections.fetch_add(1, Ordering::Relaxed) + 1;
    let per_address = app.addresses.open(peer);
    let counted = Counted(app.clone(), peer, per_address);
    // Past --max-connections, or past --max-connections-per-address for this address.
    if n > app.config.max_connections || !per_address {
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
    let conn = Arc::new(Conn::new(conn_id));
    tracing::debug!("connection opened");
    let writer = tokio::spawn(write_loop(sink, conn.clone(), app.metrics.sent_bytes.clone()));

    let mut room = None;
    // The identity of an open session (room and player, or room and host): its message
    // budget is shared by every connection it ever has (across reconnects).
    let mut identity: Option<String> = None;
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
            _ = conn.killed_wake.notified() => break,
        };
        let text = match frame {
            None | Some(Ok(Message::Close(_))) => break,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(other)) => {
                // Checked without allocating: this runs for every message.
                let identity_ok = identity.as_ref().is_none_or(|id| app.addresses.identity_allows(id));
                if !bucket.take_if(identity_ok) {
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
                let (code, close_code) = match e {
                    tungstenite::Error::Capacity(_) => (ErrorCode::TooLarge, 1009),
                    tungstenite::Error::Utf8(_) => (ErrorCode::BadMessage, 1007),
                    tungstenite::Error::Protocol(_) => (ErrorCode::BadMessage, 1002),
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
            Incoming::Session { room: code, session, language, patches, id } => {
                // The routing hint must name the room the session opens (normalised).
                let misrouted = hint.as_ref().is_some_and(|h| normalize_code(h) != code);
                if room.is_some() || misrouted {
                    fail(ErrorCode::BadMessage, lang, id.as_ref());
                    continue;
                }
                conn.set_patches(patches);
                // The connection's own language, when it asked for one, from now on.
                if let Some(l) = language {
                    lang = l;
                }
                // A barred address (guessing) learns nothing: codes alone are refused before
                // any lookup; a session with a token is let through only when the token is
                // live in that room (a valid token always gets through).
                let barred = app.addresses.guessing(peer);
                let token = match &session {
                    Session::Resume { token } | Session::Host { token } => Some(token.clone()),
                    _ => None,
                };
                if barred && token.is_none() {
                    fail(ErrorCode::RateLimited, lang, id.as_ref());
                    continue;
                }
                let handle = match &code {
                    // Boxed: opening is rare and its future large (a claim talks to
                    // PostgreSQL); inline, it would be part of every idle connection's task.
                    Some(c) => match Box::pin(super::super::directory::open(&app, c)).await {
                        Ok(h) => h,
                        // Several nodes: the room's owner did not let go in time. Like
                        // `server_busy`, the socket closes with 1013 and clients try again.
                        Err(super::super::cluster::Unavailable::Busy) => {
                            fail(ErrorCode::StorageUnavailable, lang, id.as_ref());
                            conn.close(1013);
                            break;
                        }
                    },
                    None => None,
                };
                if barred {
                    let live = match (&handle, token) {
                        (Some(h), Some(t)) => h.knows_token(t).await,
                        _ => false,
                    };
                    if !live {
                        app.addresses.failed(peer);
                        fail(ErrorCode::RateLimited, lang, id.as_ref());
                        continue;
                    }
                }
                let Some(handle) = handle else {
                    app.addresses.failed(peer);
                    fail(ErrorCode::UnknownRoom, lang, id.as_ref());
                    continue;
                };
                match handle.open(session, language, conn.clone(), id.clone()).await {
                    // Several nodes: the room was handed over just now; the client tries again.
                    None if app.cluster.is_some() => {
                        fail(ErrorCode::StorageUnavailable, lang, id.as_ref());
                        conn.close(1013);
                        break;
                    }
                    None => fail(ErrorCode::UnknownRoom, lang, id.as_ref()),
                    Some(Some(l)) => {
                        lang = language.unwrap_or(l);
                        identity = handle.identity_of(conn.id).await;
                        room = Some(handle);
                        if let Some(c) = &code {
                            tracing::Span::current().record("room", c.as_str());
                        }
                        tracing::debug!("session opened");
                    }
                    Some(None) => app.addresses.failed(peer),
                }
            }
            Incoming::Sync { id } => match &room {
                Some(handle) => handle.sync(conn.id, id).await,
                None => fail(ErrorCode::BadMessage, lang, id.as_ref()),
            },
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

#[cfg(test)]
mod tests {
    //! The session rules, on channels instead of a socket: what a client sends goes into
    //! one channel, what the server writes comes out of another.

    use std::sync::RwLock;

    use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
    use serde_json::json;
    use tungstenite::Utf8Bytes;
    use tungstenite::protocol::CloseFrame;

    use super::*;
    use crate::scenario::Library;
    use crate::server::{Config, Metrics};
    use crate::store::SqliteStore;

    fn app() -> Arc<App> {
        let dir =
            std::env::temp_dir().join(format!("democreatie-session-{}-{conn}", std::process::id(), conn = rand_id()));
        let store = SqliteStore::open(&dir).expect("a store in a temp folder");
        Arc::new(App {
            config: Config::for_test("127.0.0.1:0", dir),
            library: RwLock::new(Arc::new(Library::load(None))),
            rooms: Default::default(),
            store: Arc::new(store),
            cluster: None,
            metrics: Metrics::default(),
            connections: Default::default(),
            addresses: Default::default(),
            parsers: tokio::sync::Semaphore::new(crate::server::http::PARSERS),
            facilitator_keys: None,
            base_url: "http://127.0.0.1".into(),
            edge: Arc::new(crate::server::edge::Edge::new(vec!["*".into()], vec![], 20000, 1000)),
        })
    }

    fn rand_id() -> u64 {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        N.fetch_add(1, Ordering::Relaxed)
    }

    /// A session on channels: (what the client sends, what the server writes).
    fn connect(app: Arc<App>) -> (UnboundedSender<Result<Message, tungstenite::Error>>, UnboundedReceiver<Message>) {
        let (to_server, stream) = unbounded();
        let (sink, from_server) = unbounded();
        tokio::spawn(run(stream, sink, app, "127.0.0.1".parse().unwrap(), rand_id(), None));
        (to_server, from_server)
    }

    fn text(v: serde_json::Value) -> Result<Message, tungstenite::Error> {
        Ok(Message::Text(Utf8Bytes::from(v.to_string())))
    }

    /// The next text message the server writes, as JSON; `Err(code)` for a close frame.
    async fn next(rx: &mut UnboundedReceiver<Message>) -> Result<serde_json::Value, u16> {
        next_within(rx, Duration::from_secs(5)).await
    }

    async fn next_within(rx: &mut UnboundedReceiver<Message>, wait: Duration) -> Result<serde_json::Value, u16> {
        loop {
            match tokio::time::timeout(wait, rx.next()).await.expect("an answer in time") {
                Some(Message::Text(t)) => return Ok(serde_json::from_str(t.as_str()).unwrap()),
                Some(Message::Close(Some(CloseFrame { code, .. }))) => return Err(code.into()),
                Some(_) => continue,
                None => return Err(0),
            }
        }
    }

    /// Every idle connection holds its two tasks, so their state machines stay small: a
    /// large future awaited inline (claiming a room from PostgreSQL was 1.6 KB) would be
    /// part of every connection's memory (docs/performance.md, issue #14).
    #[tokio::test]
    async fn an_idle_connections_tasks_stay_small() {
        let (_to_server, stream) = unbounded::<Result<Message, tungstenite::Error>>();
        let (sink, _from_server) = unbounded::<Message>();
        let session = run(stream, sink, app(), "127.0.0.1".parse().unwrap(), rand_id(), None);
        let (sink, _r) = unbounded::<Message>();
        let conn = Arc::new(crate::server::outbox::Conn::new(1));
        let writer = super::super::writer::write_loop(sink, conn, Default::default());
        let (s, w) = (std::mem::size_of_val(&session), std::mem::size_of_val(&writer));
        assert!(s <= 2048 && w <= 1024, "session task {s} bytes, writer task {w} bytes");
    }

    #[tokio::test]
    async fn hello_first_then_commands_before_a_session_are_bad_message() {
        let (tx, mut rx) = connect(app());
        let hello = next(&mut rx).await.unwrap();
        assert_eq!((hello["type"].as_str(), hello["protocol"].as_u64()), (Some("hello"), Some(2)));
        tx.unbounded_send(text(json!({"type": "ready", "id": 7}))).unwrap();
        let e = next(&mut rx).await.unwrap();
        assert_eq!((e["code"].as_str(), e["id"].as_u64()), (Some("bad_message"), Some(7)));
        // The socket stays open: an unknown room is answered too.
        tx.unbounded_send(text(json!({"type": "watch", "room": "BCDFG", "id": "w"}))).unwrap();
        let e = next(&mut rx).await.unwrap();
        assert_eq!((e["code"].as_str(), e["id"].as_str()), (Some("unknown_room"), Some("w")));
    }

    #[tokio::test]
    async fn a_binary_frame_is_bad_message() {
        let (tx, mut rx) = connect(app());
        next(&mut rx).await.unwrap();
        tx.unbounded_send(Ok(Message::Binary(vec![1, 2, 3].into()))).unwrap();
        assert_eq!(next(&mut rx).await.unwrap()["code"], "bad_message");
    }

    #[tokio::test]
    async fn a_flood_is_told_once_per_streak_and_closed_past_forty_drops() {
        let (tx, mut rx) = connect(app());
        next(&mut rx).await.unwrap();
        for _ in 0..100 {
            tx.unbounded_send(text(json!({}))).unwrap();
        }
        let mut codes = Vec::new();
        let close = loop {
            match next(&mut rx).await {
                Ok(m) => codes.push(m["code"].as_str().unwrap().to_string()),
                Err(code) => break code,
            }
        };
        assert_eq!(close, 1008);
        assert_eq!(codes.iter().filter(|c| *c == "bad_message").count(), 40, "the burst of 40 passes");
        assert_eq!(
            codes.iter().filter(|c| *c == "rate_limited").count(),
            2,
            "once at the first drop, once at the close"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn no_session_within_ten_seconds_closes_with_1008() {
        let (_tx, mut rx) = connect(app());
        next(&mut rx).await.unwrap();
        let t0 = tokio::time::Instant::now();
        assert_eq!(next_within(&mut rx, Duration::from_secs(60)).await, Err(1008));
        assert!(t0.elapsed() >= SESSION_TIMEOUT);
    }

    #[tokio::test]
    async fn the_connection_limit_answers_server_busy_instead_of_hello() {
        let app = app();
        app.connections.store(app.config.max_connections, Ordering::Relaxed);
        let (_tx, mut rx) = connect(app.clone());
        assert_eq!(next(&mut rx).await.unwrap()["code"], "server_busy");
        assert_eq!(next(&mut rx).await, Err(1013));
    }
}
