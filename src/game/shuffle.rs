//! The room's shuffle, written out here so that a stored room deals the same forever.
//!
//! Replay re-runs every shuffle from the room's seed, so the exact sequence of numbers a
//! shuffle draws is part of every stored room. Depending on a library's `shuffle` would let
//! a library upgrade silently re-deal every stored room; this module owns the algorithm.
//!
//! Rules version 1 (every room recorded up to and including the build of 2026-11-30) is
//! Durstenfeld's Fisher–Yates shuffle as rand 0.10 performs it on a `ChaCha8Rng`:
//!
//! 1. A slice of 0 or 1 items is left as it is and draws nothing.
//! 2. For `i` in `0..len`, pick `j` uniformly in `0..=i` and swap items `i` and `j`
//!    (`i = 0` always picks 0 and draws nothing).
//! 3. The picks are made in chunks: for the next bound `m = i + 1`, take the longest run of
//!    bounds `m, m+1, ..., m+k-1` whose product `P` fits in a `u32`, draw one number `c`
//!    uniformly in `0..P`, then hand out `c % m`, `c / m % (m+1)`, ... one per step (the
//!    last of the run is what is left of `c`).
//! 4. A uniform number in `0..P` comes from Lemire's widening multiply with one extra word
//!    to cut the bias: `x = next_u32`; `(hi, lo) = x * P` as a 64-bit product; when
//!    `lo > 2^32 - P`, take `y = next_u32`, and add 1 to `hi` when `lo + hi(y * P)`
//!    overflows 32 bits. The answer is `hi`.
//!
//! The golden rooms in `tests/golden/` and the test below against rand's own shuffle fail
//! if any of this changes.

use rand::Rng;
use rand::rngs::ChaCha8Rng;

/// The rules version of rooms created by this build (stored with each room). 1: the
/// shuffle below. 2 (2026-11-30): the same shuffle; names and texts are cleaned by
/// `game::text` (no control or invisible characters, names unique on what they look
/// like). A replay plays a room by the rules it was recorded under.
pub const RULES_VERSION: u32 = 2;

/// A room's generator. rand's `ChaCha8Rng` is not `Clone`; a room checks a command on a
/// copy of its game before the command is stored, so the copy goes through the
/// generator's serialised state (its seed, stream and position: nothing is lost).
#[derive(Debug, PartialEq)]
pub struct RoomRng(pub ChaCha8Rng);

impl Clone for RoomRng {
    fn clone(&self) -> Self {
        RoomRng(ChaCha8Rng::deserialize_state(&self.0.serialize_state()))
    }
}

/// Shuffles `items` in place, drawing from `rng` exactly as rules version 1 prescribes.
pub fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    if items.len() <= 1 {
        return;
    }
    let mut picks = Picks { n: 0, chunk: 0, left: 1 };
    for i in 0..items.len() {
        let j = picks.next(rng);
        items.swap(i, j);
    }
}

/// Hands out a number in `0..=n` and then raises `n` by one, as step 3 describes.
struct Picks {
    n: u32,
    chunk: u32,
    /// Picks left in `chunk`.
    left: u8,
}

impl Picks {
    fn next(&mut self, rng: &mut ChaCha8Rng) -> usize {
        let bound = self.n + 1;
        let left = match self.left.checked_sub(1) {
            Some(l) => l,
            None => {
                let (product, count) = run(bound);
                self.chunk = below(product, rng);
                count - 1
            }
        };
        let pick = if left == 0 {
            self.chunk
        } else {
            let r = self.chunk % bound;
            self.chunk /= bound;
            r
        };
        self.left = left;
        self.n = bound;
        pick as usize
    }
}

/// The longest run of bounds from `m` whose product fits in a `u32`: (product, length).
fn run(m: u32) -> (u32, u8) {
    let mut product = m;
    let mut next = m + 1;
    while let Some(p) = product.checked_mul(next) {
        product = p;
        next += 1;
    }
    (product, (next - m) as u8)
}

/// A number uniform in `0..range` (`range > 0`), as step 4 describes.
fn below(range: u32, rng: &mut ChaCha8Rng) -> u32 {
    let wide = |x: u32| {
        let t = u64::from(x) * u64::from(range);
        ((t >> 32) as u32, t as u32)
    };
    let (mut hi, lo) = wide(rng.next_u32());
    if lo > range.wrapping_neg() {
        let (extra, _) = wide(rng.next_u32());
        hi += u32::from(lo.checked_add(extra).is_none());
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand::seq::SliceRandom;

    proptest! {
        /// Rules version 1 is what rand 0.10 did: the same permutations and the same
        /// generator state afterwards, for every length a room can shuffle.
        #[test]
        fn shuffle_is_what_rand_0_10_did(seed in any::<u64>(), len in 0usize..80, rounds in 1usize..4) {
            let mut ours = ChaCha8Rng::seed_from_u64(seed);
            let mut theirs = ChaCha8Rng::seed_from_u64(seed);
            for _ in 0..rounds {
                let mut a: Vec<usize> = (0..len).collect();
                let mut b = a.clone();
                shuffle(&mut a, &mut ours);
                b.shuffle(&mut theirs);
                prop_assert_eq!(&a, &b);
            }
            prop_assert_eq!(ours.next_u64(), theirs.next_u64());
        }
    }

    #[test]
    fn a_copied_generator_draws_the_same() {
        let mut a = RoomRng(ChaCha8Rng::seed_from_u64(3));
        a.0.next_u32();
        let mut b = a.clone();
        assert_eq!(a, b);
        assert_eq!(a.0.next_u64(), b.0.next_u64());
    }

    /// A fixed seed gives a fixed order: this fails if the algorithm or ChaCha8 changes.
    #[test]
    fn a_seed_deals_the_same_order_forever() {
        let mut rng = ChaCha8Rng::seed_from_u64(20261130);
        let mut deck: Vec<u32> = (0..12).collect();
        shuffle(&mut deck, &mut rng);
        assert_eq!(deck, GOLDEN);
    }

    const GOLDEN: [u32; 12] = [10, 1, 3, 0, 2, 8, 7, 11, 4, 5, 9, 6];

    #[test]
    fn every_order_of_three_is_dealt() {
        let mut seen = std::collections::HashSet::new();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..200 {
            let mut v = [0, 1, 2];
            shuffle(&mut v, &mut rng);
            seen.insert(v);
        }
        assert_eq!(seen.len(), 6);
    }
}
