//! `report`: the session report of a room as Markdown (the workshop's write-up), JSON (the
//! same facts) and CSV (one row per note, proposal version, vote and decision). Reads a
//! game; never changes one.

use std::path::Path;
use std::process::ExitCode;

use serde_json::{Value, json};

mod diff;
pub mod path;
mod words;

use crate::code::normalize_code;
use crate::game::{Choice, Game, Stage, Status};
use crate::scenario::{Language, Role};
use crate::store::{SqliteReader, replay};

/// Renders the report of `game` in `format` (`md`, `json` or `csv`): content type and body.
pub fn render(game: &Game, code: &str, format: &str) -> (String, String) {
    match format {
        "json" => ("application/json".into(), serde_json::to_string_pretty(&facts(game, code)).expect("json")),
        "csv" => ("text/csv; charset=utf-8".into(), csv(game)),
        _ => ("text/markdown; charset=utf-8".into(), markdown(game, code)),
    }
}

fn role_word(role: Option<Role>, nl: bool) -> &'static str {
    match (role, nl) {
        (Some(Role::Resident), true) => "inwoner",
        (Some(Role::CivilServant), true) => "ambtenaar",
        (Some(Role::Councillor), true) => "raadslid",
        (Some(Role::Resident), false) => "resident",
        (Some(Role::CivilServant), false) => "civil servant",
        (Some(Role::Councillor), false) => "councillor",
        (None, true) => "anders",
        (None, false) => "other",
    }
}

fn name(game: &Game, id: crate::game::PlayerId) -> String {
    game.player(id).map(|p| p.name.to_string()).unwrap_or_default()
}

fn round_title(game: &Game, i: usize) -> String {
    game.scenario().rounds.get(i).map(|r| r.title.clone()).unwrap_or_default()
}

/// Everything the report says, as JSON.
pub fn facts(game: &Game, code: &str) -> Value {
    let s = game.scenario();
    let secret = game.rule().secret_ballot;
    let tables: Vec<Value> = game
        .tables()
        .iter()
        .enumerate()
        .map(|(t, table)| {
            let players: Vec<Value> = table
                .seats
                .iter()
                .filter_map(|id| game.player(*id))
                .map(|p| {
                    let card = p.role.zip(p.card).map(|(r, c)| s.roles.get(r).cards[c].name.clone());
                    json!({"player_id": p.id, "name": p.name, "role": p.role, "card": card, "real_role": p.real_role, "status": p.status})
                })
                .collect();
            json!({
                "table": t + 1,
                "players": players,
                "notes": table.notes.iter().map(|n| json!({"round": n.round + 1, "round_title": round_title(game, n.round), "player_id": n.player, "name": name(game, n.player), "kind": n.kind, "text": n.text, "hidden": n.hidden})).collect::<Vec<_>>(),
                "proposals": table.proposals.iter().enumerate().map(|(k, p)| json!({"version": k + 1, "round": p.round + 1, "round_title": round_title(game, p.round), "by": p.by, "name": name(game, p.by), "text": p.text})).collect::<Vec<_>>(),
                "events": table.events.iter().map(|e| json!({"round": e.round + 1, "title": s.events[e.card].title, "text": s.events[e.card].text})).collect::<Vec<_>>(),
                "decisions": table.decisions.iter().map(|d| {
                    let mut v = json!({
                        "round": d.round + 1, "round_title": round_title(game, d.round), "reached": d.reached,
                        "seated": d.tally.seated, "counts": game.counts_shown(d).then_some(d.tally.overall), "proposal": d.proposal,
                        "conditions": d.conditions, "objections": d.objections,
                        "reasons": game.decision_view(d, false).reasons,
                    });
                    if !secret {
                        v["by_role"] = json!({"resident": d.tally.by_role[0], "civil_servant": d.tally.by_role[1], "councillor": d.tally.by_role[2]});
                        v["votes"] = d.votes.iter().map(|(id, role, vote)| json!({"player_id": id, "name": name(game, *id), "role": role, "choice": vote.choice, "condition": vote.condition, "reason": vote.reason})).collect();
                    }
                    v
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "room": code,
        "scenario": {"id": s.id, "title": s.title, "summary": s.summary, "language": s.language},
        "language": game.language(),
        "decision_rule": game.rule(),
        "phase": {"kind": game.phase_kind(), "index": game.phase_index()},
        "rounds": s.rounds.iter().enumerate().map(|(i, r)| json!({"round": i + 1, "kind": r.kind, "title": r.title})).collect::<Vec<_>>(),
        "players": game.players().iter().map(|p| json!({"player_id": p.id, "name": p.name, "name_hidden": p.name_hidden, "role": p.role, "real_role": p.real_role, "status": p.status, "table": p.table.map(|t| t + 1)})).collect::<Vec<_>>(),
        "tables": tables,
        "budgets": budget_facts(game),
        "started_at": game.started_ms().map(crate::game::rfc3339),
        "finished_at": game.finished_ms().map(crate::game::rfc3339),
        "heard": path::heard(game).iter().enumerate().map(|(t, roles)| json!({"table": t + 1, "roles": roles})).collect::<Vec<_>>(),
    })
}

/// Each closed budget round: the result every view shows, plus (unless the ballot was
/// secret) who approved which projects.
fn budget_facts(game: &Game) -> Vec<Value> {
    let Some(budget) = game.scenario().budget.as_ref() else { return Vec::new() };
    game.budgets()
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).expect("a budget result serialises");
            v["round"] = json!(r.round + 1);
            v["round_title"] = json!(round_title(game, r.round));
            // The projects' titles and costs as played (the case file may change later).
            for p in v["projects"].as_array_mut().into_iter().flatten() {
                if let Some(project) = budget.projects.iter().find(|x| p["id"] == x.id.as_str()) {
                    p["title"] = json!(project.title);
                    p["cost"] = json!(project.cost);
                }
            }
            if let Some(closed) = game.closed_ballots().iter().find(|c| c.round == r.round) {
                v["ballots"] = closed
                    .ballots
                    .iter()
                    .map(|(id, b)| {
                        let ids: Vec<&str> = b.iter().map(|&j| budget.projects[j].id.as_str()).collect();
                        let role = game.player(*id).and_then(|p| p.role);
                        json!({"player_id": id, "name": name(game, *id), "role": role, "projects": ids})
                    })
                    .collect();
            }
            v
        })
        .collect()
}

/// A time in the server's own time zone, with the zone named: "30 november 2026, 14:05
/// (tijdzone Europe/Amsterdam)".
fn local_time(ms: i64, lang: Language) -> String {
    const NL: [&str; 12] = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else { return String::new() };
    let tz = jiff::tz::TimeZone::system();
    let z = ts.to_zoned(tz.clone());
    let zone = tz.iana_name().map(str::to_string).unwrap_or_else(|| format!("UTC{}", z.offset()));
    let month = usize::try_from(z.month() - 1).unwrap_or(0);
    let (months, word) = match lang {
        Language::Nl => (NL, "tijdzone"),
        Language::En => (EN, "time zone"),
    };
    format!("{} {} {}, {:02}:{:02} ({word} {zone})", z.day(), months[month], z.year(), z.hour(), z.minute())
}

fn markdown(game: &Game, code: &str) -> String {
    use std::fmt::Write;
    let lang = game.language();
    let nl = lang == Language::Nl;
    let t = |d: &'static str, e: &'static str| if nl { d } else { e };
    let s = game.scenario();
    let secret = game.rule().secret_ballot;
    let mut out = String::new();
    let _ = writeln!(out, "# {}: {}\n", t("Verslag", "Report"), md(&s.title));
    let _ = writeln!(out, "- {}: {code}", t("Spelcode", "Room code"));
    let state = match game.stage() {
        Stage::Lobby => t("nog niet begonnen", "not started"),
        Stage::Round(_) => t("bezig", "in progress"),
        Stage::Finished => t("afgelopen", "finished"),
    };
    let _ = writeln!(out, "- {}: {state}", t("Stand", "State"));
    if let Some(ms) = game.started_ms() {
        let _ = writeln!(out, "- {}: {}", t("Begonnen", "Started"), local_time(ms, lang));
    }
    if let Some(ms) = game.finished_ms() {
        let _ = writeln!(out, "- {}: {}", t("Afgelopen", "Finished"), local_time(ms, lang));
    }
    let (rule_name, rule_items) = words::rule(lang, game.rule());
    let _ = writeln!(out, "\n{}\n", md(&s.summary));
    let _ = writeln!(out, "## {}\n", words::w(lang, "rule.summary"));
    let _ = writeln!(out, "{rule_name}\n");
    for item in rule_items {
        let _ = writeln!(out, "- {item}");
    }
    let _ = writeln!(out, "\n## {}\n", t("Rondes", "Rounds"));
    for (i, round) in s.rounds.iter().enumerate() {
        let _ = writeln!(out, "{}. {} ({})", i + 1, md(&round.title), words::round_kind(lang, round.kind));
    }
    budget_markdown(game, &mut out);
    let heard = path::heard(game);
    for (ti, table) in game.tables().iter().enumerate() {
        let _ = writeln!(out, "\n## {} {}\n", t("Tafel", "Table"), ti + 1);
        let _ = writeln!(out, "### {}\n", t("Wie speelde welke rol", "Who played which role"));
        for p in table.seats.iter().filter_map(|id| game.player(*id)) {
            let card = p.role.zip(p.card).map(|(r, c)| s.roles.get(r).cards[c].name.as_str()).unwrap_or("");
            let hidden = if p.name_hidden {
                t(" *(naam verborgen door de spelleider)*", " *(name hidden by the facilitator)*")
            } else {
                ""
            };
            let gone = match p.status {
                Status::Left => t(" (vertrokken)", " (left)"),
                Status::Kicked => t(" (verwijderd)", " (removed)"),
                _ => "",
            };
            let _ = writeln!(
                out,
                "- {}{hidden}{gone}: {} ({}); {}: {}",
                md(&p.name),
                words::role(lang, p.role).to_lowercase(),
                md(card),
                t("in het echt", "in real life"),
                words::role(lang, p.real_role).to_lowercase()
            );
        }
        let _ = writeln!(out, "\n### {}\n", t("Wie werd gehoord", "Who was heard"));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |\n|---|---|---|---|---|---|",
            t("rol", "role"),
            t("mensen", "people"),
            t("notities", "notes"),
            t("versies van het voorstel", "proposal versions"),
            t("steun gegeven", "support given"),
            t("bezwaren", "objections"),
        );
        for h in &heard[ti] {
            let or_secret = |n: Option<u32>| n.map_or_else(|| t("geheim", "secret").to_string(), |n| n.to_string());
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                words::role(lang, Some(h.role)),
                h.people,
                h.notes,
                h.versions,
                or_secret(h.support),
                or_secret(h.objections)
            );
        }
        for (i, round) in s.rounds.iter().enumerate() {
            let notes: Vec<_> = table.notes.iter().filter(|n| n.round == i).collect();
            let proposals: Vec<_> = table.proposals.iter().enumerate().filter(|(_, p)| p.round == i).collect();
            let events: Vec<_> = table.events.iter().filter(|e| e.round == i).collect();
            let decisions: Vec<_> = table.decisions.iter().filter(|d| d.round == i).collect();
            if notes.is_empty() && proposals.is_empty() && events.is_empty() && decisions.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n### {} {}: {}\n", t("Ronde", "Round"), i + 1, md(&round.title));
            for e in events {
                let card = &s.events[e.card];
                let _ = writeln!(out, "**{}: {}.** {}\n", t("Gebeurtenis", "Event"), md(&card.title), md(&card.text));
            }
            for n in notes {
                let mark = if n.hidden {
                    t(" *(verborgen door de spelleider)*", " *(hidden by the facilitator)*")
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "- {} · {}: {}{mark}",
                    words::note_kind(lang, n.kind),
                    md(&name(game, n.player)),
                    md(&n.text)
                );
            }
            for (v, p) in proposals {
                let _ = writeln!(
                    out,
                    "\n{} {} ({}):\n",
                    t("Voorstel, versie", "Proposal, version"),
                    v + 1,
                    md(&name(game, p.by))
                );
                for line in p.text.lines() {
                    let _ = writeln!(out, "> {}", md(line));
                }
            }
            for d in decisions {
                let o = d.tally.overall;
                let verdict = if d.reached {
                    t("**Gedragen besluit bereikt.**", "**Supported decision reached.**")
                } else {
                    t("**Geen gedragen besluit.**", "**No supported decision.**")
                };
                let _ = writeln!(out, "{verdict}\n");
                let shown = game.counts_shown(d);
                let _ = writeln!(out, "{}\n", words::w(lang, "reason.heading"));
                for r in d.tally.reasons(game.rule(), !secret) {
                    let said = if shown {
                        words::reason(lang, &r.kind)
                    } else {
                        words::w(lang, &format!("reason.{}.{}", r.kind.code(), if r.met { "met" } else { "missed" }))
                    };
                    let mark = words::w(lang, if r.met { "reason.metWord" } else { "reason.missedWord" });
                    let _ = writeln!(out, "- {mark} {said}");
                }
                let _ = writeln!(out);
                if !shown {
                    let _ = writeln!(
                        out,
                        "{}",
                        t(
                            "Geheime stemming met minder dan 3 stemmen: de aantallen blijven geheim.",
                            "Secret ballot with fewer than 3 votes: the numbers stay secret."
                        )
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "{}: {} {} · {} {} · {} {} · {} {} ({} {}).",
                        t("Stemmen", "Votes"),
                        words::choice(lang, Choice::Support),
                        o.support,
                        words::choice(lang, Choice::SupportIf),
                        o.support_if,
                        words::choice(lang, Choice::Abstain),
                        o.abstain,
                        words::choice(lang, Choice::Object),
                        o.object,
                        d.tally.seated,
                        t("aan tafel", "seated"),
                    );
                }
                if !secret {
                    let _ = writeln!(
                        out,
                        "\n| {} | {} | {} | {} | {} |",
                        t("rol", "role"),
                        words::choice(lang, Choice::Support),
                        words::choice(lang, Choice::SupportIf),
                        words::choice(lang, Choice::Abstain),
                        words::choice(lang, Choice::Object)
                    );
                    let _ = writeln!(out, "|---|---|---|---|---|");
                    for role in Role::ALL {
                        let c = d.tally.by_role[role.index()];
                        let _ = writeln!(
                            out,
                            "| {} | {} | {} | {} | {} |",
                            words::role(lang, Some(role)),
                            c.support,
                            c.support_if,
                            c.abstain,
                            c.object
                        );
                    }
                }
                if !d.conditions.is_empty() {
                    let _ = writeln!(out, "\n{}:", words::w(lang, "decision.conditions"));
                    for c in &d.conditions {
                        let _ = writeln!(out, "- {}", md(c));
                    }
                }
                if !d.objections.is_empty() {
                    let _ = writeln!(out, "\n{}:", words::w(lang, "decision.objections"));
                    for c in &d.objections {
                        let _ = writeln!(out, "- {}", md(c));
                    }
                }
                if !secret {
                    let _ = writeln!(out, "\n{}:", words::w(lang, "decision.votes"));
                    for (id, _, v) in &d.votes {
                        let _ = writeln!(out, "- {}: {}", md(&name(game, *id)), words::choice(lang, v.choice));
                    }
                }
            }
        }
    }
    out
}

/// Each closed budget round in words: the projects with their approvals, both outcomes side
/// by side, and which one counted.
fn budget_markdown(game: &Game, out: &mut String) {
    use std::fmt::Write;
    let Some(budget) = game.scenario().budget.as_ref() else { return };
    let nl = game.language() == Language::Nl;
    let t = |d: &'static str, e: &'static str| if nl { d } else { e };
    let secret = game.rule().secret_ballot;
    let euros = |n: u64| {
        let digits = n.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(if nl { '.' } else { ',' });
            }
            grouped.push(c);
        }
        if nl { format!("{grouped} euro") } else { format!("€{grouped}") }
    };
    let yes = |b: bool| if b { t("ja", "yes") } else { t("nee", "no") };
    for r in game.budgets() {
        let _ = writeln!(out, "\n## {} {}: {}\n", t("Ronde", "Round"), r.round + 1, round_title(game, r.round));
        let _ = writeln!(
            out,
            "{} {}. {}: {}.\n",
            t("Te verdelen:", "Budget:"),
            euros(r.total),
            t("Aantal mensen dat koos", "People who voted"),
            r.voters
        );
        let mut header =
            format!("| {} | {} | {} |", t("project", "project"), t("kosten", "cost"), t("stemmen voor", "approvals"));
        if !secret {
            for role in Role::ALL {
                header.push_str(&format!(" {} |", role_word(Some(role), nl)));
            }
        }
        header.push_str(&format!(" {} | {} |", t("meeste stemmen", "most votes"), t("eerlijk delen", "equal shares")));
        let _ = writeln!(out, "{header}");
        let columns = header.matches('|').count() - 1;
        let _ = writeln!(out, "|{}", "---|".repeat(columns));
        for (p, a) in budget.projects.iter().zip(&r.projects) {
            let mut row = format!("| {} | {} | {} |", p.title, euros(p.cost), a.approvals);
            if let Some(by_role) = a.by_role {
                for role in Role::ALL {
                    row.push_str(&format!(" {} |", by_role.get(role)));
                }
            }
            let greedy = r.greedy.funded.contains(&p.id);
            let shares = r.equal_shares.funded.contains(&p.id);
            row.push_str(&format!(" {} | {} |", yes(greedy), yes(shares)));
            let _ = writeln!(out, "{row}");
        }
        let _ = writeln!(
            out,
            "\n{} {}. {} {}.",
            t("Meeste stemmen eerst: uitgegeven", "Most votes first: spent"),
            euros(r.greedy.spent),
            t("Eerlijk delen: uitgegeven", "Equal shares: spent"),
            euros(r.equal_shares.spent)
        );
        let counted = match r.rule {
            crate::scenario::BudgetRule::Greedy => {
                t("Telde mee: meeste stemmen eerst.", "What counted: most votes first.")
            }
            crate::scenario::BudgetRule::EqualShares => t("Telde mee: eerlijk delen.", "What counted: equal shares."),
        };
        let _ = writeln!(out, "{counted}");
    }
}

/// A participant's text inside `report.md`: every character Markdown or HTML could act on
/// is escaped, and a line break continues the same list item, so a note can never add a
/// heading, a link, an image, raw HTML or a fake "Supported decision reached." line.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.' | '!' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether a spreadsheet would read text starting with `c` as a formula.
fn formula_start(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// One CSV cell: quoted when needed, and neutralised with `'` so a spreadsheet never runs
/// a participant's text as a formula: at the start, and right after every `;` or `,`
/// (a Dutch spreadsheet splits on `;`, so `x;=1+1` would otherwise become a formula).
fn cell(s: &str) -> String {
    let mut safe = String::with_capacity(s.len() + 2);
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if formula_start(c) && prev.is_none_or(|p| p == ';' || p == ',') {
            safe.push('\'');
        }
        safe.push(c);
        prev = Some(c);
    }
    if safe.contains([',', ';', '"', '\n', '\r']) { format!("\"{}\"", safe.replace('"', "\"\"")) } else { safe }
}

/// The last CSV column (PROTOCOL.md version 2): 1 for a note the facilitator hid.
const HIDDEN: usize = 9;

fn csv(game: &Game) -> String {
    let mut rows: Vec<(usize, usize, usize, Vec<String>)> = Vec::new();
    let secret = game.rule().secret_ballot;
    let role = |id| game.player(id).and_then(|p| p.role).map_or("", |r| r.code());
    for (t, table) in game.tables().iter().enumerate() {
        let row = |round: usize, kind: &str, id: Option<crate::game::PlayerId>, sub: &str, text: &str| {
            vec![
                (t + 1).to_string(),
                (round + 1).to_string(),
                round_title(game, round),
                kind.to_string(),
                id.map(|i| i.to_string()).unwrap_or_default(),
                id.map(|i| name(game, i)).unwrap_or_default(),
                id.map(|i| role(i).to_string()).unwrap_or_default(),
                sub.to_string(),
                text.to_string(),
                "0".into(),
            ]
        };
        for (i, n) in table.notes.iter().enumerate() {
            let mut r = row(n.round, "note", Some(n.player), n.kind.code(), &n.text);
            r[HIDDEN] = if n.hidden { "1" } else { "0" }.into();
            rows.push((n.round, t, i, r));
        }
        for (i, p) in table.proposals.iter().enumerate() {
            rows.push((p.round, t, i, row(p.round, "proposal", Some(p.by), "", &p.text)));
        }
        for d in &table.decisions {
            if !secret {
                for (i, (id, _, v)) in d.votes.iter().enumerate() {
                    let text = v.condition.as_deref().or(v.reason.as_deref()).unwrap_or("");
                    rows.push((d.round, t, i, row(d.round, "vote", Some(*id), v.choice.code(), text)));
                }
            }
            let kind = if d.reached { "reached" } else { "not_reached" };
            rows.push((d.round, t, usize::MAX, row(d.round, "decision", None, kind, &d.proposal)));
        }
    }
    if let Some(budget) = game.scenario().budget.as_ref() {
        for r in game.budgets() {
            let title = round_title(game, r.round);
            if let Some(closed) = game.closed_ballots().iter().find(|c| c.round == r.round).filter(|_| !secret) {
                for (i, (id, b)) in closed.ballots.iter().enumerate() {
                    let table = game.player(*id).and_then(|p| p.table).map(|t| (t + 1).to_string()).unwrap_or_default();
                    for &j in b {
                        let row = vec![
                            table.clone(),
                            (r.round + 1).to_string(),
                            title.clone(),
                            "ballot".into(),
                            id.to_string(),
                            name(game, *id),
                            role(*id).to_string(),
                            "approve".into(),
                            budget.projects[j].id.clone(),
                            "0".into(),
                        ];
                        rows.push((r.round, usize::MAX - 1, i, row));
                    }
                }
            }
            let outcomes = [("greedy", &r.greedy.funded), ("equal_shares", &r.equal_shares.funded)];
            for (k, (kind, funded)) in outcomes.into_iter().enumerate() {
                for id in funded {
                    let row = vec![
                        String::new(),
                        (r.round + 1).to_string(),
                        title.clone(),
                        "budget".into(),
                        String::new(),
                        String::new(),
                        String::new(),
                        kind.into(),
                        id.clone(),
                        "0".into(),
                    ];
                    rows.push((r.round, usize::MAX, k, row));
                }
            }
        }
    }
    // The order things happened: by round, then table, then order within the table; a
    // budget round's ballots, then its outcomes, after its tables.
    rows.sort_by_key(|r| (r.0, r.1, r.2));
    let mut out = String::from("table,round,round_title,type,player_id,name,role,kind,text,hidden\n");
    for (_, _, _, r) in rows {
        out.push_str(&r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// `democreatie report CODE`: prints the report of a stored room. The database is opened
/// read-only and never moved or changed: it may be one the server moved aside as damaged
/// (`--database FILE`), or the live one of a running server.
pub fn cli(code: &str, data_dir: &Path, database: Option<&Path>, format: &str) -> ExitCode {
    let fail = |msg: String| {
        eprintln!("democreatie: {}", printable(&msg));
        ExitCode::FAILURE
    };
    let Some(code) = normalize_code(code) else {
        return fail(format!("`{code}` is not a room code (5 letters)"));
    };
    let file = database.map_or_else(|| data_dir.join("democreatie.sqlite3"), Path::to_path_buf);
    let reader = match SqliteReader::open(&file) {
        Ok(r) => r,
        Err(e) => return fail(e.to_string()),
    };
    let stored = match reader.load_room(&code) {
        Ok(Some(s)) => s,
        Ok(None) => return fail(format!("there is no room {code} in {}", file.display())),
        Err(e) => return fail(e.to_string()),
    };
    match replay(&stored) {
        Ok(r) => {
            if let Some(why) = &r.failure {
                eprintln!("democreatie: room {code} is reported up to where its log stops replaying: {why}");
            }
            print!("{}", printable(&render(&r.game, &code, format).1));
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("room {code} cannot be replayed: {e}")),
    }
}

/// Text for a terminal: control characters other than line breaks and tabs are replaced,
/// so a participant's text can never move the cursor, change colours or ring the bell.
pub fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() && c != '\n' && c != '\t' { '\u{FFFD}' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_and_html_in_a_note_stay_text() {
        let note = "ok\n## Decision\n**Supported decision reached.**\n![x](http://evil.example/a.png)<script>alert(1)</script>";
        let out = md(note);
        assert!(!out.contains('\n'), "no new line, so no new heading or paragraph: {out}");
        assert!(!out.contains("<script>") && !out.contains("](http"), "{out}");
        assert!(out.contains("\\#\\# Decision") && out.contains("\\*\\*Supported decision reached\\.\\*\\*"), "{out}");
        assert_eq!(md("a_b"), "a\\_b");
    }

    #[test]
    fn csv_cells_never_start_a_formula_even_after_a_separator() {
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("x;=1+1"), "\"x;'=1+1\"");
        assert_eq!(cell("x,@SUM(A1)"), "\"x,'@SUM(A1)\"");
        assert_eq!(cell("\t=cmd"), "'\t=cmd");
        assert_eq!(cell("-5 graden"), "'-5 graden");
        assert_eq!(cell("gewoon tekst"), "gewoon tekst");
        assert_eq!(cell("a \"quote\""), "\"a \"\"quote\"\"\"");
    }
}
