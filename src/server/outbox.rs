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
    /// Version 2: the session asked for patches (`"patches": true`).
    patches: std::sync::atomic::AtomicBool,
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
    /// Patches to send after `view` (or after what was sent before), in order.
    patches: Vec<Patch>,
}

/// One patch for a connection: the operations (a JSON array, shared by the connections of
/// one lens) and the id it echoes.
#[derive(Debug)]
pub struct Patch {
    pub ops: Arc<RawValue>,
    pub id: Option<Value>,
}

/// Patches a connection may have waiting; beyond this it gets one full state instead.
pub const MAX_PENDING_PATCHES: usize = 32;

impl Conn {
    pub fn new(id: u64, control: mpsc::Sender<Out>, kill: watch::Sender<bool>) -> Conn {
        Conn { id, patches: Default::default(), pending: Default::default(), wake: Notify::new(), control, kill }
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

    /// Whether this connection takes patches.
    pub fn wants_patches(&self) -> bool {
        self.patches.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn set_patches(&self, on: bool) {
        self.patches.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// A whole view: it replaces everything waiting (patches included, whose ids it echoes).
    pub fn push_state(&self, view: Arc<RawValue>, id: Option<Value>) {
        let mut p = self.pending.lock().expect("the pending lock is never poisoned");
        p.view = Some(view);
        let earlier: Vec<Value> = p.patches.drain(..).filter_map(|x| x.id).collect();
        p.ids.extend(earlier);
        p.ids.extend(id);
        drop(p);
        self.wake.notify_one();
    }

    /// A patch after what is waiting; false (and nothing queued) when too many wait, so
    /// the room sends a whole view instead.
    pub fn push_patch(&self, patch: Patch) -> bool {
        let mut p = self.pending.lock().expect("the pending lock is never poisoned");
        if p.patches.len() >= MAX_PENDING_PATCHES {
            return false;
        }
        p.patches.push(patch);
        drop(p);
        self.wake.notify_one();
        true
    }

    /// The newest view, the ids to echo with it, and the patches after it.
    pub fn take_state(&self) -> (Option<Arc<RawValue>>, Vec<Value>, Vec<Patch>) {
        let mut p = self.pending.lock().expect("the pending lock is never poisoned");
        (p.view.take(), std::mem::take(&mut p.ids), std::mem::take(&mut p.patches))
    }
}
