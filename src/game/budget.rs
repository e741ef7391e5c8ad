//! `game::budget`: the two outcome rules of a budget round (SCENARIO.md, version 2,
//! "Budget rounds"): `greedy` by approvals, and the Method of Equal Shares with cost
//! satisfaction and the "add one" completion. Pure functions of the total, the costs and the
//! ballots: never any I/O, clock, randomness or floating point, so the server, its replay and
//! every check compute the same outcome.
//!
//! Limits (those of the scenario format; within them nothing overflows or panics): `total` in
//! 1..=1,000,000,000, at most 40 projects each costing 1..=`total`, at most 64 ballots, each a
//! set of project indices. The caller validates ballots; an index out of range or repeated
//! within a ballot is ignored here rather than trusted.
//!
//! Both rules list funded projects in file order (ascending index), as the wire format does.
//!
//! Equal shares is exact, in big integers: each funded project splits a remainder among up to
//! 64 approvers, so the common denominator of everyone's money can grow by a factor of up to
//! 64 per funded project (64^40 is far beyond `i128`).
//!
//! The completion reruns the method with every voter's start share raised by 1, 2, ... euros,
//! as pabutools' `method_of_equal_shares(..., voter_budget_increment=1)` does, one rerun at a
//! time. With `total` = 10^9 and few voters that could take some 10^9 reruns, so each run here
//! also works out the first later raise at which one of its decisions could come out
//! otherwise, and the loop jumps there: the reruns in between take the same decisions, fund
//! the same projects and so change nothing for the loop. While the same voters pay all they
//! have, every amount in a run is an affine function of the raise `k` (start shares
//! `total / voters + k`, minus payments affine in them), and a decision on the sign of an
//! affine amount holds until that amount reaches zero. Whether a project keeps losing a round
//! is not affine; affine bounds on the safe side stand in for it. The loop ends at the latest
//! at the raise that equals the summed cost of the approved projects: from there any one
//! approver can pay for any project still open, so everything approved is funded. The outcome,
//! the raise it was computed with and the payments are those of the one-euro loop.
//!
//! pabutools 1.2 computes the same rule: the same affordability test and ρ, ties broken by
//! project name (`scripts/mes_oracle.py` names projects in file order), the completion judged
//! on approved projects only. `tests/fixtures/budget_oracle.json` holds its outcomes for 210
//! instances.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::scenario::{Budget, BudgetRule, Role};

/// The result of one closed budget round, as every view shows it (PROTOCOL.md, version 2,
/// `RESULT`). It names no voter: only counts, overall and (unless the ballot is secret) per
/// role. Under secret ballot the store keeps it in place of the ballots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BudgetResult {
    /// The round's index (0-based, as `phase.index`).
    pub round: usize,
    pub total: u64,
    pub rule: BudgetRule,
    /// Seated players who sent a ballot in the round (an empty one included).
    pub voters: u32,
    /// The outcome that `rule` names.
    pub funded: Vec<String>,
    pub greedy: OutcomeView,
    pub equal_shares: OutcomeView,
    /// Every project of the case, in file order.
    pub projects: Vec<ProjectApprovals>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OutcomeView {
    /// Project ids in file order.
    pub funded: Vec<String>,
    /// What the funded projects cost together.
    pub spent: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProjectApprovals {
    pub id: String,
    pub approvals: u32,
    /// Approvals per role; absent under secret ballot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_role: Option<RoleCounts>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RoleCounts {
    pub resident: u32,
    pub civil_servant: u32,
    pub councillor: u32,
}

impl RoleCounts {
    pub fn get(&self, role: Role) -> u32 {
        match role {
            Role::Resident => self.resident,
            Role::CivilServant => self.civil_servant,
            Role::Councillor => self.councillor,
        }
    }

    fn add(&mut self, role: Role) {
        match role {
            Role::Resident => self.resident += 1,
            Role::CivilServant => self.civil_servant += 1,
            Role::Councillor => self.councillor += 1,
        }
    }
}

/// Counts the ballots of budget round `round` (each voter's role and approved project
/// indices) and computes both outcomes.
pub fn tally(round: usize, budget: &Budget, ballots: &[(Role, Vec<usize>)], secret: bool) -> BudgetResult {
    let costs: Vec<u64> = budget.projects.iter().map(|p| p.cost).collect();
    let sets: Vec<Vec<usize>> = ballots.iter().map(|(_, b)| b.clone()).collect();
    let ids = |o: &Outcome| OutcomeView {
        funded: o.funded.iter().map(|&j| budget.projects[j].id.clone()).collect(),
        spent: o.spent,
    };
    let greedy = ids(&greedy(budget.total, &costs, &sets));
    let equal_shares = ids(&equal_shares(budget.total, &costs, &sets));
    let projects = budget
        .projects
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let mut by_role = RoleCounts::default();
            for (role, b) in ballots {
                if b.contains(&j) {
                    by_role.add(*role);
                }
            }
            let approvals = by_role.resident + by_role.civil_servant + by_role.councillor;
            ProjectApprovals { id: p.id.clone(), approvals, by_role: (!secret).then_some(by_role) }
        })
        .collect();
    let funded = match budget.rule {
        BudgetRule::Greedy => greedy.funded.clone(),
        BudgetRule::EqualShares => equal_shares.funded.clone(),
    };
    BudgetResult {
        round,
        total: budget.total,
        rule: budget.rule,
        voters: ballots.len() as u32,
        funded,
        greedy,
        equal_shares,
        projects,
    }
}

/// One outcome of a budget round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Indices of the funded projects, ascending (file order).
    pub funded: Vec<usize>,
    /// What the funded projects cost together.
    pub spent: u64,
}

/// The Method of Equal Shares' outcome with how it was paid for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EqualShares {
    pub outcome: Outcome,
    /// The completion rerun whose outcome counts: every voter started with
    /// `total / voters + raise` euros (0 when the first run already counts).
    pub raise: u64,
    /// Per funded project, in the order of `outcome.funded`, what each voter paid for it.
    pub payments: Vec<Vec<BigRational>>,
}

/// Greedy by approvals: projects in order of approvals, most first (ties to the project listed
/// first); fund each one that still fits in what is left of `total`.
pub fn greedy(total: u64, costs: &[u64], ballots: &[Vec<usize>]) -> Outcome {
    let approvers = approvers(costs.len(), ballots);
    let mut order: Vec<usize> = (0..costs.len()).filter(|&j| !approvers[j].is_empty()).collect();
    // The sort is stable, so equal counts keep file order.
    order.sort_by_key(|&j| std::cmp::Reverse(approvers[j].len()));
    let mut left = total;
    let mut funded = Vec::new();
    for j in order {
        if costs[j] <= left {
            left -= costs[j];
            funded.push(j);
        }
    }
    funded.sort_unstable();
    Outcome { funded, spent: total - left }
}

/// The Method of Equal Shares with cost satisfaction and the "add one" completion.
pub fn equal_shares(total: u64, costs: &[u64], ballots: &[Vec<usize>]) -> Outcome {
    equal_shares_detailed(total, costs, ballots).outcome
}

/// [`equal_shares`] with the raise that counted and every voter's payments.
pub fn equal_shares_detailed(total: u64, costs: &[u64], ballots: &[Vec<usize>]) -> EqualShares {
    let approvers = approvers(costs.len(), ballots);
    let voters = ballots.len();
    if voters == 0 {
        return EqualShares { outcome: Outcome { funded: Vec::new(), spent: 0 }, raise: 0, payments: Vec::new() };
    }
    let run = |raise| Run::new(total, costs, &approvers, voters, raise);
    let mut kept = run(0);
    // `stable_until` is always set while room is left: by the raise that equals the summed
    // approved cost every approved project is funded, so some decision must change before.
    while let Some(next) = kept.stable_until.filter(|_| leaves_room(total, costs, &approvers, &kept)) {
        let rerun = run(next);
        if rerun.spent > total {
            // The one-euro loop keeps the rerun just before `next`: the same projects as `kept`,
            // paid from shares one euro short of `next`.
            if next - 1 > kept.raise {
                kept = run(next - 1);
            }
            break;
        }
        kept = rerun;
    }
    let mut funded = kept.funded;
    funded.sort_unstable_by_key(|f| f.project);
    let payments = funded
        .iter()
        .map(|f| f.paid.iter().map(|p| BigRational::new(p.clone(), f.denominator.clone())).collect())
        .collect();
    let funded = funded.iter().map(|f| f.project).collect();
    EqualShares { outcome: Outcome { funded, spent: kept.spent }, raise: kept.raise, payments }
}

/// Per project, the voters who approved it, ascending.
fn approvers(projects: usize, ballots: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut approvers = vec![Vec::new(); projects];
    for (voter, ballot) in ballots.iter().enumerate() {
        for &j in ballot {
            if let Some(list) = approvers.get_mut(j)
                && list.last() != Some(&voter)
            {
                list.push(voter);
            }
        }
    }
    approvers
}

/// Whether some approved project that is not funded still fits in what is left of `total`.
fn leaves_room(total: u64, costs: &[u64], approvers: &[Vec<usize>], run: &Run) -> bool {
    (0..costs.len())
        .any(|j| !approvers[j].is_empty() && costs[j] <= total - run.spent && run.funded.iter().all(|f| f.project != j))
}

/// An amount as a function of the raise `k`: `(now + slope · (k - raise)) / denominator`, with
/// the denominator that all amounts share at that moment of the run (kept apart so that
/// comparing and adding amounts needs no division).
#[derive(Clone)]
struct Money {
    now: BigInt,
    slope: BigInt,
}

impl std::ops::AddAssign<&Money> for Money {
    fn add_assign(&mut self, other: &Money) {
        self.now += &other.now;
        self.slope += &other.slope;
    }
}

impl std::ops::SubAssign<&Money> for Money {
    fn sub_assign(&mut self, other: &Money) {
        self.now -= &other.now;
        self.slope -= &other.slope;
    }
}

impl Money {
    fn minus(&self, other: &Money) -> Money {
        Money { now: &self.now - &other.now, slope: &self.slope - &other.slope }
    }

    fn times(&self, n: &BigInt) -> Money {
        Money { now: &self.now * n, slope: &self.slope * n }
    }
}

/// A project's payment cap: each approver pays `min(money, rest / split)`; `weight` is
/// `split · cost`.
struct Cap {
    rest: Money,
    split: BigInt,
    weight: BigInt,
}

/// A funded project: voter `i` paid `paid[i] / denominator`.
struct Funded {
    project: usize,
    paid: Vec<BigInt>,
    denominator: BigInt,
}

/// One run of the method at one raise.
struct Run {
    raise: u64,
    /// In the order they were funded.
    funded: Vec<Funded>,
    spent: u64,
    /// The first later raise at which one of this run's decisions could come out otherwise;
    /// reruns before it fund the same projects. `None`: no decision ever changes.
    stable_until: Option<u64>,
}

impl Run {
    fn new(total: u64, costs: &[u64], approvers: &[Vec<usize>], voters: usize, raise: u64) -> Run {
        // Everyone starts with (total + raise · voters) / voters, which grows by voters / voters
        // per raise.
        let mut denominator = BigInt::from(voters);
        let start = Money { now: BigInt::from(total) + BigInt::from(raise) * voters, slope: denominator.clone() };
        let mut money = vec![start; voters];
        let mut run = Run { raise, funded: Vec::new(), spent: 0, stable_until: None };
        let mut open: Vec<usize> = (0..costs.len()).filter(|&j| !approvers[j].is_empty()).collect();
        loop {
            // What each open project costs beyond what its approvers hold.
            let shorts: Vec<Money> = open
                .iter()
                .map(|&j| {
                    let mut short = Money { now: &denominator * costs[j], slope: BigInt::zero() };
                    for &i in &approvers[j] {
                        short -= &money[i];
                    }
                    short
                })
                .collect();
            let mut rank = vec![0; voters];
            let mut poorest_first: Vec<usize> = (0..voters).collect();
            poorest_first.sort_by(|&a, &b| money[a].now.cmp(&money[b].now));
            for (r, &i) in poorest_first.iter().enumerate() {
                rank[i] = r;
            }
            let caps: Vec<Option<Cap>> = open
                .iter()
                .zip(&shorts)
                .map(|(&j, short)| {
                    (!short.now.is_positive()).then(|| cap(&money, &approvers[j], costs[j], &denominator, &rank))
                })
                .collect();
            // `min_by` keeps the first of equals: the project listed first.
            let Some((x, won)) = caps
                .iter()
                .enumerate()
                .filter_map(|(y, cap)| Some((y, cap.as_ref()?)))
                .min_by(|(_, a), (_, b)| ahead(a, b))
            else {
                // The end, which lasts while no project's approvers hold its cost.
                for short in &shorts {
                    run.watch(short);
                }
                break;
            };
            let w = open[x];
            // Who pays all they have decides the winner's payments, so the money after it.
            for &i in &approvers[w] {
                run.watch(&money[i].times(&won.split).minus(&won.rest));
            }
            for (y, &j) in open.iter().enumerate().filter(|&(y, _)| y != x) {
                let behind = || behind(&money, &approvers[j], costs[j], won, &denominator);
                match &caps[y] {
                    None => run.watch_either(&shorts[y], behind),
                    Some(cap) => {
                        // A cap is the largest of its formulas over all choices of who pays all
                        // (with any choice, approvers paying min(money, that formula) raise at
                        // most the cost), so a loser's ρ never drops below this formula's.
                        let lags = cap.rest.times(&won.weight).minus(&won.rest.times(&cap.weight));
                        if lags.now.is_zero() {
                            // A tie lost on being listed later, which `behind` cannot show.
                            run.watch(&lags);
                        } else {
                            run.watch_either(&lags, behind);
                        }
                    }
                }
            }
            // Pay: amounts go over denominator · split from here on.
            let mut paid = vec![BigInt::zero(); voters];
            for m in &mut money {
                *m = m.times(&won.split);
            }
            for &i in &approvers[w] {
                let pays = if money[i].now < won.rest.now { money[i].clone() } else { won.rest.clone() };
                money[i] = money[i].minus(&pays);
                paid[i] = pays.now;
            }
            denominator *= &won.split;
            run.funded.push(Funded { project: w, paid, denominator: denominator.clone() });
            run.spent += costs[w];
            open.remove(x);
        }
        run
    }

    /// Notes a decision taken on the sign of `d`.
    fn watch(&mut self, d: &Money) {
        if let Some(at) = self.flips(d) {
            self.until(at);
        }
    }

    /// Notes a decision that `d` and `other()` each show on their own by their signs: it can
    /// change only once both have reached zero. `other` is worked out only when it could
    /// matter.
    fn watch_either(&mut self, d: &Money, other: impl FnOnce() -> Money) {
        let Some(at) = self.flips(d) else { return };
        if self.stable_until.is_some_and(|u| u <= at) {
            return;
        }
        if let Some(later) = self.flips(&other()) {
            self.until(at.max(later));
        }
    }

    fn until(&mut self, at: u64) {
        self.stable_until = Some(self.stable_until.map_or(at, |u| u.min(at)));
    }

    /// The first raise after this one at which `d` may have another sign: where it reaches
    /// zero, `-now / slope` raises on. `None`: never.
    fn flips(&self, d: &Money) -> Option<u64> {
        if d.slope.is_zero() || d.now.signum() == d.slope.signum() {
            return None;
        }
        let (gap, pace) = (d.now.abs(), d.slope.abs());
        let t = ((gap + &pace - 1u32) / pace).to_u64().unwrap_or(u64::MAX).max(1);
        Some(self.raise.saturating_add(t))
    }
}

/// The cap at which the approvers, each paying `min(money, cap)`, together pay `cost`. The
/// approvers must hold at least `cost`.
fn cap(money: &[Money], approvers: &[usize], cost: u64, denominator: &BigInt, rank: &[usize]) -> Cap {
    let mut poorest_first = approvers.to_vec();
    poorest_first.sort_unstable_by_key(|&i| rank[i]);
    let mut rest = Money { now: denominator * cost, slope: BigInt::zero() };
    let mut poor = 0;
    // The poorest pay all they have while that is less than an equal split of the rest.
    while poor + 1 < poorest_first.len() {
        let m = &money[poorest_first[poor]];
        if &m.now * (poorest_first.len() - poor) >= rest.now {
            break;
        }
        rest -= m;
        poor += 1;
    }
    let split = BigInt::from(poorest_first.len() - poor);
    Cap { rest, weight: &split * cost, split }
}

/// Whether `a` has a smaller ρ than `b`: ρ = cap / cost = rest / (weight · denominator).
fn ahead(a: &Cap, b: &Cap) -> Ordering {
    (&a.rest.now * &b.weight).cmp(&(&b.rest.now * &a.weight))
}

/// A project loses the round to the winner exactly while its approvers, each paying at most
/// `ρ_winner · cost`, cannot raise its cost (which covers a project they cannot afford at
/// all): while `sum min(money, ρ_winner · cost) - cost < 0`. Each minimum is at most either of
/// its two affine pieces, so the pieces that are the minimum now give an affine function that
/// equals the sum now and is never below it later: the project keeps losing at least as long
/// as that stays below zero. Scaled by the winner's weight, so that `ρ_winner · cost` is
/// `rest_winner · cost`.
fn behind(money: &[Money], approvers: &[usize], cost: u64, won: &Cap, denominator: &BigInt) -> Money {
    let bar = won.rest.times(&BigInt::from(cost));
    let mut sum = Money { now: -(denominator * cost * &won.weight), slope: BigInt::zero() };
    for &i in approvers {
        let m = money[i].times(&won.weight);
        sum += if m.now < bar.now { &m } else { &bar };
    }
    sum
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use proptest::prelude::*;

    use super::*;

    fn ratio(numer: i64, denom: i64) -> BigRational {
        BigRational::new(numer.into(), denom.into())
    }

    fn euros(n: u64) -> BigRational {
        BigRational::from_integer(n.into())
    }

    /// The example data file on equalshares.net's page about computing results: 4 voters,
    /// 100,000 euros.
    /// The first run funds the 5,000 and 10,000 projects and leaves 85,000, exactly the third
    /// project's cost, so the completion raises every share until voters 3 and 4 can pay for it
    /// after the other two: 2·(25,000 + k) - 20,000/3 >= 85,000 first holds at k = 20,834.
    #[test]
    fn equalshares_net_example_is_completed_to_all_three_projects() {
        let (total, costs, ballots) = (100_000, [5_000, 10_000, 85_000], [vec![0, 1], vec![0], vec![2], vec![0, 1, 2]]);
        let mes = equal_shares_detailed(total, &costs, &ballots);
        assert_eq!(mes.outcome, Outcome { funded: vec![0, 1, 2], spent: 100_000 });
        assert_eq!(mes.raise, 20_834);
        let third = ratio(5_000, 3);
        assert_eq!(mes.payments[0], [third.clone(), third.clone(), BigRational::zero(), third]);
        assert_eq!(mes.payments[1], [euros(5_000), BigRational::zero(), BigRational::zero(), euros(5_000)]);
        // Voter 4 pays all that is left of 45,834 after 5,000/3 and 5,000; voter 3 the rest.
        assert_eq!(mes.payments[2], [BigRational::zero(), BigRational::zero(), ratio(137_498, 3), ratio(117_502, 3)]);
        assert_eq!(greedy(total, &costs, &ballots), Outcome { funded: vec![0, 1, 2], spent: 100_000 });
    }

    /// Wikipedia's motivating example: a slight majority approves ten red projects, the rest
    /// ten blue ones, and the money pays for ten. Greedy gives the majority everything; equal
    /// shares gives each group half (here 33 and 31 voters, so 64 in all).
    #[test]
    fn a_slight_majority_gets_everything_from_greedy_and_half_from_equal_shares() {
        let costs = [100; 20];
        let red: Vec<usize> = (0..10).collect();
        let blue: Vec<usize> = (10..20).collect();
        let ballots: Vec<Vec<usize>> = [vec![red.clone(); 33], vec![blue; 31]].concat();
        assert_eq!(greedy(1_000, &costs, &ballots), Outcome { funded: red, spent: 1_000 });
        let halves: Vec<usize> = (0..5).chain(10..15).collect();
        assert_eq!(equal_shares(1_000, &costs, &ballots), Outcome { funded: halves, spent: 1_000 });
    }

    /// equalshares.net: a project that costs more than its voters' shares together is removed
    /// from consideration, however many votes it has. Greedy funds it (tied on approvals and
    /// listed first) and then has no room for the other.
    #[test]
    fn a_project_its_voters_cannot_pay_for_is_not_funded() {
        let ballots: Vec<Vec<usize>> = [vec![vec![0]; 5], vec![vec![1]; 5]].concat();
        assert_eq!(equal_shares(100, &[60, 50], &ballots), Outcome { funded: vec![1], spent: 50 });
        assert_eq!(greedy(100, &[60, 50], &ballots), Outcome { funded: vec![0], spent: 60 });
    }

    #[test]
    fn greedy_skips_what_does_not_fit_and_funds_what_still_does() {
        let ballots = [vec![0, 1, 2], vec![1, 2], vec![2]];
        assert_eq!(greedy(10, &[3, 8, 6], &ballots), Outcome { funded: vec![0, 2], spent: 9 });
    }

    #[test]
    fn ties_go_to_the_project_listed_first() {
        let ballots = [vec![0, 1], vec![0, 1]];
        assert_eq!(greedy(10, &[10, 10], &ballots), Outcome { funded: vec![0], spent: 10 });
        assert_eq!(equal_shares(10, &[10, 10], &ballots), Outcome { funded: vec![0], spent: 10 });
    }

    #[test]
    fn projects_nobody_approved_are_never_funded() {
        let ballots = [vec![1], vec![]];
        assert_eq!(greedy(10, &[1, 5], &ballots), Outcome { funded: vec![1], spent: 5 });
        assert_eq!(equal_shares(10, &[1, 5], &ballots), Outcome { funded: vec![1], spent: 5 });
        assert_eq!(equal_shares(10, &[1, 5], &[]), Outcome { funded: vec![], spent: 0 });
    }

    /// The caller validates ballots, but a repeated or unknown index must not count twice or
    /// panic.
    #[test]
    fn repeated_and_unknown_indices_are_ignored() {
        let ballots = [vec![0, 0, 7], vec![1]];
        assert_eq!(greedy(10, &[5, 5], &ballots), Outcome { funded: vec![0, 1], spent: 10 });
        let mes = equal_shares_detailed(10, &[5, 5], &ballots);
        assert_eq!(mes.outcome, Outcome { funded: vec![0, 1], spent: 10 });
        assert_eq!(mes.payments[0], [euros(5), BigRational::zero()]);
    }

    /// An empty ballot still takes its share: 50 each, so the 60-euro project waits for the
    /// completion to raise the shares to 60.
    #[test]
    fn an_empty_ballot_counts_as_a_voter() {
        let mes = equal_shares_detailed(100, &[60], &[vec![0], vec![]]);
        assert_eq!(mes.outcome, Outcome { funded: vec![0], spent: 60 });
        assert_eq!((mes.raise, &mes.payments[0]), (10, &vec![euros(60), BigRational::zero()]));
    }

    /// One voter's 999,999,999-euro project needs some 5·10^8 one-euro raises: the completion
    /// must jump, not step (a few milliseconds in a debug build).
    #[test]
    fn completion_jumps_to_the_raise_that_funds_more() {
        let start = Instant::now();
        let mes = equal_shares_detailed(1_000_000_000, &[999_999_999, 1], &[vec![0], vec![1]]);
        assert_eq!(mes.outcome, Outcome { funded: vec![0, 1], spent: 1_000_000_000 });
        assert_eq!(mes.raise, 499_999_999);
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    /// At raise 10^8 voter 0 can pay for project 0 and voter 1 for project 2 after project 1:
    /// 1.2·10^9 is too much, so the outcome of the raise before stands.
    #[test]
    fn completion_keeps_the_last_outcome_within_total() {
        let start = Instant::now();
        let costs = [600_000_000, 400_000_000, 200_000_000];
        let mes = equal_shares_detailed(1_000_000_000, &costs, &[vec![0], vec![1, 2]]);
        assert_eq!(mes.outcome, Outcome { funded: vec![1], spent: 400_000_000 });
        assert_eq!(mes.raise, 99_999_999);
        assert_eq!(mes.payments[0], [BigRational::zero(), euros(400_000_000)]);
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    /// Instances on which a completion that jumped too far went wrong during development: it
    /// missed a change of which project wins a round, of who pays all they have for the
    /// winner, or of a tie. The funded projects are pabutools'.
    #[test]
    fn completion_does_not_jump_over_a_changed_round() {
        let cases = [
            (
                49,
                vec![21, 1, 22, 8, 5, 7, 40, 3],
                vec![vec![0, 2], vec![0, 3, 4], vec![0, 2, 3, 5], vec![2]],
                vec![0, 2, 4],
            ),
            (
                11,
                vec![2, 3, 1, 3, 6],
                vec![vec![0, 1, 3], vec![0, 1, 2, 3], vec![0, 3], vec![], vec![0, 1, 2, 3], vec![1]],
                vec![0, 1, 2, 3],
            ),
            (
                131,
                vec![27, 90, 17, 9, 1, 59],
                vec![vec![5], vec![0, 1, 3, 4, 5], vec![1], vec![0, 1, 3, 4, 5]],
                vec![0, 1, 4],
            ),
            (19, vec![1, 2, 11, 12, 9, 5], vec![vec![0, 3, 4, 5], vec![1, 3, 5], vec![0]], vec![0, 1, 3]),
        ];
        for (total, costs, ballots, funded) in cases {
            let mes = equal_shares_detailed(total, &costs, &ballots);
            assert_eq!(mes.outcome.funded, funded);
            let reference = reference_equal_shares(total, &costs, &ballots);
            assert_eq!((mes.outcome.funded, mes.raise, mes.payments), reference, "{total} {costs:?} {ballots:?}");
        }
    }

    /// The limits at once: 64 voters with nested ballots (voter `i` approves the first
    /// `i % 40 + 1` projects), 40 projects, a billion euros. Nested ballots make the outcome
    /// change back and forth as shares grow, so the completion needs many reruns; this must
    /// still finish in about a second in a debug build (some 30 reruns instead of 10^7).
    #[test]
    fn the_largest_round_finishes() {
        let costs: Vec<u64> = (0..40).map(|j| (j * 7_919 % 97 + 1) * 1_000_000).collect();
        let ballots: Vec<Vec<usize>> = (0..64).map(|i| (0..=i % 40).collect()).collect();
        let mes = equal_shares_detailed(1_000_000_000, &costs, &ballots);
        assert_eq!(mes.raise, 10_012_937);
        check_payments(1_000_000_000, &costs, &ballots, &mes);
    }

    /// Straightforward MES, written apart from the module: one run per one-euro raise, and
    /// every affordable project's payment cap found again each round the way pabutools does
    /// (move voters who cannot pay an equal split to "pays all" until none is left).
    fn reference_equal_shares(
        total: u64,
        costs: &[u64],
        ballots: &[Vec<usize>],
    ) -> (Vec<usize>, u64, Vec<Vec<BigRational>>) {
        let n = ballots.len();
        if n == 0 {
            return (vec![], 0, vec![]);
        }
        let approves = |i: usize, j: usize| ballots[i].contains(&j);
        let run = |share: BigRational| {
            let mut money = vec![share; n];
            let mut funded: Vec<(usize, Vec<BigRational>)> = vec![];
            loop {
                let mut best: Option<(usize, BigRational)> = None;
                for j in (0..costs.len()).filter(|j| funded.iter().all(|(f, _)| f != j)) {
                    let supporters: Vec<usize> = (0..n).filter(|&i| approves(i, j)).collect();
                    let held: BigRational = supporters.iter().map(|&i| money[i].clone()).sum();
                    if supporters.is_empty() || held < euros(costs[j]) {
                        continue;
                    }
                    let (mut rich, mut poor) = (supporters, Vec::new());
                    let cap = loop {
                        let poor_money: BigRational = poor.iter().map(|&i: &usize| money[i].clone()).sum();
                        let cap = (euros(costs[j]) - poor_money) / euros(rich.len() as u64);
                        let (now_poor, still_rich): (Vec<usize>, Vec<usize>) =
                            rich.iter().partition(|&&i| money[i] < cap);
                        if now_poor.is_empty() {
                            break cap;
                        }
                        poor.extend(now_poor);
                        rich = still_rich;
                    };
                    let rho = cap / euros(costs[j]);
                    if best.as_ref().is_none_or(|(_, r)| rho < *r) {
                        best = Some((j, rho));
                    }
                }
                let Some((j, rho)) = best else { break };
                let cap = rho * euros(costs[j]);
                let paid: Vec<BigRational> = (0..n)
                    .map(|i| if approves(i, j) { money[i].clone().min(cap.clone()) } else { BigRational::zero() })
                    .collect();
                for i in 0..n {
                    money[i] -= &paid[i];
                }
                funded.push((j, paid));
            }
            funded.sort_by_key(|(j, _)| *j);
            funded
        };
        let spent = |funded: &[(usize, Vec<BigRational>)]| funded.iter().map(|(j, _)| costs[*j]).sum::<u64>();
        let share = BigRational::new(total.into(), (n as u64).into());
        let mut kept = (run(share.clone()), 0);
        for raise in 1.. {
            let room = total - spent(&kept.0);
            let fits = (0..costs.len()).any(|j| {
                costs[j] <= room && kept.0.iter().all(|(f, _)| *f != j) && ballots.iter().any(|b| b.contains(&j))
            });
            if !fits {
                break;
            }
            let rerun = run(&share + euros(raise));
            if spent(&rerun) > total {
                break;
            }
            kept = (rerun, raise);
        }
        let (funded, payments) = kept.0.into_iter().unzip();
        (funded, kept.1, payments)
    }

    /// Greedy the slow way: pick the most approved project left (first listed on a tie) until
    /// none is left, funding it when it fits.
    fn reference_greedy(total: u64, costs: &[u64], ballots: &[Vec<usize>]) -> Vec<usize> {
        let approvals = |j: usize| ballots.iter().filter(|b| b.contains(&j)).count();
        let mut left: Vec<usize> = (0..costs.len()).filter(|&j| approvals(j) > 0).collect();
        let (mut funded, mut money) = (vec![], total);
        while let Some(pos) = (0..left.len()).rev().max_by_key(|&p| approvals(left[p])) {
            let j = left.remove(pos);
            if costs[j] <= money {
                money -= costs[j];
                funded.push(j);
            }
        }
        funded.sort_unstable();
        funded
    }

    /// What holds for every equal-shares outcome: within total, only approved projects, each
    /// paid exactly by its approvers, and nobody pays more than their start share.
    fn check_payments(total: u64, costs: &[u64], ballots: &[Vec<usize>], mes: &EqualShares) {
        let funded = &mes.outcome.funded;
        assert!(funded.windows(2).all(|w| w[0] < w[1]), "file order: {funded:?}");
        assert_eq!(mes.outcome.spent, funded.iter().map(|&j| costs[j]).sum::<u64>());
        assert!(mes.outcome.spent <= total);
        assert_eq!(mes.payments.len(), funded.len());
        for (&j, paid) in funded.iter().zip(&mes.payments) {
            assert_eq!(paid.len(), ballots.len());
            assert_eq!(paid.iter().sum::<BigRational>(), euros(costs[j]), "project {j} paid exactly");
            for (i, p) in paid.iter().enumerate() {
                assert!(!p.is_negative() && (p.is_zero() || ballots[i].contains(&j)), "voter {i} pays {p} for {j}");
            }
        }
        if !ballots.is_empty() {
            let share = BigRational::new(total.into(), ballots.len().into()) + euros(mes.raise);
            for i in 0..ballots.len() {
                let paid: BigRational = mes.payments.iter().map(|p| p[i].clone()).sum();
                assert!(paid <= share, "voter {i} pays {paid} of {share}");
            }
        }
    }

    /// Small instances, half of them with many ties: few distinct costs and ballots drawn from
    /// a few shapes.
    fn instance() -> impl Strategy<Value = (u64, Vec<u64>, Vec<Vec<usize>>)> {
        (1u64..=120, 2usize..=7, any::<bool>()).prop_flat_map(|(total, m, ties)| {
            let cost = if ties {
                prop_oneof![Just(total), Just(total.div_ceil(2)), Just(total.div_ceil(3)), Just(total / 4 + 1)].boxed()
            } else {
                (1..=total).boxed()
            };
            let ballot = proptest::sample::subsequence((0..m).collect::<Vec<_>>(), 0..=m);
            let shapes = proptest::collection::vec(ballot, if ties { 1..=3 } else { 9..=9 });
            let ballots =
                shapes.prop_flat_map(|shapes| proptest::collection::vec(proptest::sample::select(shapes), 0..=9));
            (Just(total), proptest::collection::vec(cost, m), ballots)
        })
    }

    proptest! {
        #[test]
        fn both_rules_stay_within_total_and_fund_only_approved_projects((total, costs, ballots) in instance()) {
            for outcome in [greedy(total, &costs, &ballots), equal_shares(total, &costs, &ballots)] {
                prop_assert!(outcome.spent <= total);
                prop_assert!(outcome.funded.iter().all(|j| ballots.iter().any(|b| b.contains(j))));
            }
        }

        #[test]
        fn greedy_matches_the_slow_reference((total, costs, ballots) in instance()) {
            prop_assert_eq!(greedy(total, &costs, &ballots).funded, reference_greedy(total, &costs, &ballots));
        }

        #[test]
        fn equal_shares_matches_the_one_euro_reference((total, costs, ballots) in instance()) {
            let mes = equal_shares_detailed(total, &costs, &ballots);
            check_payments(total, &costs, &ballots, &mes);
            let (funded, raise, payments) = reference_equal_shares(total, &costs, &ballots);
            prop_assert_eq!(&mes.outcome.funded, &funded);
            prop_assert_eq!(mes.raise, raise);
            prop_assert_eq!(&mes.payments, &payments);
        }
    }

    #[derive(serde::Deserialize)]
    struct Oracle {
        instances: Vec<OracleInstance>,
    }

    #[derive(serde::Deserialize)]
    struct OracleInstance {
        total: u64,
        costs: Vec<u64>,
        ballots: Vec<Vec<usize>>,
        greedy: Vec<usize>,
        equal_shares: Vec<usize>,
    }

    /// Outcomes computed by pabutools 1.2 (`scripts/mes_oracle.py`): both rules agree on each.
    #[test]
    fn both_rules_agree_with_pabutools() {
        let oracle: Oracle =
            serde_json::from_str(include_str!("../../tests/fixtures/budget_oracle.json")).expect("the fixture is JSON");
        assert!(oracle.instances.len() >= 200);
        for (n, x) in oracle.instances.iter().enumerate() {
            assert_eq!(greedy(x.total, &x.costs, &x.ballots).funded, x.greedy, "greedy, instance {n}");
            let mes = equal_shares_detailed(x.total, &x.costs, &x.ballots);
            assert_eq!(mes.outcome.funded, x.equal_shares, "equal shares, instance {n}");
            check_payments(x.total, &x.costs, &x.ballots, &mes);
        }
    }
}
