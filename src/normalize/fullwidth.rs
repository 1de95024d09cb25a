//! Full-width ASCII forms (`ＡＢＣ１２３！`) and the ideographic space become their half-width twins, so
//! `28元/千度` and `２８元／千度` produce the same features. Ideographic punctuation without an ASCII twin (`。`, `、`) is left
//! alone.

use super::{NormalizedText, Normalizer};

#[derive(Debug, Clone, Copy, Default)]
pub struct FullWidthToHalfWidth;

impl Normalizer for FullWidthToHalfWidth {
    fn normalize(&self, text: &mut NormalizedText) {
        // Every char this rule changes is encoded with lead byte 0xEF (U+FF01..U+FF5E) or 0xE3 (U+3000), and a
        // lead byte never occurs inside another char: memchr finds the candidates without decoding the rest.
        let source = text.as_str();
        let mut out: Option<String> = None;
        let mut run_start = 0;
        for position in memchr::memchr2_iter(0xEF, 0xE3, source.as_bytes()) {
            let Some(c) = source[position..].chars().next() else {
                continue;
            };
            let half = half_width(c);
            if half != c {
                let out = out.get_or_insert_with(|| String::with_capacity(source.len()));
                out.push_str(&source[run_start..position]);
                out.push(half);
                run_start = position + c.len_utf8();
            }
        }
        if let Some(mut out) = out {
            out.push_str(&source[run_start..]);
            text.replace_chars_one_for_one(out);
        }
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
