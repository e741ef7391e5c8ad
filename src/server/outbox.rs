//! A connection's outbox, as a room sees it: the newest state waiting to be written (so a
//! slow client gets the newest, never a backlog) and a small queue for everything else.
//! The room only ever pushes; the connection's writer task drains.

use std::sync::Arc;

use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::{Notify, mpsc, watch};

/// Messages a connection may have queued besides states: beyond this it counts as stuck.
pub const CONTROL_QUEUE: usize = 64;

/// What a room hands a connection's writer.
#[derive(Debug)]
pub enum Out {
    Text(String),
    /// Close the socket with this code.
    Close(u16),
    /// The session is over: send what was queued before this, then stop.
    Done,
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
    view: Option<Arc<RawValue>>,
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

    /// Tells the writer the session is over: it sends what is queued, then stops.
    pub fn done(&self) {
        if self.control.try_send(Out::Done).is_err() {
            self.kill();
        }
    }

    pub fn kill(&self) {
        let _ = self.kill.send(true);
    }

    pub fn push_state(&self, view: Arc<RawValue>, id: Option<Value>) {
        let mut p = self.pending.lock().expect("the pending lock is never poisoned");
        p.view = Some(view);
        p.ids.extend(id);
        drop(p);
        self.wake.notify_one();
    }

    /// The newest view and the ids to echo with it.
    pub fn take_state(&self) -> (Option<Arc<RawValue>>, Vec<Value>) {
        let mut p = self.pending.lock().expect("the pending lock is never poisoned");
        (p.view.take(), std::mem::take(&mut p.ids))
    }
}
