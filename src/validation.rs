//! Stratified K-fold cross-validation with the same settings as training.
//!
//! Texts are normalised and segmented once (that does not depend on the training rows); the vocabulary, IDF,
//! model, calibration and review thresholds are learnt anew inside each fold from its training part only.

use crate::error::TriageError;
use crate::featurize::AnalyzedText;
use crate::metrics::{Evaluation, Outcome};
use crate::normalize::NormalizerSequence;
use crate::pipeline::{TrainParams, analyze_with, fit_analyzed};
use crate::shuffle::shuffled;
use rayon::prelude::*;
use serde::Serialize;

/// Assigns each row a fold in `0..k` so that every label is spread evenly over the folds.
pub fn stratified_folds(labels: &[String], k: usize, seed: u64) -> Vec<usize> {
    let mut folds = vec![0; labels.len()];
    let mut distinct: Vec<&String> = labels.iter().collect();
    distinct.sort();
    distinct.dedup();
    // Continue the round-robin across labels so small labels do not all start in fold 0.
    let mut next = 0;
    for label in distinct {
        let members: Vec<usize> = (0..labels.len()).filter(|&i| &labels[i] == label).collect();
        for position in shuffled(members.len(), seed) {
            folds[members[position]] = next % k;
            next += 1;
        }
    }
    folds
}

#[derive(Debug, Clone, Serialize)]
pub struct CrossValidation {
    pub folds: usize,
    pub fold_macro_f1: Vec<f64>,
    pub mean_macro_f1: f64,
    /// All held-out predictions pooled.
    pub pooled: Evaluation,
}

/// Cross-validates the full training procedure on labelled texts.
pub fn cross_validate(
    texts: &[String],
    labels: &[String],
    k: usize,
    params: &TrainParams,
) -> Result<CrossValidation, TriageError> {
    if k < 2 || k > texts.len() {
        return Err(TriageError::InvalidParameter(format!(
            "--folds must be between 2 and the number of rows ({}), got {k}",
            texts.len()
        )));
    }
    let normalizer = NormalizerSequence::complaint_preset();
    let segmenter = params.segmenter()?;
    let analyzed: Vec<AnalyzedText> = texts
        .par_iter()
        .map(|t| analyze_with(&normalizer, &segmenter, t))
        .collect();
    let folds = stratified_folds(labels, k, params.seed);
    let mut outcomes: Vec<Option<Outcome>> = vec![None; texts.len()];
    let mut fold_macro_f1 = Vec::with_capacity(k);
    for fold in 0..k {
        let (train_rows, test_rows): (Vec<usize>, Vec<usize>) =
            (0..texts.len()).partition(|&i| folds[i] != fold);
        let train_texts: Vec<AnalyzedText> =
            train_rows.iter().map(|&i| analyzed[i].clone()).collect();
        let train_labels: Vec<String> = train_rows.iter().map(|&i| labels[i].clone()).collect();
        let trained = fit_analyzed(
            &normalizer,
            &segmenter,
            &train_texts,
            &train_labels,
            params,
            0,
        )?;
        let pipeline = trained.pipeline;
        let fold_outcomes: Vec<Outcome> = test_rows
            .par_iter()
            .map(|&i| {
                let decision = pipeline.decide(&texts[i], &analyzed[i], false);
                Outcome {
                    truth: labels[i].clone(),
                    predicted: decision.label.clone(),
                    confidence: decision.confidence,
                    auto_routed: !decision.needs_review(),
                }
            })
            .collect();
        fold_macro_f1.push(Evaluation::compute(&fold_outcomes).macro_f1);
        for (&i, outcome) in test_rows.iter().zip(fold_outcomes) {
            outcomes[i] = Some(outcome);
        }
    }
    let pooled: Vec<Outcome> = outcomes.into_iter().flatten().collect();
    Ok(CrossValidation {
        folds: k,
        mean_macro_f1: fold_macro_f1.iter().sum::<f64>() / k as f64,
        fold_macro_f1,
        pooled: Evaluation::compute(&pooled),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified() {
        let labels: Vec<String> = (0..50)
            .map(|i| if i < 40 { "big" } else { "small" }.to_string())
            .collect();
        let folds = stratified_folds(&labels, 5, 42);
        for fold in 0..5 {
            let big = (0..50)
                .filter(|&i| folds[i] == fold && labels[i] == "big")
                .count();
            let small = (0..50)
                .filter(|&i| folds[i] == fold && labels[i] == "small")
                .count();
            assert_eq!((big, small), (8, 2));
        }
    }
}
