//! Reasons: the words of the input that pushed the chosen label most, quoted as the user wrote them.
//!
//! A feature's push is its TF-IDF value times its weight for the chosen label minus its mean weight for the
//! other labels, so terms common to every label do not count. Reasons are whole words of the segmentation the
//! model made (jieba with the domain dictionary, so 城镇土地使用税 stays one word): each occurrence of a feature
//! credits its push to the words it covers, in proportion to the characters it shares with each, so a char
//! n-gram's weight goes to the word it falls in. A word that occurs twice is one reason. Words traced back
//! through normalisation give the characters the user typed: a Traditional input gives Traditional reasons.
//! Punctuation, spaces and bare numbers are never reasons. Each reason's weight is its share of the decision's
//! positive push.

use super::Pipeline;
use crate::featurize::{AnalyzedText, SparseVector};
use crate::segment::{JiebaSegmenter, Segmenter, Word};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

/// At most this many reasons per decision …
const MAX_REASONS: usize = 5;
/// … at least this many when the text has them …
const MIN_REASONS: usize = 3;
/// … and beyond those, only words with at least this share of the positive push.
const MIN_EXTRA_SHARE: f32 = 0.05;
/// A one-character word (课, 说, 想) with less than this share is a reason only to make up three: alone it
/// rarely tells a reader why.
const MIN_SINGLE_CHAR_SHARE: f32 = 0.10;

/// One word that pushed the decision, as written in the input, with its share of the decision's positive push
/// (0–1; the shares of all words pushing towards the label sum to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub term: String,
    pub weight: f32,
}

/// The text's words: the model's segmentation, or for a model saved without one, the shipped dictionary's.
fn words_of(analyzed: &AnalyzedText) -> Cow<'_, [Word]> {
    if analyzed.words.is_empty() {
        static SHIPPED: LazyLock<JiebaSegmenter> =
            LazyLock::new(JiebaSegmenter::with_domain_dictionary);
        Cow::Owned(SHIPPED.segment(analyzed.normalized.as_str()))
    } else {
        Cow::Borrowed(&analyzed.words)
    }
}

/// The words of an analysed text, as byte ranges of the original input. A model saved without segmentation
/// is segmented here with the shipped dictionary, so that its reasons are words too.
pub(super) fn original_words(original: &str, analyzed: &AnalyzedText) -> Vec<Range<usize>> {
    let words = words_of(analyzed);
    words
        .iter()
        .filter_map(|w| {
            analyzed
                .normalized
                .original_span(w.char_start as usize, w.char_end as usize)
        })
        .filter(|span| span.end <= original.len())
        .collect()
}

/// Whether a word can be a reason: it has a letter or a Han character (not only punctuation, spaces or digits).
pub fn can_be_a_reason(word: &str) -> bool {
    word.chars().any(|c| c.is_alphanumeric() && !c.is_numeric())
}

pub(super) fn reasons(
    pipeline: &Pipeline,
    original: &str,
    analyzed: &AnalyzedText,
    features: &SparseVector,
    label: usize,
) -> Vec<Reason> {
    let model = &pipeline.classifier;
    let n_labels = pipeline.labels().len();
    let value: FxHashMap<u32, f32> = features
        .indices
        .iter()
        .copied()
        .zip(features.values.iter().copied())
        .collect();
    let push = |feature: u32| {
        let own = model.weight(feature as usize, label);
        let others: f32 = (0..n_labels)
            .filter(|&l| l != label)
            .map(|l| model.weight(feature as usize, l))
            .sum::<f32>()
            / (n_labels - 1).max(1) as f32;
        value.get(&feature).copied().unwrap_or(0.0) * (own - others)
    };

    // The words, as char ranges of the normalised text, and the word each char belongs to.
    let words = words_of(analyzed);
    let mut word_of_char = vec![usize::MAX; analyzed.normalized.char_len()];
    for (w, word) in words.iter().enumerate() {
        for c in word.char_start..word.char_end {
            if let Some(slot) = word_of_char.get_mut(c as usize) {
                *slot = w;
            }
        }
    }

    // Each occurrence carries an equal part of its feature's push, spread over its chars.
    let occurrences = pipeline.featurizer.occurrences(analyzed);
    let mut count: FxHashMap<u32, u32> = FxHashMap::default();
    for (feature, _) in &occurrences {
        *count.entry(*feature).or_insert(0) += 1;
    }
    let mut word_push = vec![0.0f32; words.len()];
    let mut pushes: FxHashMap<u32, f32> = FxHashMap::default();
    for (feature, occurrence) in &occurrences {
        let per_occurrence =
            *pushes.entry(*feature).or_insert_with(|| push(*feature)) / count[feature] as f32;
        let chars = occurrence.char_start..occurrence.char_end;
        let per_char = per_occurrence / chars.len().max(1) as f32;
        for c in chars {
            if let Some(&w) = word_of_char.get(c as usize).filter(|&&w| w != usize::MAX) {
                word_push[w] += per_char;
            }
        }
    }

    // One candidate per distinct word, quoted where it first occurs.
    let normalized = analyzed.normalized.as_str();
    let mut by_text: FxHashMap<&str, usize> = FxHashMap::default();
    let mut candidates: Vec<(f32, Range<usize>)> = Vec::new();
    for (w, word) in words.iter().enumerate() {
        let text = word.text(normalized);
        if !can_be_a_reason(text) {
            continue;
        }
        match by_text.get(text) {
            Some(&at) => candidates[at].0 += word_push[w],
            None => {
                let Some(span) = analyzed
                    .normalized
                    .original_span(word.char_start as usize, word.char_end as usize)
                    .filter(|s| s.end <= original.len())
                else {
                    continue;
                };
                by_text.insert(text, candidates.len());
                candidates.push((word_push[w], span));
            }
        }
    }
    let positive: f32 = candidates.iter().map(|c| c.0.max(0.0)).sum();
    if positive <= 0.0 {
        return Vec::new();
    }
    candidates.retain(|c| c.0 > 0.0);
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.start.cmp(&b.1.start)));
    // One-character words come last unless they carry a real share, so they only fill up to three reasons.
    let single_and_weak = |c: &(f32, Range<usize>)| {
        original[c.1.clone()].chars().count() == 1 && c.0 / positive < MIN_SINGLE_CHAR_SHARE
    };
    let (weak, strong): (Vec<_>, Vec<_>) = candidates.into_iter().partition(single_and_weak);
    let mut chosen: Vec<(f32, Range<usize>)> = strong
        .into_iter()
        .enumerate()
        .take_while(|(rank, c)| *rank < MIN_REASONS || c.0 / positive >= MIN_EXTRA_SHARE)
        .take(MAX_REASONS)
        .map(|(_, c)| c)
        .collect();
    let missing = MIN_REASONS.saturating_sub(chosen.len());
    chosen.extend(weak.into_iter().take(missing));
    chosen
        .into_iter()
        .map(|(push, span)| Reason {
            term: original[span].to_string(),
            weight: push / positive,
        })
        .collect()
}
