//! The whole pipeline as one value: normalise → segment → featurise → classify → calibrate → review → route.
//!
//! A [`Pipeline`] is what `triage train` saves and `triage classify` loads: one serde-serialised value in a
//! versioned file ([`model_file`]). Triage of one text never fails: empty or unknown text is sent to review
//! with a reason rather than guessed.

mod card;
pub mod model_file;
mod train;

pub use card::{ModelCard, today};
pub use train::{Example, TrainParams, TrainedPipeline, data_fingerprint, fit_analyzed, train};

use crate::calibrate::{Calibrator, TemperatureScaling};
use crate::classify::{Classifier, LinearModel};
use crate::featurize::{AnalyzedText, Featurizer, TfidfFeaturizer};
use crate::normalize::NormalizerSequence;
use crate::review::{ReviewPolicy, ReviewReason};
use crate::route::{Department, RoutingTable};
use crate::segment::{Segmenter, SegmenterKind};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

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

/// The decision for one complaint.
#[derive(Debug, Clone, PartialEq)]
pub struct Triage {
    /// The most likely label; empty when the text gave nothing to decide on.
    pub label: String,
    /// Calibrated probability of `label`.
    pub confidence: f32,
    pub department: Department,
    /// Set when a person must decide; says why.
    pub review_reason: Option<ReviewReason>,
    /// The next most likely labels with their probabilities, most likely first.
    pub alternatives: Vec<(String, f32)>,
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

    /// Calibrated probabilities for every label (in `labels()` order) of an analysed text.
    pub fn probabilities(&self, analyzed: &AnalyzedText) -> Vec<f32> {
        let features = self.featurizer.transform(analyzed);
        self.calibrator
            .probabilities(&self.classifier.scores(&features))
    }

    pub fn labels(&self) -> &[String] {
        self.classifier.labels()
    }

    /// Triage of one complaint.
    pub fn triage(&self, text: &str) -> Triage {
        self.triage_analyzed(&self.analyze(text))
    }

    /// Triage of a complaint already normalised and segmented by this pipeline's stages.
    pub fn triage_analyzed(&self, analyzed: &AnalyzedText) -> Triage {
        if analyzed.normalized.as_str().is_empty() {
            return self.unroutable(ReviewReason::EmptyText);
        }
        let features = self.featurizer.transform(analyzed);
        if features.nnz() == 0 {
            return self.unroutable(ReviewReason::NoKnownTerms);
        }
        let probabilities = self
            .calibrator
            .probabilities(&self.classifier.scores(&features));
        let mut ranked: Vec<usize> = (0..probabilities.len()).collect();
        ranked.sort_by(|&a, &b| probabilities[b].total_cmp(&probabilities[a]));
        let labels = self.labels();
        let best = ranked[0];
        let label = labels[best].clone();
        let confidence = probabilities[best];
        Triage {
            department: self.routing.route(&label),
            review_reason: self.review.check(&label, confidence),
            alternatives: ranked[1..]
                .iter()
                .take(2)
                .map(|&i| (labels[i].clone(), probabilities[i]))
                .collect(),
            label,
            confidence,
        }
    }

    /// Triage of many complaints in parallel, in input order.
    pub fn triage_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Triage> {
        texts.par_iter().map(|t| self.triage(t.as_ref())).collect()
    }

    fn unroutable(&self, reason: ReviewReason) -> Triage {
        Triage {
            label: String::new(),
            confidence: 0.0,
            department: Department {
                id: String::new(),
                name: String::new(),
            },
            review_reason: Some(reason),
            alternatives: Vec::new(),
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
