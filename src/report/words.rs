//! The words of the reports, taken from the web client's own dictionaries
//! (`web-client/i18n/nl.js` and `en.js`, read at compile time), so a rule, a reason, a
//! round kind or a vote choice is said the same way in the report as on the screen, and a
//! wording is changed in one place. `t` follows the client's `t()`: `{name}` placeholders,
//! and `KEY.zero` / `KEY.one` for a count `n` of 0 or 1.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::game::{Choice, ReasonKind};
use crate::scenario::{DecisionRule, Fraction, Language, NoteKind, Role, RoundKind, RuleKind};

const NL: &str = include_str!("../../web-client/i18n/nl.js");
const EN: &str = include_str!("../../web-client/i18n/en.js");

/// `'key': 'value',` lines of a dictionary file (every entry is one such line).
fn parse(src: &'static str) -> HashMap<&'static str, String> {
    let mut out = HashMap::new();
    for line in src.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix('\'') else { continue };
        let Some(end) = rest.find('\'') else { continue };
        let (key, rest) = (&rest[..end], rest[end + 1..].trim_start());
        let Some(value) = rest.strip_prefix(':').map(str::trim).map(|v| v.trim_end_matches(',')) else { continue };
        let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) else { continue };
        out.insert(key, inner.replace("\\'", "'").replace("\\\\", "\\"));
    }
    out
}

fn dict(lang: Language) -> &'static HashMap<&'static str, String> {
    static DICTS: OnceLock<[HashMap<&'static str, String>; 2]> = OnceLock::new();
    let d = DICTS.get_or_init(|| [parse(NL), parse(EN)]);
    match lang {
        Language::Nl => &d[0],
        Language::En => &d[1],
    }
}

/// The sentence for `key` in `lang` with its placeholders filled.
pub fn t(lang: Language, key: &str, params: &[(&str, String)]) -> String {
    let n = params.iter().find(|(k, _)| *k == "n").map(|(_, v)| v.as_str());
    let form = match n {
        Some("0") => Some(format!("{key}.zero")),
        Some("1") => Some(format!("{key}.one")),
        _ => None,
    };
    let text = form
        .and_then(|f| dict(lang).get(f.as_str()))
        .or_else(|| dict(lang).get(key))
        .or_else(|| dict(Language::Nl).get(key))
        .cloned()
        .unwrap_or_else(|| key.to_string());
    params.iter().fold(text, |s, (k, v)| s.replace(&format!("{{{k}}}"), v))
}

/// `t` without placeholders.
pub fn w(lang: Language, key: &str) -> String {
    t(lang, key, &[])
}

pub fn role(lang: Language, role: Option<Role>) -> String {
    w(lang, &format!("role.{}", role.map_or("other", Role::code)))
}

pub fn round_kind(lang: Language, kind: RoundKind) -> String {
    w(lang, &format!("kind.{}", kind.code()))
}

pub fn note_kind(lang: Language, kind: NoteKind) -> String {
    w(lang, &format!("note.{}", kind.code()))
}

pub fn choice(lang: Language, choice: Choice) -> String {
    w(lang, &format!("choice.{}", choice.code()))
}

/// "Regel: breed gedragen." and its conditions, as on the big screen.
pub fn rule(lang: Language, r: &DecisionRule) -> (String, Vec<String>) {
    let name = w(lang, &format!("rule.name.{}", r.rule.code()));
    let fraction = |key: &str, f: Fraction| {
        let (a, b) = (f.num(), f.den());
        if a == 0 {
            w(lang, &format!("{key}.none"))
        } else if a == b {
            w(lang, &format!("{key}.all"))
        } else if a * 2 == b {
            w(lang, &format!("{key}.half"))
        } else {
            t(lang, key, &[("a", a.to_string()), ("b", b.to_string())])
        }
    };
    let mut items = Vec::new();
    if let Some(q) = r.quorum {
        items.push(fraction("rule.quorum", q));
    }
    match r.rule {
        RuleKind::BroadSupport => {
            if let Some(f) = r.min_support {
                items.push(fraction("rule.minSupport", f));
            }
            if let Some(f) = r.min_support_per_role {
                items.push(fraction("rule.perRole", f));
            }
        }
        RuleKind::Majority => items.push(w(lang, "rule.majority")),
        RuleKind::Unanimity => items.push(w(lang, "rule.unanimity")),
        RuleKind::Consent => {}
    }
    match r.max_objections {
        Some(0) => items.push(w(lang, "rule.noObjection")),
        None if r.rule == RuleKind::Consent => items.push(w(lang, "rule.noObjection")),
        Some(n) => items.push(t(lang, "rule.maxObjections", &[("n", n.to_string())])),
        None => {}
    }
    if r.secret_ballot {
        items.push(w(lang, "rule.secret"));
    }
    (name, items)
}

/// One reason of a decision in words ("Te weinig mensen stemden: 3 van de 6. ...").
pub fn reason(lang: Language, kind: &ReasonKind) -> String {
    let n = |v: u32| v.to_string();
    match *kind {
        ReasonKind::Quorum { cast, seated, needed } if cast >= needed => {
            t(lang, "reason.quorum.yes", &[("n", n(cast)), ("seated", n(seated))])
        }
        ReasonKind::Quorum { cast, seated, needed } => {
            t(lang, "reason.quorum.no", &[("n", n(cast)), ("seated", n(seated)), ("needed", n(needed))])
        }
        ReasonKind::MinSupport { supporters, counted, needed } if supporters >= needed => {
            t(lang, "reason.support.yes", &[("n", n(supporters)), ("counted", n(counted))])
        }
        ReasonKind::MinSupport { supporters, counted, needed } => {
            t(lang, "reason.support.no", &[("n", n(supporters)), ("counted", n(counted)), ("needed", n(needed))])
        }
        ReasonKind::MinSupportPerRole { role: r, supporters, counted, needed } => {
            let key = if supporters >= needed { "reason.role.yes" } else { "reason.role.no" };
            let params =
                [("role", role(lang, Some(r))), ("n", n(supporters)), ("counted", n(counted)), ("needed", n(needed))];
            t(lang, key, &params)
        }
        ReasonKind::MaxObjections { objections, max } => format!(
            "{} {}",
            t(lang, "reason.objections", &[("n", n(objections))]),
            t(lang, "reason.max", &[("n", n(max))])
        ),
        ReasonKind::Majority { supporters, counted } => {
            let key = if supporters * 2 > counted { "reason.majority.yes" } else { "reason.majority.no" };
            t(lang, key, &[("n", n(supporters)), ("counted", n(counted))])
        }
        ReasonKind::Unanimity { supporters, seated } if supporters >= seated && seated > 0 => {
            w(lang, "reason.unanimity.yes")
        }
        ReasonKind::Unanimity { supporters, seated } => {
            t(lang, "reason.unanimity.no", &[("n", n(supporters)), ("seated", n(seated))])
        }
        ReasonKind::NoVotes => w(lang, "reason.no_votes.missed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionaries_are_read_with_every_key_in_both_languages() {
        let (nl, en) = (dict(Language::Nl), dict(Language::En));
        assert!(nl.len() > 300, "{} keys", nl.len());
        let mut missing: Vec<_> = nl.keys().filter(|k| !en.contains_key(*k)).collect();
        missing.sort();
        assert!(missing.is_empty(), "keys without English: {missing:?}");
        assert_eq!(w(Language::Nl, "choice.support_if"), "Ja, mits");
        assert_eq!(t(Language::Nl, "reason.objections", &[("n", "1".into())]), "Er was 1 bezwaar.");
        assert_eq!(t(Language::En, "reason.objections", &[("n", "3".into())]), "There were 3 objections.");
        assert_eq!(role(Language::Nl, Some(Role::CivilServant)), "Ambtenaar");
        assert_eq!(round_kind(Language::En, RoundKind::Debrief), w(Language::En, "kind.debrief"));
    }

    #[test]
    fn a_rule_is_said_in_sentences() {
        let r = DecisionRule {
            rule: RuleKind::BroadSupport,
            min_support: Some(Fraction::new(2, 3)),
            min_support_per_role: Some(Fraction::new(1, 2)),
            max_objections: Some(1),
            quorum: Some(Fraction::new(2, 3)),
            secret_ballot: true,
        };
        let (name, items) = rule(Language::Nl, &r);
        assert_eq!(name, "Regel: breed gedragen.");
        assert_eq!(
            items,
            [
                "Minstens 2 op de 3 mensen aan tafel stemmen. Een onthouding telt ook als stem.",
                "Minstens 2 op de 3 stemmen zijn steun of ja, mits. Onthoudingen tellen hier niet mee.",
                "In elke rol is minstens de helft van de stemmen steun of ja, mits.",
                "Er is hoogstens één bezwaar.",
                "De stemming is geheim. Niemand ziet wie wat stemde.",
            ]
        );
    }
}
