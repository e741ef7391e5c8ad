//! The scenario format as Rust types: the one source of truth for the TOML format.
//! The validator walks the JSON Schema generated from these types, so a key, a type or a
//! limit is declared here once and both `scenario check` and `scenario schema` follow it.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

// The limits of the format are the `schemars` attributes below (texts: 1..=1000 characters,
// `case.text` up to 10,000; lists, rounds, cards per role and events: at most 40, so a
// pasted file cannot make a room arbitrarily large). The validator reads them from the
// generated schema, so each limit is written once.

/// A case scenario: the case text, the role cards, the rounds, the event cards and the rule
/// that says when a table reached a supported decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "democreatie scenario", description = "A case for the DemoCreatiespel (SCENARIO.md, version 1)")]
pub struct Scenario {
    /// Unique id: lowercase letters, digits and `-`, at most 48.
    #[schemars(length(min = 1, max = 48), regex(pattern = r"^[a-z0-9-]{1,48}$"))]
    pub id: String,
    #[schemars(length(min = 1, max = 1000))]
    pub title: String,
    pub language: Language,
    #[schemars(length(min = 1, max = 1000))]
    pub summary: String,
    /// Preferred number of players per table.
    #[serde(default = "default_table_size")]
    #[schemars(range(min = 3, max = 12))]
    pub table_size: u32,
    /// The flywheel gear this case practises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gear: Option<Gear>,
    /// The policy-cycle moment this case practises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moment: Option<Moment>,
    pub case: Case,
    pub roles: Roles,
    #[schemars(length(min = 2, max = 40))]
    pub rounds: Vec<Round>,
    #[serde(default)]
    pub decision: DecisionSpec,
    #[serde(default)]
    #[schemars(length(max = 40))]
    pub events: Vec<EventCard>,
    /// Version 2: the money and projects of the case's `budget` rounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
}

/// A neighbourhood budget: what the room may spend and the projects it may spend it on
/// (SCENARIO.md, version 2, "Budget rounds").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Whole euros.
    #[schemars(range(min = 1, max = 1_000_000_000))]
    pub total: u64,
    /// Which outcome counts; both are shown.
    #[serde(default)]
    pub rule: BudgetRule,
    #[schemars(length(min = 2, max = 40))]
    pub projects: Vec<Project>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Lowercase letters, digits and `-`, at most 48; unique within the case.
    #[schemars(length(min = 1, max = 48), regex(pattern = r"^[a-z0-9-]{1,48}$"))]
    pub id: String,
    #[schemars(length(min = 1, max = 1000))]
    pub title: String,
    #[schemars(length(min = 1, max = 1000))]
    pub text: String,
    /// Whole euros, at most the budget's `total`.
    #[schemars(range(min = 1, max = 1_000_000_000))]
    pub cost: u64,
}

/// How a budget round's outcome is counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BudgetRule {
    /// The Method of Equal Shares: every voter controls an equal part of the money.
    #[default]
    EqualShares,
    /// Most approvals first, as most municipalities count.
    Greedy,
}

impl BudgetRule {
    pub fn code(self) -> &'static str {
        match self {
            BudgetRule::EqualShares => "equal_shares",
            BudgetRule::Greedy => "greedy",
        }
    }
}

fn default_table_size() -> u32 {
    6
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Case {
    #[schemars(length(min = 1, max = 10000))]
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    Nl,
    En,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Nl => "nl",
            Language::En => "en",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Gear {
    Meedoen,
    Meedenken,
    Meebeslissen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Moment {
    Signaleren,
    Agenderen,
    Ontwerpen,
    Uitwerken,
    Beslissen,
    Evalueren,
}

/// The three roles of the game, in role order (ties are broken in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// inwoner / initiatiefnemer
    Resident,
    /// ambtenaar
    CivilServant,
    /// raadslid
    Councillor,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Resident, Role::CivilServant, Role::Councillor];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn code(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::CivilServant => "civil_servant",
            Role::Councillor => "councillor",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    pub resident: RoleSpec,
    pub civil_servant: RoleSpec,
    pub councillor: RoleSpec,
}

impl Roles {
    pub fn get(&self, role: Role) -> &RoleSpec {
        match role {
            Role::Resident => &self.resident,
            Role::CivilServant => &self.civil_servant,
            Role::Councillor => &self.councillor,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    /// Relative share of seats at a table.
    #[serde(default = "default_weight")]
    #[schemars(range(min = 1, max = 10))]
    pub weight: u32,
    #[schemars(length(min = 1, max = 40))]
    pub cards: Vec<Card>,
}

fn default_weight() -> u32 {
    1
}

/// A persona card. `goal` is private: only its holder and the facilitator receive it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Card {
    #[schemars(length(min = 1, max = 1000))]
    pub name: String,
    #[schemars(length(min = 1, max = 1000))]
    pub text: String,
    #[serde(default)]
    #[schemars(length(max = 40), inner(length(min = 1, max = 1000)))]
    pub values: Vec<String>,
    #[serde(default)]
    #[schemars(length(max = 40), inner(length(min = 1, max = 1000)))]
    pub conditions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 1000))]
    pub goal: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundKind {
    Briefing,
    Discussion,
    Proposal,
    Vote,
    Debrief,
    // Version 2: the whole room approves projects of the case's `[budget]`. (A plain
    // comment: a doc comment would make the schema's enum a oneOf.)
    Budget,
}

impl RoundKind {
    pub fn code(self) -> &'static str {
        match self {
            RoundKind::Briefing => "briefing",
            RoundKind::Discussion => "discussion",
            RoundKind::Proposal => "proposal",
            RoundKind::Vote => "vote",
            RoundKind::Debrief => "debrief",
            RoundKind::Budget => "budget",
        }
    }

    /// Keys that only this kind of round may carry (besides the keys every round has).
    pub fn own_keys(self) -> &'static [&'static str] {
        match self {
            RoundKind::Discussion => &["notes", "draw_event"],
            RoundKind::Debrief => &["notes"],
            RoundKind::Proposal => &["proposers"],
            _ => &[],
        }
    }
}

/// Keys that belong to one round kind only.
pub const KIND_KEYS: [&str; 3] = ["notes", "draw_event", "proposers"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    Value,
    Condition,
    Idea,
    Question,
    // Version 2: "wat neem je mee?", in debrief rounds only.
    Lesson,
}

impl NoteKind {
    /// Every kind, in the order the format lists them.
    pub const ALL: [NoteKind; 5] =
        [NoteKind::Value, NoteKind::Condition, NoteKind::Idea, NoteKind::Question, NoteKind::Lesson];
    /// The kinds a discussion round allows when it names none.
    pub const DISCUSSION: [NoteKind; 4] = [NoteKind::Value, NoteKind::Condition, NoteKind::Idea, NoteKind::Question];

    pub fn code(self) -> &'static str {
        match self {
            NoteKind::Value => "value",
            NoteKind::Condition => "condition",
            NoteKind::Idea => "idea",
            NoteKind::Question => "question",
            NoteKind::Lesson => "lesson",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Round {
    pub kind: RoundKind,
    #[schemars(length(min = 1, max = 1000))]
    pub title: String,
    /// Countdown shown to all; the facilitator advances unless the room auto-advances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 180))]
    pub minutes: Option<u32>,
    /// Shown to every player.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 1000))]
    pub prompt: Option<String>,
    /// Shown to one role only.
    #[serde(default, skip_serializing_if = "RolePrompts::is_empty")]
    pub prompts: RolePrompts,
    /// discussion: the note kinds players may post (default: value, condition, idea,
    /// question). debrief (version 2): the kinds its notes may have (default: none);
    /// `lesson` only here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 5))]
    pub notes: Option<Vec<NoteKind>>,
    /// discussion: each table draws one event card at the start of the round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draw_event: Option<bool>,
    /// proposal: the roles that may write the table's proposal (default: all three).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 3))]
    pub proposers: Option<Vec<Role>>,
}

impl Round {
    /// The note kinds this round allows (empty outside discussion and debrief rounds).
    pub fn note_kinds(&self) -> Vec<NoteKind> {
        match self.kind {
            RoundKind::Discussion => self.notes.clone().unwrap_or_else(|| NoteKind::DISCUSSION.to_vec()),
            RoundKind::Debrief => self.notes.clone().unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// The roles that may propose (empty outside proposal rounds).
    pub fn proposer_roles(&self) -> Vec<Role> {
        match self.kind {
            RoundKind::Proposal => self.proposers.clone().unwrap_or_else(|| Role::ALL.to_vec()),
            _ => Vec::new(),
        }
    }

    pub fn draws_event(&self) -> bool {
        self.kind == RoundKind::Discussion && self.draw_event == Some(true)
    }

    pub fn prompt_for(&self, role: Role) -> Option<&str> {
        match role {
            Role::Resident => self.prompts.resident.as_deref(),
            Role::CivilServant => self.prompts.civil_servant.as_deref(),
            Role::Councillor => self.prompts.councillor.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RolePrompts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 1000))]
    pub resident: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 1000))]
    pub civil_servant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 1000))]
    pub councillor: Option<String>,
}

impl RolePrompts {
    pub fn is_empty(&self) -> bool {
        self.resident.is_none() && self.civil_servant.is_none() && self.councillor.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventCard {
    #[schemars(length(min = 1, max = 1000))]
    pub title: String,
    #[schemars(length(min = 1, max = 1000))]
    pub text: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    #[default]
    BroadSupport,
    Majority,
    Consent,
    Unanimity,
}

impl RuleKind {
    pub fn code(self) -> &'static str {
        match self {
            RuleKind::BroadSupport => "broad_support",
            RuleKind::Majority => "majority",
            RuleKind::Consent => "consent",
            RuleKind::Unanimity => "unanimity",
        }
    }

    /// The parameter keys this rule reads; any other parameter key is an error.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            RuleKind::BroadSupport => &["min_support", "min_support_per_role", "max_objections", "quorum"],
            RuleKind::Majority | RuleKind::Unanimity => &["quorum"],
            RuleKind::Consent => &["max_objections", "quorum"],
        }
    }
}

/// Decision parameter keys (every key of `[decision]` except `rule` and `secret_ballot`).
pub const RULE_PARAMETER_KEYS: [&str; 4] = ["min_support", "min_support_per_role", "max_objections", "quorum"];

/// `[decision]` as written; [`DecisionSpec::resolve`] fills in the rule's defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionSpec {
    #[serde(default)]
    pub rule: RuleKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_support: Option<Fraction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_support_per_role: Option<Fraction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 64))]
    pub max_objections: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<Fraction>,
    #[serde(default)]
    pub secret_ballot: bool,
}

/// A decision rule with every parameter it uses filled in; `None` where the rule does not
/// use a parameter (and, for `max_objections`, where there is no limit).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionRule {
    pub rule: RuleKind,
    pub min_support: Option<Fraction>,
    pub min_support_per_role: Option<Fraction>,
    pub max_objections: Option<u32>,
    pub quorum: Option<Fraction>,
    pub secret_ballot: bool,
}

impl DecisionSpec {
    pub fn resolve(&self) -> DecisionRule {
        let two_thirds = Fraction::new(2, 3);
        let quorum = Some(self.quorum.unwrap_or(two_thirds));
        match self.rule {
            RuleKind::BroadSupport => DecisionRule {
                rule: self.rule,
                min_support: Some(self.min_support.unwrap_or(two_thirds)),
                min_support_per_role: Some(self.min_support_per_role.unwrap_or(Fraction::new(1, 2))),
                max_objections: self.max_objections,
                quorum,
                secret_ballot: self.secret_ballot,
            },
            RuleKind::Consent => DecisionRule {
                rule: self.rule,
                min_support: None,
                min_support_per_role: None,
                max_objections: Some(self.max_objections.unwrap_or(0)),
                quorum,
                secret_ballot: self.secret_ballot,
            },
            RuleKind::Majority | RuleKind::Unanimity => DecisionRule {
                rule: self.rule,
                min_support: None,
                min_support_per_role: None,
                max_objections: None,
                quorum,
                secret_ballot: self.secret_ballot,
            },
        }
    }
}

/// An exact fraction in 0..=1, written `"2/3"` or as a decimal number (`0.67` is 67/100).
/// Comparisons use integer cross-multiplication, never floating point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fraction {
    num: u64,
    den: u64,
}

impl Fraction {
    /// `den` must be positive and `num <= den`; reduced on construction.
    pub fn new(num: u64, den: u64) -> Fraction {
        assert!(den > 0 && num <= den, "a fraction in 0..=1 with a positive denominator");
        let g = gcd(num, den);
        Fraction { num: num / g, den: den / g }
    }

    pub fn num(self) -> u64 {
        self.num
    }

    pub fn den(self) -> u64 {
        self.den
    }

    /// `part / whole >= self`, exactly. With `whole == 0` only a zero fraction is met.
    pub fn is_met_by(self, part: u64, whole: u64) -> bool {
        (part as u128) * (self.den as u128) >= (self.num as u128) * (whole as u128)
    }

    /// Parses `"a/b"` (white space allowed around the parts) into a fraction in 0..=1.
    pub fn parse_ratio(text: &str) -> Result<Fraction, String> {
        let Some((a, b)) = text.split_once('/') else {
            return Err(format!("`{text}` is not a fraction; write it like \"2/3\""));
        };
        let parse = |s: &str| s.trim().parse::<u64>().ok().filter(|n| *n <= 1_000_000_000);
        match (parse(a), parse(b)) {
            (Some(_), Some(0)) => Err(format!("`{text}` divides by zero")),
            (Some(n), Some(d)) if n <= d => Ok(Fraction::new(n, d)),
            (Some(_), Some(_)) => Err(format!("`{text}` is more than 1; it must be between 0 and 1")),
            _ => Err(format!("`{text}` is not a fraction; write it like \"2/3\"")),
        }
    }

    /// Reads a decimal number exactly as written (`0.67` is 67/100).
    pub fn parse_decimal(text: &str) -> Result<Fraction, String> {
        let t = text.trim().replace('_', "");
        let bad = || format!("`{text}` must be a number between 0 and 1, or a fraction like \"2/3\"");
        let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
        if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() > 12 {
            return Err(format!("`{text}` has too many decimals; write it as a fraction like \"2/3\""));
        }
        let den = 10u64.pow(frac.len() as u32);
        let int: u64 = int.parse().map_err(|_| bad())?;
        let fr: u64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| bad())? };
        let num = int.checked_mul(den).and_then(|n| n.checked_add(fr)).ok_or_else(bad)?;
        if num > den {
            return Err(format!("`{text}` is more than 1; it must be between 0 and 1"));
        }
        Ok(Fraction::new(num, den))
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a.max(1) } else { gcd(b, a % b) }
}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

impl Serialize for Fraction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Fraction;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a fraction like \"2/3\" or a number between 0 and 1")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Fraction, E> {
                Fraction::parse_ratio(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Fraction, E> {
                Fraction::parse_decimal(&v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Fraction, E> {
                Fraction::parse_decimal(&v.to_string()).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Fraction, E> {
                // Rust prints the shortest text that reads back as the same number, which is
                // the decimal the trainer wrote (0.67 prints as "0.67").
                Fraction::parse_decimal(&v.to_string()).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Fraction {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Fraction".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A fraction in 0..=1: a string like \"2/3\" or a decimal number like 0.5",
            "anyOf": [
                {"type": "string", "pattern": r"^\s*[0-9]+\s*/\s*[0-9]+\s*$"},
                {"type": "number", "minimum": 0, "maximum": 1}
            ]
        })
    }
}
