//! The four decision rules of SCENARIO.md, with exact rational comparisons.

use serde::{Deserialize, Serialize};

use crate::scenario::{DecisionRule, Role, RuleKind};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{DecisionSpec, Fraction};

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
}
