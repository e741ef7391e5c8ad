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

use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use super::App;
pub use decode::{Incoming, decode};
pub use limits::{AddressLimits, MAX_DROPPED, MAX_FAILED_SESSIONS_PER_MINUTE, RATE_BURST, RATE_PER_SECOND};

/// Largest frame and message (PROTOCOL.md: 16 KiB).
pub const MAX_FRAME: usize = 16 * 1024;
/// Time to open a session after connecting.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(10);

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
            let (sink, stream) = socket.split();
            tracing::Instrument::instrument(session::run(stream, sink, app, peer.ip(), id), span)
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

fn close(code: u16) -> Message {
    Message::Close(Some(CloseFrame { code, reason: "".into() }))
}
