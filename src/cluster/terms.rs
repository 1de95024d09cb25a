//! A complaint as the set of words that can tell its problem from another's: normalised (Traditional →
//! Simplified, widths, case) and segmented by jieba with the domain dictionary, as the pipeline does, then
//! stop words, numbers and punctuation dropped. Words are kept as 64-bit hashes (FxHash, fixed), so a million
//! complaints' terms fit in a few hundred MB; [`TermAnalyzer::words`] gives the words back where they are shown.

use super::stopwords::is_content_word;
use crate::normalize::NormalizerSequence;
use crate::segment::{JiebaSegmenter, Segmenter};
use std::hash::{BuildHasher, Hash, Hasher};

/// A word's hash.
pub type Term = u64;

/// Normalises, segments and filters complaints.
pub struct TermAnalyzer {
    normalizer: NormalizerSequence,
    segmenter: JiebaSegmenter,
}

impl Default for TermAnalyzer {
    fn default() -> Self {
        TermAnalyzer {
            normalizer: NormalizerSequence::complaint_preset(),
            segmenter: JiebaSegmenter::with_domain_dictionary(),
        }
    }
}

impl TermAnalyzer {
    /// One analyzer for the whole process: building jieba with the dictionary takes about 100 ms.
    pub fn shared() -> &'static TermAnalyzer {
        static SHARED: std::sync::OnceLock<TermAnalyzer> = std::sync::OnceLock::new();
        SHARED.get_or_init(TermAnalyzer::default)
    }

    /// The content words of a text, in order, normalised.
    pub fn words(&self, text: &str) -> Vec<String> {
        let normalized = self.normalizer.apply(text);
        let normalized = normalized.as_str();
        self.segmenter
            .segment(normalized)
            .iter()
            .map(|w| w.text(normalized))
            .filter(|w| is_content_word(w))
            .map(str::to_string)
            .collect()
    }

    /// The distinct terms of a text, sorted: its content words and, with `pairs`, each two neighbouring
    /// content words as one more term (a pair: "验收 延期" against "检查 罚款").
    pub fn terms(&self, text: &str, pairs: bool) -> Vec<Term> {
        terms_of_words(&self.words(text), pairs)
    }
}

/// The terms of a text's content words: each word, each two-character piece of a longer word, and with
/// `pairs` each two neighbouring words ([`TermAnalyzer::words`]), as [`TermAnalyzer::terms`].
pub fn terms_of_words(words: &[String], pairs: bool) -> Vec<Term> {
    let mut terms: Vec<Term> = Vec::with_capacity(words.len() * 3);
    for word in words {
        terms.push(term_of(word));
        // The two-character pieces of a longer word, so that compounds the dictionary keeps whole still meet
        // their parts elsewhere: 消防检查 and 消防救援支队 share 消防, 污水处理费 and 污水处理厂 share 污水, 处理.
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        if chars.len() > 2 && !word.is_ascii() {
            for window in chars.windows(2) {
                let end = window[1].0 + window[1].1.len_utf8();
                terms.push(term_of(&word[window[0].0..end]));
            }
        }
    }
    if pairs {
        terms.extend(words.windows(2).map(|pair| pair_term(&pair[0], &pair[1])));
    }
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// The term of one word.
pub fn term_of(word: &str) -> Term {
    let mut hasher = rustc_hash::FxBuildHasher.build_hasher();
    word.hash(&mut hasher);
    hasher.finish()
}

/// The term of two neighbouring words.
fn pair_term(first: &str, second: &str) -> Term {
    let mut hasher = rustc_hash::FxBuildHasher.build_hasher();
    first.hash(&mut hasher);
    second.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_and_simplified_give_the_same_terms() {
        let analyzer = TermAnalyzer::default();
        assert_eq!(
            analyzer.terms("我公司城鎮土地使用稅過高，請求減免", true),
            analyzer.terms("我公司城镇土地使用税过高，请求减免", true)
        );
    }

    #[test]
    fn stop_words_and_numbers_are_left_out() {
        let words = TermAnalyzer::default().words("来电人反映：我公司2023年缴纳城镇土地使用税30万元");
        assert!(words.contains(&"城镇土地使用税".to_string()), "{words:?}");
        assert!(!words.iter().any(|w| w == "来电人" || w == "2023" || w == "我公司"), "{words:?}");
    }
}
