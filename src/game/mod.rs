//! `game`: the rules of one room as a pure state machine. Knows no sockets, files or
//! clocks: the time comes in with each command and all chance comes from one seeded
//! generator, so the same seed, scenario and command log always give the same room.

pub mod budget;
mod deal;
mod error;
pub mod shuffle;
mod tally;
pub mod text;
mod view;

use std::sync::Arc;

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;

pub use budget::BudgetResult;
pub use deal::{Deck, late_seat, seats_per_role, table_count, table_sizes};
pub use error::{ErrorCode, GameError, InputProblem, Limit};
pub use tally::{Choice, Counts, Reason, ReasonKind, Tally};
pub use view::{CardView, Lens, ReasonView, TableView, View, Viewer, You, rfc3339};

use crate::scenario::{DecisionRule, Language, NoteKind, Role, RoundKind, Scenario};

/// Milliseconds since the Unix epoch, passed in by the caller (the game has no clock).
pub type Millis = i64;

/// Most players in a room (in the lobby or seated).
pub const MAX_PLAYERS: usize = 64;
/// Longest player name, in characters after trimming and NFC normalisation.
pub const MAX_NAME: usize = 24;
/// Longest note, condition, reason.
pub const MAX_NOTE: usize = 280;
/// Longest proposal.
pub const MAX_PROPOSAL: usize = 2000;
/// Most seconds one `extend` adds.
pub const MAX_EXTEND_SECONDS: i64 = 1800;
/// Fewest players to start.
pub const MIN_PLAYERS: usize = 3;
/// Most notes one player may write in a room (all rounds and tables together).
pub const MAX_NOTES_PER_PLAYER: usize = 100;
/// Most notes in a room.
pub const MAX_NOTES_PER_ROOM: usize = 1500;
/// Most characters of all notes in a room together. With the other limits this keeps the
/// largest view (the host's) well below the 4 MiB a connection may have pending (see
/// `server::ws::tests::the_largest_possible_view_fits_the_write_limit`).
pub const MAX_NOTE_CHARS_PER_ROOM: usize = 200_000;
/// Most proposal versions at one table.
pub const MAX_PROPOSAL_VERSIONS: usize = 100;

/// A player's id within a room, shown as `p1`, `p2`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlayerId(pub u32);

impl std::fmt::Display for PlayerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "p{}", self.0)
    }
}

impl std::str::FromStr for PlayerId {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        s.strip_prefix('p').and_then(|n| n.parse().ok()).filter(|n| *n > 0).map(PlayerId).ok_or(())
    }
}

impl Serialize for PlayerId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl schemars::JsonSchema for PlayerId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PlayerId".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "pattern": "^p[1-9][0-9]*$", "description": "A player's id within a room: p1, p2, ..."})
    }
}

impl<'de> Deserialize<'de> for PlayerId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|_| serde::de::Error::custom("a player id like p1"))
    }
}

/// Options chosen when the room is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomOptions {
    /// Number of tables (1..=16); `None`: from the scenario's `table_size`.
    #[serde(default)]
    pub tables: Option<u32>,
    #[serde(default = "yes")]
    pub perspective_swap: bool,
    #[serde(default)]
    pub auto_advance: bool,
    /// `None`: the scenario's language.
    #[serde(default)]
    pub language: Option<Language>,
    /// Version 2: overrides the scenario's `secret_ballot` (`None`: the scenario's).
    #[serde(default)]
    pub secret_ballot: Option<bool>,
    /// Version 2: the screen also sees every table's notes (never hidden ones) and its
    /// current proposal (without who wrote it).
    #[serde(default)]
    pub screen_notes: bool,
    /// Version 2: a table's vote is tallied as soon as every seated player there voted.
    #[serde(default)]
    pub auto_reveal: bool,
    /// Easy-read mode for every phone of the room (issue #17): short sentences, one thing per
    /// screen, pictograms, larger text, no countdown digits. A phone can also switch it on
    /// for itself.
    #[serde(default)]
    pub easy_read: bool,
}

fn yes() -> bool {
    true
}

impl Default for RoomOptions {
    fn default() -> Self {
        RoomOptions {
            tables: None,
            perspective_swap: true,
            auto_advance: false,
            language: None,
            secret_ballot: None,
            screen_notes: false,
            auto_reveal: false,
            easy_read: false,
        }
    }
}

/// Who gives a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Actor {
    /// Someone joining; becomes a player when the join is accepted.
    Newcomer,
    Player(PlayerId),
    Host,
    Screen,
    /// The room itself, e.g. advancing when a countdown runs out in an auto-advance room.
    System,
}

/// A command as it arrives on the wire. Values a person chooses (kinds, choices, roles,
/// ids) stay text here, so that a wrong one is refused by the game as `invalid_input` and
/// a replay re-checks them the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    Join {
        name: String,
        #[serde(default)]
        real_role: Option<String>,
    },
    Ready,
    Note {
        kind: String,
        text: String,
    },
    Propose {
        text: String,
        /// Version 2: the table's proposal version this text was written on (0: none yet);
        /// a different current version refuses it with `stale_proposal`.
        #[serde(default)]
        base: Option<usize>,
    },
    Vote {
        choice: String,
        #[serde(default)]
        condition: Option<String>,
        #[serde(default)]
        reason: Option<String>,
    },
    /// Version 2, budget rounds: the projects (ids) this player approves; replaces the
    /// player's earlier ballot.
    Approve {
        projects: Vec<String>,
    },
    Leave,
    Start,
    Next,
    Extend {
        seconds: i64,
    },
    Kick {
        player_id: String,
    },
    Lock {
        locked: bool,
    },
    End,
    /// Version 2: tally now every table that votes in this round (or table `table`,
    /// 1-based), without closing the round; in a budget round, count the ballots.
    Reveal {
        #[serde(default)]
        table: Option<usize>,
    },
    /// Moderation: hide (or show again) note `note` (0-based) of table `table` (1-based).
    HideNote {
        table: usize,
        note: usize,
        #[serde(default = "yes")]
        hidden: bool,
    },
    /// Moderation: hide (or show again) a participant's name.
    HideName {
        player_id: String,
        #[serde(default = "yes")]
        hidden: bool,
    },
}

impl Command {
    /// The wire `type` of this command.
    pub fn kind(&self) -> &'static str {
        match self {
            Command::Join { .. } => "join",
            Command::Ready => "ready",
            Command::Note { .. } => "note",
            Command::Propose { .. } => "propose",
            Command::Vote { .. } => "vote",
            Command::Approve { .. } => "approve",
            Command::Leave => "leave",
            Command::Start => "start",
            Command::Next => "next",
            Command::Extend { .. } => "extend",
            Command::Kick { .. } => "kick",
            Command::Lock { .. } => "lock",
            Command::End => "end",
            Command::Reveal { .. } => "reveal",
            Command::HideNote { .. } => "hide_note",
            Command::HideName { .. } => "hide_name",
        }
    }

    fn for_host(&self) -> bool {
        matches!(
            self,
            Command::Start
                | Command::Next
                | Command::Extend { .. }
                | Command::Kick { .. }
                | Command::Lock { .. }
                | Command::End
                | Command::Reveal { .. }
                | Command::HideNote { .. }
                | Command::HideName { .. }
        )
    }
}

/// What an accepted command changed that the caller must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Joined(PlayerId),
    Left(PlayerId),
    Kicked(PlayerId),
    Finished,
    /// A vote or budget round was closed under secret ballot. The store keeps what it
    /// decided with the command and forgets the votes and ballots of `voters` (everyone who
    /// could have cast one), so that nothing stored pairs a player with a choice once the
    /// round is closed.
    Sealed {
        sealed: Sealed,
        voters: Vec<PlayerId>,
    },
}

/// What a command that closed a secret ballot decided, stored in place of the votes or
/// ballots that made it. Stored as the bare list of decisions when there is no budget
/// result, as before budget rounds existed, so older logs read the same.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sealed {
    pub decisions: Vec<SealedDecision>,
    /// Boxed: a result is large, and log entries travel through the store's queue.
    pub budget: Option<Box<BudgetResult>>,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum SealedForm {
    Decisions(Vec<SealedDecision>),
    Full {
        #[serde(default)]
        decisions: Vec<SealedDecision>,
        budget: Option<Box<BudgetResult>>,
    },
}

impl Serialize for Sealed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.budget {
            None => self.decisions.serialize(s),
            Some(b) => SealedForm::Full { decisions: self.decisions.clone(), budget: Some(b.clone()) }.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Sealed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match SealedForm::deserialize(d)? {
            SealedForm::Decisions(decisions) => Sealed { decisions, budget: None },
            SealedForm::Full { decisions, budget } => Sealed { decisions, budget },
        })
    }
}

/// A table's decision under secret ballot, as stored in place of the votes that made it:
/// the outcome, the overall counts and the texts, without who voted what (and without the
/// counts per role, which at a small table would tell who voted what).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedDecision {
    /// 0-based table index.
    pub table: usize,
    pub reached: bool,
    pub seated: u32,
    pub counts: Counts,
    pub proposal: String,
    pub conditions: Vec<String>,
    pub objections: Vec<String>,
}

/// The ballots that counted in one closed budget round: each voter's approved project
/// indices, in the order the voter gave them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedBallots {
    pub round: usize,
    pub ballots: Vec<(PlayerId, Vec<usize>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Lobby,
    Seated,
    Left,
    Kicked,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Vote {
    pub choice: Choice,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Player {
    pub id: PlayerId,
    /// Shared with every view that shows it (each lens, each change): cloning and
    /// comparing it is a pointer.
    pub name: Arc<str>,
    pub real_role: Option<Role>,
    pub status: Status,
    /// Index into the tables, once seated.
    pub table: Option<usize>,
    pub role: Option<Role>,
    /// Index into the role's cards.
    pub card: Option<usize>,
    /// Ready for the current round.
    pub ready: bool,
    /// The open vote in the current vote round.
    pub vote: Option<Vote>,
    /// The current ballot in a budget round: indices of the approved projects, in the order
    /// the player gave them.
    pub ballot: Option<Vec<usize>>,
    /// Hidden by the facilitator from every view but the host's.
    pub name_hidden: bool,
}

impl Player {
    pub fn active(&self) -> bool {
        matches!(self.status, Status::Lobby | Status::Seated)
    }

    /// Whether this player voted, or sent a budget ballot, in this round.
    pub fn cast(&self) -> bool {
        self.vote.is_some() || self.ballot.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub player: PlayerId,
    /// Round index (0-based).
    pub round: usize,
    pub kind: NoteKind,
    /// Shared with the views, which show it on every change.
    pub text: Arc<str>,
    /// Hidden by the facilitator from every view but the host's.
    pub hidden: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub text: String,
    pub by: PlayerId,
    pub round: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawnEvent {
    pub round: usize,
    pub card: usize,
}

/// The outcome of one table's vote round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub round: usize,
    pub reached: bool,
    pub tally: Tally,
    pub proposal: String,
    pub conditions: Vec<String>,
    pub objections: Vec<String>,
    /// Every vote cast by a seated player, in seat order.
    pub votes: Vec<(PlayerId, Role, Vote)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Everyone ever seated here, in seat order (those who left or were kicked included).
    pub seats: Vec<PlayerId>,
    pub notes: Vec<Note>,
    /// Every proposal version; the last one is the table's proposal.
    pub proposals: Vec<Proposal>,
    pub events: Vec<DrawnEvent>,
    pub event_deck: Deck,
    pub decisions: Vec<Decision>,
}

impl Table {
    pub fn proposal(&self) -> Option<&Proposal> {
        self.proposals.last()
    }

    pub fn decided(&self) -> bool {
        self.decisions.iter().any(|d| d.reached)
    }

    pub fn decision(&self) -> Option<&Decision> {
        self.decisions.last()
    }
}

/// Where a room is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Lobby,
    Round(usize),
    Finished,
}

/// The state of one room.
#[derive(Debug, Clone, PartialEq)]
pub struct Game {
    scenario: Arc<Scenario>,
    rule: DecisionRule,
    options: RoomOptions,
    language: Language,
    seed: u64,
    rng: shuffle::RoomRng,
    stage: Stage,
    deadline: Option<Millis>,
    locked: bool,
    players: Vec<Player>,
    tables: Vec<Table>,
    decks: [Deck; 3],
    /// The tables (0-based) tallied by `reveal` or `auto_reveal` in the current vote round.
    revealed: Vec<usize>,
    /// Whether the current budget round's ballots were counted by `reveal`.
    budget_counted: bool,
    /// The outcome of every budget round closed so far, in round order.
    budgets: Vec<BudgetResult>,
    /// The ballots of each closed budget round, for the facilitator's report; never kept
    /// under secret ballot.
    closed_ballots: Vec<ClosedBallots>,
    /// During a replay only: what was stored with the command being replayed.
    sealed: Option<Sealed>,
    /// Characters of all notes in the room together (for [`MAX_NOTE_CHARS_PER_ROOM`]).
    note_chars: usize,
    /// The rules version the room plays by ([`shuffle::RULES_VERSION`]); from 2 on, names
    /// and texts are cleaned by [`text`].
    rules: u32,
    /// When the first round opened and when the room finished (the reports' times).
    started_ms: Option<Millis>,
    finished_ms: Option<Millis>,
    /// The case, its rounds and every card as views show them, made once per room (see
    /// `fixed_views`): views share them instead of copying their texts for every change.
    scenario_view: Arc<view::ScenarioView>,
    round_views: Arc<Vec<view::RoundView>>,
    /// Per role (`Role::index`), each card of the deck.
    card_views: Arc<[Vec<Arc<CardView>>; 3]>,
}

impl Game {
    /// A new room under the current rules.
    pub fn new(scenario: Arc<Scenario>, options: RoomOptions, seed: u64) -> Game {
        Game::with_rules(scenario, options, seed, shuffle::RULES_VERSION)
    }

    /// A room recorded under rules version `rules` (a replay of an older room keeps its rules).
    pub fn with_rules(scenario: Arc<Scenario>, options: RoomOptions, seed: u64, rules: u32) -> Game {
        let decks = Role::ALL.map(|r| Deck::new(scenario.roles.get(r).cards.len()));
        let mut rule = scenario.decision.resolve();
        rule.secret_ballot = options.secret_ballot.unwrap_or(rule.secret_ballot);
        let (scenario_view, round_views, card_views) = Game::fixed_views(&scenario, &rule);
        Game {
            rule,
            language: options.language.unwrap_or(scenario.language),
            options,
            seed,
            rng: shuffle::RoomRng(ChaCha8Rng::seed_from_u64(seed)),
            stage: Stage::Lobby,
            deadline: None,
            locked: false,
            players: Vec::new(),
            tables: Vec::new(),
            decks,
            revealed: Vec::new(),
            budget_counted: false,
            budgets: Vec::new(),
            closed_ballots: Vec::new(),
            sealed: None,
            note_chars: 0,
            started_ms: None,
            finished_ms: None,
            rules,
            scenario_view,
            round_views,
            card_views,
            scenario,
        }
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    pub fn rule(&self) -> &DecisionRule {
        &self.rule
    }
    pub fn options(&self) -> &RoomOptions {
        &self.options
    }
    pub fn language(&self) -> Language {
        self.language
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn stage(&self) -> Stage {
        self.stage
    }
    pub fn deadline(&self) -> Option<Millis> {
        self.deadline
    }
    pub fn locked(&self) -> bool {
        self.locked
    }
    pub fn players(&self) -> &[Player] {
        &self.players
    }
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }
    /// The tables (0-based) tallied early in the current vote round.
    pub fn revealed(&self) -> &[usize] {
        &self.revealed
    }
    /// The outcomes of the budget rounds closed so far.
    pub fn budgets(&self) -> &[BudgetResult] {
        &self.budgets
    }
    /// Who approved what in each closed budget round (empty under secret ballot).
    pub fn closed_ballots(&self) -> &[ClosedBallots] {
        &self.closed_ballots
    }
    pub fn is_finished(&self) -> bool {
        self.stage == Stage::Finished
    }
    pub fn player(&self, id: PlayerId) -> Option<&Player> {
        self.players.get((id.0 as usize).checked_sub(1)?)
    }
    /// Players in the lobby or seated.
    pub fn active_players(&self) -> usize {
        self.players.iter().filter(|p| p.active()).count()
    }
    /// The phase index of PROTOCOL.md: -1 in the lobby, `rounds.len()` when finished.
    pub fn phase_index(&self) -> i64 {
        match self.stage {
            Stage::Lobby => -1,
            Stage::Round(i) => i as i64,
            Stage::Finished => self.scenario.rounds.len() as i64,
        }
    }
    pub fn phase_kind(&self) -> &'static str {
        match self.stage {
            Stage::Lobby => "lobby",
            Stage::Round(i) => self.scenario.rounds[i].kind.code(),
            Stage::Finished => "finished",
        }
    }
    fn round_kind(&self) -> Option<RoundKind> {
        match self.stage {
            Stage::Round(i) => Some(self.scenario.rounds[i].kind),
            _ => None,
        }
    }

    /// Whether an auto-advance room should move on at `now`.
    pub fn due(&self, now: Millis) -> bool {
        self.options.auto_advance && matches!(self.stage, Stage::Round(_)) && self.deadline.is_some_and(|d| now >= d)
    }

    /// Applies one command from `actor` at time `now`. On error nothing changed.
    pub fn apply(&mut self, actor: Actor, cmd: &Command, now: Millis) -> Result<Vec<Event>, GameError> {
        self.sealed = None;
        self.apply_checked(actor, cmd, now)
    }

    /// Applies a stored command in a replay. `sealed` holds what was stored with the
    /// command when it closed a secret ballot; it stands in for the votes and ballots, which
    /// the store no longer holds.
    pub fn apply_stored(
        &mut self,
        actor: Actor,
        cmd: &Command,
        now: Millis,
        sealed: Option<&Sealed>,
    ) -> Result<Vec<Event>, GameError> {
        self.sealed = sealed.cloned();
        let r = self.apply_checked(actor, cmd, now);
        self.sealed = None;
        r
    }

    fn apply_checked(&mut self, actor: Actor, cmd: &Command, now: Millis) -> Result<Vec<Event>, GameError> {
        let events = self.apply_rules(actor, cmd, now)?;
        if self.stage != Stage::Lobby && self.started_ms.is_none() {
            self.started_ms = Some(now);
        }
        if self.stage == Stage::Finished && self.finished_ms.is_none() {
            self.finished_ms = Some(now);
        }
        Ok(events)
    }

    /// When the first round opened (`None` in the lobby).
    pub fn started_ms(&self) -> Option<Millis> {
        self.started_ms
    }

    /// When the room finished (`None` before).
    pub fn finished_ms(&self) -> Option<Millis> {
        self.finished_ms
    }

    fn apply_rules(&mut self, actor: Actor, cmd: &Command, now: Millis) -> Result<Vec<Event>, GameError> {
        // Order of checks (PROTOCOL.md): not_allowed, room_finished, wrong_phase, invalid_input.
        match actor {
            Actor::Screen => return Err(GameError::NotAllowed),
            Actor::Host | Actor::System if !cmd.for_host() => return Err(GameError::NotAllowed),
            Actor::Player(_) | Actor::Newcomer if cmd.for_host() => return Err(GameError::NotAllowed),
            Actor::Newcomer if !matches!(cmd, Command::Join { .. }) => return Err(GameError::NotAllowed),
            Actor::Player(_) if matches!(cmd, Command::Join { .. }) => return Err(GameError::NotAllowed),
            _ => {}
        }
        if let Actor::Player(id) = actor
            && !self.player(id).is_some_and(Player::active)
        {
            return Err(GameError::NotAllowed);
        }
        if self.is_finished() && !matches!(cmd, Command::Leave) {
            return Err(GameError::RoomFinished);
        }
        match (actor, cmd) {
            (_, Command::Join { name, real_role }) => self.join(name, real_role.as_deref()),
            (Actor::Player(id), Command::Leave) => {
                self.remove(id, Status::Left);
                Ok(vec![Event::Left(id)])
            }
            (Actor::Player(id), Command::Ready) => {
                if !matches!(self.round_kind(), Some(RoundKind::Briefing | RoundKind::Debrief)) {
                    return Err(GameError::WrongPhase);
                }
                self.players[idx(id)].ready = true;
                Ok(vec![])
            }
            (Actor::Player(id), Command::Note { kind, text }) => self.note(id, kind, text),
            (Actor::Player(id), Command::Propose { text, base }) => self.propose(id, text, *base),
            (Actor::Player(id), Command::Vote { choice, condition, reason }) => {
                self.vote(id, choice, condition.as_deref(), reason.as_deref())
            }
            (Actor::Player(id), Command::Approve { projects }) => self.approve(id, projects),
            (_, Command::Start) => self.start(now),
            (_, Command::Next) => {
                let Stage::Round(i) = self.stage else { return Err(GameError::WrongPhase) };
                let mut events = self.close_round(i);
                events.extend(self.open_round(i + 1, now));
                Ok(events)
            }
            (_, Command::End) => {
                let mut events = match self.stage {
                    Stage::Round(i) => self.close_round(i),
                    _ => vec![],
                };
                self.finish();
                events.push(Event::Finished);
                Ok(events)
            }
            (_, Command::Extend { seconds }) => {
                if self.stage == Stage::Lobby {
                    return Err(GameError::WrongPhase);
                }
                if !(1..=MAX_EXTEND_SECONDS).contains(seconds) {
                    return Err(GameError::InvalidInput(InputProblem::SecondsOutOfRange));
                }
                let base = self.deadline.filter(|d| *d > now).unwrap_or(now);
                self.deadline = Some(base + seconds * 1000);
                Ok(vec![])
            }
            (_, Command::Kick { player_id }) => {
                let id = player_id
                    .parse::<PlayerId>()
                    .ok()
                    .filter(|id| self.player(*id).is_some_and(Player::active))
                    .ok_or(GameError::InvalidInput(InputProblem::UnknownPlayer))?;
                self.remove(id, Status::Kicked);
                Ok(vec![Event::Kicked(id)])
            }
            (_, Command::Reveal { table }) => self.reveal(*table),
            (_, Command::Lock { locked }) => {
                self.locked = *locked;
                Ok(vec![])
            }
            (_, Command::HideNote { table, note, hidden }) => {
                let n = table
                    .checked_sub(1)
                    .and_then(|t| self.tables.get_mut(t))
                    .and_then(|t| t.notes.get_mut(*note))
                    .ok_or(GameError::InvalidInput(InputProblem::UnknownNote))?;
                n.hidden = *hidden;
                Ok(vec![])
            }
            (_, Command::HideName { player_id, hidden }) => {
                let id = player_id
                    .parse::<PlayerId>()
                    .ok()
                    .filter(|id| self.player(*id).is_some())
                    .ok_or(GameError::InvalidInput(InputProblem::UnknownPlayer))?;
                self.players[idx(id)].name_hidden = *hidden;
                Ok(vec![])
            }
            _ => Err(GameError::NotAllowed),
        }
    }

    fn join(&mut self, name: &str, real_role: Option<&str>) -> Result<Vec<Event>, GameError> {
        if self.locked {
            return Err(GameError::RoomLocked);
        }
        if self.active_players() >= MAX_PLAYERS {
            return Err(GameError::RoomFull);
        }
        let strict = self.rules >= 2;
        let name = if strict { text::clean_name(name, MAX_NAME) } else { clean_name(name) };
        let name = name.ok_or(GameError::InvalidName)?;
        let real_role = match real_role {
            None => None,
            Some(r) => Some(parse_role(r).ok_or(GameError::InvalidInput(InputProblem::UnknownValue))?),
        };
        // Under rules 2 a name is taken when it looks like an active player's (its skeleton).
        let taken = if strict {
            let key = text::name_key(&name);
            self.players.iter().any(|p| p.active() && text::name_key(&p.name) == key)
        } else {
            let lower = name.to_lowercase();
            self.players.iter().any(|p| p.active() && p.name.to_lowercase() == lower)
        };
        if taken {
            return Err(GameError::NameTaken);
        }
        let id = PlayerId(self.players.len() as u32 + 1);
        self.players.push(Player {
            id,
            name: name.into(),
            real_role,
            status: Status::Lobby,
            table: None,
            role: None,
            card: None,
            ready: false,
            vote: None,
            ballot: None,
            name_hidden: false,
        });
        if matches!(self.stage, Stage::Round(_)) {
            self.seat_late(id);
        }
        Ok(vec![Event::Joined(id)])
    }

    fn seat_late(&mut self, id: PlayerId) {
        let counts: Vec<[usize; 3]> = (0..self.tables.len()).map(|t| self.role_counts(t)).collect();
        let real = self.players[idx(id)].real_role;
        let (t, role) = late_seat(&counts, real, self.options.perspective_swap);
        self.seat(id, t, role);
    }

    fn role_counts(&self, t: usize) -> [usize; 3] {
        let mut c = [0; 3];
        for p in self.seated(t) {
            if let Some(r) = p.role {
                c[r.index()] += 1;
            }
        }
        c
    }

    /// The players seated at table `t` now, in seat order.
    pub fn seated(&self, t: usize) -> impl Iterator<Item = &Player> {
        self.tables[t].seats.iter().map(|id| &self.players[idx(*id)]).filter(|p| p.status == Status::Seated)
    }

    fn seat(&mut self, id: PlayerId, t: usize, role: Role) {
        let card = self.decks[role.index()].draw(&mut self.rng.0);
        let p = &mut self.players[idx(id)];
        p.status = Status::Seated;
        p.table = Some(t);
        p.role = Some(role);
        p.card = card;
        self.tables[t].seats.push(id);
    }

    fn remove(&mut self, id: PlayerId, status: Status) {
        let p = &mut self.players[idx(id)];
        p.status = status;
        p.vote = None;
        p.ballot = None;
    }

    fn start(&mut self, now: Millis) -> Result<Vec<Event>, GameError> {
        if self.stage != Stage::Lobby {
            return Err(GameError::WrongPhase);
        }
        let waiting: Vec<PlayerId> = self.players.iter().filter(|p| p.status == Status::Lobby).map(|p| p.id).collect();
        if waiting.len() < MIN_PLAYERS {
            return Err(GameError::NotEnoughPlayers);
        }
        let n = waiting.len();
        let t = table_count(n, self.scenario.table_size, self.options.tables);
        let weights = Role::ALL.map(|r| self.scenario.roles.get(r).weight);
        let seats: Vec<[usize; 3]> = table_sizes(n, t).into_iter().map(|s| seats_per_role(s, weights)).collect();
        let real: Vec<Option<Role>> = waiting.iter().map(|id| self.players[idx(*id)].real_role).collect();
        let places = deal::assign(&real, &seats, self.options.perspective_swap, &mut self.rng.0);
        let events = self.scenario.events.len();
        self.tables = (0..t)
            .map(|_| Table {
                seats: Vec::new(),
                notes: Vec::new(),
                proposals: Vec::new(),
                events: Vec::new(),
                event_deck: Deck::new(events),
                decisions: Vec::new(),
            })
            .collect();
        // Seat in table then role order, so seat order reads resident, civil servant, councillor.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|i| (places[*i].0, places[*i].1, waiting[*i]));
        for i in order {
            self.seat(waiting[i], places[i].0, places[i].1);
        }
        Ok(self.open_round(0, now))
    }

    fn open_round(&mut self, i: usize, now: Millis) -> Vec<Event> {
        if i >= self.scenario.rounds.len() {
            self.finish();
            return vec![Event::Finished];
        }
        let round = &self.scenario.rounds[i];
        self.stage = Stage::Round(i);
        self.deadline = round.minutes.map(|m| now + i64::from(m) * 60_000);
        self.revealed.clear();
        self.budget_counted = false;
        for p in &mut self.players {
            p.ready = false;
            p.vote = None;
            p.ballot = None;
        }
        if round.draws_event() {
            for t in &mut self.tables {
                if let Some(card) = t.event_deck.draw(&mut self.rng.0) {
                    t.events.push(DrawnEvent { round: i, card });
                }
            }
        }
        vec![]
    }

    fn finish(&mut self) {
        self.stage = Stage::Finished;
        self.deadline = None;
        for p in &mut self.players {
            p.ready = false;
            p.vote = None;
            p.ballot = None;
        }
    }

    /// Whether table `t` takes part in the current proposal or vote round.
    pub fn table_takes_part(&self, t: usize) -> bool {
        let table = &self.tables[t];
        match self.round_kind() {
            Some(RoundKind::Proposal) => !table.decided(),
            Some(RoundKind::Vote) => !table.decided() && table.proposal().is_some() && !self.revealed.contains(&t),
            _ => true,
        }
    }

    /// Closes round `i`; a vote round is tallied at every table that takes part, a budget
    /// round over the whole room.
    fn close_round(&mut self, i: usize) -> Vec<Event> {
        match self.scenario.rounds[i].kind {
            RoundKind::Vote => {
                let tables: Vec<usize> = (0..self.tables.len()).filter(|t| self.table_takes_part(*t)).collect();
                self.tally_tables(i, &tables)
            }
            RoundKind::Budget if !self.budget_counted => self.close_budget(i),
            _ => vec![],
        }
    }

    /// `reveal`: tallies tables of the open vote round now (all that still vote, or one),
    /// or counts the open budget round, without closing the round.
    fn reveal(&mut self, table: Option<usize>) -> Result<Vec<Event>, GameError> {
        let Stage::Round(i) = self.stage else { return Err(GameError::WrongPhase) };
        match self.scenario.rounds[i].kind {
            RoundKind::Vote => {
                let tables = match table {
                    None => (0..self.tables.len()).filter(|t| self.table_takes_part(*t)).collect(),
                    Some(k) => {
                        let t = k
                            .checked_sub(1)
                            .filter(|t| *t < self.tables.len())
                            .ok_or(GameError::InvalidInput(InputProblem::UnknownTable))?;
                        if !self.table_takes_part(t) {
                            return Err(GameError::WrongPhase);
                        }
                        vec![t]
                    }
                };
                let events = self.tally_tables(i, &tables);
                self.revealed.extend(tables);
                Ok(events)
            }
            RoundKind::Budget => {
                if table.is_some() {
                    // A budget round is counted for the whole room, never per table.
                    return Err(GameError::InvalidInput(InputProblem::UnknownTable));
                }
                if self.budget_counted {
                    return Ok(vec![]);
                }
                let events = self.close_budget(i);
                self.budget_counted = true;
                Ok(events)
            }
            _ => Err(GameError::WrongPhase),
        }
    }

    /// Counts the ballots of budget round `i`: the voters are the seated players who sent
    /// one. Under secret ballot an [`Event::Sealed`] carries the result so that the store can
    /// forget the ballots; in a replay the stored result stands in for them.
    fn close_budget(&mut self, i: usize) -> Vec<Event> {
        let Some(budget) = self.scenario.budget.as_ref() else { return vec![] };
        let secret = self.rule.secret_ballot;
        let result = match self.sealed.as_ref().and_then(|s| s.budget.clone()) {
            Some(stored) => *stored,
            None => {
                let ballots: Vec<(Role, Vec<usize>)> = self
                    .players
                    .iter()
                    .filter(|p| p.status == Status::Seated)
                    .filter_map(|p| Some((p.role?, p.ballot.clone()?)))
                    .collect();
                budget::tally(i, budget, &ballots, secret)
            }
        };
        self.budgets.push(result.clone());
        if !secret {
            let ballots = self
                .players
                .iter()
                .filter(|p| p.status == Status::Seated)
                .filter_map(|p| Some((p.id, p.ballot.clone()?)));
            self.closed_ballots.push(ClosedBallots { round: i, ballots: ballots.collect() });
        }
        for p in &mut self.players {
            p.ballot = None;
        }
        if !secret {
            return vec![];
        }
        let voters = self.players.iter().map(|p| p.id).collect();
        vec![Event::Sealed { sealed: Sealed { decisions: Vec::new(), budget: Some(Box::new(result)) }, voters }]
    }

    /// Tallies the vote of round `i` at `tables`. Under secret ballot the decisions keep no
    /// votes and no counts per role, and an [`Event::Sealed`] tells the store to forget
    /// the votes; in a replay the stored decisions stand in for the votes.
    fn tally_tables(&mut self, i: usize, tables: &[usize]) -> Vec<Event> {
        let secret = self.rule.secret_ballot;
        let mut sealed = Vec::new();
        let mut voters = Vec::new();
        for &t in tables {
            let stored = self.sealed.as_ref().and_then(|s| s.decisions.iter().find(|d| d.table == t)).cloned();
            let decision = match stored {
                Some(d) => Decision {
                    round: i,
                    reached: d.reached,
                    tally: Tally { seated: d.seated, overall: d.counts, by_role: Default::default() },
                    proposal: d.proposal,
                    conditions: d.conditions,
                    objections: d.objections,
                    votes: Vec::new(),
                },
                None => {
                    let seated: Vec<&Player> = self.seated(t).collect();
                    let votes: Vec<(PlayerId, Role, Vote)> =
                        seated.iter().filter_map(|p| Some((p.id, p.role?, p.vote.clone()?))).collect();
                    let mut tally = Tally::count(seated.len(), votes.iter().map(|(_, r, v)| (*r, v.choice)));
                    let reached = tally.reaches(&self.rule);
                    if secret {
                        tally.by_role = Default::default();
                    }
                    Decision {
                        round: i,
                        reached,
                        tally,
                        proposal: self.tables[t].proposal().map(|p| p.text.clone()).unwrap_or_default(),
                        conditions: votes.iter().filter_map(|(_, _, v)| v.condition.clone()).collect(),
                        objections: votes.iter().filter_map(|(_, _, v)| v.reason.clone()).collect(),
                        votes: if secret { Vec::new() } else { votes },
                    }
                }
            };
            if secret {
                sealed.push(SealedDecision {
                    table: t,
                    reached: decision.reached,
                    seated: decision.tally.seated,
                    counts: decision.tally.overall,
                    proposal: decision.proposal.clone(),
                    conditions: decision.conditions.clone(),
                    objections: decision.objections.clone(),
                });
                voters.extend(self.tables[t].seats.iter().copied());
                for id in self.tables[t].seats.clone() {
                    self.players[idx(id)].vote = None;
                }
            }
            self.tables[t].decisions.push(decision);
        }
        if sealed.is_empty() {
            vec![]
        } else {
            vec![Event::Sealed { sealed: Sealed { decisions: sealed, budget: None }, voters }]
        }
    }

    fn note(&mut self, id: PlayerId, kind: &str, text: &str) -> Result<Vec<Event>, GameError> {
        let Stage::Round(i) = self.stage else { return Err(GameError::WrongPhase) };
        let round = &self.scenario.rounds[i];
        // A debrief round takes notes only when the case gives it note kinds (version 2).
        let takes_notes = match round.kind {
            RoundKind::Discussion => true,
            RoundKind::Debrief => !round.note_kinds().is_empty(),
            _ => false,
        };
        if !takes_notes {
            return Err(GameError::WrongPhase);
        }
        let kind = parse_note_kind(kind)
            .filter(|k| round.note_kinds().contains(k))
            .ok_or(GameError::InvalidInput(InputProblem::NoteKindNotAllowed))?;
        let text = self.clean_text(text, MAX_NOTE)?;
        let t = self.players[idx(id)].table.ok_or(GameError::WrongPhase)?;
        // The caps came with rules version 2; a room recorded before them replays as it was.
        let capped = self.rules >= 2;
        let notes = || self.tables.iter().flat_map(|t| t.notes.iter());
        if capped && notes().filter(|n| n.player == id).count() >= MAX_NOTES_PER_PLAYER {
            return Err(GameError::LimitReached(Limit::NotesPerPlayer));
        }
        let chars = text.chars().count();
        if capped && (notes().count() >= MAX_NOTES_PER_ROOM || self.note_chars + chars > MAX_NOTE_CHARS_PER_ROOM) {
            return Err(GameError::LimitReached(Limit::NotesPerRoom));
        }
        self.note_chars += chars;
        self.tables[t].notes.push(Note { player: id, round: i, kind, text: text.into(), hidden: false });
        Ok(vec![])
    }

    fn propose(&mut self, id: PlayerId, text: &str, base: Option<usize>) -> Result<Vec<Event>, GameError> {
        let Stage::Round(i) = self.stage else { return Err(GameError::WrongPhase) };
        let round = &self.scenario.rounds[i];
        if round.kind != RoundKind::Proposal {
            return Err(GameError::WrongPhase);
        }
        let p = &self.players[idx(id)];
        if !p.role.is_some_and(|r| round.proposer_roles().contains(&r)) {
            return Err(GameError::NotAllowed);
        }
        let t = p.table.ok_or(GameError::WrongPhase)?;
        if !self.table_takes_part(t) {
            return Err(GameError::WrongPhase);
        }
        let text = self.clean_text(text, MAX_PROPOSAL)?;
        // Someone else changed the text since this player's copy: nothing is overwritten.
        if base.is_some_and(|b| b != self.tables[t].proposals.len()) {
            return Err(GameError::StaleProposal);
        }
        if self.rules >= 2 && self.tables[t].proposals.len() >= MAX_PROPOSAL_VERSIONS {
            return Err(GameError::LimitReached(Limit::ProposalVersions));
        }
        self.tables[t].proposals.push(Proposal { text, by: id, round: i });
        Ok(vec![])
    }

    fn vote(
        &mut self,
        id: PlayerId,
        choice: &str,
        condition: Option<&str>,
        reason: Option<&str>,
    ) -> Result<Vec<Event>, GameError> {
        if self.round_kind() != Some(RoundKind::Vote) {
            return Err(GameError::WrongPhase);
        }
        let t = self.players[idx(id)].table.ok_or(GameError::WrongPhase)?;
        if !self.table_takes_part(t) {
            return Err(GameError::WrongPhase);
        }
        let choice = parse_choice(choice).ok_or(GameError::InvalidInput(InputProblem::UnknownValue))?;
        let vote =
            match choice {
                Choice::SupportIf => Vote {
                    choice,
                    condition: Some(self.clean_text(
                        condition.ok_or(GameError::InvalidInput(InputProblem::ConditionMissing))?,
                        MAX_NOTE,
                    )?),
                    reason: None,
                },
                Choice::Object => Vote {
                    choice,
                    condition: None,
                    reason: Some(
                        self.clean_text(reason.ok_or(GameError::InvalidInput(InputProblem::ReasonMissing))?, MAX_NOTE)?,
                    ),
                },
                _ => Vote { choice, condition: None, reason: None },
            };
        self.players[idx(id)].vote = Some(vote);
        // With auto_reveal, the vote that completes a table tallies it.
        if self.options.auto_reveal
            && let Stage::Round(i) = self.stage
            && self.seated(t).all(|p| p.vote.is_some())
        {
            let events = self.tally_tables(i, &[t]);
            self.revealed.push(t);
            return Ok(events);
        }
        Ok(vec![])
    }
}

impl Game {
    fn approve(&mut self, id: PlayerId, projects: &[String]) -> Result<Vec<Event>, GameError> {
        if self.round_kind() != Some(RoundKind::Budget)
            || self.budget_counted
            || self.players[idx(id)].status != Status::Seated
        {
            return Err(GameError::WrongPhase);
        }
        let Some(budget) = self.scenario.budget.as_ref() else { return Err(GameError::WrongPhase) };
        let mut ballot: Vec<usize> = Vec::with_capacity(projects.len().min(budget.projects.len()));
        for wanted in projects {
            let j = budget
                .projects
                .iter()
                .position(|p| p.id == *wanted)
                .ok_or(GameError::InvalidInput(InputProblem::UnknownProject))?;
            if ballot.contains(&j) {
                return Err(GameError::InvalidInput(InputProblem::RepeatedProject));
            }
            ballot.push(j);
        }
        self.players[idx(id)].ballot = Some(ballot);
        Ok(vec![])
    }
}

/// The form in which an accepted command is stored: `(actor, command)`. A vote that closed
/// a secret ballot (with `auto_reveal`, the vote that completes a table) is stored as the
/// room's own `reveal` of that table: the decision stored with it stands in for every vote
/// of the table in a replay, and the state it gives is the same (the voter's open vote is
/// cleared by the tally either way), so nothing stored pairs that voter with a choice.
pub fn stored_form<'c>(actor: Actor, cmd: &'c Command, events: &[Event]) -> (Actor, std::borrow::Cow<'c, Command>) {
    let sealed_table = events.iter().find_map(|e| match e {
        Event::Sealed { sealed, .. } => sealed.decisions.first().map(|d| d.table),
        _ => None,
    });
    match (cmd, sealed_table) {
        (Command::Vote { .. }, Some(t)) => {
            (Actor::System, std::borrow::Cow::Owned(Command::Reveal { table: Some(t + 1) }))
        }
        _ => (actor, std::borrow::Cow::Borrowed(cmd)),
    }
}

fn idx(id: PlayerId) -> usize {
    id.0 as usize - 1
}

fn parse_role(s: &str) -> Option<Role> {
    Role::ALL.into_iter().find(|r| r.code() == s)
}

fn parse_note_kind(s: &str) -> Option<NoteKind> {
    NoteKind::ALL.into_iter().find(|k| k.code() == s)
}

fn parse_choice(s: &str) -> Option<Choice> {
    Choice::ALL.into_iter().find(|c| c.code() == s)
}

impl Game {
    /// A text of 1..=max characters after trimming; under rules 2 first stripped of control
    /// and invisible characters (so zero-width-only text is empty).
    fn clean_text(&self, text: &str, max: usize) -> Result<String, GameError> {
        let stripped;
        let t = if self.rules >= 2 {
            stripped = text::strip(text);
            stripped.as_str()
        } else {
            text.trim()
        };
        match t.chars().count() {
            0 => Err(GameError::InvalidInput(InputProblem::EmptyText)),
            n if n > max => Err(GameError::InvalidInput(InputProblem::TextTooLong { max })),
            _ => Ok(t.to_string()),
        }
    }
}

/// A name as shown: trimmed, NFC, 1..=24 characters, no control characters and no
/// invisible formatting (bidirectional overrides, zero-width characters) that could
/// disguise it as someone else's.
pub fn clean_name(name: &str) -> Option<String> {
    let n: String = name.trim().nfc().collect();
    let invisible = |c: char| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}')
    };
    let len = n.chars().count();
    ((1..=MAX_NAME).contains(&len) && !n.chars().any(invisible)).then_some(n)
}

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;
