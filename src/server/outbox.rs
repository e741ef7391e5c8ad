//! A connection's outbox, as a room sees it: the newest state waiting to be written (so a
//! slow client gets the newest, never a backlog) and a small queue for everything else.
//! The room only ever pushes; the connection's writer task drains.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::Notify;

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
/// Everything waits under one lock and wakes the writer through one `Notify`: a channel
/// per connection for the queue and another for being killed cost 1.6 KB per idle
/// connection (docs/performance.md).
pub struct Conn {
    pub id: u64,
    /// Version 2: the session asked for patches (`"patches": true`).
    patches: AtomicBool,
    killed: AtomicBool,
    pending: std::sync::Mutex<Pending>,
    /// Wakes the writer: something to send, or the connection was killed.
    pub wake: Notify,
    /// Wakes the reader when the connection was killed.
    pub killed_wake: Notify,
}

#[derive(Default)]
struct Pending {
    /// Errors, welcomes, closes: sent in order, before any state.
    control: VecDeque<Out>,
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

/// What the writer takes in one go: the control messages, then the newest view, the ids
/// to echo with it, and the patches after it.
pub struct Taken {
    pub control: VecDeque<Out>,
    pub view: Option<Arc<RawValue>>,
    pub ids: Vec<Value>,
    pub patches: Vec<Patch>,
}

impl Conn {
    pub fn new(id: u64) -> Conn {
        Conn {
            id,
            patches: Default::default(),
            killed: Default::default(),
            pending: Default::default(),
            wake: Notify::new(),
            killed_wake: Notify::new(),
        }
    }

    fn queue(&self, out: Out) {
        let mut p = self.pending.lock().expect("the pending lock is never poisoned");
        if p.control.len() >= CONTROL_QUEUE {
            drop(p);
            // A connection whose queue stays full is stuck and is dropped.
            self.kill();
            return;
        }
        p.control.push_back(out);
        drop(p);
        self.wake.notify_one();
    }

    /// Queues a message; a connection whose queue stays full is stuck and is dropped.
    pub fn send(&self, text: String) {
        self.queue(Out::Text(text));
    }

    pub fn close(&self, code: u16) {
        self.queue(Out::Close(code));
    }

    /// Tells the writer the session is over: it sends what is queued, then stops.
    pub fn done(&self) {
        self.queue(Out::Done);
    }

    /// Stops the connection at once: its writer and its reader end.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Relaxed);
        self.wake.notify_one();
        self.killed_wake.notify_one();
    }

    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Relaxed)
    }

    /// Whether this connection takes patches.
    pub fn wants_patches(&self) -> bool {
        self.patches.load(Ordering::Relaxed)
    }

    pub fn set_patches(&self, on: bool) {
        self.patches.store(on, Ordering::Relaxed);
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

    /// Everything waiting: the control messages, then the newest view, the ids to echo
    /// with it, and the patches after it.
    pub fn take(&self) -> Taken {
        let mut p = self.pending.lock().expect("the pending lock is never poisoned");
        Taken {
            control: std::mem::take(&mut p.control),
            view: p.view.take(),
            ids: std::mem::take(&mut p.ids),
            patches: std::mem::take(&mut p.patches),
        }
    }
}
