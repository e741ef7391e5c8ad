//! Reads scenario TOML and reports every problem it can find in one pass, each with its line,
//! column and a sentence for a trainer. Structure (keys, types, limits) is checked by walking
//! the JSON Schema generated from [`super::model`], so the Rust types stay the only
//! definition of the format; the meaning checks that a schema cannot express follow.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Serialize;
use serde_json::Value as Json;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::model::{Fraction, KIND_KEYS, RULE_PARAMETER_KEYS, RoundKind, RuleKind, Scenario};

/// Most characters of one persona card: name, text, values, conditions and goal together.
pub const MAX_CARD_CHARS: usize = 5000;

/// One problem in a scenario file, at a 1-based line and column (counted in characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The JSON Schema of the scenario format, generated once from the Rust types.
pub fn schema() -> &'static Json {
    static SCHEMA: OnceLock<Json> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::to_value(schemars::schema_for!(Scenario)).expect("a generated schema is valid JSON")
    })
}

/// Parses and validates one scenario text. On failure every problem found is returned,
/// sorted by position.
/// Most problems one check reports; a file with more gets these and a last line that says
/// how many more there are (a pasted text of 250 KiB could otherwise list tens of thousands).
pub const MAX_PROBLEMS: usize = 100;

pub fn parse(text: &str) -> Result<Scenario, Vec<Problem>> {
    parse_all(text).map_err(|mut problems| {
        if problems.len() > MAX_PROBLEMS {
            let more = problems.len() - MAX_PROBLEMS;
            let last = problems[MAX_PROBLEMS].clone();
            problems.truncate(MAX_PROBLEMS);
            problems.push(Problem { message: format!("… and {more} more problems; fix these first"), ..last });
        }
        problems
    })
}

fn parse_all(text: &str) -> Result<Scenario, Vec<Problem>> {
    let (root, syntax) = DeTable::parse_recoverable(text);
    let lines = LineIndex::new(text);
    if !syntax.is_empty() {
        // A broken tree would give misleading follow-up errors; syntax first.
        let mut problems: Vec<Problem> = syntax
            .iter()
            .map(|e| lines.problem(e.span().map_or(0, |s| s.start), e.message().trim().to_string()))
            .collect();
        problems.sort_by_key(|p| (p.line, p.column));
        problems.dedup();
        return Err(problems);
    }
    let root_table = root.get_ref();
    let mut w = Walker { lines: &lines, root: root_table, problems: Vec::new(), defs: &schema()["$defs"] };
    let mut path = Vec::new();
    w.walk_table(root_table, root.span(), schema(), &mut path);
    w.meaning();
    let mut problems = w.problems;
    if problems.is_empty() {
        match toml::from_str::<Scenario>(text) {
            Ok(s) => return Ok(s),
            // The walker should have caught it; report serde's own words rather than nothing.
            Err(e) => problems.push(lines.problem(e.span().map_or(0, |s| s.start), e.message().to_string())),
        }
    }
    problems.sort_by_key(|p| (p.line, p.column));
    problems.dedup();
    Err(problems)
}

struct LineIndex {
    starts: Vec<usize>,
    text: String,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts, text: text.to_string() }
    }

    fn problem(&self, offset: usize, message: String) -> Problem {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|s| *s <= offset);
        let start = self.starts[line - 1];
        let column = self.text.get(start..offset).map_or(1, |s| s.chars().count() + 1);
        Problem { line, column, message }
    }
}

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

struct Walker<'a, 'i> {
    lines: &'a LineIndex,
    root: &'a DeTable<'i>,
    problems: Vec<Problem>,
    defs: &'a Json,
}

type Span = std::ops::Range<usize>;

impl<'i> Walker<'_, 'i> {
    fn report(&mut self, path: &[Seg], span: Span, what: String) {
        let ctx = self.context(path);
        let message = if ctx.is_empty() { what } else { format!("{ctx}: {what}") };
        self.problems.push(self.lines.problem(span.start, message));
    }

    /// Names the part of the file a path is in, the way a trainer thinks of it.
    fn context(&self, path: &[Seg]) -> String {
        let str_at = |v: Option<&Spanned<DeValue<'i>>>, key: &str| -> Option<String> {
            v?.get_ref().as_table()?.get(key)?.get_ref().as_str().map(str::to_string)
        };
        let named = |label: String, name: Option<String>| match name {
            Some(n) => format!("{label} (“{}”)", short(&n)),
            None => label,
        };
        match path {
            [Seg::Key(k), Seg::Index(i), ..] if k == "rounds" => {
                let item = self.root.get("rounds").and_then(|r| r.get_ref().as_array()).and_then(|a| a.get(*i));
                named(format!("round {}", i + 1), str_at(item, "title"))
            }
            [Seg::Key(k), Seg::Index(i), ..] if k == "events" => {
                let item = self.root.get("events").and_then(|r| r.get_ref().as_array()).and_then(|a| a.get(*i));
                named(format!("event card {}", i + 1), str_at(item, "title"))
            }
            [Seg::Key(r), Seg::Key(role), Seg::Key(c), Seg::Index(i), ..] if r == "roles" && c == "cards" => {
                let item = self
                    .root
                    .get("roles")
                    .and_then(|v| v.get_ref().as_table())
                    .and_then(|t| t.get(role.as_str()))
                    .and_then(|v| v.get_ref().as_table())
                    .and_then(|t| t.get("cards"))
                    .and_then(|v| v.get_ref().as_array())
                    .and_then(|a| a.get(*i));
                named(format!("{role} card {}", i + 1), str_at(item, "name"))
            }
            [Seg::Key(r), Seg::Key(role), ..] if r == "roles" => format!("[roles.{role}]"),
            [Seg::Key(b), Seg::Key(p), Seg::Index(i), ..] if b == "budget" && p == "projects" => {
                let item = self
                    .root
                    .get("budget")
                    .and_then(|v| v.get_ref().as_table())
                    .and_then(|t| t.get("projects"))
                    .and_then(|v| v.get_ref().as_array())
                    .and_then(|a| a.get(*i));
                named(format!("budget project {}", i + 1), str_at(item, "title"))
            }
            [Seg::Key(k), ..] if k == "decision" || k == "case" || k == "roles" || k == "budget" => format!("[{k}]"),
            _ => String::new(),
        }
    }

    fn def(&self, schema: &Json) -> Json {
        match schema.get("$ref").and_then(Json::as_str) {
            Some(r) => {
                let name = r.rsplit('/').next().unwrap_or_default();
                self.defs.get(name).cloned().unwrap_or(Json::Null)
            }
            None => schema.clone(),
        }
    }

    fn walk(&mut self, v: &Spanned<DeValue<'i>>, schema: &Json, path: &mut Vec<Seg>) {
        let key = describe(path);
        if schema.get("$ref").and_then(Json::as_str) == Some("#/$defs/Fraction") {
            return self.fraction(v, path, &key);
        }
        let schema = &self.def(schema);
        if let Some(branches) = schema.get("anyOf").or_else(|| schema.get("oneOf")).and_then(Json::as_array) {
            let real: Vec<&Json> = branches.iter().filter(|b| b.get("type") != Some(&Json::from("null"))).collect();
            if !real.is_empty() && real.iter().all(|b| b.get("const").is_some()) {
                let allowed: Vec<String> =
                    real.iter().filter_map(|b| b["const"].as_str().map(str::to_string)).collect();
                return self.enumeration(v, &allowed, path, &key);
            }
            if let [only] = real.as_slice() {
                let only = (*only).clone();
                return self.walk(v, &only, path);
            }
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Json::String(t)) => vec![t.as_str()],
            Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).filter(|t| *t != "null").collect(),
            _ => vec![],
        };
        if !types.is_empty() && !types.iter().any(|t| type_matches(v.get_ref(), t)) {
            let what = format!("{key} must be {}, not {}", expected(&types), found(v.get_ref()));
            return self.report(path, v.span(), what);
        }
        if let Some(allowed) = schema.get("enum").and_then(Json::as_array) {
            let allowed: Vec<String> = allowed.iter().filter_map(|a| a.as_str().map(str::to_string)).collect();
            return self.enumeration(v, &allowed, path, &key);
        }
        match v.get_ref() {
            DeValue::Table(t) => self.walk_table(t, v.span(), schema, path),
            DeValue::Array(items) => {
                let n = items.len() as u64;
                if let Some(min) = schema.get("minItems").and_then(Json::as_u64).filter(|m| n < *m) {
                    let what = if min == 1 {
                        format!("{key} must not be empty")
                    } else {
                        format!("{key} needs at least {min} entries, not {n}")
                    };
                    self.report(path, v.span(), what);
                }
                if let Some(max) = schema.get("maxItems").and_then(Json::as_u64).filter(|m| n > *m) {
                    self.report(path, v.span(), format!("{key} may have at most {max} entries, not {n}"));
                }
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        path.push(Seg::Index(i));
                        self.walk(item, item_schema, path);
                        path.pop();
                    }
                }
            }
            DeValue::String(s) => {
                // A control character (written as an escape like \u0001) shows nothing and
                // could upset a terminal or a report; line breaks and tabs are text.
                if let Some(c) = s.chars().find(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')) {
                    let what = format!("{key} contains the control character U+{:04X}; remove it", u32::from(c));
                    self.report(path, v.span(), what);
                }
                let n = s.trim().chars().count() as u64;
                if schema.get("minLength").and_then(Json::as_u64).is_some_and(|m| m >= 1) && n == 0 {
                    self.report(path, v.span(), format!("{key} must not be empty"));
                }
                if let Some(max) = schema.get("maxLength").and_then(Json::as_u64).filter(|m| n > *m) {
                    let what = format!("{key} is too long: {n} characters, at most {max}");
                    self.report(path, v.span(), what);
                }
            }
            DeValue::Integer(i) => {
                let n = i128::from_str_radix(&i.as_str().replace('_', ""), i.radix()).unwrap_or(i128::MAX);
                let min = schema.get("minimum").and_then(Json::as_i64).map(i128::from);
                let max = schema.get("maximum").and_then(Json::as_i64).map(i128::from);
                if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                    let what = match (min, max) {
                        (Some(lo), Some(hi)) => format!("{key} must be between {lo} and {hi}, not {}", i.as_str()),
                        (Some(lo), None) => format!("{key} must be at least {lo}, not {}", i.as_str()),
                        (None, _) => format!("{key} is out of range"),
                    };
                    self.report(path, v.span(), what);
                }
            }
            _ => {}
        }
    }

    fn walk_table(&mut self, t: &DeTable<'i>, span: Span, schema: &Json, path: &mut Vec<Seg>) {
        let props = schema.get("properties").and_then(Json::as_object);
        let known: Vec<&str> = props.map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
        for (k, v) in t.iter() {
            let name = k.get_ref().as_ref();
            match props.and_then(|p| p.get(name)) {
                Some(s) => {
                    path.push(Seg::Key(name.to_string()));
                    self.walk(v, s, path);
                    path.pop();
                }
                None => {
                    let what = match nearest(name, &known) {
                        Some(near) => format!("unknown key `{name}`; did you mean `{near}`?"),
                        None => format!("unknown key `{name}`; known keys: {}", list(&known)),
                    };
                    self.report(path, k.span(), what);
                }
            }
        }
        for req in schema.get("required").and_then(Json::as_array).into_iter().flatten() {
            let Some(req) = req.as_str() else { continue };
            if t.get(req).is_none() {
                let what = if path.is_empty() || !self.context(path).is_empty() {
                    format!("missing required key `{req}`")
                } else {
                    format!("missing required key `{req}` in {}", describe(path))
                };
                self.report(path, span.clone(), what);
            }
        }
    }

    fn enumeration(&mut self, v: &Spanned<DeValue<'i>>, allowed: &[String], path: &[Seg], key: &str) {
        let Some(s) = v.get_ref().as_str() else {
            let what = format!("{key} must be one of {}, not {}", list(allowed), found(v.get_ref()));
            return self.report(path, v.span(), what);
        };
        if allowed.iter().any(|a| a == s) {
            return;
        }
        let refs: Vec<&str> = allowed.iter().map(String::as_str).collect();
        let what = match nearest(s, &refs) {
            Some(near) => format!("{key}: unknown value `{s}`; did you mean `{near}`?"),
            None => format!("{key}: unknown value `{s}`; choose one of {}", list(allowed)),
        };
        self.report(path, v.span(), what);
    }

    fn fraction(&mut self, v: &Spanned<DeValue<'i>>, path: &[Seg], key: &str) {
        let parsed = match v.get_ref() {
            DeValue::String(s) => Fraction::parse_ratio(s),
            DeValue::Integer(i) => Fraction::parse_decimal(i.as_str()),
            DeValue::Float(f) => Fraction::parse_decimal(f.as_str()),
            other => Err(format!("must be a fraction like \"2/3\" or a number between 0 and 1, not {}", found(other))),
        };
        if let Err(e) = parsed {
            self.report(path, v.span(), format!("{key}: {e}"));
        }
    }

    /// The checks of meaning that a schema cannot express.
    fn meaning(&mut self) {
        let root = self.root;
        if let Some(id) = root.get("id").filter(|v| v.get_ref().as_str().is_some_and(|s| !valid_id(s))) {
            let what = "`id` may use only lowercase letters a-z, digits and `-` (at most 48)".to_string();
            self.report(&[], id.span(), what);
        }
        let events = root.get("events").and_then(|e| e.get_ref().as_array()).map_or(0, |a| a.len());
        let rounds = root.get("rounds").and_then(|r| r.get_ref().as_array());
        let mut seen_proposal = false;
        let mut budget_round = false;
        for (i, round) in rounds.into_iter().flat_map(|a| a.iter()).enumerate() {
            let Some(t) = round.get_ref().as_table() else { continue };
            let path = [Seg::Key("rounds".into()), Seg::Index(i)];
            let kind = t.get("kind").and_then(|k| {
                let s = k.get_ref().as_str()?;
                let kind: RoundKind = serde_json::from_value(Json::from(s)).ok()?;
                Some((kind, k.span()))
            });
            if let Some((kind, span)) = kind.clone() {
                match kind {
                    RoundKind::Proposal => seen_proposal = true,
                    RoundKind::Vote if !seen_proposal => {
                        self.report(&path, span.clone(), "a vote round must come after a proposal round".into())
                    }
                    RoundKind::Budget => {
                        budget_round = true;
                        if root.get("budget").is_none() {
                            let what = "a budget round needs a [budget] table with its projects".to_string();
                            self.report(&path, span.clone(), what);
                        }
                    }
                    _ => {}
                }
                self.lessons(t, kind, &path);
                for key in KIND_KEYS {
                    if let Some((k, _)) = t.get_key_value(key).filter(|_| !kind.own_keys().contains(&key)) {
                        let home = match key {
                            "proposers" => "a proposal round",
                            "notes" => "a discussion or debrief round",
                            _ => "a discussion round",
                        };
                        let what = format!("`{key}` belongs in {home}, not in a {} round", kind.code());
                        self.report(&path, k.span(), what);
                    }
                }
            }
            if let Some(d) = t.get("draw_event").filter(|d| d.get_ref().as_bool() == Some(true) && events == 0) {
                let what = "`draw_event` needs at least one [[events]] card".to_string();
                self.report(&path, d.span(), what);
            }
            for key in ["notes", "proposers"] {
                let Some(items) = t.get(key).and_then(|l| l.get_ref().as_array()) else { continue };
                let mut seen = HashSet::new();
                for item in items.iter() {
                    if let Some(s) = item.get_ref().as_str().filter(|s| !seen.insert(s.to_string())) {
                        self.report(&path, item.span(), format!("`{s}` appears twice in `{key}`"));
                    }
                }
            }
        }
        self.budget(budget_round);
        self.card_sizes();
        if let Some(d) = root.get("decision").and_then(|d| d.get_ref().as_table()) {
            let rule = match d.get("rule").map(|r| r.get_ref().as_str()) {
                None => Some(RuleKind::default()),
                Some(s) => s.and_then(|s| serde_json::from_value::<RuleKind>(Json::from(s)).ok()),
            };
            if let Some(rule) = rule {
                let path = [Seg::Key("decision".into())];
                for key in RULE_PARAMETER_KEYS {
                    if let Some((k, _)) = d.get_key_value(key).filter(|_| !rule.keys().contains(&key)) {
                        let uses = rule.keys().iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                        let what = format!("the rule `{}` does not use `{key}`; it uses only {uses}", rule.code());
                        self.report(&path, k.span(), what);
                    }
                }
            }
        }
    }
}

impl<'i> Walker<'_, 'i> {
    /// `lesson` notes belong to debrief rounds only (SCENARIO.md, version 2).
    fn lessons(&mut self, round: &DeTable<'i>, kind: RoundKind, path: &[Seg]) {
        if kind == RoundKind::Debrief {
            return;
        }
        let Some(items) = round.get("notes").and_then(|l| l.get_ref().as_array()) else { return };
        for item in items.iter().filter(|i| i.get_ref().as_str() == Some("lesson")) {
            let what = format!("the note kind `lesson` belongs in a debrief round, not in a {} round", kind.code());
            self.report(path, item.span(), what);
        }
    }

    /// A card goes to its holder with every change of the game (and to the host for every
    /// player), so all its texts together are bounded: see [`MAX_CARD_CHARS`].
    fn card_sizes(&mut self) {
        let Some(roles) = self.root.get("roles").and_then(|r| r.get_ref().as_table()) else { return };
        let mut found = Vec::new();
        for (role, spec) in roles.iter() {
            let Some(cards) =
                spec.get_ref().as_table().and_then(|t| t.get("cards")).and_then(|c| c.get_ref().as_array())
            else {
                continue;
            };
            for (i, card) in cards.iter().enumerate() {
                let Some(t) = card.get_ref().as_table() else { continue };
                let chars = |v: &DeValue<'_>| v.as_str().map_or(0, |s| s.trim().chars().count());
                let mut n = 0;
                for key in ["name", "text", "goal"] {
                    n += t.get(key).map_or(0, |v| chars(v.get_ref()));
                }
                for key in ["values", "conditions"] {
                    if let Some(list) = t.get(key).and_then(|v| v.get_ref().as_array()) {
                        n += list.iter().map(|v| chars(v.get_ref())).sum::<usize>();
                    }
                }
                if n > MAX_CARD_CHARS {
                    let path = vec![
                        Seg::Key("roles".into()),
                        Seg::Key(role.get_ref().to_string()),
                        Seg::Key("cards".into()),
                        Seg::Index(i),
                    ];
                    found.push((path, card.span(), n));
                }
            }
        }
        for (path, span, n) in found {
            let what = format!("this card has {n} characters in all; a card may have at most {MAX_CARD_CHARS}");
            self.report(&path, span, what);
        }
    }

    /// The meaning of `[budget]`: used by a budget round, projects within the total, ids
    /// unique.
    fn budget(&mut self, budget_round: bool) {
        let Some(budget) = self.root.get("budget") else { return };
        let Some(t) = budget.get_ref().as_table() else { return };
        let path = [Seg::Key("budget".into())];
        if !budget_round {
            let span = self.root.get_key_value("budget").map_or(budget.span(), |(k, _)| k.span());
            let what = "[budget] is used only by a round of kind \"budget\"; add such a round or remove [budget]";
            self.report(&path, span, what.to_string());
        }
        // A total out of range is reported already; costs are compared only with a valid one.
        let total = t.get("total").and_then(|v| integer(v.get_ref())).filter(|t| (1..=1_000_000_000).contains(t));
        let Some(projects) = t.get("projects").and_then(|p| p.get_ref().as_array()) else { return };
        let mut seen = HashSet::new();
        for (i, p) in projects.iter().enumerate() {
            let Some(p) = p.get_ref().as_table() else { continue };
            let path = [Seg::Key("budget".into()), Seg::Key("projects".into()), Seg::Index(i)];
            if let Some(id) = p.get("id")
                && let Some(s) = id.get_ref().as_str()
            {
                if !valid_id(s) {
                    let what = "a project `id` may use only lowercase letters a-z, digits and `-` (at most 48)";
                    self.report(&path, id.span(), what.to_string());
                } else if !seen.insert(s.to_string()) {
                    let what = format!("the project id `{s}` is used twice; each project needs its own id");
                    self.report(&path, id.span(), what);
                }
            }
            if let (Some(total), Some(cost)) = (total, p.get("cost"))
                && let Some(c) = integer(cost.get_ref()).filter(|c| *c > total)
            {
                let what = format!("`cost` is {c} euros, more than the whole budget ({total} euros)");
                self.report(&path, cost.span(), what);
            }
        }
    }
}

fn integer(v: &DeValue<'_>) -> Option<i128> {
    match v {
        DeValue::Integer(i) => i128::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok(),
        _ => None,
    }
}

pub(crate) fn valid_id(s: &str) -> bool {
    (1..=48).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn describe(path: &[Seg]) -> String {
    match path {
        [.., Seg::Key(k), Seg::Index(i)] => format!("entry {} of `{k}`", i + 1),
        [.., Seg::Key(k)] => format!("`{k}`"),
        _ => "the file".to_string(),
    }
}

fn short(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 40 { format!("{}…", s.chars().take(39).collect::<String>()) } else { s.to_string() }
}

fn list<S: AsRef<str>>(items: &[S]) -> String {
    items.iter().map(|s| format!("`{}`", s.as_ref())).collect::<Vec<_>>().join(", ")
}

fn type_matches(v: &DeValue<'_>, t: &str) -> bool {
    matches!(
        (v, t),
        (DeValue::String(_), "string")
            | (DeValue::Integer(_), "integer" | "number")
            | (DeValue::Float(_), "number")
            | (DeValue::Boolean(_), "boolean")
            | (DeValue::Array(_), "array")
            | (DeValue::Table(_), "object")
    )
}

fn expected(types: &[&str]) -> String {
    let words: Vec<&str> = types
        .iter()
        .map(|t| match *t {
            "string" => "text in quotes",
            "integer" => "a whole number",
            "number" => "a number",
            "boolean" => "true or false",
            "array" => "a list",
            "object" => "a table",
            other => other,
        })
        .collect();
    words.join(" or ")
}

fn found(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "text",
        DeValue::Integer(_) => "a whole number",
        DeValue::Float(_) => "a decimal number",
        DeValue::Boolean(_) => "true/false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

/// The known name closest to a misspelled one, if it is close enough to be a typo.
fn nearest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = name.to_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&lower, k), *k))
        .filter(|(d, k)| *d <= 3.min(k.chars().count().div_ceil(2)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
