//! Training a pipeline from labelled texts.
//!
//! 1. normalise and segment every text (in parallel);
//! 2. fit the TF-IDF vocabulary and IDF on all training texts;
//! 3. train the SVM on K−1 folds and score the held-out fold, K times, to get out-of-fold scores;
//! 4. fit the temperature on the out-of-fold scores and choose the review thresholds on the resulting
//!    out-of-fold probabilities;
//! 5. train the final SVM on all rows.
//!
//! In step 3 the vocabulary is the one fitted on all rows: it is unsupervised, and refitting it per fold would
//! double training time for no measurable change in the calibration.

use super::{ModelCard, Pipeline, analyze_with, today};
use crate::calibrate::{Calibrator, TemperatureScaling};
use crate::classify::{Classifier, LinearSvmParams};
use crate::error::TriageError;
use crate::featurize::{
    AnalyzedText, Featurizer, SparseVector, TfidfFeaturizer, TfidfParams, fingerprint,
};
use crate::metrics::{Evaluation, Outcome};
use crate::normalize::NormalizerSequence;
use crate::review::ReviewPolicy;
use crate::route::RoutingTable;
use crate::segment::{DOMAIN_DICTIONARY, JiebaSegmenter, SegmenterKind};
use crate::validation::stratified_folds;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// One labelled training text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub text: String,
    pub label: String,
}

/// Everything `triage train` can set. Defaults are the settings the shipped model uses.
#[derive(Debug, Clone, Serialize)]
pub struct TrainParams {
    pub tfidf: TfidfParams,
    pub svm: LinearSvmParams,
    /// Folds used for the out-of-fold scores behind calibration and thresholds (default 5).
    pub calibration_folds: usize,
    /// Precision automatically routed cases must reach (default 0.95).
    pub target_precision: f64,
    /// Per-label overrides of `target_precision`.
    pub label_precision: BTreeMap<String, f64>,
    /// A runner-up at least this probable is reported as a secondary label (default 0.2).
    pub secondary_threshold: f32,
    /// Seed of every shuffle (default 42).
    pub seed: u64,
    /// jieba user dictionary (default: the shipped domain dictionary).
    #[serde(skip)]
    pub user_dictionary: String,
    #[serde(skip)]
    pub routing: RoutingTable,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            tfidf: TfidfParams::default(),
            svm: LinearSvmParams::default(),
            calibration_folds: 5,
            target_precision: 0.95,
            label_precision: BTreeMap::new(),
            secondary_threshold: crate::review::DEFAULT_SECONDARY_THRESHOLD,
            seed: 42,
            user_dictionary: DOMAIN_DICTIONARY.to_string(),
            routing: RoutingTable::shipped(),
        }
    }
}

impl TrainParams {
    pub fn check(&self) -> Result<(), TriageError> {
        self.tfidf.check()?;
        self.svm.check()?;
        if self.calibration_folds < 2 {
            return Err(TriageError::InvalidParameter(
                "calibration folds must be at least 2".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.secondary_threshold) {
            return Err(TriageError::InvalidParameter(format!(
                "secondary threshold must be within 0..1, got {}",
                self.secondary_threshold
            )));
        }
        for (label, p) in std::iter::once((&"(default)".to_string(), &self.target_precision))
            .chain(&self.label_precision)
        {
            if !(0.0..=1.0).contains(p) {
                return Err(TriageError::InvalidParameter(format!(
                    "target precision for {label} must be within 0..1, got {p}"
                )));
            }
        }
        Ok(())
    }

    /// jieba with the user dictionary when the features use words; no segmenter when they do not.
    pub fn segmenter(&self) -> Result<SegmenterKind, TriageError> {
        if self.tfidf.word_ngram_max == 0 {
            return Ok(SegmenterKind::Unsegmented);
        }
        Ok(SegmenterKind::Jieba(Box::new(JiebaSegmenter::new(
            self.user_dictionary.clone(),
            true,
        )?)))
    }

    fn precision_for(&self, label: &str) -> f64 {
        self.label_precision
            .get(label)
            .copied()
            .unwrap_or(self.target_precision)
    }
}

/// A trained pipeline with the out-of-fold evaluation made while training it.
#[derive(Debug, Clone)]
pub struct TrainedPipeline {
    pub pipeline: Pipeline,
    pub held_out: Evaluation,
}

/// Trains a pipeline on labelled examples.
pub fn train(examples: &[Example], params: &TrainParams) -> Result<TrainedPipeline, TriageError> {
    params.check()?;
    let normalizer = NormalizerSequence::complaint_preset();
    let segmenter = params.segmenter()?;
    let analyzed: Vec<AnalyzedText> = examples
        .par_iter()
        .map(|e| analyze_with(&normalizer, &segmenter, &e.text))
        .collect();
    let labels: Vec<String> = examples.iter().map(|e| e.label.clone()).collect();
    fit_analyzed(
        &normalizer,
        &segmenter,
        &analyzed,
        &labels,
        params,
        data_fingerprint(examples),
    )
}

/// Fingerprint of training data: texts and labels, in order.
pub fn data_fingerprint(examples: &[Example]) -> u64 {
    let mut bytes = Vec::new();
    for example in examples {
        bytes.extend_from_slice(example.text.as_bytes());
        bytes.push(0x1f);
        bytes.extend_from_slice(example.label.as_bytes());
        bytes.push(0x1e);
    }
    fingerprint(&bytes)
}

/// Trains on texts already normalised and segmented with `normalizer` and `segmenter`.
pub fn fit_analyzed(
    normalizer: &NormalizerSequence,
    segmenter: &SegmenterKind,
    analyzed: &[AnalyzedText],
    labels: &[String],
    params: &TrainParams,
    data_fingerprint: u64,
) -> Result<TrainedPipeline, TriageError> {
    params.check()?;
    let mut label_set: Vec<String> = labels.to_vec();
    label_set.sort();
    label_set.dedup();
    if label_set.len() < 2 {
        return Err(TriageError::Training(format!(
            "need at least two distinct labels, found {}",
            label_set.len()
        )));
    }
    let targets: Vec<usize> = labels
        .iter()
        .map(|l| label_set.binary_search(l).expect("label in set"))
        .collect();
    let featurizer = TfidfFeaturizer::fit(params.tfidf.clone(), analyzed)?;
    let rows: Vec<SparseVector> = analyzed
        .par_iter()
        .map(|t| featurizer.transform(t))
        .collect();
    let n_features = featurizer.n_features();

    let folds = stratified_folds(labels, params.calibration_folds, params.seed);
    let mut held_out_scores: Vec<Vec<f32>> = vec![Vec::new(); rows.len()];
    for fold in 0..params.calibration_folds {
        let (fit_rows, score_rows): (Vec<usize>, Vec<usize>) =
            (0..rows.len()).partition(|&i| folds[i] != fold);
        if score_rows.is_empty() {
            continue;
        }
        let fold_model = params.svm.fit(
            &fit_rows
                .iter()
                .map(|&i| rows[i].clone())
                .collect::<Vec<_>>(),
            &fit_rows.iter().map(|&i| targets[i]).collect::<Vec<_>>(),
            label_set.clone(),
            n_features,
        )?;
        for &i in &score_rows {
            held_out_scores[i] = fold_model.scores(&rows[i]);
        }
    }
    let calibrator = TemperatureScaling::fit(&held_out_scores, &targets);
    let held_out_predictions: Vec<(usize, f32, bool)> = held_out_scores
        .iter()
        .zip(&targets)
        .map(|(scores, &truth)| {
            let probabilities = calibrator.probabilities(scores);
            let best = (0..probabilities.len())
                .max_by(|&a, &b| probabilities[a].total_cmp(&probabilities[b]))
                .unwrap_or(0);
            (best, probabilities[best], best == truth)
        })
        .collect();
    let top_scores: Vec<f32> = held_out_scores
        .iter()
        .map(|s| s.iter().copied().fold(f32::NEG_INFINITY, f32::max))
        .collect();
    let mut review = ReviewPolicy::fit(&label_set, &held_out_predictions, |label| {
        params.precision_for(label)
    })
    .with_familiarity_floor(&top_scores);
    review.secondary_threshold = params.secondary_threshold;
    let outcomes: Vec<Outcome> = held_out_predictions
        .iter()
        .zip(&targets)
        .map(|(&(best, confidence, _), &truth)| Outcome {
            truth: label_set[truth].clone(),
            predicted: label_set[best].clone(),
            confidence,
            auto_routed: review.check(&label_set[best], confidence).is_none(),
        })
        .collect();
    let held_out = Evaluation::compute(&outcomes);

    let classifier = params
        .svm
        .fit(&rows, &targets, label_set.clone(), n_features)?;
    let label_counts = label_set
        .iter()
        .enumerate()
        .map(|(i, l)| (l.clone(), targets.iter().filter(|&&t| t == i).count()))
        .collect();
    let card = ModelCard {
        trained_on: today(),
        training_rows: rows.len(),
        data_fingerprint: format!("{data_fingerprint:016x}"),
        label_counts,
        params_json: serde_json::to_string(params).unwrap_or_default(),
        held_out_json: ModelCard::held_out_from(&held_out),
        temperature: calibrator.temperature,
    };
    Ok(TrainedPipeline {
        pipeline: Pipeline {
            normalizer: normalizer.clone(),
            segmenter: segmenter.clone(),
            featurizer,
            classifier,
            calibrator,
            review,
            routing: params.routing.clone(),
            card,
        },
        held_out,
    })
}
