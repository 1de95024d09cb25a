//! The promotion rule: does a retrained candidate do at least as well as the active model on the same held-out
//! closed cases?
//!
//! The candidate is promoted only if its macro-F1 is not lower than the active model's by more than
//! `max_macro_f1_drop` and no category's recall falls by more than `max_recall_drop`. This module only compares
//! two evaluations; it must not train, read files or change the registry.

use crate::error::TriageError;
use crate::metrics::Evaluation;
use serde::Serialize;
use std::collections::BTreeMap;

/// Small slack so that a drop of exactly the allowed amount, computed in floating point, passes.
const EPSILON: f64 = 1e-9;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PromotionRule {
    /// Largest allowed fall of macro-F1 (default 0.005).
    pub max_macro_f1_drop: f64,
    /// Largest allowed fall of any category's recall (default 0.10).
    pub max_recall_drop: f64,
}

impl Default for PromotionRule {
    fn default() -> Self {
        PromotionRule {
            max_macro_f1_drop: 0.005,
            max_recall_drop: 0.10,
        }
    }
}

impl PromotionRule {
    pub fn check(&self) -> Result<(), TriageError> {
        for (name, value) in [
            ("max macro-F1 drop", self.max_macro_f1_drop),
            ("max recall drop", self.max_recall_drop),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(TriageError::InvalidParameter(format!(
                    "{name} must be within 0..1, got {value}"
                )));
            }
        }
        Ok(())
    }
}

/// One category's recall under both models.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryChange {
    pub label: String,
    /// Held-out cases of this category.
    pub support: usize,
    pub active_recall: f64,
    pub candidate_recall: f64,
}

impl CategoryChange {
    pub fn change(&self) -> f64 {
        self.candidate_recall - self.active_recall
    }
}

/// The side-by-side comparison and the decision.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub rule: PromotionRule,
    pub active: Evaluation,
    pub candidate: Evaluation,
    /// Every category present in the held-out cases, by label.
    pub categories: Vec<CategoryChange>,
    pub promoted: bool,
    /// Why the candidate was refused; empty when promoted.
    pub refusals: Vec<String>,
}

/// Compares two evaluations of the same held-out cases.
pub fn compare(active: Evaluation, candidate: Evaluation, rule: PromotionRule) -> Comparison {
    // Categories are those with held-out cases: a category only predicted has no recall to lose.
    let recalls = |e: &Evaluation| -> BTreeMap<String, (usize, f64)> {
        e.per_class
            .iter()
            .filter(|c| c.support > 0)
            .map(|c| (c.label.clone(), (c.support, c.recall)))
            .collect()
    };
    let (active_recalls, candidate_recalls) = (recalls(&active), recalls(&candidate));
    let categories: Vec<CategoryChange> = candidate_recalls
        .keys()
        .chain(active_recalls.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|label| {
            let (support, active_recall) = active_recalls.get(label).copied().unwrap_or((0, 0.0));
            let (candidate_support, candidate_recall) =
                candidate_recalls.get(label).copied().unwrap_or((0, 0.0));
            CategoryChange {
                label: label.clone(),
                support: support.max(candidate_support),
                active_recall,
                candidate_recall,
            }
        })
        .collect();
    let mut refusals = Vec::new();
    let f1_drop = active.macro_f1 - candidate.macro_f1;
    if f1_drop > rule.max_macro_f1_drop + EPSILON {
        refusals.push(format!(
            "macro-F1 falls by {f1_drop:.4} ({:.4} → {:.4}); at most {:.4} is allowed",
            active.macro_f1, candidate.macro_f1, rule.max_macro_f1_drop
        ));
    }
    for category in &categories {
        let drop = -category.change();
        if drop > rule.max_recall_drop + EPSILON {
            refusals.push(format!(
                "recall of '{}' falls by {drop:.4} ({:.4} → {:.4}, {} held-out cases); at most {:.4} is allowed",
                category.label,
                category.active_recall,
                category.candidate_recall,
                category.support,
                rule.max_recall_drop
            ));
        }
    }
    Comparison {
        rule,
        active,
        candidate,
        categories,
        promoted: refusals.is_empty(),
        refusals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Outcome;

    fn evaluation(pairs: &[(&str, &str)]) -> Evaluation {
        let outcomes: Vec<Outcome> = pairs
            .iter()
            .map(|(truth, predicted)| Outcome {
                truth: truth.to_string(),
                predicted: predicted.to_string(),
                confidence: 0.9,
                auto_routed: true,
            })
            .collect();
        Evaluation::compute(&outcomes)
    }

    /// Ten cases of `a` and ten of `b`; `a_right` and `b_right` of them predicted right.
    fn scored(a_right: usize, b_right: usize) -> Evaluation {
        let mut pairs = Vec::new();
        for i in 0..10 {
            pairs.push(("a", if i < a_right { "a" } else { "b" }));
            pairs.push(("b", if i < b_right { "b" } else { "a" }));
        }
        evaluation(&pairs)
    }

    #[test]
    fn a_better_candidate_is_promoted() {
        let comparison = compare(scored(7, 7), scored(9, 8), PromotionRule::default());
        assert!(comparison.promoted, "{:?}", comparison.refusals);
        assert_eq!(comparison.categories.len(), 2);
        assert!((comparison.categories[0].change() - 0.2).abs() < 1e-9);
    }

    #[test]
    fn a_lower_macro_f1_is_refused_with_the_numbers() {
        let comparison = compare(scored(9, 9), scored(8, 8), PromotionRule::default());
        assert!(!comparison.promoted);
        assert!(
            comparison.refusals[0].starts_with("macro-F1 falls by 0.1000"),
            "{:?}",
            comparison.refusals
        );
    }

    #[test]
    fn one_category_losing_recall_is_refused_even_when_macro_f1_rises() {
        // a: 10/10 → 8/10 (−0.2); b: 5/10 → 10/10. Macro-F1 rises, but a's recall falls too far.
        let comparison = compare(scored(10, 5), scored(8, 10), PromotionRule::default());
        assert!(comparison.candidate.macro_f1 > comparison.active.macro_f1);
        assert!(!comparison.promoted);
        assert_eq!(comparison.refusals.len(), 1);
        assert!(
            comparison.refusals[0].contains("recall of 'a' falls by 0.2000"),
            "{:?}",
            comparison.refusals
        );
        // A drop of exactly the allowed amount passes.
        let rule = PromotionRule {
            max_macro_f1_drop: 0.005,
            max_recall_drop: 0.2,
        };
        assert!(compare(scored(10, 5), scored(8, 10), rule).promoted);
    }

    #[test]
    fn a_new_category_counts_as_missed_by_the_active_model() {
        let active = evaluation(&[("a", "a"), ("a", "a"), ("new", "a")]);
        let candidate = evaluation(&[("a", "a"), ("a", "a"), ("new", "new")]);
        let comparison = compare(active, candidate, PromotionRule::default());
        assert!(comparison.promoted);
        let new = comparison
            .categories
            .iter()
            .find(|c| c.label == "new")
            .unwrap();
        assert_eq!((new.support, new.active_recall, new.candidate_recall), (1, 0.0, 1.0));
    }
}
