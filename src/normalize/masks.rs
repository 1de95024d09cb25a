//! Masked personal data (`张**`, `138****5678`, `＊＊＊`) is collapsed to a single space: the mask says
//! nothing about the topic, and long runs of `*` would otherwise become frequent, meaningless n-grams.
//! Runs only: a lone `*` (as in a product name) is kept.

use super::{ByteSet, NormalizedText, Normalizer};

#[derive(Debug, Clone, Copy, Default)]
pub struct CollapseMasks;

/// '*' is one byte; '＊' (U+FF0A) starts with 0xEF and '×' (U+00D7) with 0xC3.
const MAY_START_MASK: ByteSet = ByteSet::new(&[b'*', 0xEF, 0xC3]);

impl Normalizer for CollapseMasks {
    fn normalize(&self, text: &mut NormalizedText) {
        let is_mask = |c: char| matches!(c, '*' | '＊' | '×');
        text.rewrite_special(&MAY_START_MASK, is_mask, |source, byte, c, out| {
            let after_mask = source[..byte].chars().next_back().is_some_and(is_mask);
            let before_mask = source[byte + c.len_utf8()..]
                .chars()
                .next()
                .is_some_and(is_mask);
            if !after_mask && !before_mask {
                out.push(c);
            } else if !after_mask {
                out.push(' ');
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalized_with;

    #[test]
    fn runs_of_mask_characters_become_one_space() {
        assert_eq!(
            normalized_with(&CollapseMasks, "联系人张**，电话138****5678，地址＊＊＊路"),
            "联系人张 ，电话138 5678，地址 路"
        );
    }

    #[test]
    fn a_single_star_is_kept() {
        assert_eq!(normalized_with(&CollapseMasks, "规格3*4米"), "规格3*4米");
    }
}
