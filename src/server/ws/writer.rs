//! The writer task of a connection: sends what the room queued (the control queue first,
//! then the newest state), pings, and drops a client that stays stuck.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Message;
use futures_util::{Sink, SinkExt};
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::super::outbox::{Conn, Out};
use super::super::wire::ServerMsg;
use super::close;

/// A send that takes longer means the client is stuck: it is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a socket stays open after the server's close frame.
const CLOSE_LINGER: Duration = Duration::from_millis(500);
/// Pings keep phones' connections (and NAT mappings) alive and find dead ones.
const PING_EVERY: Duration = Duration::from_secs(25);

pub(super) async fn write_loop<K: Sink<Message> + Unpin>(
    mut sink: K,
    conn: Arc<Conn>,
    mut control: mpsc::Receiver<Out>,
    mut kill: watch::Receiver<bool>,
    sent_bytes: prometheus_client::metrics::counter::Counter,
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
                let (view, ids, patches) = conn.take_state();
                let mut batch = Vec::new();
                if let Some(view) = view {
                    let ids: Vec<Option<Value>> = if ids.is_empty() { vec![None] } else { ids.into_iter().map(Some).collect() };
                    for id in ids {
                        rev += 1;
                        batch.push(Message::Text(ServerMsg::State { rev, id: id.as_ref(), view: &view }.text().into()));
                    }
                }
                for p in patches {
                    rev += 1;
                    let msg = ServerMsg::Patch { rev, base: rev - 1, id: p.id.as_ref(), ops: &p.ops };
                    batch.push(Message::Text(msg.text().into()));
                }
                batch
            }
            _ = ping.tick() => vec![Message::Ping(Default::default())],
        };
        for m in batch {
            if let Message::Text(t) = &m {
                sent_bytes.inc_by(t.len() as u64);
            }
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
