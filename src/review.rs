//! Who decides: the tool or a person.
//!
//! A case is routed automatically only when its calibrated confidence reaches its label's threshold; the
//! thresholds are chosen on held-out (out-of-fold) predictions so that automatically routed cases reach a
//! target precision. Text that is empty or has no word the model knows always goes to a person, with a reason.

use crate::lang::Lang;
use crate::metrics::{confidence_steps, lowest_threshold_reaching};
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
    BelowThreshold { threshold: f32 },
}

impl ReviewReason {
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

    /// Chooses, for each label, the lowest threshold at which held-out cases predicted as that label and at
    /// least that confident reach the label's target precision. A label that never reaches it gets a threshold
    /// above 1: all its cases go to review.
    ///
    /// `predictions` are (predicted label index, confidence, correct?) for held-out rows.
    pub fn fit(
        labels: &[String],
        predictions: &[(usize, f32, bool)],
        target: impl Fn(&str) -> f64,
    ) -> Self {
        let mut thresholds = BTreeMap::new();
        let mut targets = BTreeMap::new();
        for (index, label) in labels.iter().enumerate() {
            let wanted = target(label);
            let mine: Vec<(f32, bool)> = predictions
                .iter()
                .filter(|p| p.0 == index)
                .map(|p| (p.1, p.2))
                .collect();
            let threshold = lowest_threshold_reaching(&confidence_steps(mine), wanted)
                .map_or(f32::INFINITY, |step| step.threshold);
            thresholds.insert(label.clone(), threshold.min(1.01));
            targets.insert(label.clone(), wanted);
        }
        ReviewPolicy {
            target_precision: targets,
            thresholds,
            default_threshold: 1.01,
            secondary_threshold: DEFAULT_SECONDARY_THRESHOLD,
            min_top_score: f32::NEG_INFINITY,
        }
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
        let policy = ReviewPolicy::fit(&labels, &predictions, |_| 0.95);
        let threshold = policy.threshold("a");
        let routed: Vec<_> = predictions.iter().filter(|p| p.1 >= threshold).collect();
        let precision = routed.iter().filter(|p| p.2).count() as f64 / routed.len() as f64;
        assert!(precision >= 0.95, "precision {precision}");
        // Lowest such threshold: one more row would break the target.
        let one_more = predictions
            .iter()
            .filter(|p| p.1 >= threshold - 0.0101)
            .collect::<Vec<_>>();
        let precision_more = one_more.iter().filter(|p| p.2).count() as f64 / one_more.len() as f64;
        assert!(precision_more < 0.95 || one_more.len() == predictions.len());
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
        assert_eq!(ReviewReason::NoCategoryFits.text(Lang::En), "no category fits");
        assert_eq!(ReviewReason::EmptyText.to_string(), "empty text");
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
