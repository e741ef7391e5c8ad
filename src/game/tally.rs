//! The four decision rules of SCENARIO.md, with exact rational comparisons.

use serde::{Deserialize, Serialize};

use crate::scenario::{DecisionRule, Fraction, Role, RuleKind};

/// A vote choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    Support,
    SupportIf,
    Abstain,
    Object,
}

impl Choice {
    pub const ALL: [Choice; 4] = [Choice::Support, Choice::SupportIf, Choice::Abstain, Choice::Object];

    pub fn code(self) -> &'static str {
        match self {
            Choice::Support => "support",
            Choice::SupportIf => "support_if",
            Choice::Abstain => "abstain",
            Choice::Object => "object",
        }
    }
}

/// Votes per choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Counts {
    pub support: u32,
    pub support_if: u32,
    pub abstain: u32,
    pub object: u32,
}

impl Counts {
    pub fn add(&mut self, c: Choice) {
        match c {
            Choice::Support => self.support += 1,
            Choice::SupportIf => self.support_if += 1,
            Choice::Abstain => self.abstain += 1,
            Choice::Object => self.object += 1,
        }
    }

    /// Votes cast, abstentions included.
    pub fn cast(&self) -> u32 {
        self.support + self.support_if + self.abstain + self.object
    }

    /// Votes cast minus abstentions.
    pub fn counted(&self) -> u32 {
        self.cast() - self.abstain
    }

    pub fn supporters(&self) -> u32 {
        self.support + self.support_if
    }
}

/// The counts of one table's vote, overall and per role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub seated: u32,
    pub overall: Counts,
    pub by_role: [Counts; 3],
}

impl Tally {
    /// `seated`: the role of each seated player; `votes`: the role and choice of each vote
    /// cast by a seated player.
    pub fn count(seated: usize, votes: impl IntoIterator<Item = (Role, Choice)>) -> Tally {
        let mut t = Tally { seated: seated as u32, ..Tally::default() };
        for (role, choice) in votes {
            t.overall.add(choice);
            t.by_role[role.index()].add(choice);
        }
        t
    }

    /// Whether this tally reaches a supported decision under `rule`.
    pub fn reaches(&self, rule: &DecisionRule) -> bool {
        let o = &self.overall;
        let counted = u64::from(o.counted());
        if counted == 0 {
            return false;
        }
        let quorum_met = rule.quorum.is_none_or(|q| q.is_met_by(u64::from(o.cast()), u64::from(self.seated)));
        let objections_ok = rule.max_objections.is_none_or(|m| o.object <= m);
        quorum_met
            && match rule.rule {
                RuleKind::BroadSupport => {
                    rule.min_support.is_none_or(|f| f.is_met_by(u64::from(o.supporters()), counted))
                        && self.by_role.iter().all(|r| {
                            r.counted() == 0
                                || rule
                                    .min_support_per_role
                                    .is_none_or(|f| f.is_met_by(u64::from(r.supporters()), u64::from(r.counted())))
                        })
                        && objections_ok
                }
                RuleKind::Majority => u64::from(o.supporters()) * 2 > counted,
                RuleKind::Consent => objections_ok,
                RuleKind::Unanimity => o.supporters() == self.seated,
            }
    }
}

/// One criterion of a decision rule and whether a tally met it (PROTOCOL.md, version 2,
/// `decision.reasons`), with the numbers a client needs to say why in plain words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Reason {
    pub met: bool,
    #[serde(flatten)]
    pub kind: ReasonKind,
}

/// The criterion and its numbers; `needed` is always the least number that meets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ReasonKind {
    Quorum { cast: u32, seated: u32, needed: u32 },
    MinSupport { supporters: u32, counted: u32, needed: u32 },
    MinSupportPerRole { role: Role, supporters: u32, counted: u32, needed: u32 },
    MaxObjections { objections: u32, max: u32 },
    Majority { supporters: u32, counted: u32 },
    Unanimity { supporters: u32, seated: u32 },
    NoVotes,
}

impl ReasonKind {
    /// The wire `code`.
    pub fn code(&self) -> &'static str {
        match self {
            ReasonKind::Quorum { .. } => "quorum",
            ReasonKind::MinSupport { .. } => "min_support",
            ReasonKind::MinSupportPerRole { .. } => "min_support_per_role",
            ReasonKind::MaxObjections { .. } => "max_objections",
            ReasonKind::Majority { .. } => "majority",
            ReasonKind::Unanimity { .. } => "unanimity",
            ReasonKind::NoVotes => "no_votes",
        }
    }
}

/// The least `part` with `part / whole >= f`.
fn least(f: Fraction, whole: u32) -> u32 {
    let n = u128::from(f.num()) * u128::from(whole);
    let d = u128::from(f.den());
    // f <= 1, so the result is at most `whole`.
    n.div_ceil(d) as u32
}

impl Tally {
    /// Why this tally does or does not reach a decision under `rule`: one entry per
    /// criterion of the rule, in the order quorum, min_support, min_support_per_role (one
    /// per role with counted votes; left out when `per_role` is false, as under secret
    /// ballot), max_objections (when there is a maximum), majority, unanimity, and
    /// no_votes when nothing was counted. With every criterion shown, the decision is
    /// reached exactly when every reason is met.
    pub fn reasons(&self, rule: &DecisionRule, per_role: bool) -> Vec<Reason> {
        let o = &self.overall;
        let mut out = Vec::new();
        let mut push = |met, kind| out.push(Reason { met, kind });
        if let Some(q) = rule.quorum {
            let needed = least(q, self.seated);
            push(o.cast() >= needed, ReasonKind::Quorum { cast: o.cast(), seated: self.seated, needed });
        }
        if rule.rule == RuleKind::BroadSupport {
            if let Some(f) = rule.min_support {
                let needed = least(f, o.counted());
                let kind = ReasonKind::MinSupport { supporters: o.supporters(), counted: o.counted(), needed };
                push(o.supporters() >= needed, kind);
            }
            if let Some(f) = rule.min_support_per_role.filter(|_| per_role) {
                for role in Role::ALL {
                    let r = &self.by_role[role.index()];
                    if r.counted() == 0 {
                        continue;
                    }
                    let needed = least(f, r.counted());
                    let kind = ReasonKind::MinSupportPerRole {
                        role,
                        supporters: r.supporters(),
                        counted: r.counted(),
                        needed,
                    };
                    push(r.supporters() >= needed, kind);
                }
            }
        }
        if let Some(max) =
            rule.max_objections.filter(|_| matches!(rule.rule, RuleKind::BroadSupport | RuleKind::Consent))
        {
            push(o.object <= max, ReasonKind::MaxObjections { objections: o.object, max });
        }
        match rule.rule {
            RuleKind::Majority => push(
                o.supporters() * 2 > o.counted(),
                ReasonKind::Majority { supporters: o.supporters(), counted: o.counted() },
            ),
            RuleKind::Unanimity => push(
                o.supporters() == self.seated,
                ReasonKind::Unanimity { supporters: o.supporters(), seated: self.seated },
            ),
            _ => {}
        }
        if o.counted() == 0 {
            push(false, ReasonKind::NoVotes);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::DecisionSpec;

    fn rule(kind: RuleKind) -> DecisionRule {
        DecisionSpec { rule: kind, ..Default::default() }.resolve()
    }

    fn votes(list: &[(Role, Choice)]) -> Vec<(Role, Choice)> {
        list.to_vec()
    }

    use Choice::*;
    use Role::*;

    #[test]
    fn two_of_three_meets_two_thirds() {
        let t = Tally::count(3, votes(&[(Resident, Support), (CivilServant, Support), (Councillor, Object)]));
        let mut r = rule(RuleKind::BroadSupport);
        r.min_support_per_role = Some(Fraction::new(0, 1));
        assert!(t.reaches(&r));
        assert!(Fraction::new(2, 3).is_met_by(2, 3));
        assert!(!Fraction::new(2, 3).is_met_by(1, 2));
        assert!(!Fraction::parse_decimal("0.67").unwrap().is_met_by(2, 3));
    }

    #[test]
    fn broad_support_needs_every_role_with_counted_votes() {
        // 4 of 5 counted support overall, but the councillor objects alone: 0/1 < 1/2.
        let t = Tally::count(
            6,
            votes(&[
                (Resident, Support),
                (Resident, Support),
                (CivilServant, SupportIf),
                (CivilServant, Support),
                (Councillor, Object),
                (Councillor, Abstain),
            ]),
        );
        assert!(!t.reaches(&rule(RuleKind::BroadSupport)));
        assert!(t.reaches(&rule(RuleKind::Majority)));
        assert!(!t.reaches(&rule(RuleKind::Consent)));
    }

    #[test]
    fn a_role_that_only_abstains_does_not_block_broad_support() {
        let t = Tally::count(3, votes(&[(Resident, Support), (CivilServant, Support), (Councillor, Abstain)]));
        assert!(t.reaches(&rule(RuleKind::BroadSupport)));
    }

    #[test]
    fn quorum_counts_abstentions_against_seated() {
        // 6 seated, 3 cast: 3/6 < 2/3.
        let t = Tally::count(6, votes(&[(Resident, Support), (CivilServant, Support), (Councillor, Support)]));
        assert!(!t.reaches(&rule(RuleKind::Majority)));
        // 4 cast of 6 meets 2/3 exactly.
        let t = Tally::count(
            6,
            votes(&[(Resident, Support), (CivilServant, Support), (Councillor, Support), (Resident, Abstain)]),
        );
        assert!(t.reaches(&rule(RuleKind::Majority)));
    }

    #[test]
    fn nothing_counted_is_never_a_decision() {
        let t = Tally::count(3, votes(&[(Resident, Abstain), (CivilServant, Abstain), (Councillor, Abstain)]));
        for k in [RuleKind::BroadSupport, RuleKind::Majority, RuleKind::Consent, RuleKind::Unanimity] {
            assert!(!t.reaches(&rule(k)), "{k:?}");
        }
    }

    #[test]
    fn majority_needs_more_than_half() {
        let t = Tally::count(
            4,
            votes(&[(Resident, Support), (CivilServant, Support), (Councillor, Object), (Resident, Object)]),
        );
        assert!(!t.reaches(&rule(RuleKind::Majority)));
    }

    #[test]
    fn consent_allows_raised_max_objections() {
        let t = Tally::count(3, votes(&[(Resident, Support), (CivilServant, Object), (Councillor, Abstain)]));
        assert!(!t.reaches(&rule(RuleKind::Consent)));
        let r = DecisionSpec { rule: RuleKind::Consent, max_objections: Some(1), ..Default::default() }.resolve();
        assert!(t.reaches(&r));
    }

    #[test]
    fn unanimity_counts_absent_voters_against() {
        let t = Tally::count(4, votes(&[(Resident, Support), (CivilServant, SupportIf), (Councillor, Support)]));
        assert!(!t.reaches(&rule(RuleKind::Unanimity)));
        let t = Tally::count(3, votes(&[(Resident, Support), (CivilServant, SupportIf), (Councillor, Support)]));
        assert!(t.reaches(&rule(RuleKind::Unanimity)));
    }

    #[test]
    fn broad_support_max_objections_applies_when_set() {
        let t = Tally::count(
            4,
            votes(&[(Resident, Support), (Resident, Support), (CivilServant, Support), (Councillor, Support)]),
        );
        let r = DecisionSpec { max_objections: Some(0), ..Default::default() }.resolve();
        assert!(t.reaches(&r));
        let t = Tally::count(
            4,
            votes(&[(Resident, Support), (Resident, Object), (CivilServant, Support), (Councillor, Support)]),
        );
        assert!(!t.reaches(&r));
        assert!(t.reaches(&rule(RuleKind::BroadSupport)), "no limit by default: 3/4 >= 2/3, resident 1/2");
    }

    fn reason(t: &Tally, r: &DecisionRule, code: &str) -> Reason {
        *t.reasons(r, true)
            .iter()
            .find(|x| serde_json::to_value(x).unwrap()["code"] == code)
            .unwrap_or_else(|| panic!("no {code} reason"))
    }

    fn seat(n: u32) -> Vec<(Role, Choice)> {
        (0..n).map(|i| (Role::ALL[(i % 3) as usize], Support)).collect()
    }

    #[test]
    fn quorum_just_met_and_just_missed() {
        let r = rule(RuleKind::Majority);
        // 2/3 of 6 seated: 4 votes are needed.
        let met = Tally::count(6, seat(4));
        assert_eq!(
            reason(&met, &r, "quorum"),
            Reason { met: true, kind: ReasonKind::Quorum { cast: 4, seated: 6, needed: 4 } }
        );
        let missed = Tally::count(6, seat(3));
        assert_eq!(
            reason(&missed, &r, "quorum"),
            Reason { met: false, kind: ReasonKind::Quorum { cast: 3, seated: 6, needed: 4 } }
        );
        // 2/3 of 7 is 4.67: 5 are needed.
        assert!(!reason(&Tally::count(7, seat(4)), &r, "quorum").met);
        assert!(reason(&Tally::count(7, seat(5)), &r, "quorum").met);
    }

    #[test]
    fn two_thirds_exactly_met_and_missed_by_one() {
        let mut r = rule(RuleKind::BroadSupport);
        r.min_support_per_role = None;
        let met = Tally::count(3, votes(&[(Resident, Support), (CivilServant, SupportIf), (Councillor, Object)]));
        assert_eq!(
            reason(&met, &r, "min_support"),
            Reason { met: true, kind: ReasonKind::MinSupport { supporters: 2, counted: 3, needed: 2 } }
        );
        // An abstention is not counted: 2 of 3 counted among 4 cast still meets it.
        let abstained = Tally::count(
            4,
            votes(&[(Resident, Support), (Resident, Support), (Councillor, Object), (CivilServant, Abstain)]),
        );
        assert!(reason(&abstained, &r, "min_support").met);
        let missed = Tally::count(
            6,
            votes(&[
                (Resident, Support),
                (Resident, Support),
                (Resident, Support),
                (CivilServant, Object),
                (CivilServant, Object),
                (Councillor, Support),
            ]),
        );
        assert_eq!(
            reason(&missed, &r, "min_support"),
            Reason { met: true, kind: ReasonKind::MinSupport { supporters: 4, counted: 6, needed: 4 } }
        );
        let one_short = Tally::count(
            6,
            votes(&[
                (Resident, Support),
                (Resident, Support),
                (Resident, Object),
                (CivilServant, Object),
                (CivilServant, Object),
                (Councillor, Support),
            ]),
        );
        assert_eq!(
            reason(&one_short, &r, "min_support"),
            Reason { met: false, kind: ReasonKind::MinSupport { supporters: 3, counted: 6, needed: 4 } }
        );
        assert!(!one_short.reaches(&r));
    }

    #[test]
    fn per_role_reasons_name_each_role_with_counted_votes() {
        let r = rule(RuleKind::BroadSupport);
        // Three civil servants, one abstains: 1 of 2 counted supports, and 1/2 is met.
        let t = Tally::count(
            5,
            votes(&[
                (Resident, Support),
                (Resident, Support),
                (CivilServant, Support),
                (CivilServant, Object),
                (CivilServant, Abstain),
            ]),
        );
        let per_role: Vec<Reason> = t
            .reasons(&r, true)
            .into_iter()
            .filter(|x| matches!(x.kind, ReasonKind::MinSupportPerRole { .. }))
            .collect();
        assert_eq!(
            per_role,
            [
                Reason {
                    met: true,
                    kind: ReasonKind::MinSupportPerRole { role: Resident, supporters: 2, counted: 2, needed: 1 }
                },
                Reason {
                    met: true,
                    kind: ReasonKind::MinSupportPerRole { role: CivilServant, supporters: 1, counted: 2, needed: 1 }
                },
            ],
            "no councillor voted, so no councillor reason"
        );
        let failing = Tally::count(
            4,
            votes(&[(Resident, Support), (Resident, Support), (Resident, Support), (Councillor, Object)]),
        );
        let councillor = failing
            .reasons(&r, true)
            .into_iter()
            .find(|x| matches!(x.kind, ReasonKind::MinSupportPerRole { role: Councillor, .. }))
            .unwrap();
        assert!(!councillor.met);
        assert!(
            failing.reasons(&r, false).iter().all(|x| !matches!(x.kind, ReasonKind::MinSupportPerRole { .. })),
            "left out under secret ballot"
        );
    }

    #[test]
    fn objections_at_the_maximum_and_one_over() {
        let mut r = rule(RuleKind::Consent);
        r.max_objections = Some(1);
        let at = Tally::count(3, votes(&[(Resident, Support), (CivilServant, Support), (Councillor, Object)]));
        assert_eq!(
            reason(&at, &r, "max_objections"),
            Reason { met: true, kind: ReasonKind::MaxObjections { objections: 1, max: 1 } }
        );
        assert!(at.reaches(&r));
        let over = Tally::count(3, votes(&[(Resident, Object), (CivilServant, Support), (Councillor, Object)]));
        assert_eq!(
            reason(&over, &r, "max_objections"),
            Reason { met: false, kind: ReasonKind::MaxObjections { objections: 2, max: 1 } }
        );
        assert!(!over.reaches(&r));
        // broad_support has no maximum unless the case sets one: then no such reason.
        assert!(
            at.reasons(&rule(RuleKind::BroadSupport), true)
                .iter()
                .all(|x| !matches!(x.kind, ReasonKind::MaxObjections { .. }))
        );
    }

    #[test]
    fn unanimity_and_majority_reasons() {
        let u = rule(RuleKind::Unanimity);
        let all = Tally::count(3, seat(3));
        assert_eq!(
            reason(&all, &u, "unanimity"),
            Reason { met: true, kind: ReasonKind::Unanimity { supporters: 3, seated: 3 } }
        );
        let one_away = Tally::count(4, seat(3));
        assert_eq!(
            reason(&one_away, &u, "unanimity"),
            Reason { met: false, kind: ReasonKind::Unanimity { supporters: 3, seated: 4 } }
        );
        let m = rule(RuleKind::Majority);
        let tie = Tally::count(
            4,
            votes(&[(Resident, Support), (Resident, Support), (CivilServant, Object), (Councillor, Object)]),
        );
        assert_eq!(
            reason(&tie, &m, "majority"),
            Reason { met: false, kind: ReasonKind::Majority { supporters: 2, counted: 4 } }
        );
    }

    #[test]
    fn no_votes_is_a_reason_of_its_own() {
        for kind in [RuleKind::BroadSupport, RuleKind::Majority, RuleKind::Consent, RuleKind::Unanimity] {
            let t = Tally::count(3, votes(&[(Resident, Abstain), (CivilServant, Abstain), (Councillor, Abstain)]));
            let reasons = t.reasons(&rule(kind), true);
            assert_eq!(reasons.last(), Some(&Reason { met: false, kind: ReasonKind::NoVotes }), "{kind:?}");
            assert!(!t.reaches(&rule(kind)));
        }
        let json = serde_json::to_value(Reason { met: false, kind: ReasonKind::NoVotes }).unwrap();
        assert_eq!(json, serde_json::json!({"code": "no_votes", "met": false}));
        let json = serde_json::to_value(Reason {
            met: true,
            kind: ReasonKind::MinSupportPerRole { role: CivilServant, supporters: 1, counted: 2, needed: 1 },
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "min_support_per_role", "met": true, "role": "civil_servant", "supporters": 1, "counted": 2, "needed": 1})
        );
    }
}
