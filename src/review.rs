//! Who decides: the tool or a person.
//!
//! A case is routed automatically only when its calibrated confidence reaches its label's threshold; the
//! thresholds are chosen on held-out (out-of-fold) predictions so that automatically routed cases reach a
//! target precision — not by the point estimate, which on few cases lands above the truth too often, but by a
//! lower confidence bound (Wilson, one-sided at [`DEFAULT_PRECISION_CONFIDENCE`]): a label with too few held-out
//! cases to support any threshold sends everything to review until closed cases accumulate. Text that is empty or has no word the model knows always goes to a person, with a reason.

use crate::lang::Lang;
use crate::metrics::{
    LabelPromise, PrecisionPromise, cases_needed, confidence_steps, lowest_threshold_bounded,
    one_sided_z, wilson_interval,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Per-label confidence thresholds for automatic routing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewPolicy {
    /// Precision the thresholds were chosen for, per label.
    pub target_precision: BTreeMap<String, f64>,
    /// Minimum confidence to route automatically, per label.
    pub thresholds: BTreeMap<String, f32>,
    /// Used for a label with no threshold of its own.
    pub default_threshold: f32,
    /// A runner-up label at least this probable is reported as a secondary label (联办/协办).
    pub secondary_threshold: f32,
    /// A top raw score below this is unlike the training data (below almost every held-out case's score).
    pub min_top_score: f32,
}

/// Default probability for a runner-up to be reported as a secondary label.
pub const DEFAULT_SECONDARY_THRESHOLD: f32 = 0.2;
/// One-sided confidence level of the lower bound on out-of-fold precision that each label's threshold must
/// reach the target with. Chosen with `cargo bench --bench learning_curve` (docs/model.md): the lowest level at
/// which precision reached on held-out data stays within 0.01 of the target at every training size measured.
pub const DEFAULT_PRECISION_CONFIDENCE: f64 = 0.8;
/// Share of held-out in-scope cases allowed below the familiarity floor: 2% (most of them were below their
/// label's threshold anyway), which on our holdout sends to review out-of-scope complaints that a model without
/// an `out_of_scope` class would route (docs/model.md).
pub const UNFAMILIAR_QUANTILE: f64 = 0.02;

/// Why a case goes to a person.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewReason {
    EmptyText,
    NoKnownTerms,
    /// The familiarity score is below the floor calibrated on held-out folds: no category fits.
    Unfamiliar,
    /// The model's best guess is the reserved label `out_of_scope`: no category fits.
    NoCategoryFits,
    NotAComplaint,
    BelowThreshold {
        threshold: f32,
    },
}

impl ReviewReason {
    /// A stable code for scripts, the same in every language.
    pub fn code(&self) -> &'static str {
        match self {
            ReviewReason::EmptyText => "empty_text",
            ReviewReason::NoKnownTerms => "no_known_terms",
            ReviewReason::Unfamiliar => "unfamiliar",
            ReviewReason::NoCategoryFits => "no_category_fits",
            ReviewReason::NotAComplaint => "not_a_complaint",
            ReviewReason::BelowThreshold { threshold } if *threshold > 1.0 => "never_routed",
            ReviewReason::BelowThreshold { .. } => "below_threshold",
        }
    }

    /// The reason as an office reads it (Chinese) or in English.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            ReviewReason::EmptyText => lang.pick("空文本", "empty text").into(),
            ReviewReason::NoKnownTerms => lang
                .pick("没有模型认识的词", "no word the model knows")
                .into(),
            ReviewReason::Unfamiliar => lang
                .pick(
                    "无匹配类别（与训练过的诉求都不相似）",
                    "no category fits (unlike any complaint the model was trained on)",
                )
                .into(),
            ReviewReason::NoCategoryFits => lang.pick("无匹配类别", "no category fits").into(),
            ReviewReason::NotAComplaint => lang
                .pick(
                    "不是诉求（问候、测试或无关内容）",
                    "not a complaint (greeting, test or unrelated text)",
                )
                .into(),
            ReviewReason::BelowThreshold { threshold } if *threshold > 1.0 => lang
                .pick(
                    "该类别不自动分派（留出验证中达不到目标准确率）",
                    "this label is never routed automatically (it never reached the target precision on held-out folds)",
                )
                .into(),
            ReviewReason::BelowThreshold { threshold } => {
                // Above 0.999 three decimals would print 1.000, which no confidence reaches.
                let shown = if *threshold > 0.999 {
                    format!("{threshold:.4}")
                } else {
                    format!("{threshold:.3}")
                };
                match lang {
                    Lang::Zh => format!("置信度低于该类别的阈值 {shown}"),
                    Lang::En => format!("confidence below the label's threshold {shown}"),
                }
            }
        }
    }
}

/// English, for logs and messages to developers.
impl std::fmt::Display for ReviewReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

impl ReviewPolicy {
    /// A single threshold for every label.
    pub fn uniform(threshold: f32) -> Self {
        ReviewPolicy {
            target_precision: BTreeMap::new(),
            thresholds: BTreeMap::new(),
            default_threshold: threshold,
            secondary_threshold: DEFAULT_SECONDARY_THRESHOLD,
            min_top_score: f32::NEG_INFINITY,
        }
    }

    pub fn threshold(&self, label: &str) -> f32 {
        self.thresholds
            .get(label)
            .copied()
            .unwrap_or(self.default_threshold)
    }

    /// Chooses, for each label, the lowest threshold at which the held-out cases predicted as that label and at
    /// least that confident reach the label's target precision with their Wilson lower bound at the one-sided
    /// confidence `level`. A label where no threshold does gets one above 1: all its cases go to review. Returns
    /// the policy and the promise it makes, label by label, with its evidence.
    ///
    /// `predictions` are (predicted label index, confidence, correct?) for held-out rows.
    pub fn fit(
        labels: &[String],
        predictions: &[(usize, f32, bool)],
        target: impl Fn(&str) -> f64,
        level: f64,
    ) -> (Self, PrecisionPromise) {
        let z = one_sided_z(level);
        let mut thresholds = BTreeMap::new();
        let mut targets = BTreeMap::new();
        let mut promises = Vec::with_capacity(labels.len());
        for (index, label) in labels.iter().enumerate() {
            let wanted = target(label);
            let mine: Vec<(f32, bool)> = predictions
                .iter()
                .filter(|p| p.0 == index)
                .map(|p| (p.1, p.2))
                .collect();
            let predicted = mine.len();
            let step = lowest_threshold_bounded(&confidence_steps(mine), wanted, z);
            let threshold = step.map_or(1.01, |step| step.threshold.min(1.01));
            let (routed, correct) = step.map_or((0, 0), |step| (step.routed, step.correct));
            promises.push(LabelPromise {
                label: label.clone(),
                target: wanted,
                threshold,
                predicted,
                routed,
                correct,
                precision: if routed == 0 {
                    0.0
                } else {
                    correct as f64 / routed as f64
                },
                lower_bound: wilson_interval(correct, routed, z).0,
                supported: step.is_some(),
                cases_needed: cases_needed(wanted, z),
            });
            thresholds.insert(label.clone(), threshold);
            targets.insert(label.clone(), wanted);
        }
        let policy = ReviewPolicy {
            target_precision: targets,
            thresholds,
            default_threshold: 1.01,
            secondary_threshold: DEFAULT_SECONDARY_THRESHOLD,
            min_top_score: f32::NEG_INFINITY,
        };
        let promise = PrecisionPromise {
            level,
            method: "Wilson score lower bound, one-sided".into(),
            labels: promises,
        };
        (policy, promise)
    }

    /// Sets the familiarity floor from held-out top scores: the [`UNFAMILIAR_QUANTILE`] quantile.
    pub fn with_familiarity_floor(mut self, held_out_top_scores: &[f32]) -> Self {
        let mut sorted = held_out_top_scores.to_vec();
        sorted.sort_by(|a, b| a.total_cmp(b));
        if let Some(&floor) = sorted.get((sorted.len() as f64 * UNFAMILIAR_QUANTILE) as usize) {
            self.min_top_score = floor;
        }
        self
    }

    /// Whether a case with this label and confidence must be reviewed, and why.
    pub fn check(&self, label: &str, confidence: f32) -> Option<ReviewReason> {
        let threshold = self.threshold(label);
        (confidence < threshold).then_some(ReviewReason::BelowThreshold { threshold })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_reach_the_target_on_known_data() {
        let labels = vec!["a".to_string(), "b".to_string()];
        // Label a: confidences 0.99..0.50, wrong whenever confidence < 0.8 on every second row.
        let mut predictions = Vec::new();
        for i in 0..50 {
            let confidence = 0.99 - i as f32 * 0.01;
            let correct = confidence >= 0.8 || i % 2 == 0;
            predictions.push((0, confidence, correct));
        }
        let (policy, promise) = ReviewPolicy::fit(&labels, &predictions, |_| 0.95, 0.8);
        let threshold = policy.threshold("a");
        let a = &promise.labels[0];
        assert!(a.supported && a.lower_bound >= 0.95 && a.threshold == threshold);
        assert!(!promise.labels[1].supported);
        let routed: Vec<_> = predictions.iter().filter(|p| p.1 >= threshold).collect();
        let precision = routed.iter().filter(|p| p.2).count() as f64 / routed.len() as f64;
        assert!(precision >= 0.95, "precision {precision}");
        // Lowest such threshold: one more row would break the target.
        let one_more = predictions
            .iter()
            .filter(|p| p.1 >= threshold - 0.0101)
            .collect::<Vec<_>>();
        let correct_more = one_more.iter().filter(|p| p.2).count();
        let bound_more = wilson_interval(correct_more, one_more.len(), one_sided_z(0.8)).0;
        assert!(bound_more < 0.95 || one_more.len() == predictions.len());
        // Label b was never predicted: everything goes to review.
        assert!(policy.threshold("b") > 1.0);
    }

    #[test]
    fn reasons_read_in_chinese_or_english_and_never_print_one() {
        let reason = ReviewReason::BelowThreshold { threshold: 0.9996 };
        assert_eq!(reason.text(Lang::Zh), "置信度低于该类别的阈值 0.9996");
        assert_eq!(
            reason.text(Lang::En),
            "confidence below the label's threshold 0.9996"
        );
        assert_eq!(
            ReviewReason::BelowThreshold { threshold: 0.85 }.text(Lang::Zh),
            "置信度低于该类别的阈值 0.850"
        );
        assert!(
            ReviewReason::BelowThreshold { threshold: 1.01 }
                .text(Lang::Zh)
                .contains("不自动分派")
        );
        assert_eq!(ReviewReason::NoCategoryFits.text(Lang::Zh), "无匹配类别");
        assert_eq!(
            ReviewReason::NoCategoryFits.text(Lang::En),
            "no category fits"
        );
        assert_eq!(ReviewReason::EmptyText.to_string(), "empty text");
    }

    #[test]
    fn few_perfect_cases_do_not_support_a_threshold_but_enough_do() {
        let labels = vec!["small".to_string(), "large".to_string()];
        let needed = cases_needed(0.95, one_sided_z(0.8));
        let mut predictions: Vec<(usize, f32, bool)> = (0..needed - 1)
            .map(|i| (0, 0.99 - i as f32 * 1e-3, true))
            .collect();
        predictions.extend((0..needed).map(|i| (1, 0.99 - i as f32 * 1e-3, true)));
        let (policy, promise) = ReviewPolicy::fit(&labels, &predictions, |_| 0.95, 0.8);
        // One case short: the point estimate is 1.0, but the bound stays below the target.
        assert!(policy.threshold("small") > 1.0);
        assert!(!promise.labels[0].supported);
        assert!(policy.threshold("large") <= 0.99);
        assert!(promise.labels[1].supported);
        assert_eq!(promise.labels[1].routed, needed);
    }

    #[test]
    fn a_higher_level_routes_no_more_than_a_lower_one() {
        let labels = vec!["a".to_string()];
        let predictions: Vec<(usize, f32, bool)> = (0..400)
            .map(|i| (0, 1.0 - i as f32 / 400.0, i % 17 != 3))
            .collect();
        let routed = |level| {
            let (policy, _) = ReviewPolicy::fit(&labels, &predictions, |_| 0.9, level);
            let threshold = policy.threshold("a");
            predictions.iter().filter(|p| p.1 >= threshold).count()
        };
        assert!(routed(0.95) <= routed(0.8));
        assert!(routed(0.8) < routed(0.6) || routed(0.8) == predictions.len());
    }

    #[test]
    fn below_threshold_is_sent_to_review_with_its_threshold() {
        let mut policy = ReviewPolicy::uniform(0.5);
        policy.thresholds.insert("tax".into(), 0.7);
        assert_eq!(
            policy.check("tax", 0.6),
            Some(ReviewReason::BelowThreshold { threshold: 0.7 })
        );
        assert_eq!(policy.check("land", 0.6), None);
    }
}
