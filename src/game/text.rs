//! What a person may type, cleaned at the edge of the game (rules version 2): no control,
//! format or invisible characters that could disguise a name or hide text, and names that
//! are unique on what they look like, not only on their code points.

use unicode_normalization::UnicodeNormalization;

/// Characters that show nothing or change how text around them is shown: Unicode's
/// Default_Ignorable_Code_Point and the format (Cf) characters (zero-width spaces and
/// joiners, bidirectional overrides, variation selectors, the Hangul fillers, tags).
pub fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}'..='\u{1160}' | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{FFF0}'..='\u{FFFB}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}'
        // Format characters that are not default-ignorable.
        | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{070F}' | '\u{0890}'..='\u{0891}' | '\u{08E2}'
        | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}')
}

/// A name as shown, or `None` when it cannot be one: trimmed and NFC, 1..=`max`
/// characters, no control or invisible character, and at least one letter or digit (a
/// name of blank symbols such as U+2800 shows nothing).
pub fn clean_name(name: &str, max: usize) -> Option<String> {
    let n: String = name.trim().nfc().collect();
    let len = n.chars().count();
    let ok = (1..=max).contains(&len)
        && !n.chars().any(|c| c.is_control() || invisible(c))
        && n.chars().any(char::is_alphanumeric);
    ok.then_some(n)
}

/// What a name looks like (UTS #39 skeleton of its NFKC lower case): two names with the
/// same key would look the same on the big screen ("Anna" and Cyrillic "Аnna").
pub fn name_key(name: &str) -> String {
    let folded: String = name.nfkc().collect::<String>().to_lowercase();
    unicode_security::skeleton(&folded).collect()
}

/// A note, proposal, condition or reason as stored: control characters removed (a tab
/// becomes a space, line breaks stay as `\n`), invisible characters removed, trimmed.
pub fn strip(text: &str) -> String {
    let unified = text.replace("\r\n", "\n");
    unified
        .chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() || invisible(c) => None,
            c => Some(c),
        })
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alike_names_share_a_key() {
        assert_eq!(name_key("Anna"), name_key("\u{0410}nna"), "Cyrillic A");
        assert_eq!(name_key("anna"), name_key("ANNA"));
        assert_ne!(name_key("Anna"), name_key("Anne"));
    }

    #[test]
    fn invisible_and_blank_names_are_refused() {
        for bad in [
            "Anna\u{034F}",
            "Anna\u{FE0F}",
            "Anna\u{061C}",
            "\u{3164}\u{3164}",
            "\u{2800}\u{2800}",
            "A\u{202E}nna",
            "An\u{0000}na",
            "",
        ] {
            assert_eq!(clean_name(bad, 24), None, "{bad:?}");
        }
        assert_eq!(clean_name("  Zoë  ", 24).as_deref(), Some("Zoë"));
        assert_eq!(clean_name("Jan 2", 24).as_deref(), Some("Jan 2"));
        assert_eq!(clean_name("李雷", 24).as_deref(), Some("李雷"));
    }

    #[test]
    fn texts_keep_line_breaks_and_lose_control_and_invisible_characters() {
        assert_eq!(strip("a\u{0000}b\u{001B}[31mc"), "ab[31mc");
        assert_eq!(strip("een\r\ntwee\tdrie"), "een\ntwee drie");
        assert_eq!(strip("\u{202E}gnol"), "gnol");
        assert_eq!(strip("\u{200B}\u{200B}  \u{FEFF}"), "", "zero-width only is empty");
    }
}
