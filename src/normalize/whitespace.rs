//! Control characters are dropped and runs of whitespace (including NBSP and line breaks) become one space;
//! leading and trailing whitespace is removed. Source exports often wrap lines inside a cell.

use super::{ByteSet, NormalizedText, Normalizer};

#[derive(Debug, Clone, Copy, Default)]
pub struct CleanWhitespace;

impl Normalizer for CleanWhitespace {
    fn normalize(&self, text: &mut NormalizedText) {
        if is_clean(text.as_str()) {
            return;
        }
        text.rewrite_special(
            &MAY_START_SPECIAL,
            |c| c.is_whitespace() || c.is_control() || is_invisible(c),
            |_, _, c, out| {
                if c.is_whitespace() && out.last().is_some_and(|last| last != ' ') {
                    out.push(' ');
                }
            },
        );
        text.trim_trailing_space();
    }
}

/// Whether the text has nothing to clean: no whitespace but single spaces between other chars, no control or
/// invisible chars. Scans bytes and decodes only the chars [`MAY_START_SPECIAL`] flags.
fn is_clean(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut previous_space = true;
    for (at, &byte) in bytes.iter().enumerate() {
        if byte == b' ' {
            if previous_space {
                return false;
            }
            previous_space = true;
            continue;
        }
        previous_space = false;
        if MAY_START_SPECIAL.contains(byte)
            && text[at..]
                .chars()
                .next()
                .is_some_and(|c| c.is_whitespace() || c.is_control() || is_invisible(c))
        {
            return false;
        }
    }
    !previous_space || bytes.is_empty()
}

/// The first bytes of every whitespace, control and invisible char: ASCII controls and space, U+0080..U+00BF
/// (0xC2), U+1680 (0xE1), U+2000..U+2FFF (0xE2), U+3000 (0xE3) and U+FEFF (0xEF).
const MAY_START_SPECIAL: ByteSet =
    ByteSet::new(&[0x7F, 0xC2, 0xE1, 0xE2, 0xE3, 0xEF]).with_range(0x00, b' ');

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{FEFF}' | '\u{2060}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalized_with;

    #[test]
    fn whitespace_runs_collapse_and_ends_are_trimmed() {
        assert_eq!(
            normalized_with(&CleanWhitespace, " \t企业\r\n\n反映\u{00A0} 问题\u{200B}  "),
            "企业 反映 问题"
        );
    }

    #[test]
    fn control_characters_are_removed() {
        assert_eq!(
            normalized_with(&CleanWhitespace, "电\u{0007}费\u{0000}高"),
            "电费高"
        );
    }

    #[test]
    fn only_whitespace_becomes_empty() {
        assert_eq!(normalized_with(&CleanWhitespace, " \n\t "), "");
    }
}
