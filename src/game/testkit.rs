//! Shared test support: a small scenario and proptest strategies for players, commands and
//! votes. Used by the game's unit tests and properties.

use std::sync::Arc;

use proptest::prelude::*;

use super::{Actor, Command, Game, PlayerId, RoomOptions};
use crate::scenario::{self, Scenario};

/// A compact scenario that uses every round kind, events and two vote rounds.
pub const SMALL: &str = r#"
id = "klein"
title = "Een kleine casus"
language = "nl"
summary = "Om te testen."
table_size = 4

[case]
text = "Een speeltuin."

[roles.resident]
weight = 2
[[roles.resident.cards]]
name = "Ria"
text = "Bewoner"
values = ["Spelen"]
goal = "GOAL-resident-0"
[[roles.resident.cards]]
name = "Rob"
text = "Bewoner"
goal = "GOAL-resident-1"

[roles.civil_servant]
[[roles.civil_servant.cards]]
name = "Cas"
text = "Ambtenaar"
conditions = ["Veilig"]
goal = "GOAL-civil-0"

[roles.councillor]
[[roles.councillor.cards]]
name = "Kim"
text = "Raadslid"
goal = "GOAL-councillor-0"
[[roles.councillor.cards]]
name = "Kees"
text = "Raadslid"
goal = "GOAL-councillor-1"

[[rounds]]
kind = "briefing"
title = "Lezen"
minutes = 5

[[rounds]]
kind = "discussion"
title = "Waarden"
notes = ["value", "question"]
draw_event = true
[rounds.prompts]
civil_servant = "Welke waarde hoor je?"

[[rounds]]
kind = "proposal"
title = "Voorstel"
proposers = ["resident", "councillor"]

[[rounds]]
kind = "vote"
title = "Stemmen"

[[rounds]]
kind = "proposal"
title = "Aanpassen"

[[rounds]]
kind = "vote"
title = "Tweede stemming"

[[rounds]]
kind = "debrief"
title = "Terugblik"

[decision]
rule = "broad_support"

[[events]]
title = "Regen"
text = "Het regent."

[[events]]
title = "Geld"
text = "Er is geld."
"#;

pub fn small() -> Arc<Scenario> {
    Arc::new(scenario::parse(SMALL).expect("the test scenario is valid"))
}

/// The small scenario with a secret ballot.
pub fn small_secret() -> Arc<Scenario> {
    let text = SMALL.replace("rule = \"broad_support\"", "rule = \"broad_support\"\nsecret_ballot = true");
    Arc::new(scenario::parse(&text).expect("the test scenario is valid"))
}

/// A small case with a budget round between a briefing and a debrief that takes lessons.
/// Projects `a` (60), `b` (40), `c` (30), `d` (10) of a total of 100.
pub fn budget_case(rule: &str, secret: bool) -> Arc<Scenario> {
    let text = SMALL.split("[[rounds]]").next().expect("SMALL has rounds").to_string()
        + &format!(
            r#"
[[rounds]]
kind = "briefing"
title = "Lezen"

[[rounds]]
kind = "budget"
title = "Kiezen"
minutes = 10

[[rounds]]
kind = "debrief"
title = "Terugblik"
notes = ["lesson"]

[decision]
secret_ballot = {secret}

[budget]
total = 100
rule = "{rule}"

[[budget.projects]]
id = "a"
title = "Groot"
text = "Een groot plan."
cost = 60

[[budget.projects]]
id = "b"
title = "Middel"
text = "Een middelgroot plan."
cost = 40

[[budget.projects]]
id = "c"
title = "Klein"
text = "Een klein plan."
cost = 30

[[budget.projects]]
id = "d"
title = "Heel klein"
text = "Een heel klein plan."
cost = 10
"#
        );
    Arc::new(scenario::parse(&text).expect("the budget test scenario is valid"))
}

/// A game with `n` players who joined (real roles cycling resident, civil servant,
/// councillor, other).
pub fn game_with(n: usize, seed: u64) -> Game {
    game_of(small(), n, seed)
}

/// A game of `scenario` with `n` players who joined, as [`game_with`].
pub fn game_of(scenario: Arc<Scenario>, n: usize, seed: u64) -> Game {
    game_of_with(scenario, RoomOptions::default(), n, seed)
}

/// [`game_of`] with room options.
pub fn game_of_with(scenario: Arc<Scenario>, options: RoomOptions, n: usize, seed: u64) -> Game {
    let mut g = Game::new(scenario, options, seed);
    let roles = [Some("resident"), Some("civil_servant"), Some("councillor"), None];
    for i in 0..n {
        let cmd = Command::Join { name: format!("Speler {i}"), real_role: roles[i % 4].map(str::to_string) };
        g.apply(Actor::Newcomer, &cmd, 0).expect("join");
    }
    g
}

/// Any command a client might send, sensible or not.
pub fn any_command() -> impl Strategy<Value = Command> {
    let text = prop_oneof![Just(String::new()), "[a-z ]{1,20}", Just("x".repeat(300))];
    let choice = prop::sample::select(vec!["support", "support_if", "abstain", "object", "maybe"]);
    prop_oneof![
        ("[A-Za-z]{1,8}", prop::option::of(prop::sample::select(vec!["resident", "councillor", "boss"])))
            .prop_map(|(name, r)| Command::Join { name, real_role: r.map(str::to_string) }),
        Just(Command::Ready),
        (prop::sample::select(vec!["value", "condition", "idea", "question", "x"]), text.clone())
            .prop_map(|(k, t)| Command::Note { kind: k.to_string(), text: t }),
        text.clone().prop_map(|t| Command::Propose { text: t, base: None }),
        (choice, prop::option::of(text.clone()), prop::option::of(text))
            .prop_map(|(c, condition, reason)| Command::Vote { choice: c.to_string(), condition, reason }),
        Just(Command::Leave),
        Just(Command::Start),
        Just(Command::Next),
        (-5i64..2000).prop_map(|s| Command::Extend { seconds: s }),
        (0u32..12).prop_map(|n| Command::Kick { player_id: format!("p{n}") }),
        any::<bool>().prop_map(|l| Command::Lock { locked: l }),
        Just(Command::End),
        prop::option::of(0usize..4).prop_map(|table| Command::Reveal { table }),
        (0usize..4, 0usize..6, any::<bool>()).prop_map(|(table, note, hidden)| Command::HideNote {
            table,
            note,
            hidden
        }),
        ((0u32..12), any::<bool>()).prop_map(|(n, hidden)| Command::HideName { player_id: format!("p{n}"), hidden }),
        prop::collection::vec(prop::sample::select(vec!["a", "b", "c", "d", "x"]), 0..5)
            .prop_map(|ids| Command::Approve { projects: ids.into_iter().map(str::to_string).collect() }),
    ]
}

/// Any actor, with player ids in a small range so they often exist.
pub fn any_actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        Just(Actor::Newcomer),
        (1u32..12).prop_map(|n| Actor::Player(PlayerId(n))),
        Just(Actor::Host),
        Just(Actor::Screen),
    ]
}

/// A log of (actor, command, time) entries with increasing times.
pub fn any_log() -> impl Strategy<Value = Vec<(Actor, Command, i64)>> {
    prop::collection::vec((any_actor(), any_command(), 0i64..120_000), 0..120).prop_map(|mut v| {
        let mut t = 0;
        for e in &mut v {
            t += e.2;
            e.2 = t;
        }
        v
    })
}
