//! TF-IDF over word 1..=`word_ngram_max`-grams and char `char_ngram_min..=char_ngram_max`-grams.
//!
//! - Terms are identified by a stable 64-bit hash ([`super::hashing`]); the vocabulary keeps terms seen in at
//!   least `min_df` training documents, indexed from the most to the least frequent (ties by hash, so it is the
//!   same on every run).
//! - tf is sublinear (`1 + ln tf`), idf is smoothed (`ln((1+n)/(1+df)) + 1`, as scikit-learn), rows are
//!   L2-normalised.
//! - Char n-grams never span a space; words that are only punctuation or spaces give no word features (their
//!   characters still give char n-grams).

use super::feature_table::{FeatureTable, MAX_FEATURES};
use super::hashing::{TermKind, bigram_hash, extend_hash, term_hash};
use super::{AnalyzedText, Featurizer, SparseVector};
use crate::error::TriageError;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::sync::{LazyLock, OnceLock};

/// Hyper-parameters of the TF-IDF featuriser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfidfParams {
    /// Longest word n-gram: 1 (the default) for jieba words, 2 for words and word bigrams, 0 for none. Every
    /// text is segmented anyway (reasons are words), so word features cost only their lookups.
    pub word_ngram_max: usize,
    /// Shortest char n-gram (default 1).
    pub char_ngram_min: usize,
    /// Longest char n-gram (default 2; 0 turns char features off). With words as features, char 1–2-grams are
    /// as accurate as 1–3-grams and a third fewer lookups (docs/model.md).
    pub char_ngram_max: usize,
    /// Minimum number of training documents a term must occur in (default 2).
    pub min_df: usize,
    /// Keep at most this many terms, the most frequent by document frequency (default 50,000: in 5-fold CV as
    /// accurate as 100,000 or no limit on both corpora measured, and 10% faster to classify than 100,000).
    pub max_features: Option<usize>,
    /// Use `1 + ln(tf)` instead of raw counts (default true).
    pub sublinear_tf: bool,
}

impl Default for TfidfParams {
    fn default() -> Self {
        TfidfParams {
            word_ngram_max: 1,
            char_ngram_min: 1,
            char_ngram_max: 2,
            min_df: 2,
            max_features: Some(50_000),
            sublinear_tf: true,
        }
    }
}

impl TfidfParams {
    pub fn check(&self) -> Result<(), TriageError> {
        if self.word_ngram_max > 2 {
            return Err(TriageError::InvalidParameter(
                "word_ngram_max must be 0, 1 or 2".into(),
            ));
        }
        if self.char_ngram_max > 0
            && (self.char_ngram_min == 0 || self.char_ngram_min > self.char_ngram_max)
        {
            return Err(TriageError::InvalidParameter(format!(
                "char n-gram range {}..={} is empty",
                self.char_ngram_min, self.char_ngram_max
            )));
        }
        if self.word_ngram_max == 0 && self.char_ngram_max == 0 {
            return Err(TriageError::InvalidParameter("no features enabled".into()));
        }
        if self.min_df == 0 {
            return Err(TriageError::InvalidParameter(
                "min_df must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// One occurrence of a term in a text: its hash and the char range of the normalised text it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermOccurrence {
    pub kind: TermKind,
    pub hash: u64,
    pub char_start: u32,
    pub char_end: u32,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TfidfFeaturizer {
    params: TfidfParams,
    /// Term hash of each feature, most frequent term first.
    term_hashes: Vec<u64>,
    /// IDF of each feature.
    idf: Vec<f32>,
    #[serde(skip)]
    index: OnceLock<FeatureTable>,
}

impl Clone for TfidfFeaturizer {
    fn clone(&self) -> Self {
        TfidfFeaturizer {
            params: self.params.clone(),
            term_hashes: self.term_hashes.clone(),
            idf: self.idf.clone(),
            index: OnceLock::new(),
        }
    }
}

impl TfidfFeaturizer {
    /// Learns the vocabulary and IDF from training texts.
    pub fn fit(params: TfidfParams, texts: &[AnalyzedText]) -> Result<Self, TriageError> {
        params.check()?;
        let per_document: Vec<Vec<u64>> = texts
            .par_iter()
            .map(|text| {
                let mut hashes = Vec::new();
                for_each_term(&params, text, |occurrence| hashes.push(occurrence.hash));
                hashes.sort_unstable();
                hashes.dedup();
                hashes
            })
            .collect();
        let mut document_frequency: FxHashMap<u64, u32> = FxHashMap::default();
        for hashes in &per_document {
            for &hash in hashes {
                *document_frequency.entry(hash).or_insert(0) += 1;
            }
        }
        let mut kept: Vec<(u64, u32)> = document_frequency
            .into_iter()
            .filter(|&(_, df)| df as usize >= params.min_df)
            .collect();
        // Most frequent first (ties by hash, so every run agrees): the features most texts use get the lowest
        // indices, and their IDF values and classifier weights share a few cache lines.
        kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        // The lookup table indexes at most `MAX_FEATURES` terms (16.7 million), whatever the limit asked for.
        kept.truncate(
            params
                .max_features
                .unwrap_or(MAX_FEATURES)
                .min(MAX_FEATURES),
        );
        let n = texts.len() as f64;
        let idf = kept
            .iter()
            .map(|&(_, df)| (((1.0 + n) / (1.0 + df as f64)).ln() + 1.0) as f32)
            .collect();
        Ok(TfidfFeaturizer {
            params,
            term_hashes: kept.into_iter().map(|(hash, _)| hash).collect(),
            idf,
            index: OnceLock::new(),
        })
    }

    /// The tf of a term seen `count` times: `1 + ln(count)` when sublinear.
    #[inline]
    fn term_frequency(&self, count: u32) -> f32 {
        if !self.params.sublinear_tf {
            return count as f32;
        }
        // Most counts are small: their logarithms come from a table.
        static SUBLINEAR: LazyLock<[f32; 64]> =
            LazyLock::new(|| std::array::from_fn(|c| 1.0 + (c.max(1) as f32).ln()));
        match SUBLINEAR.get(count as usize) {
            Some(&tf) => tf,
            None => 1.0 + (count as f32).ln(),
        }
    }

    /// The same featuriser restricted to the given features (indices into this one), which keep their IDF and
    /// their order; `max_features` becomes the number kept.
    pub fn retain(&self, features: &[u32]) -> Self {
        let mut kept = features.to_vec();
        kept.sort_unstable();
        kept.dedup();
        TfidfFeaturizer {
            params: TfidfParams {
                max_features: Some(kept.len()),
                ..self.params.clone()
            },
            term_hashes: kept.iter().map(|&f| self.term_hashes[f as usize]).collect(),
            idf: kept.iter().map(|&f| self.idf[f as usize]).collect(),
            index: OnceLock::new(),
        }
    }

    pub fn params(&self) -> &TfidfParams {
        &self.params
    }

    fn index(&self) -> &FeatureTable {
        self.index
            .get_or_init(|| FeatureTable::new(&self.term_hashes))
    }

    /// Features in the vocabulary.
    pub fn n_features(&self) -> usize {
        self.term_hashes.len()
    }

    /// Why a decoded featurizer cannot be used, if it cannot: one IDF per term.
    pub fn check_shape(&self) -> Result<(), String> {
        // A damaged file can decode into settings training would refuse (a 0-character n-gram, say).
        self.params.check().map_err(|e| e.to_string())?;
        if self.term_hashes.len() > MAX_FEATURES {
            return Err(format!(
                "the vocabulary has {} terms, more than the {MAX_FEATURES} a model can use",
                self.term_hashes.len()
            ));
        }
        if self.term_hashes.len() != self.idf.len() {
            return Err(format!(
                "the vocabulary has {} terms but {} IDF values",
                self.term_hashes.len(),
                self.idf.len()
            ));
        }
        Ok(())
    }

    /// The term hash of a feature.
    pub fn term_hash(&self, feature: u32) -> u64 {
        self.term_hashes[feature as usize]
    }

    /// Feature index of a term hash, if the term is in the vocabulary.
    pub fn feature_of(&self, hash: u64) -> Option<u32> {
        self.index().get(hash)
    }

    /// Every term occurrence in the text that is in the vocabulary, with its feature index; used to explain.
    pub fn occurrences(&self, text: &AnalyzedText) -> Vec<(u32, TermOccurrence)> {
        let index = self.index();
        let mut found = Vec::new();
        for_each_term(&self.params, text, |occurrence| {
            if let Some(feature) = index.get(occurrence.hash) {
                found.push((feature, occurrence));
            }
        });
        found
    }
}

/// Buffers `transform` keeps on each thread between texts, so that a text costs no allocation beyond its own
/// vector and the per-text counting table is not cleared whole (16 KB for a 400-character complaint) each time.
#[derive(Default)]
struct TransformScratch {
    hashes: Vec<u64>,
    /// Where each feature is in the text's feature list; every entry is `u32::MAX` between calls: a call resets
    /// those it used.
    position_of: Vec<u32>,
    counts: Vec<u32>,
}

thread_local! {
    static TRANSFORM_SCRATCH: std::cell::RefCell<TransformScratch> = Default::default();
}

impl TfidfFeaturizer {
    fn transform_with(&self, text: &AnalyzedText, scratch: &mut TransformScratch) -> SparseVector {
        let index = self.index();
        let TransformScratch {
            hashes,
            position_of,
            counts,
        } = scratch;
        hashes.clear();
        term_hashes(&self.params, text, hashes);
        // Look up in a second pass, prefetching slots well ahead so the cache misses overlap, and count each
        // feature's occurrences in a small per-text hash table (cheaper than sorting every occurrence).
        const AHEAD: usize = 16;
        // One counting slot per feature of the vocabulary (200 KB for 50,000), indexed directly: no hashing and
        // no probing, and the most frequent features, which most lookups hit, share a few cache lines.
        if position_of.len() < self.term_hashes.len() {
            position_of.resize(self.term_hashes.len(), u32::MAX);
        }
        counts.clear();
        let mut features: Vec<u32> = Vec::with_capacity(hashes.len() / 2);
        for (i, &hash) in hashes.iter().enumerate() {
            if let Some(&ahead) = hashes.get(i + AHEAD) {
                index.prefetch(ahead);
            }
            let Some(feature) = index.get(hash) else {
                continue;
            };
            let position = &mut position_of[feature as usize];
            if *position == u32::MAX {
                *position = features.len() as u32;
                features.push(feature);
                counts.push(1);
            } else {
                counts[*position as usize] += 1;
            }
        }
        for &feature in &features {
            position_of[feature as usize] = u32::MAX;
        }
        let values = counts
            .iter()
            .zip(features.iter())
            .map(|(&count, &feature)| self.term_frequency(count) * self.idf[feature as usize])
            .collect();
        let mut vector = SparseVector {
            indices: features,
            values,
        };
        vector.l2_normalize();
        vector
    }
}

impl Featurizer for TfidfFeaturizer {
    fn transform(&self, text: &AnalyzedText) -> SparseVector {
        TRANSFORM_SCRATCH.with_borrow_mut(|scratch| self.transform_with(text, scratch))
    }

    fn n_features(&self) -> usize {
        self.term_hashes.len()
    }
}

/// Whether a segment is a word rather than punctuation or spaces. Hanzi, ASCII and CJK or general punctuation
/// are settled without `char::is_alphanumeric`, whose table search took 4% of classification time.
fn is_word_like(word: &str) -> bool {
    word.chars().any(|c| match c {
        '\u{0}'..='\u{7F}' => c.is_ascii_alphanumeric(),
        '\u{4E00}'..='\u{9FFF}' => true,
        '\u{2000}'..='\u{206F}' | '\u{3000}'..='\u{3004}' | '\u{3008}'..='\u{3020}' => false,
        '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' => false,
        _ => c.is_alphanumeric(),
    })
}

/// The hashes of every term occurrence of the text, in [`for_each_term`]'s order, without their positions: what
/// `transform` needs, with the common char 1–2-gram setting done in one plain loop.
fn term_hashes(params: &TfidfParams, text: &AnalyzedText, hashes: &mut Vec<u64>) {
    if params.char_ngram_min != 1 || params.char_ngram_max != 2 {
        for_each_term(params, text, |occurrence| hashes.push(occurrence.hash));
        return;
    }
    let normalized = text.normalized.as_str();
    hashes.reserve(normalized.len() * 2 / 3 + text.words.len() * 2 + 4);
    let empty = term_hash(TermKind::Char, "");
    let bytes = normalized.as_bytes();
    let mut previous: Option<u64> = None;
    for (byte_start, c) in normalized.char_indices() {
        if c == ' ' {
            previous = None;
            continue;
        }
        let char_bytes = &bytes[byte_start..byte_start + c.len_utf8()];
        let unigram = extend_hash(empty, char_bytes);
        hashes.push(unigram);
        if let Some(previous) = previous {
            hashes.push(extend_hash(previous, char_bytes));
        }
        previous = Some(unigram);
    }
    for_each_word_term(params, text, |occurrence| hashes.push(occurrence.hash));
}

/// Calls `emit` for every term occurrence of the text: char n-grams in the order of their last char, then words
/// and word bigrams in text order.
fn for_each_term(params: &TfidfParams, text: &AnalyzedText, mut emit: impl FnMut(TermOccurrence)) {
    let normalized = text.normalized.as_str();
    if params.char_ngram_max > 0 {
        // One pass over the chars. `open[k]` is the hash of the (k+1)-gram ending at the previous char: FNV is
        // streaming, so each n-gram's hash extends the (n−1)-gram's that ended one char earlier.
        let longest = params.char_ngram_max;
        let empty = term_hash(TermKind::Char, "");
        let mut open = vec![empty; longest];
        let mut open_len = 0;
        let bytes = normalized.as_bytes();
        for (end, (byte_start, c)) in normalized.char_indices().enumerate() {
            // A space ends every n-gram through it.
            if c == ' ' {
                open_len = 0;
                continue;
            }
            let char_bytes = &bytes[byte_start..byte_start + c.len_utf8()];
            open_len = (open_len + 1).min(longest);
            for k in (1..open_len).rev() {
                open[k] = extend_hash(open[k - 1], char_bytes);
            }
            open[0] = extend_hash(empty, char_bytes);
            for (k, &hash) in open
                .iter()
                .enumerate()
                .take(open_len)
                .skip(params.char_ngram_min - 1)
            {
                emit(TermOccurrence {
                    kind: TermKind::Char,
                    hash,
                    char_start: (end - k) as u32,
                    char_end: end as u32 + 1,
                });
            }
        }
    }
    for_each_word_term(params, text, emit);
}

/// Calls `emit` for every word and word bigram of the text, in text order.
fn for_each_word_term(
    params: &TfidfParams,
    text: &AnalyzedText,
    mut emit: impl FnMut(TermOccurrence),
) {
    let normalized = text.normalized.as_str();
    if params.word_ngram_max > 0 {
        let mut previous: Option<(&str, u32)> = None;
        for word in &text.words {
            let word_text = word.text(normalized);
            if !is_word_like(word_text) {
                previous = None;
                continue;
            }
            emit(TermOccurrence {
                kind: TermKind::Word,
                hash: term_hash(TermKind::Word, word_text),
                char_start: word.char_start,
                char_end: word.char_end,
            });
            if params.word_ngram_max >= 2
                && let Some((previous_text, previous_start)) = previous
            {
                emit(TermOccurrence {
                    kind: TermKind::WordBigram,
                    hash: bigram_hash(previous_text, word_text),
                    char_start: previous_start,
                    char_end: word.char_end,
                });
            }
            previous = Some((word_text, word.char_start));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::NormalizerSequence;
    use crate::segment::{JiebaSegmenter, Segmenter};

    fn analyze(text: &str) -> AnalyzedText {
        let normalized = NormalizerSequence::complaint_preset().apply(text);
        let words = JiebaSegmenter::with_domain_dictionary().segment(normalized.as_str());
        AnalyzedText { normalized, words }
    }

    fn corpus() -> Vec<AnalyzedText> {
        [
            "企业反映贷款难贷款贵",
            "银行贷款期限只有三个月",
            "基本电费过高",
            "电费上涨企业负担重",
        ]
        .iter()
        .map(|t| analyze(t))
        .collect()
    }

    #[test]
    fn the_fast_word_test_agrees_with_is_alphanumeric_on_every_char() {
        let mut buffer = [0u8; 4];
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            assert_eq!(
                is_word_like(c.encode_utf8(&mut buffer)),
                c.is_alphanumeric(),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn the_plain_hash_loop_gives_every_term_in_the_same_order() {
        let texts = [
            "企业反映贷款难贷款贵，银行贷款期限只有三个月",
            "電費 上漲 abc 123，企業負擔重",
            "  两个  空格 ",
            "",
            "a",
        ];
        for (words, chars) in [
            (1, (1, 2)),
            (2, (1, 2)),
            (0, (1, 2)),
            (1, (1, 3)),
            (1, (2, 3)),
        ] {
            let params = TfidfParams {
                word_ngram_max: words,
                char_ngram_min: chars.0,
                char_ngram_max: chars.1,
                ..TfidfParams::default()
            };
            for text in texts {
                let analyzed = analyze(text);
                let mut expected = Vec::new();
                for_each_term(&params, &analyzed, |occurrence| {
                    expected.push(occurrence.hash)
                });
                let mut hashes = Vec::new();
                term_hashes(&params, &analyzed, &mut hashes);
                assert_eq!(hashes, expected, "{text:?} with {params:?}");
            }
        }
    }

    #[test]
    fn a_text_gets_the_same_vector_whatever_the_thread_transformed_before() {
        let featurizer = TfidfFeaturizer::fit(TfidfParams::default(), &corpus()).unwrap();
        let short = analyze("电费高");
        let long =
            analyze(&"企业反映贷款难贷款贵，银行贷款期限只有三个月，基本电费过高。".repeat(20));
        let first = featurizer.transform(&short);
        let _ = featurizer.transform(&long);
        assert_eq!(featurizer.transform(&short), first);
        let fresh =
            std::thread::scope(|scope| scope.spawn(|| featurizer.transform(&long)).join().unwrap());
        assert_eq!(featurizer.transform(&long), fresh);
    }

    #[test]
    fn vectors_are_unit_length_with_each_feature_once() {
        let featurizer = TfidfFeaturizer::fit(TfidfParams::default(), &corpus()).unwrap();
        let vector = featurizer.transform(&analyze("贷款难，贷款贵，电费高"));
        assert!((vector.squared_norm() - 1.0).abs() < 1e-5);
        let mut indices = vector.indices.clone();
        indices.sort_unstable();
        indices.dedup();
        assert_eq!(indices.len(), vector.nnz());
    }

    #[test]
    fn repeated_terms_get_sublinear_weight() {
        let params = TfidfParams {
            char_ngram_max: 1,
            ..TfidfParams::default()
        };
        let featurizer = TfidfFeaturizer::fit(params, &corpus()).unwrap();
        // "贷" and "款" twice, "电" once: before normalising, (1 + ln 2)·idf against 1·idf.
        let vector = featurizer.transform(&analyze("贷款贷款电"));
        let value_of = |c: &str| {
            let feature = featurizer.feature_of(term_hash(TermKind::Char, c)).unwrap();
            let at = vector.indices.iter().position(|&i| i == feature).unwrap();
            (vector.values[at], featurizer.idf[feature as usize])
        };
        let (loan, loan_idf) = value_of("贷");
        let (power, power_idf) = value_of("电");
        let expected = (1.0 + 2f32.ln()) * loan_idf / power_idf;
        assert!((loan / power - expected).abs() < 1e-5, "{loan} / {power}");
    }

    #[test]
    fn fitting_twice_gives_identical_features() {
        let first = TfidfFeaturizer::fit(TfidfParams::default(), &corpus()).unwrap();
        let second = TfidfFeaturizer::fit(TfidfParams::default(), &corpus()).unwrap();
        assert_eq!(first.term_hashes, second.term_hashes);
        let text = analyze("银行贷款电费");
        assert_eq!(first.transform(&text), second.transform(&text));
    }

    #[test]
    fn min_df_drops_rare_terms_and_idf_matches_the_smoothed_formula() {
        let featurizer = TfidfFeaturizer::fit(TfidfParams::default(), &corpus()).unwrap();
        // "贷" occurs in 2 of 4 documents: idf = ln(5/3) + 1.
        let feature = featurizer
            .feature_of(term_hash(TermKind::Char, "贷"))
            .unwrap();
        assert!((featurizer.idf[feature as usize] - ((5.0f32 / 3.0).ln() + 1.0)).abs() < 1e-6);
        // "期" occurs in one document only.
        assert!(
            featurizer
                .feature_of(term_hash(TermKind::Char, "期"))
                .is_none()
        );
    }

    #[test]
    fn unknown_text_gives_the_zero_vector() {
        let featurizer = TfidfFeaturizer::fit(TfidfParams::default(), &corpus()).unwrap();
        assert_eq!(featurizer.transform(&analyze("hello world")).nnz(), 0);
    }

    #[test]
    fn char_ngrams_do_not_cross_spaces() {
        let params = TfidfParams {
            word_ngram_max: 0,
            ..TfidfParams::default()
        };
        let mut grams = Vec::new();
        let text = analyze("ab cd");
        for_each_term(&params, &text, |o| grams.push((o.char_start, o.char_end)));
        assert!(!grams.iter().any(|&(s, e)| s <= 2 && e > 2), "{grams:?}");
    }

    #[test]
    fn invalid_params_are_rejected() {
        let params = TfidfParams {
            char_ngram_min: 4,
            ..TfidfParams::default()
        };
        assert!(TfidfFeaturizer::fit(params, &corpus()).is_err());
    }
}
