//! Decoding one client message, without looking at any room: pure, so it is fuzzed on
//! its own (`tests/fuzz.rs`).

use serde_json::Value;

use super::super::room::Session;
use super::super::wire::SessionMsg;
use crate::code::normalize_code;
use crate::game::Command;
use crate::scenario::Language;

/// A client message, decoded.
#[derive(Debug, Clone)]
pub enum Incoming {
    /// A session message; `room` is `None` for a code that cannot exist.
    Session {
        room: Option<String>,
        session: Session,
        /// Version 2: the language this connection asked for.
        language: Option<Language>,
        /// Version 2: the connection takes patches after its first state.
        patches: bool,
        id: Option<Value>,
    },
    /// Version 2: `{"type":"sync"}`, a patched client asks for a whole state.
    Sync {
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
        "join" | "resume" | "host" | "watch" => {
            let patches = match msg.get("patches") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(id),
            };
            match serde_json::from_value::<SessionMsg>(Value::Object(msg)) {
                Ok(s) => Ok(Incoming::Session {
                    room: normalize_code(s.room()),
                    language: s.language(),
                    session: s.into(),
                    patches,
                    id,
                }),
                Err(_) => Err(id),
            }
        }
        "sync" => Ok(Incoming::Sync { id }),
        _ => match serde_json::from_value::<Command>(Value::Object(msg)) {
            Ok(command) => Ok(Incoming::Command { command, id }),
            Err(_) => Err(id),
        },
    }
}
