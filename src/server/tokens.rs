//! Room codes and tokens: random from the operating system, tokens kept only as hashes and
//! compared in constant time.

use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::code::CODE_ALPHABET;

fn os_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random generator is available");
}

/// A new room code: 5 letters from the alphabet.
pub fn new_code() -> String {
    let mut buf = [0u8; 5];
    os_random(&mut buf);
    // 256 is not a multiple of 20; the bias (at most 1 in 12) does not matter for codes,
    // which are not secrets: tokens are.
    buf.iter().map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char).collect()
}

/// A new token: 192 random bits, URL-safe base64.
pub fn new_token() -> String {
    let mut buf = [0u8; 24];
    os_random(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// The hash under which a token is stored.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// Whether `token` hashes to `hash`, compared in constant time.
pub fn token_matches(token: &str, hash: &str) -> bool {
    hash_token(token).as_bytes().ct_eq(hash.as_bytes()).into()
}

/// A new game seed.
pub fn new_seed() -> u64 {
    let mut buf = [0u8; 8];
    os_random(&mut buf);
    u64::from_le_bytes(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_alphabet_and_any_case() {
        for _ in 0..100 {
            let c = new_code();
            assert_eq!(crate::code::normalize_code(&c.to_lowercase()), Some(c));
        }
    }

    #[test]
    fn tokens_carry_at_least_128_bits_and_match_only_their_hash() {
        let t = new_token();
        assert!(t.len() * 6 >= 128);
        assert!(token_matches(&t, &hash_token(&t)));
        assert!(!token_matches(&new_token(), &hash_token(&t)));
    }

    /// Not the length of the text but the randomness in it: 192 bits decode from every
    /// token, no two of 2,000 tokens are alike, and every bit position is set in about
    /// half of them (a counter, a clock or a stuck byte would fail this by far).
    #[test]
    fn tokens_are_random_in_every_bit() {
        use base64::Engine;
        const N: usize = 2000;
        let mut seen = std::collections::HashSet::new();
        let mut ones = [0u32; 192];
        for _ in 0..N {
            let t = new_token();
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&t).expect("URL-safe base64");
            assert_eq!(bytes.len(), 24);
            for (i, one) in ones.iter_mut().enumerate() {
                *one += u32::from(bytes[i / 8] >> (i % 8) & 1);
            }
            assert!(seen.insert(t), "a token came twice");
        }
        // Binomial(2000, 1/2): mean 1000, standard deviation about 22; 6 deviations is a
        // bound a fair source misses about once in 10^8 runs per position.
        for (i, one) in ones.iter().enumerate() {
            assert!((868..=1132).contains(one), "bit {i} is set in {one} of {N} tokens");
        }
    }
}
