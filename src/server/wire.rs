//! The WebSocket protocol's messages as types: what a client may send ([`SessionMsg`] and
//! the game's [`Command`]) and everything the server sends ([`ServerMsg`]). Every message
//! is made by serde from these types, and their JSON Schema (`democreatie protocol schema`,
//! committed as `docs/protocol.schema.json`) is generated from them too, so the code, the
//! schema and the docs cannot drift apart.
//!
//! A view is serialised once per lens; [`Frame`] keeps it as its top-level fields, so a
//! player's state is the shared fields plus their own `you`, written by serde without
//! serialising the shared part again and without cutting or gluing JSON text.

use std::hash::{Hash, Hasher};

use schemars::JsonSchema;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::game::{Command, ErrorCode, PlayerId, View, You};
use crate::scenario::Language;

/// The first message of a connection: it opens a session. Fields a message does not use
/// are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SessionMsg {
    Join {
        room: String,
        name: String,
        /// `resident`, `civil_servant`, `councillor`, or absent/null ("other").
        #[serde(default)]
        real_role: Option<String>,
        /// Version 2: the language of every sentence the server writes to this connection.
        #[serde(default)]
        language: Option<Language>,
    },
    Resume {
        room: String,
        token: String,
        #[serde(default)]
        language: Option<Language>,
    },
    Host {
        room: String,
        host_token: String,
        #[serde(default)]
        language: Option<Language>,
    },
    Watch {
        room: String,
        #[serde(default)]
        language: Option<Language>,
    },
}

impl SessionMsg {
    pub fn room(&self) -> &str {
        match self {
            SessionMsg::Join { room, .. }
            | SessionMsg::Resume { room, .. }
            | SessionMsg::Host { room, .. }
            | SessionMsg::Watch { room, .. } => room,
        }
    }

    /// The language the connection asked for, if any.
    pub fn language(&self) -> Option<Language> {
        match self {
            SessionMsg::Join { language, .. }
            | SessionMsg::Resume { language, .. }
            | SessionMsg::Host { language, .. }
            | SessionMsg::Watch { language, .. } => *language,
        }
    }
}

/// The table's current proposal, sent with `stale_proposal` so the writer can compare.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CurrentProposal {
    pub text: String,
    pub by: PlayerId,
    pub version: usize,
}

/// Anything a client may send (for the schema; decoding dispatches on `type`). Every
/// message may also carry `"id"`: a string or a number, echoed on the answer.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // only its schema is used
pub enum ClientMsg {
    Session(SessionMsg),
    Command(Command),
}

/// What `hello` tells a client about the limits its forms must keep.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct Limits {
    pub name: usize,
    pub note: usize,
    pub proposal: usize,
    pub extend_seconds: i64,
    pub players: usize,
}

impl Limits {
    pub const NOW: Limits = Limits {
        name: crate::game::MAX_NAME,
        note: crate::game::MAX_NOTE,
        proposal: crate::game::MAX_PROPOSAL,
        extend_seconds: crate::game::MAX_EXTEND_SECONDS,
        players: crate::game::MAX_PLAYERS,
    };
}

/// As whom a session was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum As {
    Player,
    Host,
    Screen,
}

/// Everything the server sends.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg<'a> {
    /// Right after the upgrade.
    Hello { protocol: u32, server: &'a str, limits: Limits },
    /// The session is open.
    Welcome {
        #[serde(rename = "as")]
        as_: As,
        room: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        player_id: Option<PlayerId>,
        /// The player's token (a join or resume), or the host token on a resume with it.
        #[serde(skip_serializing_if = "Option::is_none")]
        token: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a Value>,
    },
    /// The whole view this client may see; `rev` grows within one connection.
    State {
        rev: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a Value>,
        #[schemars(with = "View")]
        view: &'a RawValue,
    },
    /// Version 2 (`"patches": true`): RFC 6902 operations that turn the view at `base` into
    /// the view at `rev`.
    Patch {
        rev: u64,
        base: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a Value>,
        #[schemars(with = "Vec<Value>")]
        ops: &'a RawValue,
    },
    Error {
        code: ErrorCode,
        message: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a Value>,
        /// Version 2, with `stale_proposal`: the table's proposal as it is now.
        #[serde(skip_serializing_if = "Option::is_none")]
        current: Option<CurrentProposal>,
    },
    /// Another connection took over this identity; the socket closes.
    Replaced,
    /// The facilitator removed this player; the socket closes.
    Kicked,
    /// The answer to `leave`; the socket closes.
    Left {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a Value>,
    },
}

impl ServerMsg<'_> {
    /// The message as JSON text.
    pub fn text(&self) -> String {
        serde_json::to_string(self).expect("server messages serialise")
    }
}

/// The protocol version `hello` announces.
pub const PROTOCOL: u32 = 2;

/// The JSON Schema of every message, both ways.
pub fn schema() -> Value {
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Protocol {
        client: ClientMsg,
        server: ServerMsg<'static>,
    }
    let mut s = serde_json::to_value(schemars::schema_for!(Protocol)).expect("schemas serialise");
    s["title"] = "democreatie WebSocket messages (client: what a client sends; server: what it receives)".into();
    s
}

/// A view made once for everyone looking through one lens. Patched connections are sent
/// the typed difference from the lens's previous view ([`super::patch::Prev`]), which
/// serialises only what changed; the view's fields as JSON, its whole text and its hash
/// are made only when a connection needs a whole state (a room whose connections all take
/// patches never makes them). The hash ignores `server_time`, which changes with every
/// broadcast but is no change a client needs to be told about.
pub struct Frame {
    pub view: std::sync::Arc<View>,
    fields: std::sync::OnceLock<Fields>,
    json: std::sync::OnceLock<Box<RawValue>>,
    hash: std::sync::OnceLock<u64>,
}

/// A view's top-level fields, each serialised on its own.
pub type Fields = Vec<(&'static str, Box<RawValue>)>;

impl Frame {
    pub fn new(view: View) -> Frame {
        Frame { view: view.into(), fields: Default::default(), json: Default::default(), hash: Default::default() }
    }

    /// Each top-level field of the view serialised once, on its own, so that a player's
    /// whole state is the shared fields and their own `you`, written by serde without
    /// serialising the shared part again and without cutting or gluing JSON text.
    pub fn fields(&self) -> &Fields {
        self.fields.get_or_init(|| self.view.serialize(FieldCollector).expect("views serialise"))
    }

    /// The whole view as one JSON object.
    pub fn json(&self) -> &RawValue {
        self.json.get_or_init(|| {
            serde_json::value::to_raw_value(&WithYou { frame: self, you: None }).expect("views serialise")
        })
    }

    /// A hash of every field but `server_time`, so an unchanged view is not sent again.
    pub fn hash(&self) -> u64 {
        *self.hash.get_or_init(|| {
            let mut h = std::hash::DefaultHasher::new();
            for (k, v) in self.fields() {
                if *k != "server_time" {
                    k.hash(&mut h);
                    v.get().hash(&mut h);
                }
            }
            h.finish()
        })
    }

    /// A player's view: the shared fields and their own `you`, with a hash of both.
    pub fn with_you(&self, you: &Option<You>) -> (Box<RawValue>, u64) {
        let you = serde_json::value::to_raw_value(you).expect("views serialise");
        let mut h = std::hash::DefaultHasher::new();
        self.hash().hash(&mut h);
        you.get().hash(&mut h);
        let view = serde_json::value::to_raw_value(&WithYou { frame: self, you: Some(&you) }).expect("views serialise");
        (view, h.finish())
    }
}

/// A frame's fields, with `you` replaced when given.
struct WithYou<'a> {
    frame: &'a Frame,
    you: Option<&'a RawValue>,
}

impl Serialize for WithYou<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fields = self.frame.fields();
        let mut map = s.serialize_map(Some(fields.len()))?;
        for (k, v) in fields {
            match self.you {
                Some(you) if *k == "you" => map.serialize_entry(k, you)?,
                _ => map.serialize_entry(k, v)?,
            }
        }
        map.end()
    }
}

/// A serde serializer that takes a struct apart into its fields, each serialised to raw
/// JSON on its own, in order (fields serde skips stay out, as in the whole text).
struct FieldCollector;

type Collected = Fields;

/// The fields collected so far.
struct Collecting(Collected);

impl serde::ser::SerializeStruct for Collecting {
    type Ok = Collected;
    type Error = serde_json::Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), Self::Error> {
        self.0.push((key, serde_json::value::to_raw_value(value)?));
        Ok(())
    }
    fn end(self) -> Result<Collected, Self::Error> {
        Ok(self.0)
    }
}

fn not_a_struct<T>() -> Result<T, serde_json::Error> {
    Err(serde::ser::Error::custom("a frame is made of a struct"))
}

macro_rules! not_a_struct {
    ($($name:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $name(self, $(_: $arg),*) -> Result<Collected, serde_json::Error> { not_a_struct() })*
    };
}

impl Serializer for FieldCollector {
    type Ok = Collected;
    type Error = serde_json::Error;
    type SerializeSeq = serde::ser::Impossible<Collected, serde_json::Error>;
    type SerializeTuple = serde::ser::Impossible<Collected, serde_json::Error>;
    type SerializeTupleStruct = serde::ser::Impossible<Collected, serde_json::Error>;
    type SerializeTupleVariant = serde::ser::Impossible<Collected, serde_json::Error>;
    type SerializeMap = serde::ser::Impossible<Collected, serde_json::Error>;
    type SerializeStruct = Collecting;
    type SerializeStructVariant = serde::ser::Impossible<Collected, serde_json::Error>;

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Collecting, serde_json::Error> {
        Ok(Collecting(Vec::with_capacity(len)))
    }

    not_a_struct!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<Collected, serde_json::Error> {
        not_a_struct()
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<Collected, serde_json::Error> {
        not_a_struct()
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Collected, serde_json::Error> {
        not_a_struct()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, serde_json::Error> {
        not_a_struct()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, serde_json::Error> {
        not_a_struct()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, serde_json::Error> {
        not_a_struct()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, serde_json::Error> {
        not_a_struct()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, serde_json::Error> {
        not_a_struct()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, serde_json::Error> {
        not_a_struct()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_protocol_schema_is_current() {
        let committed = include_str!("../../docs/protocol.schema.json");
        let now = serde_json::to_string_pretty(&schema()).unwrap() + "\n";
        assert!(
            committed == now,
            "docs/protocol.schema.json is out of date: run `cargo run -- protocol schema > docs/protocol.schema.json`"
        );
    }

    #[test]
    fn a_state_is_its_view_with_type_rev_and_id() {
        let view = RawValue::from_string(r#"{"room":"BCDFG","you":null}"#.into()).unwrap();
        let id = Value::from(7);
        let text = ServerMsg::State { rev: 3, id: Some(&id), view: &view }.text();
        assert_eq!(text, r#"{"type":"state","rev":3,"id":7,"view":{"room":"BCDFG","you":null}}"#);
    }

    #[test]
    fn session_messages_read_their_fields_and_ignore_others() {
        let m: SessionMsg = serde_json::from_str(r#"{"type":"join","room":"bcdfg","name":"Anna","x":1}"#).unwrap();
        assert_eq!(m, SessionMsg::Join { room: "bcdfg".into(), name: "Anna".into(), real_role: None, language: None });
        assert!(
            serde_json::from_str::<SessionMsg>(r#"{"type":"join","room":"bcdfg","name":"A","real_role":5}"#).is_err()
        );
        assert!(serde_json::from_str::<SessionMsg>(r#"{"type":"resume","room":"bcdfg"}"#).is_err());
    }
}
