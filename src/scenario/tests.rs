use std::path::PathBuf;

use super::*;

fn messages(text: &str) -> Vec<String> {
    parse(text)
        .expect_err("the file is broken")
        .into_iter()
        .map(|p| format!("{}:{}: {}", p.line, p.column, p.message))
        .collect()
}

#[test]
fn a_broken_file_reports_every_problem_with_line_and_column() {
    let got = messages(include_str!("../../tests/scenarios/broken-many.toml"));
    let want = [
        "1:6: `id` may use only lowercase letters a-z, digits and `-` (at most 48)",
        "3:12: `language`: unknown value `de`; choose one of `nl`, `en`",
        "4:11: `summary` must not be empty",
        "5:14: `table_size` must be between 3 and 12, not 20",
        "6:1: unknown key `titel`; did you mean `title`?",
        "11:2: [roles]: missing required key `councillor`",
        "12:10: [roles.resident]: `weight` must be a whole number, not text",
        "16:1: resident card 1 (“Ria”): unknown key `goals`; did you mean `goal`?",
        "19:9: [roles.civil_servant]: `cards` must not be empty",
        "22:8: round 1 (“Stemmen”): a vote round must come after a proposal round",
        "24:1: round 1 (“Stemmen”): unknown key `minuten`; did you mean `minutes`?",
        "25:1: round 1 (“Stemmen”): `notes` belongs in a discussion or debrief round, not in a vote round",
        "30:11: round 2 (“Praten”): `minutes` must be between 1 and 180, not 200",
        "31:19: round 2 (“Praten”): `value` appears twice in `notes`",
        "31:28: round 2 (“Praten”): entry 3 of `notes`: unknown value `ideas`; did you mean `idea`?",
        "32:14: round 2 (“Praten”): `draw_event` needs at least one [[events]] card",
        "36:1: [decision]: the rule `majority` does not use `min_support`; it uses only `quorum`",
        "37:10: [decision]: `quorum`: `3/2` is more than 1; it must be between 0 and 1",
    ];
    assert_eq!(got, want);
}

#[test]
fn a_syntax_error_names_its_place() {
    assert_eq!(
        messages(include_str!("../../tests/scenarios/broken-syntax.toml")),
        ["2:30: invalid basic string, expected `\"`"]
    );
}

fn minimal(extra_round: &str, decision: &str) -> String {
    format!(
        r#"id = "mini"
title = "Mini"
language = "en"
summary = "Small"
[case]
text = "A case"
[roles.resident]
cards = [{{ name = "R", text = "r" }}]
[roles.civil_servant]
cards = [{{ name = "C", text = "c" }}]
[roles.councillor]
cards = [{{ name = "K", text = "k", goal = "g" }}]
[[rounds]]
kind = "proposal"
title = "Propose"
{extra_round}
[decision]
{decision}
"#
    )
}

#[test]
fn a_minimal_file_gets_the_defaults() {
    let s = parse(&minimal("[[rounds]]\nkind = \"vote\"\ntitle = \"Vote\"", "")).unwrap();
    assert_eq!(s.table_size, 6);
    assert_eq!(s.roles.resident.weight, 1);
    let r = s.decision.resolve();
    assert_eq!(r.rule, RuleKind::BroadSupport);
    assert_eq!(r.min_support, Some(Fraction::new(2, 3)));
    assert_eq!(r.min_support_per_role, Some(Fraction::new(1, 2)));
    assert_eq!(r.quorum, Some(Fraction::new(2, 3)));
    assert_eq!(r.max_objections, None);
    assert_eq!(s.rounds[0].proposer_roles(), Role::ALL.to_vec());
}

#[test]
fn decimals_are_read_exactly_as_written() {
    let vote = "[[rounds]]\nkind = \"vote\"\ntitle = \"Vote\"";
    let s = parse(&minimal(vote, "min_support = 0.67\nquorum = 1\nmin_support_per_role = \"1/2\"")).unwrap();
    assert_eq!(s.decision.min_support, Some(Fraction::new(67, 100)));
    assert_eq!(s.decision.quorum, Some(Fraction::new(1, 1)));
    let got = messages(&minimal(vote, "min_support = 1.5\nquorum = \"2 of 3\""));
    assert_eq!(
        got,
        [
            "20:15: [decision]: `min_support`: `1.5` is more than 1; it must be between 0 and 1",
            "21:10: [decision]: `quorum`: `2 of 3` is not a fraction; write it like \"2/3\"",
        ]
    );
}

#[test]
fn keys_of_another_round_kind_are_errors() {
    let got = messages(&minimal("notes = [\"idea\"]\n[[rounds]]\nkind = \"vote\"\ntitle = \"V\"\nproposers = []", ""));
    assert_eq!(
        got,
        [
            "16:1: round 1 (“Propose”): `notes` belongs in a discussion or debrief round, not in a proposal round",
            "20:1: round 2 (“V”): `proposers` belongs in a proposal round, not in a vote round",
            "20:13: round 2 (“V”): `proposers` must not be empty",
        ]
    );
}

#[test]
fn wrong_types_and_missing_keys_are_named() {
    let text = r#"id = "x"
title = 5
language = "nl"
[case]
[roles.resident]
cards = [{ name = "R" }]
[[rounds]]
kind = "debrief"
"#;
    assert_eq!(
        messages(text),
        [
            "1:1: missing required key `summary`",
            "2:9: `title` must be text in quotes, not a whole number",
            "4:1: [case]: missing required key `text`",
            "5:2: [roles]: missing required key `civil_servant`",
            "5:2: [roles]: missing required key `councillor`",
            "6:10: resident card 1 (“R”): missing required key `text`",
            "7:1: `rounds` needs at least 2 entries, not 1",
            "7:1: round 1: missing required key `title`",
        ]
    );
}

const BUDGET_ROUND: &str = "[[rounds]]\nkind = \"budget\"\ntitle = \"Budget\"";

/// The minimal file with `round` added and `budget` (TOML) after `[decision]`.
fn with_budget(round: &str, budget: &str) -> String {
    format!("{}{budget}", minimal(round, ""))
}

fn projects(n: usize, cost: u64) -> String {
    (0..n)
        .map(|i| format!("[[budget.projects]]\nid = \"p{i}\"\ntitle = \"P{i}\"\ntext = \"t\"\ncost = {cost}\n"))
        .collect()
}

#[test]
fn a_budget_round_reads_its_projects_and_defaults_to_equal_shares() {
    let s = parse(&with_budget(BUDGET_ROUND, &format!("[budget]\ntotal = 50_000\n{}", projects(2, 4000)))).unwrap();
    let b = s.budget.expect("the file has a budget");
    assert_eq!(b.total, 50_000);
    assert_eq!(b.rule, BudgetRule::EqualShares);
    assert_eq!(b.projects.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["p0", "p1"]);
    assert_eq!(s.rounds[1].kind, RoundKind::Budget);
}

#[test]
fn a_budget_round_and_its_budget_need_each_other() {
    assert_eq!(
        messages(&with_budget(BUDGET_ROUND, "")),
        ["17:8: round 2 (“Budget”): a budget round needs a [budget] table with its projects"]
    );
    let vote = "[[rounds]]\nkind = \"vote\"\ntitle = \"Vote\"";
    assert_eq!(
        messages(&with_budget(vote, &format!("[budget]\ntotal = 100\nrule = \"greedy\"\n{}", projects(2, 10)))),
        ["21:2: [budget]: [budget] is used only by a round of kind \"budget\"; add such a round or remove [budget]"]
    );
}

#[test]
fn budget_projects_must_fit_the_total_and_have_their_own_ids() {
    let text = with_budget(BUDGET_ROUND, &format!("[budget]\ntotal = 100\n{}", projects(3, 60).replace("p2", "p0")));
    let text = text.replacen("cost = 60", "cost = 101", 1);
    assert_eq!(
        messages(&text),
        [
            "27:8: budget project 1 (“P0”): `cost` is 101 euros, more than the whole budget (100 euros)",
            "34:6: budget project 3 (“P2”): the project id `p0` is used twice; each project needs its own id",
        ]
    );
}

#[test]
fn every_limit_of_a_budget_is_enforced() {
    let one =
        messages(&with_budget(BUDGET_ROUND, &format!("[budget]\ntotal = 0\nrule = \"most\"\n{}", projects(1, 1))));
    assert_eq!(
        one,
        [
            "22:9: [budget]: `total` must be between 1 and 1000000000, not 0",
            "23:8: [budget]: `rule`: unknown value `most`; choose one of `equal_shares`, `greedy`",
            "24:1: [budget]: `projects` needs at least 2 entries, not 1",
        ]
    );
    let many = messages(&with_budget(BUDGET_ROUND, &format!("[budget]\ntotal = 1_000_000_001\n{}", projects(41, 1))));
    assert_eq!(many.len(), 2, "{many:?}");
    assert!(many[0].ends_with("`total` must be between 1 and 1000000000, not 1000000001"), "{many:?}");
    assert!(many[1].ends_with("`projects` may have at most 40 entries, not 41"), "{many:?}");
    let bad_id = messages(&with_budget(
        BUDGET_ROUND,
        &format!("[budget]\ntotal = 10\n{}", projects(2, 1).replace("\"p1\"", "\"P 1\"")),
    ));
    assert_eq!(bad_id.len(), 1, "{bad_id:?}");
    assert_eq!(
        bad_id,
        [
            "29:6: budget project 2 (“P1”): a project `id` may use only lowercase letters a-z, digits and `-` (at most 48)"
        ]
    );
}

#[test]
fn lesson_notes_belong_in_debrief_rounds_only() {
    let debrief = "[[rounds]]\nkind = \"debrief\"\ntitle = \"Terug\"\nnotes = [\"lesson\", \"idea\"]";
    let s = parse(&minimal(debrief, "")).unwrap();
    assert_eq!(s.rounds[1].note_kinds(), [NoteKind::Lesson, NoteKind::Idea]);
    let plain = parse(&minimal("[[rounds]]\nkind = \"debrief\"\ntitle = \"Terug\"", "")).unwrap();
    assert_eq!(plain.rounds[1].note_kinds(), [], "a debrief round without notes takes none");
    let talk = "[[rounds]]\nkind = \"discussion\"\ntitle = \"Praten\"\nnotes = [\"value\", \"lesson\"]";
    assert_eq!(
        messages(&minimal(talk, "")),
        ["19:19: round 2 (“Praten”): the note kind `lesson` belongs in a debrief round, not in a discussion round"]
    );
}

#[test]
fn texts_have_limits() {
    let long = "x".repeat(1001);
    let got = messages(&minimal(&format!("[[rounds]]\nkind = \"vote\"\ntitle = \"{long}\""), ""));
    assert_eq!(got.len(), 1);
    assert!(got[0].ends_with("`title` is too long: 1001 characters, at most 1000"), "{got:?}");
}

#[test]
fn every_limit_of_the_format_is_enforced() {
    let vote = "[[rounds]]\nkind = \"vote\"\ntitle = \"Vote\"";
    let got = messages(&minimal(vote, "rule = \"consent\"\nmax_objections = 65"));
    assert_eq!(got, ["21:18: [decision]: `max_objections` must be between 0 and 64, not 65"]);
    let long_case = minimal(vote, "").replace("text = \"A case\"", &format!("text = \"{}\"", "c".repeat(10_001)));
    let got = messages(&long_case);
    assert_eq!(got, ["6:8: [case]: `text` is too long: 10001 characters, at most 10000"]);
    let many = (0..40).map(|i| format!("[[rounds]]\nkind = \"debrief\"\ntitle = \"R{i}\"\n")).collect::<String>();
    let got = messages(&minimal(&format!("{vote}\n{many}"), ""));
    assert_eq!(got.len(), 1);
    assert!(got[0].ends_with("`rounds` may have at most 40 entries, not 42"), "{got:?}");
}

#[test]
fn every_built_in_case_is_valid() {
    let lib = Library::load(None);
    assert_eq!(lib.problems, vec![]);
    assert!(lib.iter().count() >= 7);
    let dutch = lib.iter().filter(|e| e.scenario.language == Language::Nl).count();
    assert!(dutch >= 5);
    for e in lib.iter() {
        assert!(e.scenario.gear.is_some() && e.scenario.moment.is_some(), "{}", e.scenario.id);
    }
}

#[test]
fn a_repeated_id_is_reported_at_the_second_files_id_line() {
    let dir = std::env::temp_dir().join(format!("democreatie-dup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = minimal("[[rounds]]\nkind = \"vote\"\ntitle = \"Vote\"", "");
    let a = dir.join("a.toml");
    let b = dir.join("b.toml");
    std::fs::write(&a, &text).unwrap();
    std::fs::write(&b, format!("# copy\n{text}")).unwrap();
    let (ok, problems) = check_files(&[a.clone(), b.clone()]);
    assert_eq!(ok.len(), 1);
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].to_string(),
        format!("{}:2:1: the id `mini` is already used by {}", b.display(), a.display())
    );
    // In a folder the first file in name order wins and the other case stays available.
    let lib = Library::load(Some(&dir));
    assert_eq!(lib.get("mini").unwrap().origin, a.display().to_string());
    assert!(lib.get("skatebaan").is_some());
    std::fs::remove_dir_all(&dir).unwrap();
    let _ = PathBuf::new();
}

#[test]
fn the_schema_describes_the_format() {
    let s = schema();
    assert_eq!(s["title"], "democreatie scenario");
    assert!(s["properties"]["rounds"].is_object());
    assert!(s["$defs"]["Round"]["properties"]["minutes"]["maximum"] == 180);
    assert_eq!(s["additionalProperties"], false);
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    // docs/scenario.schema.json is what the `#:schema` line of every built-in case points
    // at; regenerate it with `democreatie scenario schema > docs/scenario.schema.json`.
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/scenario.schema.json")).expect("the committed schema is JSON");
    assert_eq!(&committed, schema(), "docs/scenario.schema.json is out of date");
}

#[test]
fn a_card_is_bounded_in_all_and_texts_have_no_control_characters() {
    let big = format!("cards = [{{ name = \"R\", text = \"{}\" }}]", "x".repeat(1000));
    let five =
        format!("values = [{}]", (0..4).map(|_| format!("\"{}\"", "v".repeat(1000))).collect::<Vec<_>>().join(", "));
    let vote = "[[rounds]]\nkind = \"vote\"\ntitle = \"Vote\"";
    let text = minimal(vote, "")
        .replace("cards = [{ name = \"R\", text = \"r\" }]", &big.replace(" }]", &format!(", {five} }}]")));
    let got = messages(&text);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].ends_with("this card has 5001 characters in all; a card may have at most 5000"), "{got:?}");
    let ctl = minimal(vote, "").replace("text = \"A case\"", "text = \"A \\u0001case\"");
    assert_eq!(messages(&ctl), ["6:8: [case]: `text` contains the control character U+0001; remove it"]);
}
