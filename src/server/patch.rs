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

use serde_json::Value;
use serde_json::value::RawValue;

/// One frame's top-level fields, as [`super::wire::Frame`] holds them.
pub type Fields = Vec<(&'static str, Box<RawValue>)>;

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

/// A lens's previous frame, as the fields of its text.
#[derive(Default)]
pub struct Prev {
    fields: Fields,
}

impl Prev {
    /// The operations from this frame to `new`, field by field (a field whose text is
    /// unchanged costs one string comparison); then this frame becomes `new`. `skip` names
    /// a field left out (`you`, which is per player). `server_time` alone is no change: it
    /// is sent only with another operation.
    pub fn advance(&mut self, new: &Fields, skip: &str) -> Ops {
        let mut out = Ops::default();
        let mut time = None;
        for (k, vb) in new {
            if *k == skip {
                continue;
            }
            match self.fields.iter().find(|(ka, _)| ka == k) {
                Some((_, va)) if va.get() == vb.get() => {}
                Some(_) if *k == "server_time" => time = Some(vb),
                Some((_, va)) => diff(va, vb, &format!("/{}", escape(k)), &mut out),
                None => out.push("add", &format!("/{}", escape(k)), Some(vb.get())),
            }
        }
        for (k, _) in &self.fields {
            if *k != skip && !new.iter().any(|(kb, _)| kb == k) {
                out.push("remove", &format!("/{}", escape(k)), None);
            }
        }
        if let (false, Some(vb)) = (out.is_empty(), time) {
            out.push("replace", "/server_time", Some(vb.get()));
        }
        self.fields = new.clone();
        out
    }
}

/// The operations between two frames (see [`Prev::advance`]).
pub fn diff_fields(old: &Fields, new: &Fields, skip: &str) -> Vec<Value> {
    Prev { fields: old.clone() }.advance(new, skip).values()
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

    fn fields(v: &Value) -> Fields {
        // (Frames' keys are the view's field names; a test's keys live as long as the test.)
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (&*Box::leak(k.clone().into_boxed_str()), serde_json::value::to_raw_value(v).unwrap()))
            .collect()
    }

    #[test]
    fn the_time_alone_is_no_change_and_you_is_left_to_the_player() {
        let old = fields(&json!({"a": 1, "you": {"x": 1}, "server_time": "1"}));
        let same = fields(&json!({"a": 1, "you": {"x": 2}, "server_time": "2"}));
        assert!(diff_fields(&old, &same, "you").is_empty());
        let changed = fields(&json!({"a": 2, "you": null, "server_time": "2", "b/c~": true}));
        assert_eq!(
            diff_fields(&old, &changed, "you"),
            [
                json!({"op": "replace", "path": "/a", "value": 2}),
                json!({"op": "add", "path": "/b~1c~0", "value": true}),
                json!({"op": "replace", "path": "/server_time", "value": "2"}),
            ]
        );
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
