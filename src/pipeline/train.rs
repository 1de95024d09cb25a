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

use super::{
    MAX_CONFIDENCE, ModelCard, Pipeline, analyze_with, card::TopBand, is_reserved_label, today,
};
use crate::calibrate::{Calibrator, TemperatureScaling};
use crate::classify::{Classifier, LinearModel, LinearSvmParams};
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
    /// One-sided confidence level with which each label's out-of-fold precision must reach its target (its
    /// Wilson lower bound); default [`crate::review::DEFAULT_PRECISION_CONFIDENCE`].
    pub precision_confidence: f64,
    /// Per-label overrides of `target_precision`.
    pub label_precision: BTreeMap<String, f64>,
    /// A runner-up at least this probable is reported as a secondary label (default 0.2).
    pub secondary_threshold: f32,
    /// Seed of every shuffle (default 42).
    pub seed: u64,
    /// How the vocabulary is cut to `tfidf.max_features` terms.
    pub feature_selection: FeatureSelection,
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
            precision_confidence: crate::review::DEFAULT_PRECISION_CONFIDENCE,
            label_precision: BTreeMap::new(),
            secondary_threshold: crate::review::DEFAULT_SECONDARY_THRESHOLD,
            seed: 42,
            feature_selection: FeatureSelection::ClassifierWeight,
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
        if !(0.5..1.0).contains(&self.precision_confidence) {
            return Err(TriageError::InvalidParameter(format!(
                "precision confidence must be within 0.5..1, got {}",
                self.precision_confidence
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

    /// jieba with the user dictionary: every model segments, whether or not words are also features, because
    /// reasons, the service and the reports are made of words.
    pub fn segmenter(&self) -> Result<SegmenterKind, TriageError> {
        Ok(SegmenterKind::Jieba(Box::new(JiebaSegmenter::new(
            self.user_dictionary.clone(),
            SEGMENT_WITH_HMM,
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
    /// The out-of-fold predictions behind calibration and thresholds: (predicted label index in
    /// `pipeline.labels()`, calibrated confidence, right?). With them the review thresholds can be chosen
    /// again for another target or confidence level without retraining.
    pub held_out_predictions: Vec<(usize, f32, bool)>,
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

/// Whether jieba's HMM guesses words its dictionaries lack. Off: it costs a third of segmentation time and
/// what it joins (names of firms and places) is never a reason worth showing (docs/model.md).
pub const SEGMENT_WITH_HMM: bool = false;

/// Epochs of the model that ranks terms for selection by weight. On Teddy, 1, 2, 3 and 10 epochs select
/// equally well (5-fold macro-F1 0.9020–0.9025) and 10 triple the training time.
const SELECTION_EPOCHS: usize = 2;

/// Selection by weight ranks at most this many candidates per term kept, the most frequent: all of Teddy's
/// ≈ 400,000 for 50,000 kept, while a corpus of millions of messages cannot make the ranking model huge.
const CANDIDATES_PER_KEPT_TERM: usize = 10;

/// How the vocabulary is cut down to `max_features` terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum FeatureSelection {
    /// The terms in the most training documents.
    Frequency,
    /// The terms a linear model trained on every term weighs most (largest weight for any label). On Teddy,
    /// 50,000 terms chosen so give 5-fold macro-F1 0.902 where the 50,000 most frequent give 0.898.
    #[value(name = "weight")]
    ClassifierWeight,
}

/// The `keep` features with the largest weight for any label, in ascending order.
fn heaviest_features(model: &LinearModel, keep: usize) -> Vec<u32> {
    let n_labels = model.labels().len();
    let mut ranked: Vec<(f32, u32)> = (0..model.n_features())
        .map(|f| {
            let weight = (0..n_labels)
                .map(|label| model.weight(f, label).abs())
                .fold(0.0f32, f32::max);
            (weight, f as u32)
        })
        .collect();
    ranked.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut kept: Vec<u32> = ranked.into_iter().take(keep).map(|(_, f)| f).collect();
    kept.sort_unstable();
    kept
}

/// A row restricted to the `kept` features (ascending), renumbered by their position there and L2-normalised
/// again: the row [`TfidfFeaturizer::retain`]`(kept)` would give.
/// The terms (sorted) that occur in at least one of `rows`, among `kept` when a selection was made.
fn seen_terms(wide_rows: &[SparseVector], rows: &[usize], kept: Option<Vec<u32>>) -> Vec<u32> {
    let mut seen: Vec<u32> = rows
        .iter()
        .flat_map(|&i| wide_rows[i].indices.iter().copied())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    match kept {
        Some(kept) => kept
            .into_iter()
            .filter(|term| seen.binary_search(term).is_ok())
            .collect(),
        None => seen,
    }
}

fn project(row: &SparseVector, kept: &[u32]) -> SparseVector {
    let mut projected = SparseVector::default();
    for (feature, value) in row.iter() {
        if let Ok(position) = kept.binary_search(&(feature as u32)) {
            projected.indices.push(position as u32);
            projected.values.push(value);
        }
    }
    projected.l2_normalize();
    projected
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
    // With selection by weight, the terms in at least `min_df` documents are candidates, and which ones
    // are kept is decided from labels: so it is decided again inside each calibration fold, from that fold's
    // training rows only, or the out-of-fold scores behind calibration and review thresholds would be
    // optimistic.
    let selection = match (params.feature_selection, params.tfidf.max_features) {
        (FeatureSelection::ClassifierWeight, Some(keep)) => Some(keep),
        _ => None,
    };
    let candidates = match selection {
        Some(keep) => TfidfParams {
            max_features: Some(keep.saturating_mul(CANDIDATES_PER_KEPT_TERM)),
            ..params.tfidf.clone()
        },
        None => params.tfidf.clone(),
    };
    let wide = TfidfFeaturizer::fit(candidates, analyzed)?;
    let wide_rows: Vec<SparseVector> = analyzed.par_iter().map(|t| wide.transform(t)).collect();
    let select = |rows: &[usize]| -> Result<Option<Vec<u32>>, TriageError> {
        match selection {
            Some(keep) if wide.n_features() > keep => {
                // Only the ranking of weights matters here, which settles long before the solver converges.
                let ranking = LinearSvmParams {
                    max_epochs: SELECTION_EPOCHS,
                    ..params.svm.clone()
                };
                let model = ranking.fit(
                    &rows
                        .iter()
                        .map(|&i| wide_rows[i].clone())
                        .collect::<Vec<_>>(),
                    &rows.iter().map(|&i| targets[i]).collect::<Vec<_>>(),
                    label_set.clone(),
                    wide.n_features(),
                )?;
                Ok(Some(heaviest_features(&model, keep)))
            }
            _ => Ok(None),
        }
    };

    let folds = stratified_folds(labels, params.calibration_folds, params.seed);
    let mut held_out_scores: Vec<Vec<f32>> = vec![Vec::new(); wide_rows.len()];
    for fold in 0..params.calibration_folds {
        let (fit_rows, score_rows): (Vec<usize>, Vec<usize>) =
            (0..wide_rows.len()).partition(|&i| folds[i] != fold);
        if score_rows.is_empty() {
            continue;
        }
        // Only terms this fold's model has seen: a held-out row's terms that no training row of the fold has
        // would otherwise stay in its vector, weightless but diluting its L2 norm, and make out-of-fold scores
        // less confident than the final model's on new text, where unknown terms are dropped. On small data
        // that made the review thresholds too low (docs/model.md, "The precision promise").
        let kept = seen_terms(&wide_rows, &fit_rows, select(&fit_rows)?);
        let row = |i: usize| project(&wide_rows[i], &kept);
        let fold_model = params.svm.fit(
            &fit_rows.iter().map(|&i| row(i)).collect::<Vec<_>>(),
            &fit_rows.iter().map(|&i| targets[i]).collect::<Vec<_>>(),
            label_set.clone(),
            kept.len(),
        )?;
        for &i in &score_rows {
            held_out_scores[i] = fold_model.scores(&row(i));
        }
    }
    let all_rows: Vec<usize> = (0..wide_rows.len()).collect();
    let (featurizer, rows) = match select(&all_rows)? {
        Some(kept) => {
            let featurizer = wide.retain(&kept);
            let rows: Vec<SparseVector> = analyzed
                .par_iter()
                .map(|t| featurizer.transform(t))
                .collect();
            (featurizer, rows)
        }
        // Nothing to cut; under selection the candidates' cap is not the vocabulary's, which `retain` records.
        None if selection.is_some() => {
            let all: Vec<u32> = (0..wide.n_features() as u32).collect();
            (wide.retain(&all), wide_rows)
        }
        None => (wide, wide_rows),
    };
    let n_features = featurizer.n_features();
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
    // Familiarity is calibrated on the held-out rows of real categories: rows labelled out_of_scope or
    // not_complaint are what it should catch, not what it must let through.
    let row_top_scores: Vec<f32> = held_out_scores
        .iter()
        .map(|s| s.iter().copied().fold(f32::NEG_INFINITY, f32::max))
        .collect();
    let top_scores: Vec<f32> = row_top_scores
        .iter()
        .zip(&targets)
        .filter(|(_, t)| !is_reserved_label(&label_set[**t]))
        .map(|(&s, _)| s)
        .collect();
    let (review, promise) = ReviewPolicy::fit(
        &label_set,
        &held_out_predictions,
        |label| params.precision_for(label),
        params.precision_confidence,
    );
    let mut review = review.with_familiarity_floor(&top_scores);
    review.secondary_threshold = params.secondary_threshold;
    let top_band = TopBand::from_held_out(
        &held_out_predictions
            .iter()
            .map(|&(label, p, correct)| (label, p.min(MAX_CONFIDENCE), correct))
            .collect::<Vec<_>>(),
    );
    let outcomes: Vec<Outcome> = held_out_predictions
        .iter()
        .zip(&targets)
        .zip(&row_top_scores)
        .map(|((&(best, confidence, _), &truth), &top_score)| Outcome {
            truth: label_set[truth].clone(),
            predicted: label_set[best].clone(),
            // Reported as `Pipeline::decide` reports it, so the card's calibration is that of what people read.
            confidence: confidence.min(top_band.ceiling()),
            // As `Pipeline::decide` would: reserved labels and unfamiliar text go to a person.
            auto_routed: !is_reserved_label(&label_set[best])
                && top_score >= review.min_top_score
                && review.check(&label_set[best], confidence).is_none(),
        })
        .collect();
    let mut held_out = Evaluation::compute(&outcomes);
    held_out.promise = Some(promise);

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
        top_band,
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
        held_out_predictions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::featurize::{TermKind, term_hash};

    fn examples() -> Vec<Example> {
        let mut reader = csv::Reader::from_path(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/complaints.csv"),
        )
        .unwrap();
        reader
            .records()
            .map(|r| r.unwrap())
            .filter(|r| ["tax", "power_cost", "financing"].contains(&&r[2]))
            .step_by(3)
            .map(|r| Example {
                text: r[1].to_string(),
                label: r[2].to_string(),
            })
            .collect()
    }

    fn params(keep: usize, selection: FeatureSelection) -> TrainParams {
        let mut params = TrainParams {
            calibration_folds: 3,
            feature_selection: selection,
            ..TrainParams::default()
        };
        params.tfidf.max_features = Some(keep);
        params
    }

    #[test]
    fn selection_by_weight_keeps_the_terms_a_full_model_weighs_most() {
        let examples = examples();
        let everything = train(&examples, &params(usize::MAX, FeatureSelection::Frequency))
            .unwrap()
            .pipeline;
        let keep = everything.featurizer.n_features() / 10;
        let by_weight = train(&examples, &params(keep, FeatureSelection::ClassifierWeight))
            .unwrap()
            .pipeline;
        let by_frequency = train(&examples, &params(keep, FeatureSelection::Frequency))
            .unwrap()
            .pipeline;
        assert_eq!(by_weight.featurizer.n_features(), keep);
        assert_eq!(by_frequency.featurizer.n_features(), keep);
        // How much the model trained on every term weighs the terms a featuriser kept.
        let total_weight = |kept: &TfidfFeaturizer| -> f32 {
            (0..kept.n_features() as u32)
                .map(|i| {
                    let feature =
                        everything.featurizer.feature_of(kept.term_hash(i)).unwrap() as usize;
                    (0..3)
                        .map(|label| everything.classifier.weight(feature, label).abs())
                        .fold(0.0f32, f32::max)
                })
                .sum()
        };
        let (weight_kept, frequency_kept) = (
            total_weight(&by_weight.featurizer),
            total_weight(&by_frequency.featurizer),
        );
        assert!(
            weight_kept > 1.2 * frequency_kept,
            "{weight_kept} vs {frequency_kept}"
        );
        assert!(
            by_weight
                .featurizer
                .feature_of(term_hash(TermKind::Char, "税"))
                .is_some()
        );
    }

    #[test]
    fn a_projected_row_is_the_row_of_the_retained_featurizer() {
        let examples = examples();
        let normalizer = NormalizerSequence::complaint_preset();
        let segmenter = SegmenterKind::Unsegmented;
        let analyzed: Vec<AnalyzedText> = examples
            .iter()
            .map(|e| analyze_with(&normalizer, &segmenter, &e.text))
            .collect();
        let wide = TfidfFeaturizer::fit(TfidfParams::default(), &analyzed).unwrap();
        let kept: Vec<u32> = (0..wide.n_features() as u32).step_by(7).collect();
        let narrow = wide.retain(&kept);
        for text in analyzed.iter().take(20) {
            let projected = project(&wide.transform(text), &kept);
            let direct = narrow.transform(text);
            let as_map = |v: &SparseVector| -> std::collections::BTreeMap<u32, f32> {
                v.indices
                    .iter()
                    .copied()
                    .zip(v.values.iter().copied())
                    .collect()
            };
            let (projected, direct) = (as_map(&projected), as_map(&direct));
            assert_eq!(
                projected.keys().collect::<Vec<_>>(),
                direct.keys().collect::<Vec<_>>()
            );
            for (feature, value) in &direct {
                assert!((projected[feature] - value).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn heaviest_features_ranks_by_the_largest_weight_for_any_label() {
        let weights = ndarray::array![[0.1f32, -0.2], [0.0, 0.05], [-0.9, 0.3], [0.4, 0.4]];
        let model = LinearModel::new(
            vec!["a".into(), "b".into()],
            weights,
            ndarray::array![0.0f32, 0.0],
        );
        assert_eq!(heaviest_features(&model, 2), vec![2, 3]);
        assert_eq!(heaviest_features(&model, 3), vec![0, 2, 3]);
    }
}
