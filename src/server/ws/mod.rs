//! WebSocket sessions. Each connection is a reader (the session loop, `session.rs`) and a
//! writer task (`writer.rs`) around the connection's outbox. The reader checks frames,
//! rate and session order and hands commands to the room; the writer sends what the room
//! queued, newest state first-come, and drops a client that stays stuck. Decoding
//! (`decode.rs`) is pure and fuzzed on its own; the limits live in `limits.rs`. The session
//! loop works on any `Stream` and `Sink` of messages, so its rules are unit-tested without
//! a socket.

mod decode;
mod limits;
mod session;
mod writer;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Extension;
use axum::body::Body;
use axum::extract::{ConnectInfo, RawQuery, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
pub use tungstenite::Message;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};

use super::edge::ConnSlot;

use super::App;
pub use decode::{Incoming, decode};
pub use limits::{AddressLimits, MAX_DROPPED, MAX_FAILED_SESSIONS_PER_MINUTE, RATE_BURST, RATE_PER_SECOND};

/// Largest frame and message (PROTOCOL.md: 16 KiB).
pub const MAX_FRAME: usize = 16 * 1024;
/// Time to open a session after connecting.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(10);

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// `GET /ws`: the WebSocket handshake (RFC 6455, HTTP/1.1), then the session on its own
/// task. The upgrade is done here rather than by axum's `WebSocketUpgrade` so that the
/// writer holds tungstenite's stream itself and can send a large message in frames
/// (`writer.rs`): the stream's write buffer keeps the size of the largest frame it ever
/// wrote, for the life of the connection.
pub async fn handler(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    slot: Option<Extension<ConnSlot>>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Response {
    let Some(accept) = accept_key(req.method(), req.headers()) else {
        return (StatusCode::BAD_REQUEST, "A WebSocket handshake (HTTP/1.1, version 13) is needed here.")
            .into_response();
    };
    // `/ws?room=CODE` (version 2): a routing hint for a proxy in front of several nodes.
    let hint =
        query.as_deref().and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("room=")).map(|v| v.to_string()));
    // The Origin and Host checks ran at the edge (`edge::guard`).
    let upgrade = hyper::upgrade::on(req);
    tokio::spawn(async move {
        let Ok(upgraded) = upgrade.await else { return };
        let config = WebSocketConfig::default()
            .max_frame_size(Some(MAX_FRAME))
            .max_message_size(Some(MAX_FRAME))
            // tungstenite's defaults (128 KiB each) would cost a gigabyte per 10,000
            // sockets. Client messages are small; a 512-byte read chunk still reads a
            // 16 KiB message in a few calls (docs/performance.md).
            .read_buffer_size(512)
            .write_buffer_size(0)
            .max_write_buffer_size(MAX_WRITE_BUFFER);
        let socket = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
        // The connection's place at the edge is held for as long as the socket lives.
        let slot = slot;
        // Every line a connection logs carries its number (never its address: that is
        // personal data), and its room once a session is open.
        let id = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
        let span = tracing::info_span!("conn", conn = id, room = tracing::field::Empty);
        let (sink, stream) = socket.split();
        tracing::Instrument::instrument(
            async move {
                session::run(stream, sink, app, peer.ip(), id, hint).await;
                drop(slot);
            },
            span,
        )
        .await
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept)
        .body(Body::empty())
        .expect("a valid handshake response")
}

/// The `Sec-WebSocket-Accept` for a valid opening handshake (RFC 6455 section 4.2.1), or
/// `None` when the request is not one.
fn accept_key(method: &Method, headers: &HeaderMap) -> Option<String> {
    use base64::Engine;
    use sha1::Digest;
    let has = |name: header::HeaderName, token: &str| {
        headers
            .get_all(name)
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token))))
    };
    let ok = method == Method::GET
        && has(header::CONNECTION, "upgrade")
        && has(header::UPGRADE, "websocket")
        && headers.get(header::SEC_WEBSOCKET_VERSION).is_some_and(|v| v == "13");
    let key = headers.get(header::SEC_WEBSOCKET_KEY).filter(|_| ok)?;
    let mut sha1 = sha1::Sha1::default();
    sha1.update(key.as_bytes());
    sha1.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    Some(base64::engine::general_purpose::STANDARD.encode(sha1.finalize()))
}

/// Most bytes a connection may have waiting to be sent: one view must always fit.
pub const MAX_WRITE_BUFFER: usize = 4 << 20;

fn close(code: u16) -> Message {
    Message::Close(Some(CloseFrame { code: CloseCode::from(code), reason: "".into() }))
}

#[cfg(test)]
mod tests {
    //! The largest view the game can produce, built from every limit at once, fits what a
    //! connection may have pending: a facilitator can always reconnect and get the room.

    use std::fmt::Write;
    use std::sync::Arc;

    use super::MAX_WRITE_BUFFER;
    use crate::game::{
        Actor, Command, Game, MAX_NOTE, MAX_NOTE_CHARS_PER_ROOM, MAX_NOTES_PER_ROOM, MAX_PLAYERS, MAX_PROPOSAL,
        RoomOptions, Viewer,
    };

    /// A text of `n` characters that costs the most bytes in JSON (4 each: a character
    /// outside the Basic Multilingual Plane).
    fn widest(n: usize) -> String {
        "\u{1D11E}".repeat(n)
    }

    fn toml_str(n: usize) -> String {
        format!("\"{}\"", widest(n))
    }

    fn largest_case() -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "id = \"groot\"\ntitle = {}\nlanguage = \"nl\"\nsummary = {}\ntable_size = 4",
            toml_str(1000),
            toml_str(1000)
        );
        let _ = writeln!(t, "[case]\ntext = {}", toml_str(10_000));
        for role in ["resident", "civil_servant", "councillor"] {
            let _ = writeln!(t, "[roles.{role}]");
            for _ in 0..40 {
                // A card at its limit (crate::scenario::MAX_CARD_CHARS) in all.
                let _ = writeln!(
                    t,
                    "[[roles.{role}.cards]]\nname = {}\ntext = {}\ngoal = {}\nvalues = [{}]\nconditions = [{}]",
                    toml_str(1000),
                    toml_str(1000),
                    toml_str(1000),
                    toml_str(1000),
                    toml_str(1000)
                );
            }
        }
        let round = |kind: &str, extra: &str| {
            format!("[[rounds]]\nkind = \"{kind}\"\ntitle = {}\nprompt = {}\n{extra}", toml_str(1000), toml_str(1000))
        };
        let _ = writeln!(t, "{}", round("discussion", "draw_event = true"));
        let _ = writeln!(t, "{}", round("proposal", ""));
        let _ = writeln!(t, "{}", round("vote", ""));
        let _ = writeln!(t, "{}", round("budget", ""));
        for _ in 0..36 {
            let _ = writeln!(t, "{}", round("debrief", ""));
        }
        for _ in 0..40 {
            let _ = writeln!(t, "[[events]]\ntitle = {}\ntext = {}", toml_str(1000), toml_str(1000));
        }
        let _ = writeln!(t, "[budget]\ntotal = 1000000000");
        for j in 0..40 {
            let _ = writeln!(
                t,
                "[[budget.projects]]\nid = \"p{j}\"\ntitle = {}\ntext = {}\ncost = 1",
                toml_str(1000),
                toml_str(1000)
            );
        }
        t
    }

    #[test]
    fn the_largest_possible_view_fits_the_write_limit() {
        let scenario = Arc::new(crate::scenario::parse(&largest_case()).expect("the largest case is valid"));
        let options = RoomOptions { tables: Some(16), ..RoomOptions::default() };
        let mut g = Game::new(scenario, options, 1);
        for i in 0..MAX_PLAYERS {
            let name = format!("{}{i:02}", widest(21));
            g.apply(Actor::Newcomer, &Command::Join { name, real_role: None }, 0).unwrap();
        }
        g.apply(Actor::Host, &Command::Start, 0).unwrap();
        // Notes up to the room's limits, as long as they may be.
        let players: Vec<Actor> = g.players().iter().map(|p| Actor::Player(p.id)).collect();
        let per_note = MAX_NOTE_CHARS_PER_ROOM / MAX_NOTES_PER_ROOM;
        assert!(per_note <= MAX_NOTE);
        for n in 0..MAX_NOTES_PER_ROOM {
            let cmd = Command::Note { kind: "value".into(), text: widest(per_note) };
            g.apply(players[n % players.len()], &cmd, 0).unwrap();
        }
        let refused = g.apply(players[0], &Command::Note { kind: "idea".into(), text: "x".into() }, 0);
        assert!(refused.is_err(), "the room's note limit holds");
        g.apply(Actor::Host, &Command::Next, 0).unwrap();
        // The longest proposal at every table, then everyone votes yes, if (a long condition).
        for t in 0..g.tables().len() {
            let by = Actor::Player(g.seated(t).next().unwrap().id);
            g.apply(by, &Command::Propose { text: widest(MAX_PROPOSAL), base: None }, 0).unwrap();
        }
        g.apply(Actor::Host, &Command::Next, 0).unwrap();
        for p in &players {
            let vote = Command::Vote { choice: "support_if".into(), condition: Some(widest(MAX_NOTE)), reason: None };
            g.apply(*p, &vote, 0).unwrap();
        }
        g.apply(Actor::Host, &Command::Next, 0).unwrap();
        assert_eq!(g.phase_kind(), "budget");
        let host = serde_json::to_string(&g.view("BCDFG", Viewer::Host, 0, &|_| true)).unwrap();
        // Printed so the margin is visible in the test's output (`--nocapture`).
        println!("largest host view: {} bytes of {MAX_WRITE_BUFFER}", host.len());
        assert!(host.len() < MAX_WRITE_BUFFER * 9 / 10, "{} bytes", host.len());
    }
}
