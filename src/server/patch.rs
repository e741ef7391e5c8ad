//! State patches (version 2, `"patches": true`): RFC 6902 operations that turn the view a
//! client has into the new one. A room computes them once per lens (host, screen, each
//! table) from the previous frame's fields and the new ones, and once per player for `you`;
//! no connection keeps a copy of its view, so memory grows with lenses, not connections.
//!
//! The diff is structural, and works on the JSON text: objects key by key and arrays
//! element by element, each compared as text first, so only what changed is looked into
//! and nothing is parsed into values (a table's notes are compared as 150 short strings,
//! not rebuilt as 150 objects). Elements past the old end are added as `add …/-` (a new
//! note is one small operation, never the whole list again) and elements past the new end
//! are removed from the back.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::game::{TableView, View};

/// `~` and `/` escaped for a JSON Pointer (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Operations as JSON text, joined with commas (the inside of the `ops` array).
#[derive(Default)]
pub struct Ops(String);

impl Ops {
    fn push(&mut self, kind: &str, path: &str, value: Option<&str>) {
        if !self.0.is_empty() {
            self.0.push(',');
        }
        let path = serde_json::to_string(path).expect("a string serialises");
        match value {
            Some(v) => self.0.push_str(&format!(r#"{{"op":"{kind}","path":{path},"value":{v}}}"#)),
            None => self.0.push_str(&format!(r#"{{"op":"{kind}","path":{path}}}"#)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The inside of the `ops` array.
    pub fn into_inner(self) -> String {
        self.0
    }

    /// The operations as values (for tests).
    pub fn values(&self) -> Vec<Value> {
        serde_json::from_str(&format!("[{}]", self.0)).expect("operations are JSON")
    }
}

fn kind(raw: &RawValue) -> u8 {
    raw.get().bytes().find(|b| !b.is_ascii_whitespace()).unwrap_or(b'n')
}

/// The operations that turn `old` into `new`, at `path`. The texts are read in place
/// (each element a slice of its text, nothing copied), and an array that only grew at its
/// end (a new note) is read from where the old one ended.
pub fn diff(old: &RawValue, new: &RawValue, path: &str, out: &mut Ops) {
    if old.get() == new.get() {
        return;
    }
    match (kind(old), kind(new)) {
        (b'{', b'{') => {
            // Keys with escapes cannot be borrowed; such an object is read as copies.
            match (
                serde_json::from_str::<BTreeMap<&str, &RawValue>>(old.get()),
                serde_json::from_str::<BTreeMap<&str, &RawValue>>(new.get()),
            ) {
                (Ok(a), Ok(b)) => diff_objects(&a, &b, path, out),
                _ => {
                    let a: BTreeMap<String, Box<RawValue>> = serde_json::from_str(old.get()).expect("an object");
                    let b: BTreeMap<String, Box<RawValue>> = serde_json::from_str(new.get()).expect("an object");
                    let a: BTreeMap<&str, &RawValue> = a.iter().map(|(k, v)| (k.as_str(), &**v)).collect();
                    let b: BTreeMap<&str, &RawValue> = b.iter().map(|(k, v)| (k.as_str(), &**v)).collect();
                    diff_objects(&a, &b, path, out);
                }
            }
        }
        (b'[', b'[') => {
            if let Some(tail) = appended(old.get(), new.get()) {
                let added: Vec<&RawValue> = serde_json::from_str(&tail).expect("array elements");
                for vb in added {
                    out.push("add", &format!("{path}/-"), Some(vb.get()));
                }
                return;
            }
            let a: Vec<&RawValue> = serde_json::from_str(old.get()).expect("an array");
            let b: Vec<&RawValue> = serde_json::from_str(new.get()).expect("an array");
            for (i, (va, vb)) in a.iter().zip(&b).enumerate() {
                diff(va, vb, &format!("{path}/{i}"), out);
            }
            for vb in b.iter().skip(a.len()) {
                out.push("add", &format!("{path}/-"), Some(vb.get()));
            }
            for i in (b.len()..a.len()).rev() {
                out.push("remove", &format!("{path}/{i}"), None);
            }
        }
        _ => {
            // Numbers and strings that differ only in how they are written are equal.
            let same = serde_json::from_str::<Value>(old.get()).ok() == serde_json::from_str::<Value>(new.get()).ok();
            if !same {
                out.push("replace", path, Some(new.get()));
            }
        }
    }
}

fn diff_objects(a: &BTreeMap<&str, &RawValue>, b: &BTreeMap<&str, &RawValue>, path: &str, out: &mut Ops) {
    for (k, va) in a {
        let p = format!("{path}/{}", escape(k));
        match b.get(k) {
            Some(vb) => diff(va, vb, &p, out),
            None => out.push("remove", &p, None),
        }
    }
    for (k, vb) in b {
        if !a.contains_key(k) {
            out.push("add", &format!("{path}/{}", escape(k)), Some(vb.get()));
        }
    }
}

/// When the array text `new` is the non-empty array `old` with elements added at its end
/// (compact JSON, as serde writes it): those elements, as an array text. The old elements
/// are then the same text in the same place, so they need not be read again.
fn appended(old: &str, new: &str) -> Option<String> {
    let keep = old.len().checked_sub(1)?; // all of `old` but its `]`
    let rest = new.strip_prefix(&old[..keep])?.strip_prefix(',')?;
    (keep > 1).then(|| format!("[{rest}"))
}

fn raw<T: Serialize + ?Sized>(value: &T) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).expect("views serialise")
}

/// The operations between two values of one field, compared typed first: an unchanged
/// field costs a comparison and nothing is serialised; a changed one is serialised (old
/// and new) and their texts diffed, so only what changed inside it is sent.
pub fn field<T: Serialize + PartialEq + ?Sized>(old: &T, new: &T, path: &str, out: &mut Ops) {
    if old != new {
        diff(&raw(old), &raw(new), path, out);
    }
}

/// A field serde leaves out when it has nothing to say (`skip_serializing_if`): `None` on
/// a side where the text does not have it.
fn optional<T: Serialize + PartialEq + ?Sized>(old: Option<&T>, new: Option<&T>, path: &str, out: &mut Ops) {
    match (old, new) {
        (Some(a), Some(b)) => field(a, b, path, out),
        (None, Some(b)) => out.push("add", path, Some(raw(b).get())),
        (Some(_), None) => out.push("remove", path, None),
        (None, None) => {}
    }
}

fn nonempty<T>(v: &Vec<T>) -> Option<&Vec<T>> {
    (!v.is_empty()).then_some(v)
}

/// The operations from one view of a lens to the next, but for `you` (which is each
/// player's own) and `server_time` (see [`Prev::advance`]). Both views are destructured
/// whole, so a field added to a view does not compile until it is diffed here; which
/// fields serde leaves out is said again here, and checked against the texts in every
/// debug build (see [`check`]).
fn view_ops(old: &View, new: &View, out: &mut Ops) {
    let View {
        room,
        locked,
        language,
        server_time: _,
        scenario,
        phase,
        rounds,
        lobby,
        tables,
        budgets,
        storage,
        easy_read,
        you: _,
    } = new;
    field(&old.room, room, "/room", out);
    field(&old.locked, locked, "/locked", out);
    field(&old.language, language, "/language", out);
    field(&old.scenario, scenario, "/scenario", out);
    field(&old.phase, phase, "/phase", out);
    field(&old.rounds, rounds, "/rounds", out);
    field(&old.lobby, lobby, "/lobby", out);
    if old.tables.len() == tables.len() {
        // Each table field by field (comparing whole tables first would compare every
        // note twice).
        for (i, (a, b)) in old.tables.iter().zip(tables).enumerate() {
            table_ops(a, b, &format!("/tables/{i}"), out);
        }
    } else {
        field(&old.tables, tables, "/tables", out);
    }
    optional(nonempty(&old.budgets), nonempty(budgets), "/budgets", out);
    optional(old.storage.as_ref(), storage.as_ref(), "/storage", out);
    optional(old.easy_read.then_some(&true), easy_read.then_some(&true), "/easy_read", out);
}

/// One table's operations. Notes only ever grow at the end while a table's notes are
/// shown, so new ones are `add …/notes/-`, each serialised alone; the earlier notes are
/// compared, never written again.
fn table_ops(old: &TableView, new: &TableView, path: &str, out: &mut Ops) {
    let TableView { table, players, event, notes, proposal, votes_cast, decision } = new;
    field(&old.table, table, &format!("{path}/table"), out);
    field(&old.players, players, &format!("{path}/players"), out);
    optional(old.event.as_ref(), event.as_ref(), &format!("{path}/event"), out);
    match (&old.notes, notes) {
        (Some(a), Some(b)) if b.len() >= a.len() && a[..] == b[..a.len()] => {
            for n in &b[a.len()..] {
                out.push("add", &format!("{path}/notes/-"), Some(raw(n).get()));
            }
        }
        _ => optional(old.notes.as_ref(), notes.as_ref(), &format!("{path}/notes"), out),
    }
    optional(old.proposal.as_ref(), proposal.as_ref(), &format!("{path}/proposal"), out);
    optional(old.votes_cast.as_ref(), votes_cast.as_ref(), &format!("{path}/votes_cast"), out);
    field(&old.decision, decision, &format!("{path}/decision"), out);
}

/// A lens's previous view. Frames share it, so keeping it costs no copy.
#[derive(Default)]
pub struct Prev {
    view: Option<Arc<View>>,
}

impl Prev {
    /// The operations from this view to `new` (none the first time: a lens seen for the
    /// first time has only new connections, which get a whole state); then this view
    /// becomes `new`. `you` is left out (it is per player), and `server_time` alone is no
    /// change: it is sent only with another operation.
    pub fn advance(&mut self, new: &Arc<View>) -> Ops {
        let mut out = Ops::default();
        if let Some(old) = &self.view {
            view_ops(old, new, &mut out);
            if !out.is_empty() && old.server_time != new.server_time {
                out.push("replace", "/server_time", Some(raw(&new.server_time).get()));
            }
            #[cfg(debug_assertions)]
            check(old, new, &out);
        }
        self.view = Some(new.clone());
        out
    }
}

/// In every debug build (so in every test that plays over a socket), each lens's
/// operations are applied to the old view's text and must give the new one: the typed
/// diff above must say what serde writes.
#[cfg(debug_assertions)]
fn check(old: &View, new: &View, ops: &Ops) {
    let text = |v: &View| {
        let mut v = serde_json::to_value(v).expect("views serialise");
        v.as_object_mut().expect("a view is an object").remove("you");
        v
    };
    let mut doc = text(old);
    let ops = ops.values();
    apply(&mut doc, &ops).unwrap_or_else(|e| panic!("a lens's patch does not apply ({e}): {ops:?}"));
    let mut want = text(new);
    for v in [&mut doc, &mut want] {
        v.as_object_mut().expect("a view is an object").remove("server_time");
    }
    assert!(doc == want, "a lens's patch does not give its new view: {ops:?}");
}

/// Applies operations as the web client does (used by the tests to check every patch).
pub fn apply(doc: &mut Value, ops: &[Value]) -> Result<(), String> {
    for o in ops {
        let path = o["path"].as_str().ok_or("an operation without a path")?;
        let kind = o["op"].as_str().ok_or("an operation without op")?;
        let (parent_path, last) = path.rsplit_once('/').ok_or("a path without /")?;
        if parent_path.is_empty() && kind == "replace" && last.is_empty() {
            *doc = o["value"].clone();
            continue;
        }
        let parent = if parent_path.is_empty() { Some(&mut *doc) } else { doc.pointer_mut(parent_path) }
            .ok_or_else(|| format!("no {parent_path}"))?;
        let key = last.replace("~1", "/").replace("~0", "~");
        match (parent, kind) {
            (Value::Object(m), "add" | "replace") => {
                m.insert(key, o["value"].clone());
            }
            (Value::Object(m), "remove") => {
                m.remove(&key).ok_or_else(|| format!("no {path}"))?;
            }
            (Value::Array(a), "add") if key == "-" => a.push(o["value"].clone()),
            (Value::Array(a), kind) => {
                let i: usize = key.parse().map_err(|_| format!("bad index in {path}"))?;
                match kind {
                    "add" if i <= a.len() => a.insert(i, o["value"].clone()),
                    "replace" if i < a.len() => a[i] = o["value"].clone(),
                    "remove" if i < a.len() => {
                        a.remove(i);
                    }
                    _ => return Err(format!("{kind} {path} out of range")),
                }
            }
            _ => return Err(format!("{kind} {path} on a value that is neither object nor array")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{Actor, Command, Game, Lens, PlayerId, RoomOptions, Viewer, testkit};
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn a_new_note_is_one_add_at_the_end() {
        let old = raw(&json!({"tables": [{"notes": [{"text": "a"}], "proposal": null}], "server_time": "1"}));
        let new =
            raw(&json!({"tables": [{"notes": [{"text": "a"}, {"text": "b"}], "proposal": null}], "server_time": "2"}));
        let mut ops = Ops::default();
        diff(&old, &new, "", &mut ops);
        assert_eq!(
            ops.values(),
            [
                json!({"op": "replace", "path": "/server_time", "value": "2"}),
                json!({"op": "add", "path": "/tables/0/notes/-", "value": {"text": "b"}}),
            ]
        );
    }

    fn raw(v: &Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(v).unwrap()
    }

    /// Every lens's view after each command of a log, patched from the one before, is the
    /// new view (but `you` and `server_time`), and a patch is empty when nothing changed.
    fn check_log(n: usize, options: RoomOptions, log: &[(Actor, Command, i64)]) -> Result<(), TestCaseError> {
        let mut game = testkit::game_of_with(testkit::small(), options, n, 7);
        let lenses = [Lens::Host, Lens::Screen, Lens::Table(None), Lens::Table(Some(0)), Lens::Table(Some(1))];
        let mut prev: Vec<Prev> = lenses.iter().map(|_| Prev::default()).collect();
        let mut last: Vec<Option<Value>> = vec![None; lenses.len()];
        let view = |g: &Game, lens, now| Arc::new(g.frame("BCDFG", lens, now, &|p: PlayerId| p.0.is_multiple_of(2)));
        let text = |v: &View| {
            let mut v = serde_json::to_value(v).unwrap();
            v.as_object_mut().unwrap().remove("you");
            v.as_object_mut().unwrap().remove("server_time");
            v
        };
        for (actor, cmd, now) in log {
            if game.apply(*actor, cmd, *now).is_err() {
                continue;
            }
            for (i, lens) in lenses.iter().enumerate() {
                let new = view(&game, *lens, *now);
                let ops = prev[i].advance(&new).values();
                let want = text(&new);
                if let Some(mut doc) = last[i].take() {
                    prop_assert_eq!(ops.is_empty(), doc == want, "{:?}", ops);
                    apply(&mut doc, &ops).map_err(TestCaseError::fail)?;
                    doc.as_object_mut().unwrap().remove("server_time");
                    prop_assert_eq!(&doc, &want, "{:?} after {:?}", ops, cmd);
                }
                last[i] = Some(want);
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The typed diff of every lens follows any game, with and without the notes wall
        /// on the screen.
        #[test]
        fn every_lens_is_patched_from_its_previous_view(
            n in 0usize..9,
            screen_notes in any::<bool>(),
            log in testkit::any_log(),
        ) {
            let options = RoomOptions { screen_notes, ..RoomOptions::default() };
            check_log(n, options, &log)?;
        }
    }

    #[test]
    fn a_note_is_one_add_and_the_time_comes_only_with_a_change() {
        let mut game = testkit::game_with(6, 3);
        game.apply(Actor::Host, &Command::Start, 0).unwrap();
        game.apply(Actor::Host, &Command::Next, 0).unwrap();
        let lens = game.lens(Viewer::Player(PlayerId(1)));
        let mut prev = Prev::default();
        assert!(prev.advance(&Arc::new(game.frame("BCDFG", lens, 0, &|_| true))).is_empty());
        assert!(prev.advance(&Arc::new(game.frame("BCDFG", lens, 1000, &|_| true))).is_empty(), "time alone");
        let note = Command::Note { kind: "value".into(), text: "Een bankje".into() };
        game.apply(Actor::Player(PlayerId(1)), &note, 2000).unwrap();
        let ops = prev.advance(&Arc::new(game.frame("BCDFG", lens, 2000, &|_| true))).values();
        assert_eq!(ops.len(), 2, "{ops:?}");
        assert_eq!(ops[0]["op"], "add");
        assert!(ops[0]["path"].as_str().unwrap().ends_with("/notes/-"), "{ops:?}");
        assert_eq!(ops[0]["value"]["text"], "Een bankje");
        assert_eq!(ops[1]["path"], "/server_time");
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (0..5i64).prop_map(|n| json!(n)),
            "[a-c/~]{0,3}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-c/~]{1,2}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Applying the diff of any two documents to the first gives the second (views are
        /// objects, so the documents are too).
        #[test]
        fn a_patch_turns_the_old_view_into_the_new_one(a in any_json(), b in any_json()) {
            let (old, new) = (json!({"v": a, "w": 1}), json!({"v": b}));
            let mut ops = Ops::default();
            diff(&raw(&old), &raw(&new), "", &mut ops);
            let mut doc = old.clone();
            apply(&mut doc, &ops.values()).map_err(TestCaseError::fail)?;
            prop_assert_eq!(doc, new);
        }

        /// An array that grew at its end (a new note) is patched with `add …/-` only, and
        /// the patch still gives the new document; keys that need escapes are read too.
        #[test]
        fn an_array_that_grew_is_patched_by_adding(
            a in prop::collection::vec(any_json(), 0..5),
            more in prop::collection::vec(any_json(), 0..4),
            key in r#"[a-c"\\]{1,2}"#,
        ) {
            let mut grown = a.clone();
            grown.extend(more.clone());
            let (old, new) = (json!({ key.clone(): a }), json!({ key: grown }));
            let mut ops = Ops::default();
            diff(&raw(&old), &raw(&new), "", &mut ops);
            let mut doc = old.clone();
            apply(&mut doc, &ops.values()).map_err(TestCaseError::fail)?;
            prop_assert_eq!(&doc, &new);
            if !a.is_empty() {
                prop_assert!(ops.values().iter().all(|o| o["op"] == "add"), "{:?}", ops.values());
                prop_assert_eq!(ops.values().len(), more.len());
            }
        }
    }

    #[test]
    fn only_an_array_that_grew_at_its_end_counts_as_appended() {
        assert_eq!(appended("[1,2]", "[1,2,3,4]").as_deref(), Some("[3,4]"));
        assert_eq!(appended(r#"[{"a":1}]"#, r#"[{"a":1},{"b":"]"}]"#).as_deref(), Some(r#"[{"b":"]"}]"#));
        assert_eq!(appended("[]", "[1]"), None, "an empty array is read whole");
        assert_eq!(appended("[1,2]", "[1,22]"), None);
        assert_eq!(appended("[1,2]", "[1,2]"), None);
        assert_eq!(appended("[1,2]", "[0,1,2]"), None);
    }
}
