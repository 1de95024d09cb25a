//! The whole pipeline as one value: normalise → segment → featurise → classify → calibrate → review → route.
//!
//! A [`Pipeline`] is what `triage train` saves and `triage classify` loads: one serde-serialised value in a
//! versioned file ([`model_file`]). Triage of one text never fails: empty or unfamiliar text is sent to review
//! with a reason rather than guessed.

pub(crate) mod card;
mod explain;
pub mod model_file;
mod train;

pub use card::{ModelCard, TopBand, today};
pub use explain::Reason;
pub use train::{
    Example, FeatureSelection, TrainParams, TrainedPipeline, data_fingerprint, fit_analyzed, train,
};

use crate::calibrate::{Calibrator, TemperatureScaling};
use crate::classify::{Classifier, LinearModel};
use crate::featurize::{AnalyzedText, Featurizer, TfidfFeaturizer};
use crate::normalize::NormalizerSequence;
use crate::review::{ReviewPolicy, ReviewReason};
use crate::route::{Department, RoutingTable};
use crate::segment::{Segmenter, SegmenterKind};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A label reserved for text that is not a complaint (greetings, tests, chit-chat): a model trained with it sends
/// such text to review instead of routing it.
pub const NOT_A_COMPLAINT: &str = "not_complaint";

/// A label reserved for complaints that no category of the routing table covers (医保报销, 户籍, a neighbour
/// dispute…): a model trained with it sends them to review as "no category fits" instead of routing them.
pub const OUT_OF_SCOPE: &str = "out_of_scope";

/// How much of the model's own distribution an unfamiliar text keeps (the rest is uniform).
const UNFAMILIAR_KEEP: f32 = 0.3;

/// The highest confidence reported by any model: a statistical model is never certain. A model whose top band
/// was right less often on held-out folds reports at most that band's accuracy ([`TopBand::ceiling`]).
pub const MAX_CONFIDENCE: f32 = 0.999;

/// Alternatives less probable than this are noise to a reader and are not listed.
pub const MIN_ALTERNATIVE: f32 = 0.01;

/// Whether a label is one of those no department owns.
pub fn is_reserved_label(label: &str) -> bool {
    label == NOT_A_COMPLAINT || label == OUT_OF_SCOPE
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pipeline {
    pub normalizer: NormalizerSequence,
    pub segmenter: SegmenterKind,
    pub featurizer: TfidfFeaturizer,
    pub classifier: LinearModel,
    pub calibrator: TemperatureScaling,
    pub review: ReviewPolicy,
    pub routing: RoutingTable,
    pub card: ModelCard,
}

impl Pipeline {
    /// Why a decoded pipeline cannot be used, if it cannot: its parts must agree on the number of features and
    /// labels, and the calibration temperature must be a positive number. A checksum guards against damage, not
    /// against a writer that got the parts wrong, and triage must never index past a table.
    pub fn check_shape(&self) -> Result<(), String> {
        self.featurizer.check_shape()?;
        self.classifier.check_shape()?;
        if self.classifier.n_features() != self.featurizer.n_features() {
            return Err(format!(
                "the vocabulary has {} terms but the classifier weighs {}",
                self.featurizer.n_features(),
                self.classifier.n_features()
            ));
        }
        let temperature = self.calibrator.temperature;
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err(format!(
                "calibration temperature {temperature} is not a positive number"
            ));
        }
        Ok(())
    }
}

/// A second label likely enough for a joint case (联办/协办).
#[derive(Debug, Clone, PartialEq)]
pub struct SecondaryLabel {
    pub label: String,
    pub confidence: f32,
    pub department: Department,
}

/// The decision for one complaint.
#[derive(Debug, Clone, PartialEq)]
pub struct Triage {
    /// The most likely label; empty when the text gave nothing to decide on.
    pub label: String,
    /// The label's Chinese name from the routing table (the label itself when it has none).
    pub category_name: String,
    /// Calibrated probability of `label`, at most the top band's held-out accuracy ([`TopBand::ceiling`]).
    pub confidence: f32,
    pub department: Department,
    /// Set when a person must decide; says why.
    pub review_reason: Option<ReviewReason>,
    /// The next most likely labels (at most two) with their probabilities, most likely first; only those at
    /// least [`MIN_ALTERNATIVE`] likely.
    pub alternatives: Vec<(String, f32)>,
    /// The Chinese name of each of `alternatives`, in the same order.
    pub alternative_names: Vec<String>,
    /// Set when the runner-up label reaches the model's secondary threshold.
    pub secondary: Option<SecondaryLabel>,
    /// The words that pushed `label` most, as written in the input; filled only when asked for.
    pub reasons: Vec<Reason>,
}

impl Triage {
    pub fn needs_review(&self) -> bool {
        self.review_reason.is_some()
    }
}

impl Pipeline {
    /// Normalises and segments a text.
    pub fn analyze(&self, text: &str) -> AnalyzedText {
        analyze_with(&self.normalizer, &self.segmenter, text)
    }

    /// The words of a text as written (Traditional stays Traditional), from the same segmentation the model
    /// uses; spaces and punctuation are words too, so the words joined give back the text.
    pub fn words<'t>(&self, text: &'t str) -> Vec<&'t str> {
        explain::original_words(text, &self.analyze(text))
            .into_iter()
            .map(|span| &text[span])
            .collect()
    }

    pub fn labels(&self) -> &[String] {
        self.classifier.labels()
    }

    /// Triage of one complaint.
    pub fn triage(&self, text: &str) -> Triage {
        self.decide(text, &self.analyze(text), false)
    }

    /// Triage of one complaint, with the terms that decided it.
    pub fn triage_explained(&self, text: &str) -> Triage {
        self.decide(text, &self.analyze(text), true)
    }

    /// Triage of many complaints in parallel, in input order.
    pub fn triage_batch<S: AsRef<str> + Sync>(&self, texts: &[S], explain: bool) -> Vec<Triage> {
        texts
            .par_iter()
            .map(|t| {
                let text = t.as_ref();
                self.decide(text, &self.analyze(text), explain)
            })
            .collect()
    }

    /// Decides on a text already analysed by this pipeline's stages; `original` is the text as given, from
    /// which reasons are quoted.
    pub fn decide(&self, original: &str, analyzed: &AnalyzedText, explain: bool) -> Triage {
        if analyzed.normalized.as_str().is_empty() {
            return self.unroutable(ReviewReason::EmptyText);
        }
        let features = self.featurizer.transform(analyzed);
        if features.nnz() == 0 {
            return self.unroutable(ReviewReason::NoKnownTerms);
        }
        let scores = self.classifier.scores(&features);
        let mut probabilities = self.calibrator.probabilities(&scores);
        let labels = self.labels();
        let top_score = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let unfamiliar = top_score < self.review.min_top_score;
        if unfamiliar {
            // Unlike anything trained on: flatten towards uniform so no guess looks confident.
            let uniform = 1.0 / labels.len() as f32;
            probabilities
                .iter_mut()
                .for_each(|p| *p = UNFAMILIAR_KEEP * *p + (1.0 - UNFAMILIAR_KEEP) * uniform);
        }
        let mut ranked: Vec<usize> = (0..probabilities.len()).collect();
        ranked.sort_by(|a, b| probabilities[*b].total_cmp(&probabilities[*a]));
        let best = ranked[0];
        let label = labels[best].clone();
        // Thresholds above 0.999 exist (a label right 95% of the time only from 0.9996 on): they are compared
        // with the probability itself, and only the reported confidence is capped, at the top band's held-out
        // accuracy.
        let confidence = probabilities[best].min(self.card.top_band.ceiling());
        let review_reason = if unfamiliar {
            Some(ReviewReason::Unfamiliar)
        } else if label == OUT_OF_SCOPE {
            Some(ReviewReason::NoCategoryFits)
        } else if label == NOT_A_COMPLAINT {
            Some(ReviewReason::NotAComplaint)
        } else {
            self.review.check(&label, probabilities[best])
        };
        let secondary = ranked
            .get(1)
            .filter(|&&i| {
                !unfamiliar
                    && !is_reserved_label(&labels[i])
                    && !is_reserved_label(&label)
                    && probabilities[i] >= self.review.secondary_threshold
            })
            .map(|&i| SecondaryLabel {
                label: labels[i].clone(),
                confidence: probabilities[i],
                department: self.routing.route(&labels[i]),
            });
        let reasons = if explain {
            explain::reasons(self, original, analyzed, &features, best)
        } else {
            Vec::new()
        };
        let department = if is_reserved_label(&label) {
            Department {
                id: String::new(),
                name: String::new(),
            }
        } else {
            self.routing.route(&label)
        };
        let alternatives: Vec<(String, f32)> = ranked[1..]
            .iter()
            .take(2)
            .filter(|&&i| probabilities[i] >= MIN_ALTERNATIVE)
            .map(|&i| (labels[i].clone(), probabilities[i]))
            .collect();
        Triage {
            department,
            review_reason,
            alternative_names: alternatives
                .iter()
                .map(|(l, _)| self.routing.category_name(l).to_string())
                .collect(),
            alternatives,
            secondary,
            reasons,
            category_name: self.routing.category_name(&label).to_string(),
            label,
            confidence,
        }
    }

    fn unroutable(&self, reason: ReviewReason) -> Triage {
        Triage {
            label: String::new(),
            category_name: String::new(),
            confidence: 0.0,
            department: Department {
                id: String::new(),
                name: String::new(),
            },
            review_reason: Some(reason),
            alternatives: Vec::new(),
            alternative_names: Vec::new(),
            secondary: None,
            reasons: Vec::new(),
        }
    }
}

/// Normalises and segments with the given stages.
pub fn analyze_with(
    normalizer: &NormalizerSequence,
    segmenter: &SegmenterKind,
    text: &str,
) -> AnalyzedText {
    let normalized = normalizer.apply(text);
    let words = segmenter.segment(normalized.as_str());
    AnalyzedText { normalized, words }
}
