use proptest::prelude::*;
use serde_json::Value;

use super::testkit::{any_log, budget_case, game_of, game_with, small, small_secret};
use super::*;
use crate::scenario::{DecisionSpec, Fraction, RuleKind};

fn p(n: u32) -> Actor {
    Actor::Player(PlayerId(n))
}

fn join(g: &mut Game, name: &str) -> Result<Vec<Event>, GameError> {
    g.apply(Actor::Newcomer, &Command::Join { name: name.into(), real_role: None }, 0)
}

fn err(r: Result<Vec<Event>, GameError>) -> ErrorCode {
    r.expect_err("the command should be refused").code()
}

fn host(g: &mut Game, c: Command) -> Result<Vec<Event>, GameError> {
    g.apply(Actor::Host, &c, 1_000)
}

fn note(kind: &str, text: &str) -> Command {
    Command::Note { kind: kind.into(), text: text.into() }
}

fn vote(choice: &str, condition: Option<&str>, reason: Option<&str>) -> Command {
    Command::Vote { choice: choice.into(), condition: condition.map(Into::into), reason: reason.map(Into::into) }
}

fn json(g: &Game, v: Viewer) -> Value {
    serde_json::to_value(g.view("BCDFG", v, 0, &|_| true)).unwrap()
}

/// A started game with 4 players at one table, moved to round `round`.
fn at_round(round: usize) -> Game {
    let mut g = game_with(4, 7);
    host(&mut g, Command::Start).unwrap();
    for _ in 0..round {
        host(&mut g, Command::Next).unwrap();
    }
    g
}

fn with_role(g: &Game, role: Role) -> Vec<Actor> {
    g.players().iter().filter(|p| p.role == Some(role) && p.active()).map(|p| Actor::Player(p.id)).collect()
}

#[test]
fn names_are_trimmed_normalised_and_unique_ignoring_case() {
    let mut g = Game::new(small(), RoomOptions::default(), 1);
    join(&mut g, "  Zoe\u{301}  ").unwrap();
    assert_eq!(&*g.players()[0].name, "Zo\u{e9}");
    assert_eq!(err(join(&mut g, "ZOÉ")), ErrorCode::NameTaken);
    for bad in ["", "   ", &"x".repeat(25), "a\u{7}b", "a\u{202E}b", "a\u{200B}b", "\u{FEFF}x"] {
        assert_eq!(err(join(&mut g, bad)), ErrorCode::InvalidName, "{bad:?}");
    }
    join(&mut g, &"é".repeat(24)).unwrap();
    let r = g.apply(Actor::Newcomer, &Command::Join { name: "Bo".into(), real_role: Some("boss".into()) }, 0);
    assert_eq!(err(r), ErrorCode::InvalidInput);
}

#[test]
fn the_sixty_fifth_player_finds_the_room_full() {
    let mut g = game_with(MAX_PLAYERS, 1);
    assert_eq!(err(join(&mut g, "Laat")), ErrorCode::RoomFull);
    g.apply(p(1), &Command::Leave, 0).unwrap();
    join(&mut g, "Laat").unwrap();
}

#[test]
fn a_locked_room_refuses_joins_and_a_finished_one_too() {
    let mut g = game_with(3, 1);
    host(&mut g, Command::Lock { locked: true }).unwrap();
    assert_eq!(err(join(&mut g, "Nieuw")), ErrorCode::RoomLocked);
    host(&mut g, Command::Lock { locked: false }).unwrap();
    host(&mut g, Command::End).unwrap();
    assert_eq!(err(join(&mut g, "Nieuw")), ErrorCode::RoomFinished);
    assert_eq!(err(host(&mut g, Command::Next)), ErrorCode::RoomFinished);
    g.apply(p(1), &Command::Leave, 0).expect("leave still works in a finished room");
}

#[test]
fn start_needs_three_players_and_only_once() {
    let mut g = game_with(2, 1);
    assert_eq!(err(host(&mut g, Command::Start)), ErrorCode::NotEnoughPlayers);
    join(&mut g, "Derde").unwrap();
    host(&mut g, Command::Start).unwrap();
    assert_eq!(err(host(&mut g, Command::Start)), ErrorCode::WrongPhase);
}

#[test]
fn who_may_give_which_command() {
    let mut g = game_with(4, 1);
    assert_eq!(err(g.apply(p(1), &Command::Start, 0)), ErrorCode::NotAllowed);
    assert_eq!(err(g.apply(Actor::Host, &Command::Ready, 0)), ErrorCode::NotAllowed);
    assert_eq!(err(g.apply(Actor::Screen, &Command::Ready, 0)), ErrorCode::NotAllowed);
    assert_eq!(err(g.apply(Actor::Screen, &Command::Next, 0)), ErrorCode::NotAllowed);
    assert_eq!(err(g.apply(p(99), &Command::Ready, 0)), ErrorCode::NotAllowed);
    // A player's host command is not_allowed even in a finished room (not_allowed comes first).
    host(&mut g, Command::End).unwrap();
    assert_eq!(err(g.apply(p(1), &Command::Next, 0)), ErrorCode::NotAllowed);
}

#[test]
fn next_and_extend_are_wrong_in_the_lobby() {
    let mut g = game_with(3, 1);
    assert_eq!(err(host(&mut g, Command::Next)), ErrorCode::WrongPhase);
    assert_eq!(err(host(&mut g, Command::Extend { seconds: 60 })), ErrorCode::WrongPhase);
    assert_eq!(err(g.apply(p(1), &Command::Ready, 0)), ErrorCode::WrongPhase);
}

#[test]
fn deadlines_come_from_the_time_passed_in_and_extend_adds() {
    let mut g = game_with(3, 1);
    g.apply(Actor::Host, &Command::Start, 10_000).unwrap();
    assert_eq!(g.deadline(), Some(10_000 + 5 * 60_000));
    g.apply(Actor::Host, &Command::Extend { seconds: 30 }, 20_000).unwrap();
    assert_eq!(g.deadline(), Some(10_000 + 5 * 60_000 + 30_000));
    // A round without minutes has no countdown; extend starts one from now.
    g.apply(Actor::Host, &Command::Next, 30_000).unwrap();
    assert_eq!(g.deadline(), None);
    g.apply(Actor::Host, &Command::Extend { seconds: 60 }, 40_000).unwrap();
    assert_eq!(g.deadline(), Some(100_000));
    // Run out: extend counts from now.
    g.apply(Actor::Host, &Command::Extend { seconds: 10 }, 500_000).unwrap();
    assert_eq!(g.deadline(), Some(510_000));
    for s in [0, -1, 1801] {
        assert_eq!(err(host(&mut g, Command::Extend { seconds: s })), ErrorCode::InvalidInput);
    }
    assert!(!g.due(10_000_000), "only auto-advance rooms are ever due");
}

#[test]
fn auto_advance_rooms_are_due_when_the_countdown_runs_out() {
    let options = RoomOptions { auto_advance: true, ..RoomOptions::default() };
    let mut g = Game::new(small(), options, 3);
    for n in ["A", "B", "C"] {
        join(&mut g, n).unwrap();
    }
    g.apply(Actor::Host, &Command::Start, 0).unwrap();
    assert!(!g.due(299_999));
    assert!(g.due(300_000));
    g.apply(Actor::System, &Command::Next, 300_000).unwrap();
    assert_eq!(g.phase_index(), 1);
    assert_eq!(err(g.apply(Actor::System, &Command::Ready, 0)), ErrorCode::NotAllowed);
}

#[test]
fn ready_belongs_to_briefing_and_debrief() {
    let mut g = at_round(0);
    g.apply(p(1), &Command::Ready, 0).unwrap();
    assert!(g.player(PlayerId(1)).unwrap().ready);
    host(&mut g, Command::Next).unwrap();
    assert!(!g.player(PlayerId(1)).unwrap().ready, "ready marks are per round");
    assert_eq!(err(g.apply(p(1), &Command::Ready, 0)), ErrorCode::WrongPhase);
}

#[test]
fn notes_need_an_allowed_kind_and_a_text_of_1_to_280() {
    let mut g = at_round(1);
    g.apply(p(1), &note("value", "  Samen spelen  "), 0).unwrap();
    assert_eq!(&*g.tables()[0].notes[0].text, "Samen spelen");
    assert_eq!(err(g.apply(p(1), &note("idea", "Nee"), 0)), ErrorCode::InvalidInput);
    assert_eq!(err(g.apply(p(1), &note("bogus", "Nee"), 0)), ErrorCode::InvalidInput);
    assert_eq!(err(g.apply(p(1), &note("value", "  "), 0)), ErrorCode::InvalidInput);
    assert_eq!(err(g.apply(p(1), &note("value", &"é".repeat(281)), 0)), ErrorCode::InvalidInput);
    g.apply(p(1), &note("value", &"é".repeat(280)), 0).unwrap();
    host(&mut g, Command::Next).unwrap();
    assert_eq!(err(g.apply(p(1), &note("value", "Te laat"), 0)), ErrorCode::WrongPhase);
}

#[test]
fn events_are_drawn_per_table_at_the_start_of_a_draw_round() {
    let g = at_round(1);
    assert_eq!(g.tables()[0].events.len(), 1);
    let v = json(&g, Viewer::Player(PlayerId(1)));
    assert!(v["tables"][0]["event"]["title"].is_string());
}

#[test]
fn only_listed_proposers_may_propose_and_every_version_is_kept() {
    let mut g = at_round(2);
    let civil = with_role(&g, Role::CivilServant)[0];
    let resident = with_role(&g, Role::Resident)[0];
    assert_eq!(err(g.apply(civil, &Command::Propose { text: "Ik".into(), base: None }, 0)), ErrorCode::NotAllowed);
    g.apply(resident, &Command::Propose { text: "Versie 1".into(), base: None }, 0).unwrap();
    g.apply(resident, &Command::Propose { text: "Versie 2".into(), base: None }, 0).unwrap();
    assert_eq!(g.tables()[0].proposals.len(), 2);
    assert_eq!(g.tables()[0].proposal().unwrap().text, "Versie 2");
    assert_eq!(
        err(g.apply(resident, &Command::Propose { text: "x".repeat(2001), base: None }, 0)),
        ErrorCode::InvalidInput
    );
    host(&mut g, Command::Next).unwrap();
    assert_eq!(err(g.apply(resident, &Command::Propose { text: "Laat".into(), base: None }, 0)), ErrorCode::WrongPhase);
}

#[test]
fn votes_need_condition_or_reason_and_replace_each_other() {
    let mut g = at_round(2);
    let resident = with_role(&g, Role::Resident)[0];
    g.apply(resident, &Command::Propose { text: "Een nieuwe baan".into(), base: None }, 0).unwrap();
    host(&mut g, Command::Next).unwrap();
    assert_eq!(err(g.apply(p(1), &vote("support_if", None, None), 0)), ErrorCode::InvalidInput);
    assert_eq!(err(g.apply(p(1), &vote("object", None, Some(" ")), 0)), ErrorCode::InvalidInput);
    assert_eq!(err(g.apply(p(1), &vote("perhaps", None, None), 0)), ErrorCode::InvalidInput);
    let long = "é".repeat(281);
    assert_eq!(err(g.apply(p(1), &vote("support_if", Some(&long), None), 0)), ErrorCode::InvalidInput);
    assert_eq!(err(g.apply(p(1), &vote("object", None, Some(&long)), 0)), ErrorCode::InvalidInput);
    g.apply(p(1), &vote("object", None, Some(&long[..280 * 2])), 0).unwrap();
    g.apply(p(1), &vote("object", None, Some("Te duur")), 0).unwrap();
    g.apply(p(1), &vote("support_if", Some("Als het veilig is"), None), 0).unwrap();
    let v = g.player(PlayerId(1)).unwrap().vote.clone().unwrap();
    assert_eq!(v.choice, Choice::SupportIf);
    assert_eq!(v.reason, None);
}

#[test]
fn a_table_without_a_proposal_sits_out_the_vote() {
    let mut g = at_round(3);
    assert_eq!(err(g.apply(p(1), &vote("support", None, None), 0)), ErrorCode::WrongPhase);
    host(&mut g, Command::Next).unwrap();
    assert!(g.tables()[0].decisions.is_empty(), "stays undecided");
}

#[test]
fn a_decided_table_sits_out_later_rounds_and_its_decision_stands() {
    let mut g = at_round(2);
    let resident = with_role(&g, Role::Resident)[0];
    g.apply(resident, &Command::Propose { text: "Plan".into(), base: None }, 0).unwrap();
    host(&mut g, Command::Next).unwrap();
    for i in 1..=4 {
        g.apply(p(i), &vote("support_if", Some(&format!("Voorwaarde {i}")), None), 0).unwrap();
    }
    host(&mut g, Command::Next).unwrap();
    let d = g.tables()[0].decision().unwrap().clone();
    assert!(d.reached);
    assert_eq!(d.conditions.len(), 4);
    assert_eq!(d.proposal, "Plan");
    assert_eq!(
        err(g.apply(resident, &Command::Propose { text: "Nog een".into(), base: None }, 0)),
        ErrorCode::WrongPhase
    );
    host(&mut g, Command::Next).unwrap();
    assert_eq!(err(g.apply(p(1), &vote("object", None, Some("Toch niet")), 0)), ErrorCode::WrongPhase);
    host(&mut g, Command::Next).unwrap();
    assert_eq!(g.tables()[0].decisions.len(), 1);
}

#[test]
fn end_tallies_an_open_vote_round() {
    let mut g = at_round(2);
    let resident = with_role(&g, Role::Resident)[0];
    g.apply(resident, &Command::Propose { text: "Plan".into(), base: None }, 0).unwrap();
    host(&mut g, Command::Next).unwrap();
    g.apply(p(1), &vote("object", None, Some("Nee")), 0).unwrap();
    host(&mut g, Command::End).unwrap();
    let d = g.tables()[0].decision().unwrap();
    assert!(!d.reached);
    assert_eq!(d.objections, vec!["Nee".to_string()]);
    assert!(g.is_finished());
    assert_eq!(g.phase_index(), g.scenario().rounds.len() as i64);
}

#[test]
fn the_last_next_finishes_the_room() {
    let mut g = at_round(6);
    assert_eq!(host(&mut g, Command::Next).unwrap(), vec![Event::Finished]);
    assert_eq!(g.phase_kind(), "finished");
    assert_eq!(g.deadline(), None);
}

#[test]
fn kicking_drops_the_open_vote_and_the_seat() {
    let mut g = at_round(2);
    let resident = with_role(&g, Role::Resident)[0];
    g.apply(resident, &Command::Propose { text: "Plan".into(), base: None }, 0).unwrap();
    host(&mut g, Command::Next).unwrap();
    g.apply(p(2), &vote("object", None, Some("Nee")), 0).unwrap();
    assert_eq!(err(host(&mut g, Command::Kick { player_id: "p9".into() })), ErrorCode::InvalidInput);
    assert_eq!(err(host(&mut g, Command::Kick { player_id: "nobody".into() })), ErrorCode::InvalidInput);
    assert_eq!(host(&mut g, Command::Kick { player_id: "p2".into() }).unwrap(), vec![Event::Kicked(PlayerId(2))]);
    assert_eq!(err(g.apply(p(2), &vote("object", None, Some("Nee")), 0)), ErrorCode::NotAllowed);
    assert_eq!(err(host(&mut g, Command::Kick { player_id: "p2".into() })), ErrorCode::InvalidInput);
    for i in [1, 3, 4] {
        g.apply(p(i), &vote("support", None, None), 0).unwrap();
    }
    host(&mut g, Command::Next).unwrap();
    let d = g.tables()[0].decision().unwrap();
    assert_eq!(d.tally.seated, 3);
    assert_eq!(d.tally.overall.object, 0);
    assert!(d.reached);
}

#[test]
fn a_late_joiner_is_seated_at_the_smallest_table() {
    let mut g = game_with(7, 3); // 7 players, table_size 4: two tables of 4 and 3
    host(&mut g, Command::Start).unwrap();
    assert_eq!(g.tables().len(), 2);
    // Written out by hand (SCENARIO.md): 7 players at 2 tables sit 4 and 3.
    assert_eq!((g.seated(0).count(), g.seated(1).count()), (4, 3));
    let ev = join(&mut g, "Laat").unwrap();
    let Event::Joined(id) = ev[0] else { panic!("joined") };
    let late = g.player(id).unwrap();
    assert_eq!(late.table, Some(1), "the smaller table, table 2");
    assert!(late.card.is_some());
    // Now both have 4: a tie goes to the lowest number.
    let ev = join(&mut g, "Later").unwrap();
    let Event::Joined(id) = ev[0] else { panic!("joined") };
    assert_eq!(g.player(id).unwrap().table, Some(0), "a tie goes to table 1");
}

#[test]
fn views_keep_goals_and_open_votes_with_their_owner() {
    let mut g = at_round(2);
    let resident = with_role(&g, Role::Resident)[0];
    g.apply(resident, &Command::Propose { text: "Plan".into(), base: None }, 0).unwrap();
    host(&mut g, Command::Next).unwrap();
    g.apply(p(1), &vote("object", None, Some("GEHEIM-BEZWAAR")), 0).unwrap();
    let me = json(&g, Viewer::Player(PlayerId(1)));
    assert_eq!(me["you"]["vote"]["reason"], "GEHEIM-BEZWAAR");
    assert!(me["you"]["card"]["goal"].as_str().unwrap().starts_with("GOAL-"));
    let other = json(&g, Viewer::Player(PlayerId(2)));
    let text = other.to_string();
    assert!(!text.contains("GEHEIM-BEZWAAR"));
    assert_eq!(text.matches("GOAL-").count(), 1, "only the viewer's own goal");
    let seat = other["tables"][0]["players"].as_array().unwrap().iter().find(|s| s["player_id"] == "p1").unwrap();
    assert_eq!(seat["voted"], true);
    assert!(seat.get("vote").is_none() && seat.get("card").is_none());
    let screen = json(&g, Viewer::Screen).to_string();
    assert!(!screen.contains("GOAL-") && !screen.contains("GEHEIM") && !screen.contains("\"notes\":[{"));
    assert!(json(&g, Viewer::Screen)["tables"][0].get("proposal").is_none());
    let h = json(&g, Viewer::Host);
    assert!(h.to_string().contains("GEHEIM-BEZWAAR"));
    assert_eq!(h.to_string().matches("GOAL-").count(), 4);
}

#[test]
fn the_host_can_hide_a_note_and_a_name_from_every_other_view() {
    let mut g = at_round(1);
    g.apply(p(1), &note("value", "ONGEPAST"), 0).unwrap();
    assert_eq!(err(g.apply(p(1), &Command::HideNote { table: 1, note: 0, hidden: true }, 0)), ErrorCode::NotAllowed);
    assert_eq!(err(host(&mut g, Command::HideNote { table: 2, note: 0, hidden: true })), ErrorCode::InvalidInput);
    assert_eq!(err(host(&mut g, Command::HideNote { table: 1, note: 5, hidden: true })), ErrorCode::InvalidInput);
    host(&mut g, Command::HideNote { table: 1, note: 0, hidden: true }).unwrap();
    host(&mut g, Command::HideName { player_id: "p2".into(), hidden: true }).unwrap();
    let name = g.player(PlayerId(2)).unwrap().name.clone();
    for v in [Viewer::Player(PlayerId(1)), Viewer::Player(PlayerId(3)), Viewer::Screen] {
        let text = json(&g, v).to_string();
        assert!(!text.contains("ONGEPAST") && !text.contains(&format!("\"{name}\"")), "{v:?}");
        assert!(text.contains("verborgen door de spelleider"));
    }
    let h = json(&g, Viewer::Host);
    assert_eq!(h["tables"][0]["notes"][0]["text"], "ONGEPAST");
    assert_eq!(h["tables"][0]["notes"][0]["hidden"], true);
    let (_, md) = crate::report::render(&g, "BCDFG", "md");
    assert!(md.contains("ONGEPAST *(verborgen door de spelleider)*"), "the report keeps it, marked");
    host(&mut g, Command::HideNote { table: 1, note: 0, hidden: false }).unwrap();
    assert!(!json(&g, Viewer::Screen).to_string().contains("ONGEPAST"), "the screen never sees notes");
    assert!(json(&g, Viewer::Player(PlayerId(3))).to_string().contains("ONGEPAST"), "shown again");
}

#[test]
fn a_secret_ballot_never_pairs_a_voter_with_a_choice() {
    let mut s = (*small()).clone();
    s.decision = DecisionSpec { rule: RuleKind::Majority, secret_ballot: true, ..Default::default() };
    let mut g = Game::new(std::sync::Arc::new(s), RoomOptions::default(), 5);
    for n in ["A", "B", "C", "D"] {
        join(&mut g, n).unwrap();
    }
    host(&mut g, Command::Start).unwrap();
    host(&mut g, Command::Next).unwrap();
    host(&mut g, Command::Next).unwrap();
    let resident = with_role(&g, Role::Resident)[0];
    g.apply(resident, &Command::Propose { text: "Plan".into(), base: None }, 0).unwrap();
    host(&mut g, Command::Next).unwrap();
    g.apply(p(1), &vote("support", None, None), 0).unwrap();
    assert!(json(&g, Viewer::Host)["tables"][0]["players"][0].get("vote").is_none());
    for i in 2..=4 {
        g.apply(p(i), &vote("support", None, None), 0).unwrap();
    }
    host(&mut g, Command::Next).unwrap();
    for v in [Viewer::Host, Viewer::Player(PlayerId(1)), Viewer::Screen] {
        let d = &json(&g, v)["tables"][0]["decision"];
        assert_eq!(d["support"], 4);
        assert!(d.get("votes").is_none() && d.get("by_role").is_none(), "{v:?}");
    }
}

#[test]
fn fractions_are_exact() {
    assert_eq!(Fraction::parse_decimal("0.5").unwrap(), Fraction::new(1, 2));
    assert_eq!(Fraction::parse_decimal("0.67").unwrap(), Fraction::new(67, 100));
    assert_eq!(Fraction::parse_ratio(" 4 / 6 ").unwrap(), Fraction::new(2, 3));
    assert!(Fraction::parse_ratio("3/2").is_err());
    assert!(Fraction::parse_ratio("1/0").is_err());
    assert!(Fraction::parse_decimal("1.5").is_err());
}

/// A plain, separate reading of SCENARIO.md's decision table, for comparison.
fn reference(rule: &crate::scenario::DecisionRule, seated: usize, votes: &[(Role, Choice)]) -> bool {
    let cnt = |f: &dyn Fn(&(Role, Choice)) -> bool| votes.iter().filter(|v| f(v)).count() as u128;
    let cast = votes.len() as u128;
    let abstain = cnt(&|v| v.1 == Choice::Abstain);
    let counted = cast - abstain;
    let supporters = cnt(&|v| matches!(v.1, Choice::Support | Choice::SupportIf));
    let object = cnt(&|v| v.1 == Choice::Object);
    let ge = |a: u128, b: u128, f: Fraction| a * f.den() as u128 >= b * f.num() as u128;
    if counted == 0 || !ge(cast, seated as u128, rule.quorum.unwrap()) {
        return false;
    }
    match rule.rule {
        RuleKind::BroadSupport => {
            let per_role_ok = Role::ALL.iter().all(|r| {
                let c = cnt(&|v| v.0 == *r && v.1 != Choice::Abstain);
                let s = cnt(&|v| v.0 == *r && matches!(v.1, Choice::Support | Choice::SupportIf));
                c == 0 || ge(s, c, rule.min_support_per_role.unwrap())
            });
            ge(supporters, counted, rule.min_support.unwrap())
                && per_role_ok
                && rule.max_objections.is_none_or(|m| object <= m as u128)
        }
        RuleKind::Majority => 2 * supporters > counted,
        RuleKind::Consent => object <= rule.max_objections.unwrap() as u128,
        RuleKind::Unanimity => supporters == seated as u128,
    }
}

fn fraction() -> impl Strategy<Value = Fraction> {
    (0u64..=12, 1u64..=12).prop_map(|(a, b)| Fraction::new(a.min(b), b))
}

/// A random rule with random parameters (only the keys it uses), random votes by role, and
/// the number seated (the voters and up to three who did not vote).
fn rule_and_votes() -> impl Strategy<Value = (crate::scenario::DecisionRule, Vec<(Role, Choice)>, usize)> {
    let rules = vec![RuleKind::BroadSupport, RuleKind::Majority, RuleKind::Consent, RuleKind::Unanimity];
    let vote = (prop::sample::select(Role::ALL.to_vec()), prop::sample::select(Choice::ALL.to_vec()));
    (
        prop::sample::select(rules),
        (fraction(), fraction(), fraction(), prop::option::of(0u32..4)),
        prop::collection::vec(vote, 0..12),
        0usize..4,
    )
        .prop_map(|(rule, (ms, mr, q, mo), votes, absent)| {
            let keys = rule.keys();
            let spec = DecisionSpec {
                rule,
                min_support: keys.contains(&"min_support").then_some(ms),
                min_support_per_role: keys.contains(&"min_support_per_role").then_some(mr),
                max_objections: if keys.contains(&"max_objections") { mo } else { None },
                quorum: Some(q),
                secret_ballot: false,
            };
            let seated = votes.len() + absent;
            (spec.resolve(), votes, seated)
        })
}

proptest! {
    #[test]
    fn tally_matches_the_reference((r, votes, seated) in rule_and_votes()) {
        let t = Tally::count(seated, votes.iter().copied());
        prop_assert_eq!(t.reaches(&r), reference(&r, seated, &votes));
    }

    /// For every rule and random votes: the decision is reached exactly when every reason is
    /// met, each reason's numbers are the counts, and every `needed` is the least that meets.
    #[test]
    fn reasons_explain_the_decision_exactly((r, votes, seated) in rule_and_votes()) {
        let t = Tally::count(seated, votes.iter().copied());
        let seated = seated as u32;
        let reasons = t.reasons(&r, true);
        prop_assert_eq!(t.reaches(&r), reasons.iter().all(|x| x.met), "{:?}", reasons);
        let count = |f: &dyn Fn(&(Role, Choice)) -> bool| votes.iter().filter(|v| f(v)).count() as u32;
        let supports = |c: Choice| matches!(c, Choice::Support | Choice::SupportIf);
        let cast = votes.len() as u32;
        let counted = count(&|v| v.1 != Choice::Abstain);
        let supporters = count(&|v| supports(v.1));
        // `needed` meets the fraction and one less does not.
        let least = |f: Fraction, needed: u32, whole: u32| {
            f.is_met_by(u64::from(needed), u64::from(whole)) && (needed == 0 || !f.is_met_by(u64::from(needed - 1), u64::from(whole)))
        };
        for x in &reasons {
            match x.kind {
                ReasonKind::Quorum { cast: c, seated: s, needed } => {
                    prop_assert_eq!((c, s), (cast, seated));
                    prop_assert!(least(r.quorum.unwrap(), needed, seated));
                    prop_assert_eq!(x.met, cast >= needed);
                }
                ReasonKind::MinSupport { supporters: s, counted: c, needed } => {
                    prop_assert_eq!((s, c), (supporters, counted));
                    prop_assert!(least(r.min_support.unwrap(), needed, counted));
                }
                ReasonKind::MinSupportPerRole { role, supporters: s, counted: c, needed } => {
                    prop_assert_eq!(s, count(&|v| v.0 == role && supports(v.1)));
                    prop_assert_eq!(c, count(&|v| v.0 == role && v.1 != Choice::Abstain));
                    prop_assert!(c > 0);
                    prop_assert!(least(r.min_support_per_role.unwrap(), needed, c));
                }
                ReasonKind::MaxObjections { objections, max } => {
                    prop_assert_eq!(objections, count(&|v| v.1 == Choice::Object));
                    prop_assert_eq!(Some(max), r.max_objections);
                }
                ReasonKind::Majority { supporters: s, counted: c } => prop_assert_eq!((s, c), (supporters, counted)),
                ReasonKind::Unanimity { supporters: s, seated: n } => prop_assert_eq!((s, n), (supporters, seated)),
                ReasonKind::NoVotes => prop_assert_eq!(counted, 0),
            }
        }
    }

    #[test]
    fn random_play_keeps_secrets_and_replays_identically(seed in any::<u64>(), n in 3usize..14, log in any_log()) {
        let mut live = game_with(n, seed);
        let mut accepted = Vec::new();
        for (actor, cmd, now) in &log {
            let before = format!("{live:?}");
            match live.apply(*actor, cmd, *now) {
                Ok(_) => accepted.push((*actor, cmd.clone(), *now)),
                Err(_) => prop_assert_eq!(&before, &format!("{live:?}"), "a refused command changes nothing"),
            }
            check_views(&live)?;
        }
        // Replaying only the accepted commands gives the identical state.
        let mut replay = game_with(n, seed);
        for (actor, cmd, now) in &accepted {
            prop_assert!(replay.apply(*actor, cmd, *now).is_ok());
        }
        prop_assert_eq!(&live, &replay);
    }

    /// What a store keeps of a secret-ballot room (each closed vote as its decisions, the
    /// votes themselves forgotten) replays to the identical state, and never holds a vote
    /// of a closed round.
    #[test]
    fn secret_ballots_replay_from_what_the_store_keeps(seed in any::<u64>(), n in 3usize..14, log in any_log()) {
        let mut live = game_of(small_secret(), n, seed);
        let joins = n;
        let mut stored: Vec<(Actor, Command, i64, Option<Sealed>)> = Vec::new();
        for (actor, cmd, now) in &log {
            let Ok(events) = live.apply(*actor, cmd, *now) else { continue };
            let mut sealed = None;
            for ev in events {
                if let Event::Sealed { sealed: kept, voters } = ev {
                    stored.retain(|(a, c, _, _)| !(matches!(c, Command::Vote { .. }) && matches!(a, Actor::Player(p) if voters.contains(p))));
                    sealed = Some(kept);
                }
            }
            stored.push((*actor, cmd.clone(), *now, sealed));
            check_views(&live)?;
        }
        let open_vote = live.round_kind() == Some(RoundKind::Vote);
        for (actor, cmd, _, _) in &stored {
            if let (Actor::Player(p), Command::Vote { .. }) = (actor, cmd) {
                prop_assert!(open_vote && live.player(*p).is_some_and(|p| p.vote.is_some() || p.status != Status::Seated),
                    "a vote of a closed round is still stored");
            }
        }
        for t in live.tables() {
            for d in &t.decisions {
                prop_assert!(d.votes.is_empty() && d.tally.by_role == [Counts::default(); 3]);
            }
        }
        let mut replay = game_of(small_secret(), joins, seed);
        for (actor, cmd, now, sealed) in &stored {
            prop_assert!(replay.apply_stored(*actor, cmd, *now, sealed.as_ref()).is_ok());
        }
        prop_assert_eq!(&live, &replay);
    }

    /// As above, through whole games in which everyone votes (random logs seldom do).
    #[test]
    fn secret_games_replay_from_what_the_store_keeps(
        seed in any::<u64>(),
        n in 3usize..12,
        choices in prop::collection::vec(0usize..5, 64),
        kick in prop::option::of((0usize..40, 1u32..12)),
        auto_reveal in any::<bool>(),
    ) {
        let options = RoomOptions { auto_reveal, ..RoomOptions::default() };
        let mut live = super::testkit::game_of_with(small_secret(), options.clone(), n, seed);
        let mut stored: Vec<(Actor, Command, i64, Option<Sealed>)> = Vec::new();
        let mut step = 0usize;
        let mut give = |g: &mut Game, actor: Actor, cmd: Command, stored: &mut Vec<_>| {
            step += 1;
            if let Ok(events) = g.apply(actor, &cmd, step as i64) {
                let events_copy = events.clone();
                let mut sealed = None;
                for ev in events {
                    if let Event::Sealed { sealed: kept, voters } = ev {
                        stored.retain(|(a, c, _, _): &(Actor, Command, i64, Option<Sealed>)| {
                            !(matches!(c, Command::Vote { .. } | Command::Approve { .. })
                                && matches!(a, Actor::Player(p) if voters.contains(p)))
                        });
                        sealed = Some(kept);
                    }
                }
                // Stored as the room stores it: a vote that sealed its table as an abstention.
                let (stored_actor, form) = stored_form(actor, &cmd, &events_copy);
                stored.push((stored_actor, form.into_owned(), step as i64, sealed));
            }
            if let Some((at, p)) = kick && at == step {
                let cmd = Command::Kick { player_id: format!("p{p}") };
                if g.apply(Actor::Host, &cmd, step as i64).is_ok() {
                    stored.push((Actor::Host, cmd, step as i64, None));
                }
            }
        };
        give(&mut live, Actor::Host, Command::Start, &mut stored);
        let mut decided = 0;
        while !live.is_finished() {
            let ids: Vec<PlayerId> = live.players().iter().filter(|p| p.status == Status::Seated).map(|p| p.id).collect();
            for (i, id) in ids.into_iter().enumerate() {
                let cmd = match live.round_kind() {
                    Some(RoundKind::Vote) => match choices[i % choices.len()] {
                        0 => Command::Vote { choice: "support".into(), condition: None, reason: None },
                        1 => Command::Vote { choice: "support_if".into(), condition: Some(format!("mits {i}")), reason: None },
                        2 => Command::Vote { choice: "object".into(), condition: None, reason: Some(format!("nee {i}")) },
                        3 => Command::Vote { choice: "abstain".into(), condition: None, reason: None },
                        _ => continue,
                    },
                    Some(RoundKind::Proposal) => Command::Propose { text: format!("voorstel {i}"), base: None },
                    Some(RoundKind::Discussion) => Command::Note { kind: "value".into(), text: format!("notitie {i}") },
                    _ => Command::Ready,
                };
                give(&mut live, Actor::Player(id), cmd, &mut stored);
            }
            give(&mut live, Actor::Host, Command::Next, &mut stored);
            decided = live.tables().iter().map(|t| t.decisions.len()).sum::<usize>().max(decided);
        }
        prop_assert!(decided > 0, "the game had a vote");
        prop_assert!(!stored.iter().any(|(_, c, _, _)| matches!(c, Command::Vote { .. })), "no vote stays stored");
        prop_assert!(stored.iter().any(|(_, _, _, s)| s.is_some()));
        let mut replay = super::testkit::game_of_with(small_secret(), options, n, seed);
        for (actor, cmd, now, sealed) in &stored {
            prop_assert!(replay.apply_stored(*actor, cmd, *now, sealed.as_ref()).is_ok());
        }
        prop_assert_eq!(&live, &replay);
    }

    #[test]
    fn started_games_deal_fairly(seed in any::<u64>(), n in 3usize..=64, tables in prop::option::of(1u32..=16), swap in any::<bool>()) {
        let options = RoomOptions { tables, perspective_swap: swap, ..RoomOptions::default() };
        let mut g = Game::new(small(), options, seed);
        for i in 0..n {
            g.apply(Actor::Newcomer, &Command::Join { name: format!("P{i}"), real_role: None }, 0).unwrap();
        }
        g.apply(Actor::Host, &Command::Start, 0).unwrap();
        let sizes: Vec<usize> = (0..g.tables().len()).map(|t| g.seated(t).count()).collect();
        prop_assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        prop_assert!(sizes.iter().all(|s| *s >= 3));
        for t in 0..g.tables().len() {
            for r in Role::ALL {
                prop_assert!(g.seated(t).any(|p| p.role == Some(r)), "table {} lacks {:?}", t, r);
            }
        }
        // No card is dealt twice before its deck runs out.
        for r in Role::ALL {
            let deck = g.scenario().roles.get(r).cards.len();
            // Deal order: tables in order, seats in order.
            let cards: Vec<usize> = g
                .tables()
                .iter()
                .flat_map(|t| t.seats.iter())
                .filter_map(|id| g.player(*id))
                .filter(|p| p.role == Some(r))
                .filter_map(|p| p.card)
                .collect();
            for chunk in cards.chunks(deck) {
                let mut c = chunk.to_vec();
                c.sort();
                c.dedup();
                prop_assert_eq!(c.len(), chunk.len());
            }
        }
    }
}

/// Every player's view holds only their own goal and open vote; the screen holds neither.
fn check_views(g: &Game) -> Result<(), TestCaseError> {
    for p in g.players() {
        let v = json(g, Viewer::Player(p.id));
        let own_goal = p.role.and_then(|r| p.card.and_then(|c| g.scenario().roles.get(r).cards[c].goal.clone()));
        let text = v.to_string();
        for (i, _) in text.match_indices("GOAL-") {
            let goal = text[i..].split('"').next().unwrap_or_default();
            prop_assert_eq!(own_goal.as_deref(), Some(goal), "{} sees {}", p.id, goal);
        }
        for t in v["tables"].as_array().unwrap() {
            for seat in t["players"].as_array().unwrap() {
                prop_assert!(seat.get("vote").is_none() && seat.get("card").is_none());
            }
            let mine =
                p.table.is_some_and(|x| x + 1 == t["table"].as_u64().unwrap() as usize) && p.status == Status::Seated;
            if !mine {
                prop_assert!(t.get("notes").is_none() && t.get("proposal").is_none() && t.get("event").is_none());
                prop_assert!(t["decision"].get("votes").is_none());
            }
        }
    }
    let screen = json(g, Viewer::Screen);
    prop_assert!(!screen.to_string().contains("GOAL-"));
    prop_assert!(screen["you"].is_null());
    Ok(())
}

/// Plays a whole case with `n` random players and random votes; answers the decisions
/// reached and not reached. Every command it gives must be accepted.
fn play_randomly(scenario: std::sync::Arc<crate::scenario::Scenario>, n: usize, seed: u64) -> (usize, usize) {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
    let mut g = Game::new(scenario, RoomOptions::default(), seed);
    let roles = ["resident", "civil_servant", "councillor"];
    for i in 0..n {
        let real = (rng.random_range(0..4) < 3).then(|| roles[rng.random_range(0..3)].to_string());
        g.apply(Actor::Newcomer, &Command::Join { name: format!("Speler {i}"), real_role: real }, 0).unwrap();
    }
    g.apply(Actor::Host, &Command::Start, 0).unwrap();
    let ids: Vec<PlayerId> = g.players().iter().map(|p| p.id).collect();
    while !g.is_finished() {
        let Stage::Round(i) = g.stage() else { unreachable!() };
        let round = g.scenario().rounds[i].clone();
        for id in &ids {
            let p = g.player(*id).unwrap().clone();
            let t = p.table.unwrap();
            let cmd = match round.kind {
                crate::scenario::RoundKind::Briefing | crate::scenario::RoundKind::Debrief => Command::Ready,
                crate::scenario::RoundKind::Discussion => {
                    let kinds = round.note_kinds();
                    let k = kinds[rng.random_range(0..kinds.len())];
                    Command::Note { kind: k.code().into(), text: format!("Notitie {}", rng.random_range(0..100)) }
                }
                crate::scenario::RoundKind::Proposal => {
                    if !g.table_takes_part(t)
                        || !round.proposer_roles().contains(&p.role.unwrap())
                        || rng.random_bool(0.5)
                    {
                        continue;
                    }
                    Command::Propose { text: format!("Voorstel {}", rng.random_range(0..100)), base: None }
                }
                crate::scenario::RoundKind::Budget => {
                    let ids: Vec<String> =
                        g.scenario().budget.as_ref().unwrap().projects.iter().map(|p| p.id.clone()).collect();
                    let ballot = ids.into_iter().filter(|_| rng.random_bool(0.4)).collect();
                    Command::Approve { projects: ballot }
                }
                crate::scenario::RoundKind::Vote => {
                    if !g.table_takes_part(t) {
                        continue;
                    }
                    // Mostly support: both outcomes should happen across seeds.
                    match rng.random_range(0..10) {
                        0..=5 => vote("support", None, None),
                        6 => vote("support_if", Some("Als het veilig is"), None),
                        7 => vote("abstain", None, None),
                        _ => vote("object", None, Some("Te duur")),
                    }
                }
            };
            g.apply(Actor::Player(*id), &cmd, 0).unwrap_or_else(|e| panic!("{cmd:?} by {id}: {e:?}"));
        }
        g.apply(Actor::Host, &Command::Next, 0).unwrap();
    }
    let decisions = g.tables().iter().flat_map(|t| t.decisions.iter());
    decisions.fold((0, 0), |(y, n), d| if d.reached { (y + 1, n) } else { (y, n + 1) })
}

#[test]
fn every_built_in_case_plays_to_the_end_and_reaches_both_outcomes() {
    let lib = crate::scenario::Library::load(None);
    for e in lib.iter() {
        let (mut reached, mut not_reached) = (0, 0);
        for seed in 0..60 {
            let (y, n) = play_randomly(e.scenario.clone(), 3 + (seed as usize * 7) % 22, seed);
            reached += y;
            not_reached += n;
        }
        assert!(reached > 0 && not_reached > 0, "{}: reached {reached}, not reached {not_reached}", e.scenario.id);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn random_players_always_finish_a_built_in_case(pick in 0usize..100, n in 3usize..=40, seed in any::<u64>()) {
        let lib = crate::scenario::Library::load(None);
        let cases: Vec<_> = lib.iter().collect();
        let e = cases[pick % cases.len()];
        play_randomly(e.scenario.clone(), n, seed);
    }
}

// ------------------------------------------------------------------ budget rounds

fn approve(ids: &[&str]) -> Command {
    Command::Approve { projects: ids.iter().map(|s| s.to_string()).collect() }
}

/// A started budget game with `n` players, in the budget round.
fn in_budget_round(rule: &str, secret: bool, n: usize) -> Game {
    let mut g = game_of(budget_case(rule, secret), n, 3);
    host(&mut g, Command::Start).unwrap();
    host(&mut g, Command::Next).unwrap();
    assert_eq!(g.phase_kind(), "budget");
    g
}

#[test]
fn approve_belongs_to_budget_rounds_and_takes_known_ids_once() {
    let mut g = game_of(budget_case("greedy", false), 4, 3);
    host(&mut g, Command::Start).unwrap();
    assert_eq!(err(g.apply(p(1), &approve(&["a"]), 0)), ErrorCode::WrongPhase);
    host(&mut g, Command::Next).unwrap();
    assert_eq!(err(g.apply(p(1), &approve(&["a", "zz"]), 0)), ErrorCode::InvalidInput);
    assert_eq!(err(g.apply(p(1), &approve(&["a", "b", "a"]), 0)), ErrorCode::InvalidInput);
    assert_eq!(g.player(PlayerId(1)).unwrap().ballot, None, "a refused ballot changes nothing");
    g.apply(p(1), &approve(&["c", "a"]), 0).unwrap();
    g.apply(p(1), &approve(&["b"]), 0).unwrap();
    assert_eq!(json(&g, Viewer::Player(PlayerId(1)))["you"]["ballot"], serde_json::json!(["b"]));
    g.apply(p(2), &approve(&[]), 0).unwrap();
    assert_eq!(json(&g, Viewer::Player(PlayerId(2)))["you"]["ballot"], serde_json::json!([]));
    assert_eq!(json(&g, Viewer::Player(PlayerId(3)))["you"]["ballot"], Value::Null);
    assert_eq!(err(g.apply(Actor::Host, &approve(&["a"]), 0)), ErrorCode::NotAllowed);
    assert_eq!(err(g.apply(Actor::Screen, &approve(&["a"]), 0)), ErrorCode::NotAllowed);
    // A vote or a note is not a budget-round command.
    assert_eq!(err(g.apply(p(1), &vote("support", None, None), 0)), ErrorCode::WrongPhase);
}

#[test]
fn the_budget_phase_shows_the_projects_and_who_sent_a_ballot_but_never_what() {
    let mut g = in_budget_round("equal_shares", false, 4);
    g.apply(p(1), &approve(&["a", "d"]), 0).unwrap();
    let host_view = json(&g, Viewer::Host);
    let phase = &host_view["phase"]["budget"];
    assert_eq!(phase["total"], 100);
    assert_eq!(phase["rule"], "equal_shares");
    let ids: Vec<&str> = phase["projects"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    assert_eq!(phase["projects"][0]["cost"], 60);
    for viewer in [Viewer::Host, Viewer::Screen, Viewer::Player(PlayerId(2))] {
        let v = json(&g, viewer);
        let seat = v["tables"][0]["players"].as_array().unwrap().iter().find(|s| s["player_id"] == "p1").unwrap();
        assert_eq!(seat["voted"], true, "{viewer:?} learns that p1 sent a ballot");
        assert!(!v.to_string().contains("\"ballot\":[\""), "{viewer:?} sees nobody's ballot");
        assert!(v.get("budgets").is_none(), "no result before the round closes");
    }
}

#[test]
fn closing_the_round_counts_both_outcomes_over_the_voters() {
    // 5 players: 3 want the big project, 2 want the small ones. Greedy gives the majority
    // everything it can; equal shares gives the minority its part.
    let mut g = in_budget_round("equal_shares", false, 5);
    for id in 1..=3 {
        g.apply(p(id), &approve(&["a", "b"]), 0).unwrap();
    }
    for id in 4..=5 {
        g.apply(p(id), &approve(&["c", "d"]), 0).unwrap();
    }
    host(&mut g, Command::Next).unwrap();
    let r = &g.budgets()[0];
    assert_eq!(r.round, 1);
    assert_eq!((r.voters, r.total, r.rule), (5, 100, crate::scenario::BudgetRule::EqualShares));
    assert_eq!(r.greedy.funded, ["a", "b"]);
    assert_eq!(r.greedy.spent, 100);
    // Shares of 20: a's approvers hold 60 and pay it; c and d are paid by the other two
    // (40); nothing else fits, so the completion stops there.
    assert_eq!(r.equal_shares.funded, ["a", "c", "d"]);
    assert_eq!(r.equal_shares.spent, 100);
    assert_eq!(r.funded, r.equal_shares.funded);
    let approvals: Vec<u32> = r.projects.iter().map(|p| p.approvals).collect();
    assert_eq!(approvals, [3, 3, 2, 2]);
    let by_role = r.projects[0].by_role.expect("per role when the ballot is not secret");
    assert_eq!(Role::ALL.iter().map(|role| by_role.get(*role)).sum::<u32>(), 3);
    // Every view carries the result, and the ballots are gone from the players.
    for viewer in [Viewer::Host, Viewer::Screen, Viewer::Player(PlayerId(4))] {
        let v = json(&g, viewer);
        assert_eq!(v["budgets"][0]["funded"], serde_json::json!(["a", "c", "d"]), "{viewer:?}");
        assert_eq!(v["budgets"][0]["greedy"]["funded"], serde_json::json!(["a", "b"]));
    }
    assert!(g.players().iter().all(|p| p.ballot.is_none()));
}

#[test]
fn the_greedy_rule_counts_the_greedy_outcome() {
    let mut g = in_budget_round("greedy", false, 3);
    g.apply(p(1), &approve(&["a"]), 0).unwrap();
    g.apply(p(2), &approve(&["a", "c"]), 0).unwrap();
    host(&mut g, Command::End).unwrap();
    let r = &g.budgets()[0];
    assert_eq!(r.voters, 2, "a player who sent no ballot is no voter");
    assert_eq!(r.funded, r.greedy.funded);
    assert_eq!(r.greedy.funded, ["a", "c"]);
}

#[test]
fn kicked_and_departed_players_ballots_do_not_count() {
    let mut g = in_budget_round("greedy", false, 4);
    g.apply(p(1), &approve(&["a"]), 0).unwrap();
    g.apply(p(2), &approve(&["b"]), 0).unwrap();
    g.apply(p(3), &approve(&["b"]), 0).unwrap();
    host(&mut g, Command::Kick { player_id: "p2".into() }).unwrap();
    g.apply(p(3), &Command::Leave, 0).unwrap();
    host(&mut g, Command::Next).unwrap();
    let r = &g.budgets()[0];
    assert_eq!(r.voters, 1);
    assert_eq!(r.projects[1].approvals, 0);
}

#[test]
fn a_secret_budget_round_has_no_counts_per_role_and_is_sealed_for_the_store() {
    let mut g = in_budget_round("equal_shares", true, 4);
    g.apply(p(1), &approve(&["a"]), 0).unwrap();
    let screen = json(&g, Viewer::Screen);
    assert!(screen["tables"][0]["players"][0].get("voted").is_none(), "under secret ballot only the host learns who");
    assert_eq!(screen["tables"][0]["votes_cast"], 1);
    assert_eq!(
        json(&g, Viewer::Host)["tables"][0]["players"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["voted"] == true)
            .count(),
        1
    );
    let events = host(&mut g, Command::Next).unwrap();
    let Some(Event::Sealed { sealed, voters }) = events.first() else { panic!("{events:?}") };
    assert!(sealed.decisions.is_empty());
    assert_eq!(sealed.budget.as_deref(), g.budgets().first());
    assert_eq!(voters.len(), 4);
    assert!(g.budgets()[0].projects.iter().all(|p| p.by_role.is_none()));
    assert!(json(&g, Viewer::Host)["budgets"][0]["projects"][0].get("by_role").is_none());
    // The stored form: a budget result beside the (empty) decisions; decisions alone stay a list.
    let text = serde_json::to_string(sealed).unwrap();
    assert!(text.starts_with("{\"decisions\":[]"), "{text}");
    assert_eq!(serde_json::from_str::<Sealed>(&text).unwrap(), *sealed);
    let plain = Sealed { decisions: vec![], budget: None };
    assert_eq!(serde_json::to_string(&plain).unwrap(), "[]");
    assert_eq!(serde_json::from_str::<Sealed>("[]").unwrap(), plain);
}

#[test]
fn debrief_rounds_take_the_notes_their_case_allows() {
    let mut g = in_budget_round("greedy", false, 3);
    assert_eq!(err(g.apply(p(1), &note("lesson", "Eerlijk verdelen"), 0)), ErrorCode::WrongPhase);
    host(&mut g, Command::Next).unwrap();
    assert_eq!(g.phase_kind(), "debrief");
    g.apply(p(1), &note("lesson", "Eerlijk verdelen is lastig"), 0).unwrap();
    assert_eq!(err(g.apply(p(1), &note("idea", "x"), 0)), ErrorCode::InvalidInput);
    g.apply(p(1), &Command::Ready, 0).unwrap();
    assert_eq!(json(&g, Viewer::Host)["phase"]["notes"], serde_json::json!(["lesson"]));
    // A debrief round without notes takes none, as in version 1.
    let mut small_game = at_round(6);
    assert_eq!(small_game.phase_kind(), "debrief");
    assert_eq!(err(small_game.apply(p(1), &note("value", "x"), 0)), ErrorCode::WrongPhase);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random budget games: the result matches the rules module on the live ballots, no view
    /// but the voter's own holds a ballot, and (under secret ballot) what the store keeps
    /// replays to the same state with no ballot left stored.
    #[test]
    fn budget_games_replay_and_keep_ballots_to_their_owner(
        secret in any::<bool>(),
        greedy in any::<bool>(),
        n in 3usize..12,
        seed in any::<u64>(),
        ballots in prop::collection::vec(prop::collection::vec(0usize..4, 0..4), 12),
        skip in prop::collection::vec(any::<bool>(), 12),
    ) {
        let case = budget_case(if greedy { "greedy" } else { "equal_shares" }, secret);
        let mut live = game_of(case.clone(), n, seed);
        let mut stored: Vec<(Actor, Command, i64, Option<Sealed>)> = Vec::new();
        let give = |g: &mut Game, actor: Actor, cmd: Command, stored: &mut Vec<(Actor, Command, i64, Option<Sealed>)>| {
            let events = g.apply(actor, &cmd, 0).unwrap_or_else(|e| panic!("{cmd:?}: {e:?}"));
            let mut sealed = None;
            for ev in events {
                if let Event::Sealed { sealed: kept, voters } = ev {
                    stored.retain(|(a, c, _, _)| !(matches!(c, Command::Approve { .. }) && matches!(a, Actor::Player(p) if voters.contains(p))));
                    sealed = Some(kept);
                }
            }
            stored.push((actor, cmd, 0, sealed));
        };
        give(&mut live, Actor::Host, Command::Start, &mut stored);
        give(&mut live, Actor::Host, Command::Next, &mut stored);
        let ids = ["a", "b", "c", "d"];
        let mut expected: Vec<Vec<usize>> = Vec::new();
        for i in 0..n {
            if skip[i] { continue; }
            let mut b = ballots[i].clone();
            b.sort_unstable();
            b.dedup();
            let cmd = Command::Approve { projects: b.iter().map(|&j| ids[j].to_string()).collect() };
            give(&mut live, Actor::Player(PlayerId(i as u32 + 1)), cmd, &mut stored);
            expected.push(b);
            check_views(&live)?;
            for other in live.players() {
                let v = json(&live, Viewer::Player(other.id));
                let own = other.ballot.is_some();
                prop_assert_eq!(v["you"]["ballot"].is_array(), own);
                prop_assert_eq!(v.to_string().matches("\"ballot\":[").count(), usize::from(own));
            }
        }
        give(&mut live, Actor::Host, Command::Next, &mut stored);
        let r = live.budgets()[0].clone();
        let costs = [60, 40, 30, 10];
        let names = |o: &budget::Outcome| o.funded.iter().map(|&j| ids[j].to_string()).collect::<Vec<_>>();
        prop_assert_eq!(&r.greedy.funded, &names(&budget::greedy(100, &costs, &expected)));
        prop_assert_eq!(&r.equal_shares.funded, &names(&budget::equal_shares(100, &costs, &expected)));
        prop_assert_eq!(r.voters as usize, expected.len());
        prop_assert_eq!(r.projects.iter().all(|p| p.by_role.is_none()), secret);
        if secret {
            prop_assert!(!stored.iter().any(|(_, c, _, _)| matches!(c, Command::Approve { .. })), "no ballot stays stored");
        }
        let mut replay = game_of(case, n, seed);
        for (actor, cmd, now, sealed) in &stored {
            prop_assert!(replay.apply_stored(*actor, cmd, *now, sealed.as_ref()).is_ok());
        }
        prop_assert_eq!(&live, &replay);
    }
}

/// The built-in budget cases (Dutch and English) are written so that a realistic room of
/// 24 (the groups of `scripts/budget_case_check.py`) sees the two ways of counting differ.
#[test]
fn the_built_in_budget_cases_make_the_two_rules_differ_in_a_room_of_24() {
    let lib = crate::scenario::Library::load(None);
    let groups: [(usize, &[&str]); 4] = [
        (8, &["speeltuin", "schoolplein", "oversteek"]),
        (6, &["bankjes", "koffieochtend", "stoepranden"]),
        (5, &["hangplek", "pannaveld"]),
        (5, &["fietsenstalling", "bomen", "oversteek"]),
    ];
    let mut outcomes = Vec::new();
    for id in ["wijkbudget", "neighbourhood-budget-en"] {
        let s = lib.get(id).unwrap_or_else(|| panic!("{id} is built in")).scenario.clone();
        let budget = s.budget.as_ref().expect("a budget case has a budget");
        let index = |p: &str| budget.projects.iter().position(|x| x.id == p).expect("the project exists");
        let ballots: Vec<(Role, Vec<usize>)> = groups
            .iter()
            .flat_map(|(n, wants)| std::iter::repeat_n((Role::Resident, wants.iter().map(|p| index(p)).collect()), *n))
            .collect();
        let r = budget::tally(0, budget, &ballots, false);
        assert_eq!(r.greedy.funded, ["speeltuin", "schoolplein", "oversteek"], "{id}");
        assert_eq!(
            r.equal_shares.funded,
            ["schoolplein", "oversteek", "bankjes", "koffieochtend", "stoepranden", "hangplek", "fietsenstalling"],
            "{id}"
        );
        assert_eq!(r.funded, r.equal_shares.funded, "{id} counts equal shares");
        outcomes.push((budget.total, budget.projects.iter().map(|p| (p.id.clone(), p.cost)).collect::<Vec<_>>()));
    }
    assert_eq!(outcomes[0], outcomes[1], "the English case has the same money and projects");
}

// ------------------------------------------------------------------ reveal (version 2)

/// A game of `n` players at `tables` tables, with `options`, in its first vote round with a
/// proposal at every table.
fn in_vote_round(n: usize, tables: u32, options: RoomOptions) -> Game {
    let mut g = Game::new(small(), RoomOptions { tables: Some(tables), ..options }, 11);
    for i in 0..n {
        join(&mut g, &format!("Speler {i}")).unwrap();
    }
    host(&mut g, Command::Start).unwrap();
    host(&mut g, Command::Next).unwrap();
    host(&mut g, Command::Next).unwrap();
    for t in 0..g.tables().len() {
        let writer = g.seated(t).find(|p| p.role == Some(Role::Resident)).unwrap().id;
        g.apply(Actor::Player(writer), &Command::Propose { text: format!("Plan {t}"), base: None }, 0).unwrap();
    }
    host(&mut g, Command::Next).unwrap();
    assert_eq!(g.phase_kind(), "vote");
    g
}

fn seated_ids(g: &Game, t: usize) -> Vec<PlayerId> {
    g.seated(t).map(|p| p.id).collect()
}

#[test]
fn reveal_tallies_one_table_or_all_without_closing_the_round() {
    let mut g = in_vote_round(8, 2, RoomOptions::default());
    for id in seated_ids(&g, 0) {
        g.apply(Actor::Player(id), &vote("support", None, None), 0).unwrap();
    }
    assert_eq!(err(host(&mut g, Command::Reveal { table: Some(3) })), ErrorCode::InvalidInput);
    assert_eq!(err(host(&mut g, Command::Reveal { table: Some(0) })), ErrorCode::InvalidInput);
    host(&mut g, Command::Reveal { table: Some(1) }).unwrap();
    assert_eq!(g.phase_kind(), "vote", "the round stays open");
    assert!(g.tables()[0].decision().unwrap().reached);
    assert!(g.tables()[1].decisions.is_empty());
    let v = json(&g, Viewer::Screen);
    assert_eq!(v["phase"]["revealed"], serde_json::json!([1]));
    assert_eq!(v["tables"][0]["decision"]["reached"], true, "a tallied table's decision appears at once");
    // Further votes at a tallied table, or a second reveal of it, are wrong_phase.
    let first = seated_ids(&g, 0)[0];
    assert_eq!(err(g.apply(Actor::Player(first), &vote("object", None, Some("Toch niet")), 0)), ErrorCode::WrongPhase);
    assert_eq!(err(host(&mut g, Command::Reveal { table: Some(1) })), ErrorCode::WrongPhase);
    // Reveal without a table tallies what is left; next tallies nothing twice.
    let second = seated_ids(&g, 1)[0];
    g.apply(Actor::Player(second), &vote("object", None, Some("Te duur")), 0).unwrap();
    host(&mut g, Command::Reveal { table: None }).unwrap();
    assert_eq!(json(&g, Viewer::Host)["phase"]["revealed"], serde_json::json!([1, 2]));
    assert!(!g.tables()[1].decision().unwrap().reached);
    host(&mut g, Command::Next).unwrap();
    assert_eq!(g.tables()[0].decisions.len(), 1);
    assert_eq!(g.tables()[1].decisions.len(), 1);
    // Outside a vote round reveal is wrong_phase.
    assert_eq!(err(host(&mut g, Command::Reveal { table: None })), ErrorCode::WrongPhase);
    assert_eq!(err(g.apply(p(1), &Command::Reveal { table: None }, 0)), ErrorCode::NotAllowed);
}

#[test]
fn auto_reveal_tallies_a_table_with_its_last_vote() {
    let mut g = in_vote_round(8, 2, RoomOptions { auto_reveal: true, ..RoomOptions::default() });
    let ids = seated_ids(&g, 0);
    for (i, id) in ids.iter().enumerate() {
        assert!(g.tables()[0].decisions.is_empty(), "not before the last vote");
        g.apply(Actor::Player(*id), &vote(if i == 0 { "abstain" } else { "support" }, None, None), 0).unwrap();
    }
    assert!(g.tables()[0].decision().unwrap().reached);
    assert!(g.tables()[1].decisions.is_empty(), "the other table still votes");
    assert_eq!(g.revealed(), [0]);
    // Without the option nothing is tallied before next.
    let mut plain = in_vote_round(8, 2, RoomOptions::default());
    for id in seated_ids(&plain, 0) {
        plain.apply(Actor::Player(id), &vote("support", None, None), 0).unwrap();
    }
    assert!(plain.tables()[0].decisions.is_empty());
}

#[test]
fn a_secret_auto_revealed_vote_is_stored_as_the_rooms_reveal() {
    let options = RoomOptions { auto_reveal: true, secret_ballot: Some(true), ..RoomOptions::default() };
    let mut g = in_vote_round(4, 1, options.clone());
    assert!(g.rule().secret_ballot, "the room option overrides the case");
    let ids = seated_ids(&g, 0);
    let last = Command::Vote { choice: "object".into(), condition: None, reason: Some("GEHEIM".into()) };
    for id in &ids[..3] {
        g.apply(Actor::Player(*id), &vote("support", None, None), 0).unwrap();
    }
    let events = g.apply(Actor::Player(ids[3]), &last, 0).unwrap();
    assert!(matches!(events.first(), Some(Event::Sealed { .. })));
    let (actor, stored) = stored_form(Actor::Player(ids[3]), &last, &events);
    assert_eq!(
        (actor, stored.into_owned()),
        (Actor::System, Command::Reveal { table: Some(1) }),
        "the completing vote keeps no choice"
    );
    assert_eq!(
        stored_form(Actor::Player(ids[3]), &last, &[]).1.into_owned(),
        last,
        "other commands are stored as they are"
    );
    assert_eq!(g.tables()[0].decision().unwrap().objections, ["GEHEIM"], "the decision still has its objection");
}

#[test]
fn decisions_carry_their_reasons_in_every_view() {
    let mut g = in_vote_round(4, 1, RoomOptions::default());
    let ids = seated_ids(&g, 0);
    for id in &ids[..2] {
        g.apply(Actor::Player(*id), &vote("support", None, None), 0).unwrap();
    }
    host(&mut g, Command::Next).unwrap();
    for viewer in [Viewer::Host, Viewer::Screen, Viewer::Player(ids[3])] {
        let reasons = &json(&g, viewer)["tables"][0]["decision"]["reasons"];
        // 2 of 4 cast: the quorum of 2/3 needs 3.
        assert_eq!(
            reasons[0],
            serde_json::json!({"code": "quorum", "met": false, "cast": 2, "seated": 4, "needed": 3}),
            "{viewer:?}"
        );
    }
}

#[test]
fn the_screen_sees_notes_and_proposals_only_with_screen_notes_and_never_hidden_notes() {
    for screen_notes in [false, true] {
        let mut g = Game::new(small(), RoomOptions { screen_notes, ..RoomOptions::default() }, 5);
        for i in 0..4 {
            join(&mut g, &format!("Speler {i}")).unwrap();
        }
        host(&mut g, Command::Start).unwrap();
        host(&mut g, Command::Next).unwrap();
        g.apply(p(1), &note("value", "Zichtbaar"), 0).unwrap();
        g.apply(p(2), &note("value", "VERBORGEN"), 0).unwrap();
        host(&mut g, Command::HideNote { table: 1, note: 1, hidden: true }).unwrap();
        let v = json(&g, Viewer::Screen);
        let t = &v["tables"][0];
        assert!(t["event"].is_object(), "the screen sees the event card drawn at the table");
        assert!(!v.to_string().contains("VERBORGEN"), "never a hidden note, not even its text");
        if screen_notes {
            assert_eq!(t["notes"].as_array().unwrap().len(), 1);
            assert_eq!(t["notes"][0]["text"], "Zichtbaar");
        } else {
            assert!(t.get("notes").is_none());
        }
        host(&mut g, Command::Next).unwrap();
        let writer = with_role(&g, Role::Resident)[0];
        g.apply(writer, &Command::Propose { text: "Eerste".into(), base: None }, 0).unwrap();
        g.apply(writer, &Command::Propose { text: "Tweede".into(), base: None }, 0).unwrap();
        let v = json(&g, Viewer::Screen);
        if screen_notes {
            assert_eq!(
                v["tables"][0]["proposal"],
                serde_json::json!({"text": "Tweede", "version": 2}),
                "no `by` on the screen"
            );
        } else {
            assert!(v["tables"][0].get("proposal").is_none());
        }
        let host_view = json(&g, Viewer::Host);
        assert_eq!(host_view["tables"][0]["proposal"]["version"], 2);
        assert!(host_view["tables"][0]["proposal"]["by"].is_string());
    }
}

#[test]
fn reveal_counts_a_budget_round_once_and_closes_its_ballots() {
    let mut g = in_budget_round("greedy", false, 3);
    g.apply(p(1), &approve(&["a"]), 0).unwrap();
    assert_eq!(err(host(&mut g, Command::Reveal { table: Some(1) })), ErrorCode::InvalidInput);
    host(&mut g, Command::Reveal { table: None }).unwrap();
    assert_eq!(g.budgets().len(), 1);
    assert_eq!(g.phase_kind(), "budget", "the round stays open");
    assert_eq!(err(g.apply(p(2), &approve(&["b"]), 0)), ErrorCode::WrongPhase);
    host(&mut g, Command::Reveal { table: None }).unwrap();
    host(&mut g, Command::Next).unwrap();
    assert_eq!(g.budgets().len(), 1, "next does not count it again");
}

#[test]
fn a_proposal_written_on_an_old_version_is_refused_and_overwrites_nothing() {
    let mut g = at_round(2);
    let resident = with_role(&g, Role::Resident)[0];
    let propose = |text: &str, base: Option<usize>| Command::Propose { text: text.into(), base };
    assert_eq!(
        err(g.apply(resident, &propose("Eerste", Some(1)), 0)),
        ErrorCode::StaleProposal,
        "there is no version 1 yet"
    );
    g.apply(resident, &propose("Eerste", Some(0)), 0).unwrap();
    g.apply(resident, &propose("Tweede", Some(1)), 0).unwrap();
    assert_eq!(err(g.apply(resident, &propose("Op de oude versie", Some(1)), 0)), ErrorCode::StaleProposal);
    assert_eq!(g.tables()[0].proposal().unwrap().text, "Tweede", "nothing was overwritten");
    // Text is checked before the version: an empty text is invalid_input either way.
    assert_eq!(err(g.apply(resident, &propose(" ", Some(1)), 0)), ErrorCode::InvalidInput);
    // Without base the last write wins, as in version 1.
    g.apply(resident, &propose("Zonder basis", None), 0).unwrap();
    assert_eq!(g.tables()[0].proposals.len(), 3);
    assert_eq!(json(&g, Viewer::Host)["tables"][0]["proposal"]["version"], 3);
}

#[test]
fn notes_and_proposal_versions_stop_at_their_limits() {
    let mut g = at_round(1);
    for i in 0..MAX_NOTES_PER_PLAYER {
        g.apply(p(1), &note("value", &format!("Notitie {i}")), 0).unwrap();
    }
    let e = g.apply(p(1), &note("value", "Nog een"), 0).unwrap_err();
    assert_eq!(e, GameError::LimitReached(Limit::NotesPerPlayer));
    assert_eq!(e.code(), ErrorCode::LimitReached);
    assert!(e.message(Language::Nl).contains("100 notities"));
    g.apply(p(2), &note("value", "Een ander mag nog"), 0).unwrap();
    // Older rooms (rules version 1) replay without the caps they were recorded without.
    let mut old = Game::with_rules(small(), RoomOptions::default(), 7, 1);
    for i in 0..4 {
        old.apply(Actor::Newcomer, &Command::Join { name: format!("Speler {i}"), real_role: None }, 0).unwrap();
    }
    old.apply(Actor::Host, &Command::Start, 0).unwrap();
    old.apply(Actor::Host, &Command::Next, 0).unwrap();
    for i in 0..=MAX_NOTES_PER_PLAYER {
        old.apply(p(1), &note("value", &format!("Notitie {i}")), 0).unwrap();
    }
    // Proposal versions.
    let mut g = at_round(2);
    let resident = with_role(&g, Role::Resident)[0];
    for i in 0..MAX_PROPOSAL_VERSIONS {
        g.apply(resident, &Command::Propose { text: format!("Versie {i}"), base: None }, 0).unwrap();
    }
    let e = g.apply(resident, &Command::Propose { text: "Te veel".into(), base: None }, 0).unwrap_err();
    assert_eq!(e, GameError::LimitReached(Limit::ProposalVersions));
}
