#!/usr/bin/env python3
"""Checks that a budget case works as a lesson: in a realistic room, the two counting rules of
SCENARIO.md ("Version 2 additions" -> "Budget rounds") give clearly different outcomes.

    python3 scripts/budget_case_check.py scenarios/wijkbudget.toml
    python3 scripts/budget_case_check.py scenarios/neighbourhood-budget-en.toml

Needs Python 3.11 (tomllib) and nothing else. If pabutools 1.2 is installed
(`pip install 'pabutools==1.2.*'`), the equal-shares outcome is also checked against
`pabutools.rules.method_of_equal_shares(..., sat_class=Cost_Sat, voter_budget_increment=1)`,
with projects named p00, p01, ... so that its tie-breaking by name is file order.

The room below is written for `wijkbudget` / `neighbourhood-budget-en` (both use the same
project ids). Exit status: 0 when the outcomes differ (and pabutools, if present, agrees),
1 otherwise, 2 when the file does not fit the room.
"""

import sys
import tomllib
from fractions import Fraction

# The simulated room: 24 players in four groups. Every player in a group sends the same
# approval ballot (the ids of the projects they approve).
ROOM = [
    (8, "parents of young children", ["speeltuin", "schoolplein", "oversteek"]),
    (6, "elderly", ["bankjes", "koffieochtend", "stoepranden"]),
    (5, "teenagers", ["hangplek", "pannaveld"]),
    (5, "cyclists / green", ["fietsenstalling", "bomen", "oversteek"]),
]


def greedy(total, costs, ballots):
    """SCENARIO.md `greedy`: most approvals first, ties to the project listed first; fund each
    project that still fits in what is left; never a project nobody approved."""
    approvals = [sum(j in b for b in ballots) for j in range(len(costs))]
    order = sorted((j for j in range(len(costs)) if approvals[j] > 0), key=lambda j: (-approvals[j], j))
    left, funded = total, []
    for j in order:
        if costs[j] <= left:
            left -= costs[j]
            funded.append(j)
    return sorted(funded)


def rho(cost, money):
    """The least ρ such that the approvers, each paying min(money left, ρ·cost), pay exactly
    `cost`; None when they together hold less than `cost` (not affordable)."""
    if sum(money) < cost:
        return None
    paid = Fraction(0)
    ordered = sorted(money)
    for i, m in enumerate(ordered):
        share = (cost - paid) / (len(ordered) - i)  # what each of the richer rest would pay
        if share <= m:
            return share / cost
        paid += m  # this approver cannot pay the share: pays all they have
    raise AssertionError("unreachable: the approvers hold at least the cost")


def mes_run(costs, approvers, voters, start):
    """One run of the Method of Equal Shares (cost satisfaction), every voter starting with
    `start`. Returns the funded project indices in the order they were funded."""
    money = [Fraction(start)] * voters
    funded = []
    while True:
        best = None
        for j, cost in enumerate(costs):  # file order: a tie keeps the project listed first
            if j in funded or not approvers[j]:
                continue
            r = rho(cost, [money[i] for i in approvers[j]])
            if r is not None and (best is None or r < best[1]):
                best = (j, r)
        if best is None:
            return funded
        j, r = best
        for i in approvers[j]:
            money[i] -= min(money[i], r * costs[j])
        funded.append(j)


def equal_shares(total, costs, ballots):
    """SCENARIO.md `equal_shares` with the "add one" completion. Returns (funded indices in file
    order, the raise k of the run that counts)."""
    voters = len(ballots)
    if voters == 0:
        return [], 0
    approvers = [[i for i, b in enumerate(ballots) if j in b] for j in range(len(costs))]

    def leaves_room(funded):
        left = total - sum(costs[j] for j in funded)
        return any(approvers[j] and j not in funded and costs[j] <= left for j in range(len(costs)))

    k, kept = 0, mes_run(costs, approvers, voters, Fraction(total, voters))
    # The loop ends: once k reaches the summed cost of all approved projects, any single
    # approver can pay for anything, so every approved project is funded (or the run is over
    # the total and the previous outcome stands).
    while leaves_room(kept):
        rerun = mes_run(costs, approvers, voters, Fraction(total, voters) + k + 1)
        if sum(costs[j] for j in rerun) > total:
            break  # the previous outcome stands
        k, kept = k + 1, rerun
    return sorted(kept), k


def pabutools_equal_shares(total, costs, ballots):
    """pabutools' MES with the same settings, or None when pabutools is not installed."""
    try:
        from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
        from pabutools.rules import method_of_equal_shares
    except ImportError:
        return None
    projects = [Project(f"p{j:02d}", c) for j, c in enumerate(costs)]
    instance = Instance(projects, budget_limit=total)
    profile = ApprovalProfile([ApprovalBallot([projects[j] for j in b]) for b in ballots])
    outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    return sorted(int(p.name[1:]) for p in outcome)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as f:
        case = tomllib.load(f)
    budget = case["budget"]
    total = budget["total"]
    rule = budget.get("rule", "equal_shares")
    ids = [p["id"] for p in budget["projects"]]
    costs = [p["cost"] for p in budget["projects"]]
    titles = [p["title"] for p in budget["projects"]]

    unknown = sorted({pid for _, _, wants in ROOM for pid in wants} - set(ids))
    if unknown:
        print(f"{sys.argv[1]}: the room approves projects this case does not have: {', '.join(unknown)}")
        sys.exit(2)
    ballots = [sorted(ids.index(pid) for pid in wants) for size, _, wants in ROOM for _ in range(size)]

    print(f"{case['id']} ({case['language']}): total {total}, rule {rule}, {len(ids)} projects, {len(ballots)} voters")
    approvals = [sum(j in b for b in ballots) for j in range(len(ids))]
    for j, pid in enumerate(ids):
        print(f"  {pid:16} {costs[j]:>7}  approvals {approvals[j]:>2}  {titles[j]}")
    print("room:")
    for size, name, wants in ROOM:
        print(f"  {size:>2} {name:26} approve {', '.join(wants)}")

    outcomes = {"greedy": greedy(total, costs, ballots)}
    outcomes["equal_shares"], raise_ = equal_shares(total, costs, ballots)
    for name, funded in outcomes.items():
        spent = sum(costs[j] for j in funded)
        counts = " (counts)" if name == rule else ""
        extra = f", completion raise k = {raise_}" if name == "equal_shares" else ""
        print(f"{name}{counts}: {', '.join(ids[j] for j in funded)}; spent {spent} of {total}{extra}")
        for size, group, wants in ROOM:
            theirs = [ids[j] for j in funded if ids[j] in wants]
            money = sum(costs[ids.index(pid)] for pid in theirs)
            print(f"    {group:26} {money:>7}  {', '.join(theirs) or '-'}")

    ok = outcomes["greedy"] != outcomes["equal_shares"]
    print("the outcomes differ" if ok else "THE OUTCOMES ARE THE SAME")
    reference = pabutools_equal_shares(total, costs, ballots)
    if reference is None:
        print("pabutools: not installed, cross-check skipped")
    elif reference == outcomes["equal_shares"]:
        print("pabutools: agrees on equal_shares")
    else:
        print(f"pabutools: DISAGREES, it funds {', '.join(ids[j] for j in reference)}")
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
