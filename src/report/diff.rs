//! What changed between two versions of a proposal, word by word: the longest common
//! subsequence of the words (white space kept with the word before it), so a replay can
//! mark insertions and deletions the way a person would read them.

use serde::Serialize;

/// A stretch of text that both versions share, that the new one adds, or that it drops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", content = "text", rename_all = "snake_case")]
pub enum Change {
    Same(String),
    Insert(String),
    Delete(String),
}

/// Words with the white space that follows each.
fn words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            out.push(&s[start..i]);
            start = i;
            in_space = false;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// Above this many word pairs the table would be too large: the whole text counts as
/// replaced (proposals are at most a few hundred words, far below).
const MAX_CELLS: usize = 4_000_000;

/// The changes that turn `old` into `new`, neighbouring stretches of one kind joined.
pub fn changes(old: &str, new: &str) -> Vec<Change> {
    let (a, b) = (words(old), words(new));
    let mut ops: Vec<Change> = Vec::new();
    let mut push = |c: Change| {
        let merged = match (ops.last_mut(), &c) {
            (Some(Change::Same(x)), Change::Same(y))
            | (Some(Change::Insert(x)), Change::Insert(y))
            | (Some(Change::Delete(x)), Change::Delete(y)) => {
                x.push_str(y);
                true
            }
            _ => false,
        };
        if !merged {
            ops.push(c);
        }
    };
    if (a.len() + 1) * (b.len() + 1) > MAX_CELLS {
        if !old.is_empty() {
            push(Change::Delete(old.to_string()));
        }
        if !new.is_empty() {
            push(Change::Insert(new.to_string()));
        }
        return ops;
    }
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let w = b.len() + 1;
    let mut lcs = vec![0u32; (a.len() + 1) * w];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i * w + j] =
                if a[i] == b[j] { lcs[(i + 1) * w + j + 1] + 1 } else { lcs[(i + 1) * w + j].max(lcs[i * w + j + 1]) };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            push(Change::Same(a[i].to_string()));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
            // Deletions first: "in het park" struck through, then "bij de school".
            push(Change::Delete(a[i].to_string()));
            i += 1;
        } else {
            push(Change::Insert(b[j].to_string()));
            j += 1;
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_changed_word_is_one_deletion_and_one_insertion() {
        assert_eq!(
            changes("De skatebaan komt in het park.", "De skatebaan komt bij de school."),
            [
                Change::Same("De skatebaan komt ".into()),
                Change::Delete("in het park.".into()),
                Change::Insert("bij de school.".into()),
            ]
        );
        assert_eq!(changes("", "Nieuw"), [Change::Insert("Nieuw".into())]);
        assert_eq!(changes("Zelfde tekst", "Zelfde tekst"), [Change::Same("Zelfde tekst".into())]);
    }

    proptest! {
        /// The shared and inserted parts spell the new text; the shared and deleted parts
        /// spell the old one.
        #[test]
        fn changes_rebuild_both_versions(old in "[a-c ]{0,40}", new in "[a-c ]{0,40}") {
            let c = changes(&old, &new);
            let rebuilt = |keep_insert: bool| c.iter().filter_map(|x| match x {
                Change::Same(s) => Some(s.as_str()),
                Change::Insert(s) if keep_insert => Some(s.as_str()),
                Change::Delete(s) if !keep_insert => Some(s.as_str()),
                _ => None,
            }).collect::<String>();
            prop_assert_eq!(rebuilt(true), new);
            prop_assert_eq!(rebuilt(false), old);
        }
    }
}
