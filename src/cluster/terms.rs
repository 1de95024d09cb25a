//! A complaint as the set of words that can tell its problem from another's: normalised (Traditional →
//! Simplified, widths, case) and segmented by jieba with the domain dictionary, as the pipeline does, then
//! stop words, numbers and punctuation dropped. Words are kept as 64-bit hashes (FxHash, fixed), so a million
//! complaints' terms fit in a few hundred MB; [`TermAnalyzer::words`] gives the words back where they are shown.

use super::stopwords::is_content_word;
use crate::normalize::NormalizerSequence;
use crate::segment::{DOMAIN_DICTIONARY, JiebaSegmenter, Segmenter};
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
            // Without HMM: about twice as fast, and a name jieba does not know comes out in pieces, which the
            // two-character pieces of longer words meet anyway.
            segmenter: JiebaSegmenter::new(DOMAIN_DICTIONARY.to_string(), false)
                .expect("the shipped dictionary is valid"),
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
    terms.extend(specifics(words));
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// The top byte of a term: 0 for words and pieces, [`SPECIFIC`] | kind for a specific (see [`specifics`]).
const KIND_SHIFT: u32 = 56;
const HASH_BITS: u64 = (1 << KIND_SHIFT) - 1;
const SPECIFIC: u64 = 0x80;

/// The term of one word.
pub fn term_of(word: &str) -> Term {
    rustc_hash::FxBuildHasher.hash_one(word) & HASH_BITS
}

/// Which kind of specific a term names (0 roads and streets, 1 taxes), `None` for an ordinary term.
pub fn specific_kind(term: Term) -> Option<u8> {
    let top = term >> KIND_SHIFT;
    (top & SPECIFIC != 0).then_some((top & !SPECIFIC) as u8)
}

/// Road and street names (长江路, 人民大街) and taxes (城镇土地使用税, 房产税) named in a text. Two complaints that
/// both name a road, or both a tax, but no same one, are about different problems however alike the rest
/// of their words: "another road, another tax" is the commonest look-alike.
pub fn specifics(words: &[String]) -> Vec<Term> {
    const ROAD_ENDS: [&str; 5] = ["路", "街", "大道", "巷", "桥"];
    // Kinds of road, not names of one.
    const GENERIC_ROADS: [&str; 8] = [
        "高速公路",
        "断头路",
        "主干路",
        "次干路",
        "进厂路",
        "马路",
        "小路",
        "大路",
    ];
    let mut found = Vec::new();
    let mut push = |kind: u64, name: &str| {
        found.push(term_of(name) | ((SPECIFIC | kind) << KIND_SHIFT));
    };
    for (i, word) in words.iter().enumerate() {
        let chars = word.chars().count();
        if ROAD_ENDS.iter().any(|end| word.ends_with(end)) {
            if chars >= 3 && !GENERIC_ROADS.contains(&word.as_str()) {
                push(0, word);
            } else if chars == 1 && i > 0 && !words[i - 1].is_ascii() {
                // jieba cut the name off its 路: 长江 / 路.
                push(0, &format!("{}{word}", words[i - 1]));
            }
        } else if word.ends_with('税') && chars >= 3 {
            push(1, word);
        }
    }
    found
}

/// The term of two neighbouring words.
fn pair_term(first: &str, second: &str) -> Term {
    let mut hasher = rustc_hash::FxBuildHasher.build_hasher();
    first.hash(&mut hasher);
    second.hash(&mut hasher);
    hasher.finish() & HASH_BITS
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
    fn roads_and_taxes_are_specifics() {
        let analyzer = TermAnalyzer::default();
        let kinds = |text: &str| -> Vec<u8> {
            let mut kinds: Vec<u8> = specifics(&analyzer.words(text))
                .into_iter()
                .filter_map(specific_kind)
                .collect();
            kinds.sort();
            kinds
        };
        assert_eq!(kinds("长江路路面塌陷"), [0]);
        assert_eq!(kinds("城镇土地使用税和房产税太高"), [1, 1]);
        assert!(kinds("高速公路收费太贵，道路不好走").is_empty());
        assert!(specific_kind(term_of("长江路")).is_none());
    }

    #[test]
    fn stop_words_and_single_digits_are_left_out_figures_kept() {
        let words = TermAnalyzer::default()
            .words("来电人反映：我公司2023年缴纳城镇土地使用税30万元，第3次反映");
        assert!(words.contains(&"城镇土地使用税".to_string()), "{words:?}");
        assert!(words.contains(&"30".to_string()), "{words:?}");
        assert!(
            !words
                .iter()
                .any(|w| w == "来电人" || w == "3" || w == "我公司"),
            "{words:?}"
        );
    }
}
