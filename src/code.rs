//! Room codes: the alphabet and how a typed code is read. Shared by the server (pages,
//! API paths, session messages) and the report command, so both read a code the same way.

/// Room code letters: no vowels (no words), no 0/O or 1/I confusion.
pub const CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";

/// A code as typed in canonical form, if well-formed. White space, `-` and `.` are
/// removed and letters upper-cased (PROTOCOL.md version 2), so `d h h s r`, `dhh-sr` and
/// `DHHSR` are the same code.
pub fn normalize_code(s: &str) -> Option<String> {
    let c: String =
        s.chars().filter(|c| !c.is_whitespace() && *c != '-' && *c != '.').map(|c| c.to_ascii_uppercase()).collect();
    (c.len() == 5 && c.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_dashes_dots_and_case_do_not_matter() {
        for typed in ["DHHSR", "dhhsr", " d h h s r ", "dhh-sr", "D.H.H.S.R", "dh\thsr"] {
            assert_eq!(normalize_code(typed).as_deref(), Some("DHHSR"), "{typed}");
        }
    }

    #[test]
    fn other_letters_and_lengths_are_not_codes() {
        for typed in ["", "DHHS", "DHHSRR", "AHHSR", "DHH0R", "DHH_R", "DHHSŘ", "ＤＨＨＳＲ"] {
            assert_eq!(normalize_code(typed), None, "{typed}");
        }
    }
}
