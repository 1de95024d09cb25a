//! The promotion rule: does a retrained candidate do at least as well as the active model on the same held-out
//! closed cases?
//!
//! The candidate is promoted only if its macro-F1 is not lower than the active model's by more than
//! `max_macro_f1_drop` and no category's recall falls by more than `max_recall_drop`.
//!
//! Those two tests cannot see closed labels that are wrong wholesale (shuffled, or from another column): both
//! models then score at chance against them and neither looks worse. So the held-out labels must also carry
//! signal: the candidate's macro-F1 against them must beat its macro-F1 against randomly permuted copies of
//! them (a permutation test, `permutations` seeded shuffles, p ≤ `significance`). This module only compares
//! predictions; it must not train, read files or change the registry.

use crate::error::TriageError;
use crate::metrics::{Evaluation, Outcome};
use crate::shuffle::shuffled;
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
    /// Label permutations in the signal test (default 199).
    pub permutations: usize,
    /// Largest p-value of the signal test (default 0.01): the share of permutations (counting the real labels
    /// as one) whose macro-F1 reaches the real one.
    pub significance: f64,
    /// Seed of the permutations (default 42).
    pub seed: u64,
}

impl Default for PromotionRule {
    fn default() -> Self {
        PromotionRule {
            max_macro_f1_drop: 0.005,
            max_recall_drop: 0.10,
            permutations: 199,
            significance: 0.01,
            seed: 42,
        }
    }
}

impl PromotionRule {
    pub fn check(&self) -> Result<(), TriageError> {
        for (name, value) in [
            ("max macro-F1 drop", self.max_macro_f1_drop),
            ("max recall drop", self.max_recall_drop),
            ("significance", self.significance),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(TriageError::InvalidParameter(format!(
                    "{name} must be within 0..1, got {value}"
                )));
            }
        }
        if self.permutations == 0 {
            return Err(TriageError::InvalidParameter(
                "the signal test needs at least one permutation".into(),
            ));
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

/// Whether the held-out labels agree with the candidate more than chance would.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalTest {
    /// The candidate's macro-F1 against the real labels.
    pub macro_f1: f64,
    /// Its mean macro-F1 against permuted labels: what chance gives.
    pub chance_macro_f1: f64,
    pub p_value: f64,
}

/// The side-by-side comparison and the decision.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub rule: PromotionRule,
    pub active: Evaluation,
    pub candidate: Evaluation,
    pub signal: SignalTest,
    /// Every category present in the held-out cases, by label.
    pub categories: Vec<CategoryChange>,
    pub promoted: bool,
    /// Why the candidate was refused; empty when promoted.
    pub refusals: Vec<String>,
    /// The same reasons in Chinese, with categories by their Chinese names, for the desk. Absent from
    /// comparisons recorded before it existed.
    #[serde(default)]
    pub refusals_zh: Vec<String>,
}

/// The permutation test of [`SignalTest`].
pub fn signal_test(outcomes: &[Outcome], permutations: usize, seed: u64) -> SignalTest {
    let macro_f1 = Evaluation::compute(outcomes).macro_f1;
    let mut permuted = outcomes.to_vec();
    let (mut reached, mut total) = (0usize, 0.0);
    for i in 0..permutations {
        for (outcome, from) in permuted
            .iter_mut()
            .zip(shuffled(outcomes.len(), seed + i as u64))
        {
            outcome.truth.clone_from(&outcomes[from].truth);
        }
        let f1 = Evaluation::compute(&permuted).macro_f1;
        total += f1;
        reached += (f1 >= macro_f1 - EPSILON) as usize;
    }
    SignalTest {
        macro_f1,
        chance_macro_f1: total / permutations.max(1) as f64,
        p_value: (reached + 1) as f64 / (permutations + 1) as f64,
    }
}

/// Compares the two models' predictions on the same held-out cases, in the same order.
pub fn compare(
    active_outcomes: &[Outcome],
    candidate_outcomes: &[Outcome],
    rule: PromotionRule,
) -> Comparison {
    let active = Evaluation::compute(active_outcomes);
    let candidate = Evaluation::compute(candidate_outcomes);
    let signal = signal_test(candidate_outcomes, rule.permutations, rule.seed);
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
    let mut refusals_zh = Vec::new();
    let f1_drop = active.macro_f1 - candidate.macro_f1;
    if f1_drop > rule.max_macro_f1_drop + EPSILON {
        refusals.push(format!(
            "macro-F1 falls by {f1_drop:.4} ({:.4} → {:.4}); at most {:.4} is allowed",
            active.macro_f1, candidate.macro_f1, rule.max_macro_f1_drop
        ));
        refusals_zh.push(format!(
            "总体分类质量（macro-F1）下降 {f1_drop:.4}（{:.4} → {:.4}），最多允许下降 {:.4}",
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
            refusals_zh.push(format!(
                "「{}」的召回率下降 {drop:.4}（{:.4} → {:.4}，留出 {} 件），最多允许下降 {:.4}",
                crate::route::category_name(&category.label),
                category.active_recall,
                category.candidate_recall,
                category.support,
                rule.max_recall_drop
            ));
        }
    }
    if signal.p_value > rule.significance {
        refusals.push(format!(
            "the held-out labels agree with the candidate no more than chance would (macro-F1 {:.4}, {:.4} with the labels permuted, p = {:.3} over {} permutations; at most {} is allowed): are they the right column, or wrong?",
            signal.macro_f1,
            signal.chance_macro_f1,
            signal.p_value,
            rule.permutations,
            rule.significance
        ));
        refusals_zh.push(format!(
            "留出案件的类别与候选模型的一致程度不比随机高（macro-F1 {:.4}，打乱类别后 {:.4}，p = {:.3}，{} 次置换；最多允许 {}）：类别列是否选对？",
            signal.macro_f1,
            signal.chance_macro_f1,
            signal.p_value,
            rule.permutations,
            rule.significance
        ));
    }
    Comparison {
        rule,
        active,
        candidate,
        signal,
        categories,
        promoted: refusals.is_empty(),
        refusals,
        refusals_zh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(pairs: &[(&str, &str)]) -> Vec<Outcome> {
        pairs
            .iter()
            .map(|(truth, predicted)| Outcome {
                truth: truth.to_string(),
                predicted: predicted.to_string(),
                confidence: 0.9,
                auto_routed: true,
            })
            .collect()
    }

    /// Thirty cases of `a` and thirty of `b`; a share `a_right`/10 and `b_right`/10 of them predicted right.
    fn scored(a_right: usize, b_right: usize) -> Vec<Outcome> {
        let mut pairs = Vec::new();
        for i in 0..30 {
            pairs.push(("a", if i % 10 < a_right { "a" } else { "b" }));
            pairs.push(("b", if i % 10 < b_right { "b" } else { "a" }));
        }
        outcomes(&pairs)
    }

    #[test]
    fn a_better_candidate_is_promoted() {
        let comparison = compare(&scored(7, 7), &scored(9, 8), PromotionRule::default());
        assert!(comparison.promoted, "{:?}", comparison.refusals);
        assert_eq!(comparison.categories.len(), 2);
        assert!((comparison.categories[0].change() - 0.2).abs() < 1e-9);
        assert!(comparison.signal.p_value <= 0.01);
    }

    #[test]
    fn a_lower_macro_f1_is_refused_with_the_numbers() {
        let comparison = compare(&scored(9, 9), &scored(8, 8), PromotionRule::default());
        assert!(!comparison.promoted);
        assert_eq!(comparison.refusals.len(), 1, "{:?}", comparison.refusals);
        assert!(
            comparison.refusals[0].starts_with("macro-F1 falls by 0.1000"),
            "{:?}",
            comparison.refusals
        );
    }

    #[test]
    fn one_category_losing_recall_is_refused_even_when_macro_f1_rises() {
        // a: 10/10 → 8/10 (−0.2); b: 5/10 → 10/10. Macro-F1 rises, but a's recall falls too far.
        let comparison = compare(&scored(10, 5), &scored(8, 10), PromotionRule::default());
        assert!(comparison.candidate.macro_f1 > comparison.active.macro_f1);
        assert!(!comparison.promoted);
        assert_eq!(comparison.refusals.len(), 1);
        assert!(
            comparison.refusals[0].contains("recall of 'a' falls by 0.2000"),
            "{:?}",
            comparison.refusals
        );
        // The desk reads the same reason in Chinese, one for one.
        assert_eq!(comparison.refusals_zh.len(), comparison.refusals.len());
        assert!(
            comparison.refusals_zh[0].starts_with("「a」的召回率下降 0.2000"),
            "{:?}",
            comparison.refusals_zh
        );
        // A drop of exactly the allowed amount passes.
        let rule = PromotionRule {
            max_recall_drop: 0.2,
            ..PromotionRule::default()
        };
        assert!(compare(&scored(10, 5), &scored(8, 10), rule).promoted);
    }

    #[test]
    fn labels_that_agree_with_nothing_are_refused_even_when_both_models_tie() {
        // Labels unrelated to the predictions: the active model and the candidate both score at chance.
        let pairs: Vec<(&str, &str)> = (0..60)
            .map(|i| {
                let truth = if (i * 7) % 3 == 0 { "a" } else { "b" };
                (truth, if i % 2 == 0 { "a" } else { "b" })
            })
            .collect();
        let chance = outcomes(&pairs);
        let comparison = compare(&chance, &chance, PromotionRule::default());
        assert!(!comparison.promoted);
        assert!(comparison.signal.p_value > 0.01);
        assert!(
            comparison.refusals[0].contains("no more than chance"),
            "{:?}",
            comparison.refusals
        );
    }

    #[test]
    fn a_new_category_counts_as_missed_by_the_active_model() {
        let mut active = vec![("a", "a"); 20];
        active.extend(vec![("new", "a"); 10]);
        let mut candidate = vec![("a", "a"); 20];
        candidate.extend(vec![("new", "new"); 10]);
        let comparison = compare(
            &outcomes(&active),
            &outcomes(&candidate),
            PromotionRule::default(),
        );
        assert!(comparison.promoted, "{:?}", comparison.refusals);
        let new = comparison
            .categories
            .iter()
            .find(|c| c.label == "new")
            .unwrap();
        assert_eq!(
            (new.support, new.active_recall, new.candidate_recall),
            (10, 0.0, 1.0)
        );
    }
}
