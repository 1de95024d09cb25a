//! Masked personal data (`张**`, `138****5678`, `＊＊＊`) is collapsed to a single space: the mask says
//! nothing about the topic, and long runs of `*` would otherwise become frequent, meaningless n-grams.
//! Runs only: a lone `*` (as in a product name) is kept.

use super::{NormalizedText, Normalizer};

#[derive(Debug, Clone, Copy, Default)]
pub struct CollapseMasks;

impl Normalizer for CollapseMasks {
    fn normalize(&self, text: &mut NormalizedText) {
        if !text.as_str().contains(['*', '＊', '×']) {
            return;
        }
        let chars: Vec<char> = text.as_str().chars().collect();
        let is_mask = |c: char| matches!(c, '*' | '＊' | '×');
        let mut index = 0;
        text.rewrite(|c, out| {
            let in_run = is_mask(c)
                && ((index > 0 && is_mask(chars[index - 1]))
                    || chars.get(index + 1).is_some_and(|&n| is_mask(n)));
            if !in_run {
                out.push(c);
            } else if index == 0 || !is_mask(chars[index - 1]) {
                out.push(' ');
            }
            index += 1;
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
