//! The writer task of a connection: sends what the room queued (the control queue first,
//! then the newest state), pings, and drops a client that stays stuck.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{Sink, SinkExt};
use serde_json::Value;

use super::super::outbox::{Conn, Out};
use super::super::wire::ServerMsg;
use super::{Message, close};
use tungstenite::protocol::frame::Frame;
use tungstenite::protocol::frame::coding::{Data as OpData, OpCode};
use tungstenite::{Bytes, Utf8Bytes};

/// A send that takes longer means the client is stuck: it is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a socket stays open after the server's close frame.
const CLOSE_LINGER: Duration = Duration::from_millis(500);
/// Pings keep phones' connections (and NAT mappings) alive and find dead ones: a
/// connection never stays silent for longer than this. Only a quiet connection needs one:
/// the writer looks every half of this and pings when it sent nothing since it last
/// looked, so a quiet connection gets a ping every 25 s and a busy one none.
const PING_EVERY: Duration = Duration::from_secs(25);

/// When a connection first looks whether it is quiet: spread over one look's interval by
/// its id, so that the connections of a workshop that joined together do not all ping at
/// the same moment: at 16,000 participants such bursts (some 1,900 pings a second for 9 s)
/// were where the slow notes came from (docs/performance.md, "Session 6").
fn first_look(conn_id: u64) -> Duration {
    let half = (PING_EVERY / 2).as_millis() as u64;
    // Fibonacci hashing: ids that follow each other land far apart.
    Duration::from_millis(conn_id.wrapping_mul(0x9E37_79B9_7F4A_7C15) % half)
}

/// A text longer than this goes to a connection that takes patches in frames of this size.
/// tungstenite's write buffer keeps the capacity of the largest frame it ever wrote, for
/// the life of the connection: whole states (5–20 KB) are rare for such a connection (its
/// first view, a `sync`), so in frames it keeps 2 KiB instead of its largest view. A
/// version-1 connection gets a whole state on every change, where more frames would cost
/// more system calls, so its states go out whole.
pub const FRAGMENT: usize = 2048;

/// One text message as a text frame and continuation frames (RFC 6455 section 5.4); each
/// frame is written as it is made.
async fn send_in_frames<K: Sink<Message> + Unpin>(sink: &mut K, text: Utf8Bytes) -> Result<(), K::Error> {
    let bytes = Bytes::from(text);
    let n = bytes.len().div_ceil(FRAGMENT);
    for i in 0..n {
        let part = bytes.slice(i * FRAGMENT..((i + 1) * FRAGMENT).min(bytes.len()));
        let opcode = OpCode::Data(if i == 0 { OpData::Text } else { OpData::Continue });
        sink.send(Message::Frame(Frame::message(part, opcode, i + 1 == n))).await?;
    }
    Ok(())
}

pub(super) async fn write_loop<K: Sink<Message> + Unpin>(
    mut sink: K,
    conn: Arc<Conn>,
    sent_bytes: prometheus_client::metrics::counter::Counter,
) {
    let mut rev: u64 = 0;
    let mut look = tokio::time::interval_at(tokio::time::Instant::now() + first_look(conn.id), PING_EVERY / 2);
    look.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Anything written since the last look (a ping counts too).
    let mut sent = true;
    loop {
        let mut batch = Vec::new();
        // After this batch: `Some(None)` the session is over, `Some(Some(code))` close.
        let mut then: Option<Option<u16>> = None;
        tokio::select! {
            biased;
            _ = conn.wake.notified() => {
                if conn.is_killed() {
                    break;
                }
                let taken = conn.take();
                // The control messages first, in order; what follows a close or the end of
                // the session is not sent.
                for out in taken.control {
                    match out {
                        Out::Text(t) => batch.push(Message::Text(t.into())),
                        Out::Done => then = Some(None),
                        Out::Close(code) => then = Some(Some(code)),
                    }
                    if then.is_some() {
                        break;
                    }
                }
                if then.is_none() {
                    if let Some(view) = taken.view {
                        let ids: Vec<Option<Value>> =
                            if taken.ids.is_empty() { vec![None] } else { taken.ids.into_iter().map(Some).collect() };
                        for id in ids {
                            rev += 1;
                            batch.push(Message::Text(ServerMsg::State { rev, id: id.as_ref(), view: &view }.text().into()));
                        }
                    }
                    for p in taken.patches {
                        rev += 1;
                        let msg = ServerMsg::Patch { rev, base: rev - 1, id: p.id.as_ref(), ops: &p.ops };
                        batch.push(Message::Text(msg.text().into()));
                    }
                }
            }
            _ = look.tick() => {
                if !sent {
                    batch.push(Message::Ping(Default::default()));
                }
                sent = false;
            }
        }
        sent |= !batch.is_empty();
        for m in batch {
            if let Message::Text(t) = &m {
                sent_bytes.inc_by(t.len() as u64);
            }
            let sent = match m {
                Message::Text(t) if t.len() > FRAGMENT && conn.wants_patches() => {
                    tokio::time::timeout(SEND_TIMEOUT, send_in_frames(&mut sink, t)).await
                }
                m => tokio::time::timeout(SEND_TIMEOUT, sink.send(m)).await,
            };
            if !matches!(sent, Ok(Ok(()))) {
                conn.kill();
                return;
            }
        }
        match then {
            None => {}
            Some(None) => break,
            Some(Some(code)) => {
                let _ = tokio::time::timeout(SEND_TIMEOUT, sink.send(close(code))).await;
                // Hold the socket a moment: closing it with unread bytes (the rest of an
                // oversized frame) makes the kernel reset the connection, and the client
                // would lose the error and the close frame before reading them.
                tokio::time::sleep(CLOSE_LINGER).await;
                break;
            }
        }
    }
    conn.kill();
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    /// Collects what `write_loop` writes, with the (paused) time at which it was written.
    async fn writes_for(conn: Arc<Conn>, secs: u64, mut every: impl FnMut(u64)) -> Vec<(Duration, bool)> {
        let (sink, mut out) = futures_channel::mpsc::unbounded::<Message>();
        let start = tokio::time::Instant::now();
        let writer = tokio::spawn(write_loop(sink, conn.clone(), Default::default()));
        let mut seen = Vec::new();
        for s in 0..secs {
            every(s);
            tokio::time::sleep(Duration::from_secs(1)).await;
            while let Ok(m) = out.try_recv() {
                seen.push((start.elapsed(), matches!(m, Message::Ping(_))));
            }
        }
        conn.kill();
        writer.await.unwrap();
        seen
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_connection_is_pinged_every_25_s_and_a_busy_one_never() {
        let quiet = writes_for(Arc::new(Conn::new(7)), 120, |_| {}).await;
        let pings: Vec<Duration> = quiet.iter().filter(|(_, ping)| *ping).map(|(t, _)| *t).collect();
        assert!(pings.len() >= 4, "{pings:?}");
        assert!(pings[0] <= PING_EVERY + Duration::from_secs(1), "{pings:?}");
        assert!(pings.windows(2).all(|w| w[1] - w[0] <= PING_EVERY + Duration::from_secs(1)), "{pings:?}");

        let conn = Arc::new(Conn::new(7));
        let c = conn.clone();
        let busy = writes_for(conn, 120, move |s| {
            if s % 10 == 0 {
                c.send("{}".into());
            }
        })
        .await;
        assert_eq!(busy.iter().filter(|(_, ping)| !*ping).count(), 12);
        assert!(busy.iter().all(|(_, ping)| !*ping), "{busy:?}");
    }

    #[test]
    fn the_first_looks_of_connections_that_follow_each_other_are_spread_out() {
        let mut firsts: Vec<Duration> = (1000..1100).map(first_look).collect();
        assert!(firsts.iter().all(|d| *d < PING_EVERY / 2));
        firsts.sort();
        // 100 connections over 12.5 s: no two within 20 ms would be clustered.
        let gaps_over_20_ms = firsts.windows(2).filter(|w| w[1] - w[0] > Duration::from_millis(20)).count();
        assert!(gaps_over_20_ms > 80, "{firsts:?}");
    }

    #[tokio::test]
    async fn a_long_text_goes_out_in_frames_of_at_most_two_kib_that_make_it_whole() {
        let text: String = (0..5000).map(|i| char::from(b'a' + (i % 26) as u8)).collect::<String>() + "é€𝄞";
        let (mut sink, mut out) = futures_channel::mpsc::unbounded::<Message>();
        send_in_frames(&mut sink, Utf8Bytes::from(text.clone())).await.unwrap();
        drop(sink);
        let mut whole = Vec::new();
        let mut frames = Vec::new();
        while let Some(Message::Frame(f)) = out.next().await {
            frames.push((f.header().opcode, f.header().is_final, f.payload().len()));
            whole.extend_from_slice(f.payload());
        }
        assert_eq!(String::from_utf8(whole).unwrap(), text);
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[0].0, OpCode::Data(OpData::Text));
        assert!(frames[1..].iter().all(|f| f.0 == OpCode::Data(OpData::Continue)));
        assert_eq!(frames.iter().map(|f| f.1).collect::<Vec<_>>(), [false, false, true]);
        assert!(frames.iter().all(|f| f.2 <= FRAGMENT));
    }
}
