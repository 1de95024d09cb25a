//! Full-width ASCII forms (`ＡＢＣ１２３！`) and the ideographic space become their half-width twins, so
//! `28元/千度` and `２８元／千度` produce the same features. Ideographic punctuation without an ASCII twin (`。`, `、`) is left
//! alone.

use super::{NormalizedText, Normalizer};

#[derive(Debug, Clone, Copy, Default)]
pub struct FullWidthToHalfWidth;

impl Normalizer for FullWidthToHalfWidth {
    fn normalize(&self, text: &mut NormalizedText) {
        if !text.as_str().chars().any(|c| half_width(c) != c) {
            return;
        }
        text.map_chars(half_width);
    }
}

fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalized_with;

    #[test]
    fn full_width_letters_digits_and_space_become_half_width() {
        assert_eq!(
            normalized_with(&FullWidthToHalfWidth, "ＡＢＣ１２３　２８元／千度！"),
            "ABC123 28元/千度!"
        );
    }

    #[test]
    fn ideographic_punctuation_is_kept_and_full_width_ascii_punctuation_is_not() {
        // U+FF0C and U+FF01 are full-width forms of ASCII; 。 and 、 have no ASCII twin.
        assert_eq!(
            normalized_with(&FullWidthToHalfWidth, "你好，世界。再见、谢谢！"),
            "你好,世界。再见、谢谢!"
        );
    }
}
