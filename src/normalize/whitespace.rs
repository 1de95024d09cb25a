//! Control characters are dropped and runs of whitespace (including NBSP and line breaks) become one space;
//! leading and trailing whitespace is removed. Source exports often wrap lines inside a cell.

use super::{NormalizedText, Normalizer};

#[derive(Debug, Clone, Copy, Default)]
pub struct CleanWhitespace;

impl Normalizer for CleanWhitespace {
    fn normalize(&self, text: &mut NormalizedText) {
        if is_clean(text.as_str()) {
            return;
        }
        text.rewrite(|c, out| {
            if c.is_whitespace() {
                if out.last().is_some_and(|last| last != ' ') {
                    out.push(' ');
                }
            } else if !c.is_control() && !is_invisible(c) {
                out.push(c);
            }
        });
        if text.as_str().ends_with(' ') {
            let mut chars: Vec<char> = text.as_str().chars().collect();
            chars.pop();
            let mut origins = text.origins().to_vec();
            origins.pop();
            text.replace(chars.into_iter().collect(), origins);
        }
    }
}

/// Already single-spaced, trimmed and free of control and invisible characters: most input is, so this is
/// checked in one pass before anything is rebuilt.
fn is_clean(text: &str) -> bool {
    let mut previous_space = true;
    for c in text.chars() {
        if c == ' ' {
            if previous_space {
                return false;
            }
            previous_space = true;
        } else if c.is_ascii_graphic() {
            previous_space = false;
        } else if c.is_whitespace() || c.is_control() || is_invisible(c) {
            return false;
        } else {
            previous_space = false;
        }
    }
    !text.ends_with(' ')
}

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
