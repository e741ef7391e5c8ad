//! What each viewer may see (PROTOCOL.md, "Who sees what"). This is the only way state
//! leaves a room, so every secret rule lives here: a card's goal reaches only its holder and
//! the host, an open vote only the voter (and the host unless the ballot is secret).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{BudgetResult, Choice, Counts, Decision, Game, Millis, Player, PlayerId, Reason, Stage, Status, Vote};
use crate::scenario::{BudgetRule, DecisionRule, Fraction, Language, NoteKind, Role, RoundKind, Scenario};

/// Fewest counted votes for which a secret-ballot decision shows its counts per choice.
pub const MIN_COUNTED_SECRET: u32 = 3;

/// Who is looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Host,
    Screen,
    Player(PlayerId),
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct View {
    pub room: String,
    pub locked: bool,
    /// The room's language (an extension of PROTOCOL.md).
    pub language: Language,
    /// The server's clock, so a client can correct countdowns for its own (extension).
    pub server_time: String,
    // The same for the whole room: made once and shared by every view (not a doc
    // comment: it would change the published schema).
    pub scenario: Arc<ScenarioView>,
    pub phase: PhaseView,
    pub rounds: Arc<Vec<RoundView>>,
    pub lobby: Vec<LobbyEntry>,
    pub tables: Vec<TableView>,
    /// Version 2: the result of every budget round closed so far (absent before the first).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub budgets: Vec<BudgetResult>,
    /// Host only, when something is wrong with the store (extension, version 2):
    /// `"unavailable"` (commands are refused until it works again) or `"read_only"` (the
    /// room's log stopped replaying). The room sets it; the game knows no store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<&'static str>,
    /// Version 2 (issue #17): the room was created with `easy_read`; absent otherwise.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub easy_read: bool,
    pub you: Option<You>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ScenarioView {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub case: String,
    pub decision: DecisionRuleView,
    /// Version 2 (extension): the case's budget and projects, once for the whole game, so a
    /// client can name the projects of a result after the budget round.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetPhase>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct DecisionRuleView {
    pub rule: &'static str,
    pub min_support: Option<Fraction>,
    pub min_support_per_role: Option<Fraction>,
    pub max_objections: Option<u32>,
    pub quorum: Option<Fraction>,
    pub secret_ballot: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PhaseView {
    pub index: i64,
    pub kind: &'static str,
    pub title: Option<String>,
    pub prompt: Option<String>,
    pub deadline: Option<String>,
    pub notes: Vec<NoteKind>,
    pub proposers: Vec<Role>,
    /// Version 2, in a budget round: the money and the projects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetPhase>,
    /// Version 2, in a vote round: the tables (1-based) tallied in this round so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revealed: Option<Vec<usize>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct BudgetPhase {
    pub total: u64,
    pub rule: BudgetRule,
    pub projects: Vec<ProjectView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ProjectView {
    pub id: String,
    pub title: String,
    pub text: String,
    pub cost: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RoundView {
    pub kind: &'static str,
    pub title: String,
    pub minutes: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct LobbyEntry {
    pub player_id: PlayerId,
    pub name: Arc<str>,
    /// Hidden by the facilitator (extension): others see a placeholder as `name`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub name_hidden: bool,
    pub connected: bool,
    /// Host only: what the player said they are in real life (`null`: other).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub real_role: Option<Option<Role>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct TableView {
    pub table: usize,
    pub players: Vec<SeatView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<Option<EventView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<NoteView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<Option<ProposalView>>,
    /// Under secret ballot, in a vote round: how many seated players have voted
    /// (extension; the count replaces who voted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub votes_cast: Option<usize>,
    pub decision: Option<DecisionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SeatView {
    pub player_id: PlayerId,
    pub name: Arc<str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub name_hidden: bool,
    pub role: Option<Role>,
    pub connected: bool,
    pub ready: bool,
    /// Whether this player voted (or, in a budget round, sent a ballot) in this round. Under
    /// secret ballot only the host learns who voted (absent for everyone else, who see the
    /// table's `votes_cast`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<Arc<CardView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub real_role: Option<Option<Role>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vote: Option<Option<Vote>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CardView {
    pub name: String,
    pub text: String,
    pub values: Vec<String>,
    pub conditions: Vec<String>,
    pub goal: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct EventView {
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct NoteView {
    pub player_id: PlayerId,
    pub round: usize,
    pub kind: NoteKind,
    pub text: Arc<str>,
    /// Hidden by the facilitator (extension): others see a placeholder as `text`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ProposalView {
    pub text: String,
    /// Who wrote this version; absent for the screen (`screen_notes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<PlayerId>,
    /// Version 2: 1 for the first text at the table, +1 for every accepted `propose`.
    pub version: usize,
}

/// The counts per choice are `null` under secret ballot when fewer than
/// [`MIN_COUNTED_SECRET`] votes were counted: with so few voters they would tell who chose what.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct DecisionView {
    pub reached: bool,
    pub support: Option<u32>,
    pub support_if: Option<u32>,
    pub abstain: Option<u32>,
    pub object: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_role: Option<ByRole>,
    pub proposal: String,
    pub conditions: Vec<String>,
    pub objections: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub votes: Option<Vec<VoteEntry>>,
    /// Version 2: why the decision was or was not reached, one entry per criterion. When
    /// the counts are hidden (secret ballot, fewer than 3 counted), only `code` and `met`.
    pub reasons: Vec<ReasonView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ReasonView {
    Full(Reason),
    Bare { code: &'static str, met: bool },
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ByRole {
    pub resident: Counts,
    pub civil_servant: Counts,
    pub councillor: Counts,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct VoteEntry {
    pub player_id: PlayerId,
    pub choice: Choice,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct You {
    pub player_id: PlayerId,
    pub name: Arc<str>,
    /// 1-based, `null` in the lobby.
    pub table: Option<usize>,
    pub role: Option<Role>,
    pub prompt: Option<String>,
    pub card: Option<Arc<CardView>>,
    pub vote: Option<Vote>,
    /// Version 2: your ballot in a budget round (project ids), `null` before you sent one
    /// and outside budget rounds.
    pub ballot: Option<Vec<String>>,
    /// Whether you marked this round ready (extension).
    pub ready: bool,
}

/// Which tables a view shows in full: all (the host), one (a seated player's), or none
/// (players not seated); the screen sees what players of other tables see, plus every
/// table's event card and, with `screen_notes`, its notes and proposal. Every player at
/// one table shares the same lens, so the part of their views other than `you` is the
/// same and can be serialised once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lens {
    Host,
    Screen,
    Table(Option<usize>),
}

impl Game {
    /// The whole view `viewer` may see at `now`. `connected` tells which players have a live
    /// connection (the game itself knows nothing of connections).
    pub fn view(&self, room: &str, viewer: Viewer, now: Millis, connected: &dyn Fn(PlayerId) -> bool) -> View {
        let mut v = self.frame(room, self.lens(viewer), now, connected);
        if let Viewer::Player(id) = viewer {
            v.you = self.you_of(id);
        }
        v
    }

    /// The lens a viewer looks through.
    pub fn lens(&self, viewer: Viewer) -> Lens {
        match viewer {
            Viewer::Host => Lens::Host,
            Viewer::Screen => Lens::Screen,
            Viewer::Player(id) => {
                Lens::Table(self.player(id).filter(|p| p.status == Status::Seated).and_then(|p| p.table))
            }
        }
    }

    /// What a viewer sees through `lens`, with `you: null`.
    /// The parts of views that stay the same for the whole room (the case, its rounds and
    /// every card, per role), made once when the room is.
    #[allow(clippy::type_complexity)]
    pub(super) fn fixed_views(
        s: &Scenario,
        r: &DecisionRule,
    ) -> (Arc<ScenarioView>, Arc<Vec<RoundView>>, Arc<[Vec<Arc<CardView>>; 3]>) {
        let scenario = ScenarioView {
            id: s.id.clone(),
            title: s.title.clone(),
            summary: s.summary.clone(),
            case: s.case.text.clone(),
            decision: DecisionRuleView {
                rule: r.rule.code(),
                min_support: r.min_support,
                min_support_per_role: r.min_support_per_role,
                max_objections: r.max_objections,
                quorum: r.quorum,
                secret_ballot: r.secret_ballot,
            },
            budget: s.budget.as_ref().map(budget_phase),
        };
        let rounds = s
            .rounds
            .iter()
            .map(|r| RoundView { kind: r.kind.code(), title: r.title.clone(), minutes: r.minutes })
            .collect();
        let cards = Role::ALL.map(|role| {
            let card = |c: &crate::scenario::Card| CardView {
                name: c.name.clone(),
                text: c.text.clone(),
                values: c.values.clone(),
                conditions: c.conditions.clone(),
                goal: c.goal.clone(),
            };
            s.roles.get(role).cards.iter().map(|c| Arc::new(card(c))).collect()
        });
        (Arc::new(scenario), Arc::new(rounds), Arc::new(cards))
    }

    pub fn frame(&self, room: &str, lens: Lens, now: Millis, connected: &dyn Fn(PlayerId) -> bool) -> View {
        let s = &self.scenario;
        let host = lens == Lens::Host;
        let round = match self.stage {
            Stage::Round(i) => Some(&s.rounds[i]),
            _ => None,
        };
        View {
            room: room.to_string(),
            locked: self.locked,
            language: self.language,
            server_time: rfc3339(now),
            scenario: self.scenario_view.clone(),
            phase: PhaseView {
                index: self.phase_index(),
                kind: self.phase_kind(),
                title: round.map(|r| r.title.clone()),
                prompt: round.and_then(|r| r.prompt.clone()),
                deadline: self.deadline.map(rfc3339),
                notes: round.map(|r| r.note_kinds()).unwrap_or_default(),
                proposers: round.map(|r| r.proposer_roles()).unwrap_or_default(),
                revealed: round
                    .filter(|r| r.kind == RoundKind::Vote)
                    .map(|_| self.revealed.iter().map(|t| t + 1).collect()),
                budget: round.filter(|r| r.kind == RoundKind::Budget).and(s.budget.as_ref()).map(budget_phase),
            },
            rounds: self.round_views.clone(),
            lobby: self
                .players
                .iter()
                .filter(|p| p.status == Status::Lobby)
                .map(|p| LobbyEntry {
                    player_id: p.id,
                    name: self.shown_name(p, host),
                    name_hidden: p.name_hidden,
                    connected: connected(p.id),
                    real_role: host.then_some(p.real_role),
                })
                .collect(),
            tables: (0..self.tables.len()).map(|t| self.table_view(t, lens, connected)).collect(),
            budgets: self.budgets.clone(),
            storage: None,
            easy_read: self.options.easy_read,
            you: None,
        }
    }

    /// Whether a decision may show its counts per choice: not under secret ballot with
    /// fewer than [`MIN_COUNTED_SECRET`] counted votes (views and reports alike).
    pub fn counts_shown(&self, d: &Decision) -> bool {
        !self.rule.secret_ballot || d.tally.overall.counted() >= MIN_COUNTED_SECRET
    }

    /// A player's own part of their view.
    pub fn you_of(&self, id: PlayerId) -> Option<You> {
        self.player(id).map(|p| self.you(p))
    }

    fn table_view(&self, t: usize, lens: Lens, connected: &dyn Fn(PlayerId) -> bool) -> TableView {
        let host = lens == Lens::Host;
        let full = host || lens == Lens::Table(Some(t));
        let screen = lens == Lens::Screen;
        let wall = screen && self.options.screen_notes;
        let table = &self.tables[t];
        let secret = self.rule.secret_ballot;
        let voting = matches!(self.round_kind(), Some(RoundKind::Vote | RoundKind::Budget));
        let players = self
            .seated(t)
            .map(|p| SeatView {
                player_id: p.id,
                name: self.shown_name(p, host),
                name_hidden: p.name_hidden,
                role: p.role,
                connected: connected(p.id),
                ready: p.ready,
                voted: (host || !secret).then_some(p.cast()),
                card: host.then(|| self.card(p)).flatten(),
                real_role: host.then_some(p.real_role),
                vote: (host && !secret).then(|| p.vote.clone()),
            })
            .collect();
        TableView {
            table: t + 1,
            players,
            event: (full || screen).then(|| {
                table.events.last().map(|e| {
                    let card = &self.scenario.events[e.card];
                    EventView { title: card.title.clone(), text: card.text.clone() }
                })
            }),
            notes: (full || wall).then(|| {
                table
                    .notes
                    .iter()
                    // The screen's wall never shows a hidden note, not even as a placeholder.
                    .filter(|n| !(wall && n.hidden))
                    .map(|n| NoteView {
                        player_id: n.player,
                        round: n.round,
                        kind: n.kind,
                        text: if n.hidden && !host { hidden_text(self.language).into() } else { n.text.clone() },
                        hidden: n.hidden,
                    })
                    .collect()
            }),
            proposal: (full || wall).then(|| {
                table.proposal().map(|p| ProposalView {
                    text: p.text.clone(),
                    by: full.then_some(p.by),
                    version: table.proposals.len(),
                })
            }),
            votes_cast: (secret && voting).then(|| self.seated(t).filter(|p| p.cast()).count()),
            decision: table.decision().map(|d| self.decision_view(d, full)),
        }
    }

    /// A name as `host` or others may see it.
    fn shown_name(&self, p: &Player, host: bool) -> Arc<str> {
        if p.name_hidden && !host { hidden_text(self.language).into() } else { p.name.clone() }
    }

    /// A decision as the views show it; `full`: with who voted what (never under secret ballot).
    pub fn decision_view(&self, d: &Decision, full: bool) -> DecisionView {
        let secret = self.rule.secret_ballot;
        let o = d.tally.overall;
        let counts = self.counts_shown(d);
        let reasons = d
            .tally
            .reasons(&self.rule, !secret)
            .into_iter()
            .map(|r| if counts { ReasonView::Full(r) } else { ReasonView::Bare { code: r.kind.code(), met: r.met } })
            .collect();
        DecisionView {
            reasons,
            reached: d.reached,
            support: counts.then_some(o.support),
            support_if: counts.then_some(o.support_if),
            abstain: counts.then_some(o.abstain),
            object: counts.then_some(o.object),
            by_role: (!secret).then(|| ByRole {
                resident: d.tally.by_role[Role::Resident.index()],
                civil_servant: d.tally.by_role[Role::CivilServant.index()],
                councillor: d.tally.by_role[Role::Councillor.index()],
            }),
            proposal: d.proposal.clone(),
            conditions: d.conditions.clone(),
            objections: d.objections.clone(),
            votes: (full && !secret)
                .then(|| d.votes.iter().map(|(id, _, v)| VoteEntry { player_id: *id, choice: v.choice }).collect()),
        }
    }

    fn card(&self, p: &Player) -> Option<Arc<CardView>> {
        Some(self.card_views[p.role?.index()][p.card?].clone())
    }

    fn you(&self, p: &Player) -> You {
        let prompt = match (self.stage, p.role) {
            (Stage::Round(i), Some(role)) => self.scenario.rounds[i].prompt_for(role).map(str::to_string),
            _ => None,
        };
        You {
            player_id: p.id,
            name: p.name.clone(),
            table: p.table.map(|t| t + 1),
            role: p.role,
            prompt,
            card: self.card(p),
            vote: p.vote.clone(),
            ballot: p
                .ballot
                .as_ref()
                .zip(self.scenario.budget.as_ref())
                .map(|(b, budget)| b.iter().map(|&j| budget.projects[j].id.clone()).collect()),
            ready: p.ready,
        }
    }
}

fn budget_phase(b: &crate::scenario::Budget) -> BudgetPhase {
    BudgetPhase {
        total: b.total,
        rule: b.rule,
        projects: b
            .projects
            .iter()
            .map(|p| ProjectView { id: p.id.clone(), title: p.title.clone(), text: p.text.clone(), cost: p.cost })
            .collect(),
    }
}

/// What others see in place of a name or note the facilitator hid.
pub fn hidden_text(lang: Language) -> &'static str {
    match lang {
        Language::Nl => "verborgen door de spelleider",
        Language::En => "hidden by the facilitator",
    }
}

/// RFC 3339 text for a time in milliseconds (UTC).
pub fn rfc3339(ms: Millis) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}
