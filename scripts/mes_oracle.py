#!/usr/bin/env python3
"""Writes tests/fixtures/budget_oracle.json: budget-round instances with the outcomes that
pabutools 1.2 computes, for the Rust test `game::budget::tests::both_rules_agree_with_pabutools`.

Only a developer regenerating the fixture needs this (CI reads the JSON):

    pip install 'pabutools==1.2.*'
    python3 scripts/mes_oracle.py

Equal shares: pabutools' `method_of_equal_shares` with `Cost_Sat` and
`voter_budget_increment=1` (the "add one" completion). Projects are named p00, p01, ... so
that pabutools' tie-breaking by name is file order, as SCENARIO.md requires.

Greedy: SCENARIO.md's greedy (most approvals first, ties to the project listed first, fund
what still fits, never a project nobody approved), written out below. pabutools'
`greedy_utilitarian_welfare` with `Cost_Sat` orders by total satisfaction / cost, which for
cost satisfaction is the approval count, so it is checked to agree on the approved projects;
on the whole instance it differs only by also funding unapproved projects that still fit,
which SCENARIO.md forbids (counted in the summary this script prints).
"""

import json
import random
from importlib.metadata import version
from pathlib import Path

from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

# SCENARIO.md's greedy, written once (beside the budget case's check, which needs no pabutools).
from budget_case_check import greedy

SEED = 20261130
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "budget_oracle.json"


def pabutools_instance(total, costs, ballots, keep=None):
    projects = [Project(f"p{j:02d}", c) for j, c in enumerate(costs)]
    kept = [p for j, p in enumerate(projects) if keep is None or j in keep]
    profile = ApprovalProfile([ApprovalBallot([projects[j] for j in b]) for b in ballots])
    return Instance(kept, budget_limit=total), profile


def indices(allocation):
    return sorted(int(p.name[1:]) for p in allocation)


def equal_shares(total, costs, ballots, increment=1):
    instance, profile = pabutools_instance(total, costs, ballots)
    return indices(
        method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=increment)
    )


def pabutools_greedy(total, costs, ballots, keep=None):
    instance, profile = pabutools_instance(total, costs, ballots, keep)
    return indices(greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat))


def random_instance(rng, kind):
    """One instance of a kind; every kind draws its own sizes so the mix covers edge cases."""
    if kind == "tiny":
        m, n, total = rng.randint(2, 5), rng.randint(0, 6), rng.randint(1, 30)
        costs = [rng.randint(1, total) for _ in range(m)]
    elif kind == "ties":
        # Few distinct costs and repeated ballots: equal approvals and equal ρ everywhere.
        m, n, total = rng.randint(2, 8), rng.randint(1, 10), rng.choice([12, 24, 60, 120])
        unit = rng.choice([d for d in range(1, total + 1) if total % d == 0 and d < total])
        costs = [rng.choice([unit, 2 * unit, min(total, 3 * unit)]) for _ in range(m)]
        pool = [sorted(rng.sample(range(m), rng.randint(0, m))) for _ in range(rng.randint(1, 3))]
        return total, costs, [list(rng.choice(pool)) for _ in range(n)]
    elif kind == "medium":
        m, n, total = rng.randint(2, 12), rng.randint(1, 20), rng.randint(10, 2_000)
        costs = [rng.randint(1, total) for _ in range(m)]
    elif kind == "cheap":
        # Many cheap projects, so the first run often leaves room and the completion matters.
        m, n, total = rng.randint(5, 16), rng.randint(2, 30), rng.randint(100, 1_000)
        costs = [rng.randint(1, max(1, total // 4)) for _ in range(m)]
    else:  # "large": the limits on projects and voters, modest totals
        m, n, total = rng.randint(20, 40), rng.randint(30, 64), rng.randint(100, 3_000)
        costs = [rng.randint(1, max(1, total // rng.choice([1, 3, 10]))) for _ in range(m)]
    density = rng.random()
    ballots = [sorted(j for j in range(m) if rng.random() < density) for _ in range(n)]
    return total, costs, ballots


def main():
    rng = random.Random(SEED)
    kinds = ["tiny"] * 60 + ["ties"] * 50 + ["medium"] * 50 + ["cheap"] * 30 + ["large"] * 20
    instances, completed, unapproved = [], 0, 0
    for kind in kinds:
        total, costs, ballots = random_instance(rng, kind)
        spec_greedy = greedy(total, costs, ballots)
        approved = {j for b in ballots for j in b}
        assert pabutools_greedy(total, costs, ballots, approved) == spec_greedy, (total, costs, ballots)
        unapproved += pabutools_greedy(total, costs, ballots) != spec_greedy
        mes = equal_shares(total, costs, ballots)
        completed += mes != equal_shares(total, costs, ballots, increment=None)
        instances.append(
            {"kind": kind, "total": total, "costs": costs, "ballots": ballots, "greedy": spec_greedy, "equal_shares": mes}
        )
    lines = ",\n".join("    " + json.dumps(x, separators=(",", ":")) for x in instances)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        "{\n"
        f'  "generator": "scripts/mes_oracle.py (seed {SEED})",\n'
        f'  "pabutools": "{version("pabutools")}",\n'
        f'  "instances": [\n{lines}\n  ]\n'
        "}\n"
    )
    print(
        f"{len(instances)} instances; the completion changed {completed} equal-shares outcomes; "
        f"pabutools' greedy on the whole instance funded an unapproved project in {unapproved}"
    )


if __name__ == "__main__":
    main()
