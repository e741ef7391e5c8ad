//! Fuzzing on stable Rust: proptest-driven byte mutation of valid inputs (cargo fuzz needs
//! a nightly compiler, which this project's machines do not have). Each target runs a
//! bounded number of cases in CI; the counts and findings are in docs/security.md.
//! Properties: no panic, and what is accepted round-trips.

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

const MESSAGES: &[&str] = &[
    r#"{"type":"join","room":"BCDFG","name":"Anna","real_role":"resident","id":1}"#,
    r#"{"type":"resume","room":"bcdfg","token":"abc"}"#,
    r#"{"type":"host","room":"BCDFG","host_token":"x"}"#,
    r#"{"type":"watch","room":"BCDFG"}"#,
    r#"{"type":"note","kind":"value","text":"Samen spelen","id":"n1"}"#,
    r#"{"type":"vote","choice":"support_if","condition":"Als het veilig is"}"#,
    r#"{"type":"vote","choice":"object","reason":"Te duur"}"#,
    r#"{"type":"propose","text":"Een nieuwe baan"}"#,
    r#"{"type":"extend","seconds":60}"#,
    r#"{"type":"kick","player_id":"p3"}"#,
    r#"{"type":"lock","locked":true}"#,
    r#"{"type":"hide_note","table":1,"note":0}"#,
    r#"{"type":"ready"}"#,
];

/// One random edit of a byte string: flip, insert, delete, duplicate or truncate.
fn mutate() -> impl Strategy<Value = Vec<(u8, usize, u8)>> {
    prop::collection::vec((0u8..5, any::<usize>(), any::<u8>()), 1..8)
}

fn apply(mut bytes: Vec<u8>, edits: &[(u8, usize, u8)]) -> Vec<u8> {
    for (op, at, b) in edits {
        let n = bytes.len().max(1);
        let i = at % n;
        match op {
            0 if !bytes.is_empty() => bytes[i] ^= b | 1,
            1 => bytes.insert(i.min(bytes.len()), *b),
            2 if !bytes.is_empty() => {
                bytes.remove(i);
            }
            3 if !bytes.is_empty() => {
                let end = (i + 1 + (*b as usize % 16)).min(bytes.len());
                let piece = bytes[i..end].to_vec();
                bytes.splice(i..i, piece);
            }
            _ => bytes.truncate(i),
        }
    }
    bytes
}

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: Some(Box::new(FileFailurePersistence::Off)), ..Config::default() }
}

proptest! {
    #![proptest_config(config(50_000))]
    #[test]
    fn the_message_decoder_never_panics(pick in 0usize..MESSAGES.len(), edits in mutate(), junk in prop::collection::vec(any::<u8>(), 0..64)) {
        let bytes = apply(MESSAGES[pick].as_bytes().to_vec(), &edits);
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(democreatie::server::Incoming::Command { command, .. }) = democreatie::server::decode(&text) {
            // What is accepted means the same after a round trip.
            let again = serde_json::to_string(&command).unwrap();
            let Ok(democreatie::server::Incoming::Command { command: c2, .. }) = democreatie::server::decode(&again) else {
                panic!("{again} no longer decodes");
            };
            prop_assert_eq!(command, c2);
        }
        let _ = democreatie::server::decode(&String::from_utf8_lossy(&junk));
    }
}

proptest! {
    #![proptest_config(config(4_000))]
    #[test]
    fn the_scenario_parser_never_panics(pick in 0usize..3, edits in mutate()) {
        let files = ["scenarios/skatebaan.toml", "scenarios/buurtbudget.toml", "tests/scenarios/broken-many.toml"];
        let text = std::fs::read(files[pick]).unwrap();
        let bytes = apply(text, &edits);
        let text = String::from_utf8_lossy(&bytes);
        match democreatie::scenario::parse(&text) {
            Ok(s) => {
                // A valid case serialises and reads back as itself.
                let again = toml::to_string(&s).unwrap();
                prop_assert_eq!(democreatie::scenario::parse(&again).unwrap(), s);
            }
            Err(problems) => {
                prop_assert!(!problems.is_empty());
                let lines = text.lines().count().max(1) + 1;
                for p in problems {
                    prop_assert!(p.line >= 1 && p.line <= lines && p.column >= 1, "{:?} in {} lines", p, lines);
                }
            }
        }
    }
}
