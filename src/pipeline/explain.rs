//! Reasons: the terms that pushed the chosen label most, quoted from the original input.
//!
//! A term's push is its TF-IDF value times its weight for the chosen label minus its mean weight for the other
//! labels, so terms common to every label do not count as reasons. Terms are traced back through segmentation
//! and normalisation to the characters the user typed: a Traditional input gives Traditional reasons. Overlapping
//! n-grams quote the same characters, so a term whose quote lies inside an already chosen one is skipped.
//! Words and word pairs are preferred; character n-grams of two or more characters fill in when words give
//! fewer than three reasons.

use super::Pipeline;
use crate::featurize::{AnalyzedText, SparseVector, TermKind};
use std::collections::HashMap;
use std::ops::Range;

/// At most this many reasons per decision.
const MAX_REASONS: usize = 5;
/// Char n-grams are added when words give fewer than this many reasons.
const MIN_WORD_REASONS: usize = 3;

/// One term that pushed the decision, as written in the input, with its push.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub term: String,
    pub weight: f32,
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
    let value: HashMap<u32, f32> = features
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
    // First occurrence of each feature, with its original byte span.
    let mut candidates: Vec<(bool, f32, Range<usize>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (feature, occurrence) in pipeline.featurizer.occurrences(analyzed) {
        if !seen.insert(feature) {
            continue;
        }
        let is_word = occurrence.kind != TermKind::Char;
        if !is_word && occurrence.char_end - occurrence.char_start < 2 {
            continue;
        }
        let weight = push(feature);
        if weight <= 0.0 {
            continue;
        }
        if let Some(span) = analyzed
            .normalized
            .original_span(occurrence.char_start as usize, occurrence.char_end as usize)
        {
            candidates.push((is_word, weight, span));
        }
    }
    // Words first, each group by push.
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
    let mut chosen: Vec<(Range<usize>, Reason)> = Vec::new();
    for (is_word, weight, span) in candidates {
        if !is_word && chosen.len() >= MIN_WORD_REASONS {
            break;
        }
        let term = original[span.clone()].trim();
        if term.is_empty()
            || chosen
                .iter()
                .any(|(s, r)| r.term == term || (s.start <= span.start && span.end <= s.end))
        {
            continue;
        }
        chosen.push((
            span,
            Reason {
                term: term.to_string(),
                weight,
            },
        ));
        if chosen.len() == MAX_REASONS {
            break;
        }
    }
    chosen.into_iter().map(|(_, r)| r).collect()
}
