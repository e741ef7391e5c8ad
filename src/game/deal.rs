//! Dealing: tables, seats per role, persona cards and the perspective swap. Every choice by
//! chance comes from the room's one seeded generator, so a replay deals the same.

// Roles index small fixed arrays in step with each other; index loops read clearer here.
#![allow(clippy::needless_range_loop)]

use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::shuffle::shuffle;
use crate::scenario::Role;

/// Fewest players a table may have.
pub const MIN_TABLE: usize = 3;

/// How many tables `n` players sit at: the requested number, or `n / table_size` rounded
/// (halves up), lowered while some table would have fewer than three players.
pub fn table_count(n: usize, table_size: u32, requested: Option<u32>) -> usize {
    let ts = table_size.max(1) as usize;
    let mut t = match requested {
        Some(t) => t as usize,
        None => ((2 * n + ts) / (2 * ts)).max(1),
    }
    .max(1);
    while t > 1 && n / t < MIN_TABLE {
        t -= 1;
    }
    t
}

/// Sizes of `t` tables for `n` players: they differ by at most one, larger ones first.
pub fn table_sizes(n: usize, t: usize) -> Vec<usize> {
    (0..t).map(|i| n / t + usize::from(i < n % t)).collect()
}

/// Seats per role (in role order) at a table of `s` players: largest-remainder
/// apportionment by weight, then at least one seat for every role when `s >= 3`, taken from
/// the role with the most seats. Ties go in role order.
pub fn seats_per_role(s: usize, weights: [u32; 3]) -> [usize; 3] {
    let total: usize = weights.iter().map(|w| *w as usize).sum::<usize>().max(1);
    let mut seats = [0usize; 3];
    let mut rems = [0usize; 3];
    for r in 0..3 {
        seats[r] = s * weights[r] as usize / total;
        rems[r] = s * weights[r] as usize % total;
    }
    let mut left = s - seats.iter().sum::<usize>();
    let mut order = [0usize, 1, 2];
    // Stable sort keeps role order among equal remainders.
    order.sort_by(|a, b| rems[*b].cmp(&rems[*a]));
    for r in order {
        if left == 0 {
            break;
        }
        seats[r] += 1;
        left -= 1;
    }
    if s >= 3 {
        for r in 0..3 {
            if seats[r] == 0 {
                let max = *seats.iter().max().expect("three roles");
                let from = (0..3).find(|i| seats[*i] == max).expect("a maximum exists");
                seats[from] -= 1;
                seats[r] += 1;
            }
        }
    }
    seats
}

/// A shuffled deck dealt without repeats, reshuffled when it runs out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deck {
    size: usize,
    remaining: Vec<usize>,
}

impl Deck {
    pub fn new(size: usize) -> Deck {
        Deck { size, remaining: Vec::new() }
    }

    /// The next card; `None` only for an empty deck.
    pub fn draw(&mut self, rng: &mut ChaCha8Rng) -> Option<usize> {
        if self.remaining.is_empty() {
            self.remaining = (0..self.size).collect();
            shuffle(&mut self.remaining, rng);
        }
        self.remaining.pop()
    }
}

/// Assigns each player (given by real role, `None` for "other") a seat: `(table, role)`,
/// indexed like `players`. `seats[t]` is the seats per role at table `t`. With `swap`, as
/// few players as possible hold their real role (none when that is possible).
pub fn assign(players: &[Option<Role>], seats: &[[usize; 3]], swap: bool, rng: &mut ChaCha8Rng) -> Vec<(usize, Role)> {
    let n = players.len();
    let mut order: Vec<usize> = (0..n).collect();
    shuffle(&mut order, rng);
    let totals: [usize; 3] = std::array::from_fn(|r| seats.iter().map(|s| s[r]).sum());
    debug_assert_eq!(totals.iter().sum::<usize>(), n, "one seat per player");
    // Which role each player gets.
    let mut role_of: Vec<Option<Role>> = vec![None; n];
    if swap {
        let mut by_group: [Vec<usize>; 3] = Default::default();
        let mut others = Vec::new();
        for &p in &order {
            match players[p] {
                Some(r) => by_group[r.index()].push(p),
                None => others.push(p),
            }
        }
        let flow = swap_flow([by_group[0].len(), by_group[1].len(), by_group[2].len()], totals);
        let mut free = totals;
        for g in 0..3 {
            let mut members = by_group[g].iter();
            for r in 0..3 {
                for _ in 0..flow[g][r] {
                    let p = *members.next().expect("flow never exceeds the group");
                    role_of[p] = Some(Role::ALL[r]);
                    free[r] -= 1;
                }
            }
            // Whoever the flow could not move keeps the real role (the only seats left).
            for &p in members {
                role_of[p] = Some(Role::ALL[g]);
                free[g] -= 1;
            }
        }
        for p in others {
            let r = (0..3).find(|r| free[*r] > 0).expect("seats equal players");
            role_of[p] = Some(Role::ALL[r]);
            free[r] -= 1;
        }
    } else {
        let mut i = 0;
        for r in 0..3 {
            for _ in 0..totals[r] {
                role_of[order[i]] = Some(Role::ALL[r]);
                i += 1;
            }
        }
    }
    // Which table: players of each role, in shuffled order, fill that role's seats.
    let mut result = vec![(0, Role::Resident); n];
    for (r, role) in Role::ALL.iter().enumerate() {
        let mut holders: Vec<usize> = order.iter().copied().filter(|p| role_of[*p] == Some(*role)).collect();
        shuffle(&mut holders, rng);
        let mut it = holders.into_iter();
        for (t, s) in seats.iter().enumerate() {
            for _ in 0..s[r] {
                let p = it.next().expect("seats equal holders");
                result[p] = (t, *role);
            }
        }
    }
    result
}

/// Maximum flow from real-role groups to seat roles other than their own:
/// `flow[g][r]` players of real role `g` are dealt role `r` (never `r == g`).
fn swap_flow(groups: [usize; 3], seats: [usize; 3]) -> [[usize; 3]; 3] {
    // Nodes: 0 source, 1..=3 groups, 4..=6 roles, 7 sink.
    const N: usize = 8;
    let mut cap = [[0usize; N]; N];
    for g in 0..3 {
        cap[0][1 + g] = groups[g];
        cap[4 + g][7] = seats[g];
        for r in 0..3 {
            if r != g {
                cap[1 + g][4 + r] = usize::MAX / 4;
            }
        }
    }
    let original = cap;
    loop {
        // Breadth-first search for an augmenting path.
        let mut prev = [usize::MAX; N];
        prev[0] = 0;
        let mut queue = std::collections::VecDeque::from([0]);
        while let Some(u) = queue.pop_front() {
            for v in 0..N {
                if prev[v] == usize::MAX && cap[u][v] > 0 {
                    prev[v] = u;
                    queue.push_back(v);
                }
            }
        }
        if prev[7] == usize::MAX {
            break;
        }
        let mut bottleneck = usize::MAX;
        let mut v = 7;
        while v != 0 {
            bottleneck = bottleneck.min(cap[prev[v]][v]);
            v = prev[v];
        }
        let mut v = 7;
        while v != 0 {
            cap[prev[v]][v] -= bottleneck;
            cap[v][prev[v]] += bottleneck;
            v = prev[v];
        }
    }
    let mut flow = [[0usize; 3]; 3];
    for g in 0..3 {
        for r in 0..3 {
            if r != g {
                flow[g][r] = original[1 + g][4 + r] - cap[1 + g][4 + r];
            }
        }
    }
    flow
}

/// Where a late joiner sits: the smallest table (lowest number on a tie), in the role that
/// table has fewest of, preferring with `swap` a role that is not their real one; ties in
/// role order. `tables[t]` counts the seated players per role.
pub fn late_seat(tables: &[[usize; 3]], real: Option<Role>, swap: bool) -> (usize, Role) {
    let t = (0..tables.len()).min_by_key(|t| (tables[*t].iter().sum::<usize>(), *t)).expect("at least one table");
    let role = Role::ALL
        .into_iter()
        .min_by_key(|r| (tables[t][r.index()], swap && Some(*r) == real, r.index()))
        .expect("three roles");
    (t, role)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;

    #[test]
    fn tables_round_halves_up_and_keep_three() {
        assert_eq!(table_count(9, 6, None), 2); // 1.5 rounds up
        assert_eq!(table_count(8, 6, None), 1);
        assert_eq!(table_count(5, 6, None), 1);
        assert_eq!(table_count(12, 6, None), 2);
        assert_eq!(table_count(7, 3, Some(5)), 2); // 5 tables would seat fewer than 3
        assert_eq!(table_count(3, 6, Some(16)), 1);
        assert_eq!(table_sizes(14, 3), vec![5, 5, 4]);
    }

    #[test]
    fn seats_follow_weights_and_give_every_role_one() {
        assert_eq!(seats_per_role(6, [2, 1, 1]), [3, 2, 1]); // quotas 3, 1.5, 1.5: tie to civil servant
        assert_eq!(seats_per_role(6, [1, 1, 1]), [2, 2, 2]);
        assert_eq!(seats_per_role(3, [10, 1, 1]), [1, 1, 1]);
        assert_eq!(seats_per_role(4, [10, 1, 1]), [2, 1, 1]);
        assert_eq!(seats_per_role(5, [1, 1, 1]), [2, 2, 1]);
    }

    #[test]
    fn late_joiner_takes_the_smallest_table_and_its_scarcest_role() {
        let tables = [[2, 1, 1], [1, 1, 1], [2, 1, 1]];
        assert_eq!(late_seat(&tables, None, true), (1, Role::Resident));
        assert_eq!(late_seat(&tables, Some(Role::Resident), true), (1, Role::CivilServant));
        assert_eq!(late_seat(&tables, Some(Role::Resident), false), (1, Role::Resident));
        assert_eq!(late_seat(&[[1, 0, 2]], Some(Role::CivilServant), true), (0, Role::CivilServant));
    }

    #[test]
    fn swap_moves_everyone_when_possible() {
        let players =
            vec![Some(Role::Resident); 2].into_iter().chain([Some(Role::Councillor), None]).collect::<Vec<_>>();
        let seats = [[2, 1, 1]];
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let a = assign(&players, &seats, true, &mut rng);
        for (p, (_, role)) in a.iter().enumerate() {
            assert_ne!(players[p], Some(*role), "player {p}");
        }
    }

    /// Brute-force minimum of players holding their real role over all role assignments.
    fn min_own(players: &[Option<Role>], totals: [usize; 3]) -> usize {
        fn rec(i: usize, players: &[Option<Role>], free: &mut [usize; 3]) -> usize {
            if i == players.len() {
                return 0;
            }
            let mut best = usize::MAX;
            for r in 0..3 {
                if free[r] > 0 {
                    free[r] -= 1;
                    let own = usize::from(players[i] == Some(Role::ALL[r]));
                    best = best.min(own + rec(i + 1, players, free));
                    free[r] += 1;
                }
            }
            best
        }
        rec(0, players, &mut totals.clone())
    }

    fn real_roles() -> impl Strategy<Value = Vec<Option<Role>>> {
        prop::collection::vec(prop::option::of(prop::sample::select(Role::ALL.to_vec())), 3..=40)
    }

    proptest! {
        #[test]
        fn tables_are_balanced_and_never_below_three(n in 3usize..=64, ts in 3u32..=12, req in prop::option::of(1u32..=16)) {
            let t = table_count(n, ts, req);
            let sizes = table_sizes(n, t);
            prop_assert_eq!(sizes.iter().sum::<usize>(), n);
            prop_assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
            prop_assert!(*sizes.iter().min().unwrap() >= MIN_TABLE);
        }

        #[test]
        fn every_role_sits_at_every_table(s in 3usize..=22, w in prop::array::uniform3(1u32..=10)) {
            let seats = seats_per_role(s, w);
            prop_assert_eq!(seats.iter().sum::<usize>(), s);
            prop_assert!(seats.iter().all(|x| *x >= 1));
        }

        #[test]
        fn swap_is_optimal(players in real_roles(), w in prop::array::uniform3(1u32..=10), seed in any::<u64>()) {
            let n = players.len();
            let t = table_count(n, 6, None);
            let seats: Vec<[usize; 3]> = table_sizes(n, t).into_iter().map(|s| seats_per_role(s, w)).collect();
            let totals: [usize; 3] = std::array::from_fn(|r| seats.iter().map(|s| s[r]).sum());
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let a = assign(&players, &seats, true, &mut rng);
            // Every seat is filled exactly once.
            let mut used = seats.clone();
            for (t, r) in &a { used[*t][r.index()] -= 1; }
            prop_assert!(used.iter().all(|s| *s == [0, 0, 0]));
            let own = a.iter().enumerate().filter(|(p, (_, r))| players[*p] == Some(*r)).count();
            // Hall's condition for three roles: nobody needs their own role iff each real-role
            // group fits in the seats of the other two roles.
            let feasible = (0..3).all(|g| players.iter().filter(|p| **p == Some(Role::ALL[g])).count() <= n - totals[g]);
            if feasible { prop_assert_eq!(own, 0); }
            if n <= 9 { prop_assert_eq!(own, min_own(&players, totals)); }
        }
    }
}
