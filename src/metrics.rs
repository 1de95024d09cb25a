//! Evaluation: accuracy, macro-F1, per-class precision/recall/F1, the confusion matrix, expected calibration
//! error and the share and precision of automatically routed cases.
//!
//! Precision and recall are computed here rather than with linfa's `ConfusionMatrix`, whose `precision()` and
//! `recall()` are swapped in linfa 0.8.1.

use serde::{Deserialize, Serialize};

/// One evaluated case: the true label, the predicted label, its confidence and whether it was auto-routed.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub truth: String,
    pub predicted: String,
    pub confidence: f32,
    pub auto_routed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClassMetrics {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
    /// Share of this class's cases (by true label) routed automatically.
    pub auto_routed_share: f64,
    /// Precision among cases auto-routed to this label.
    pub auto_routed_precision: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReliabilityBin {
    pub lower: f64,
    pub upper: f64,
    pub count: usize,
    pub mean_confidence: f64,
    pub accuracy: f64,
}

/// What a single confidence threshold would give: the share of rows at or above it and their precision.
#[derive(Debug, Clone, Serialize)]
pub struct PrecisionCoverage {
    /// The precision asked for.
    pub target: f64,
    /// The lowest confidence threshold whose routed rows reach `target` (above 1 when none does).
    pub threshold: f64,
    pub coverage: f64,
    pub precision: f64,
}

/// Targets reported in the precision–coverage table.
pub const PRECISION_TARGETS: [f64; 7] = [0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.99];

#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub n: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub ece: f64,
    pub auto_routed_share: f64,
    pub auto_routed_precision: f64,
    pub per_class: Vec<ClassMetrics>,
    /// Row: true label, column: predicted label, in the order of `labels`.
    pub labels: Vec<String>,
    pub confusion: Vec<Vec<usize>>,
    pub reliability: Vec<ReliabilityBin>,
    /// For each of [`PRECISION_TARGETS`], the coverage one global confidence threshold would reach.
    pub precision_coverage: Vec<PrecisionCoverage>,
    /// Automatically routed rows, and how many of them were right.
    #[serde(default)]
    pub auto_routed: usize,
    #[serde(default)]
    pub auto_routed_correct: usize,
    /// 95% Wilson interval of `auto_routed_precision`: what the realized precision says about the true one.
    #[serde(default)]
    pub auto_routed_precision_interval: (f64, f64),
    /// What training promised for automatically routed cases; set on a model's own held-out evaluation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promise: Option<PrecisionPromise>,
}

/// The precision a model promises for the cases it routes automatically, label by label, and how sure the
/// out-of-fold evidence behind each threshold makes that promise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrecisionPromise {
    /// One-sided confidence level of the lower bound each threshold had to reach the target with.
    pub level: f64,
    /// How the bound is computed.
    pub method: String,
    pub labels: Vec<LabelPromise>,
}

/// One label's threshold and the out-of-fold evidence for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelPromise {
    pub label: String,
    /// Precision promised for this label's automatically routed cases.
    pub target: f64,
    /// Minimum confidence to route; above 1 when no threshold is supported (everything goes to review).
    pub threshold: f32,
    /// Out-of-fold cases predicted as this label, and of those, routed and routed rightly at `threshold`.
    pub predicted: usize,
    pub routed: usize,
    pub correct: usize,
    /// Out-of-fold precision at `threshold` and its lower bound at `level`.
    pub precision: f64,
    pub lower_bound: f64,
    /// Whether the evidence supports any threshold; when not, every case of the label goes to review until
    /// closed cases accumulate.
    pub supported: bool,
    /// Correct out-of-fold cases the label would need at the least (all of them right) to support a threshold.
    pub cases_needed: usize,
}

/// Normal quantile for a one-sided confidence `level` (0.5 < level < 1).
pub fn one_sided_z(level: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(level)
}

/// Wilson score interval of a proportion `successes / n` at normal quantile `z`; (0, 1) when `n` is 0.
pub fn wilson_interval(successes: usize, n: usize, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n = n as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The fewest cases, all of them right, whose Wilson lower bound at `z` reaches `target`.
pub fn cases_needed(target: f64, z: f64) -> usize {
    if target >= 1.0 {
        return usize::MAX;
    }
    (z * z * target / (1.0 - target)).ceil().max(1.0) as usize
}

/// F1 of one class; 0 when it has neither predictions nor support.
fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    }
}

fn ratio(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

impl Evaluation {
    /// Evaluates outcomes; the label set is the union of true and predicted labels, sorted. Macro-F1 averages
    /// over labels that occur as a true label (as scikit-learn does over `y_true ∪ y_pred`, labels that only
    /// appear as predictions count too).
    pub fn compute(outcomes: &[Outcome]) -> Evaluation {
        let mut labels: Vec<String> = outcomes
            .iter()
            .flat_map(|o| [o.truth.clone(), o.predicted.clone()])
            .filter(|l| !l.is_empty())
            .collect();
        labels.sort();
        labels.dedup();
        let index = |label: &str| labels.binary_search_by(|l| l.as_str().cmp(label)).ok();
        let k = labels.len();
        let mut confusion = vec![vec![0usize; k]; k];
        let mut correct = 0;
        let mut auto = vec![(0usize, 0usize); k]; // (auto-routed as label, of which correct)
        let mut auto_by_truth = vec![0usize; k];
        let (mut auto_total, mut auto_correct) = (0usize, 0usize);
        for outcome in outcomes {
            let is_correct = outcome.truth == outcome.predicted;
            correct += is_correct as usize;
            if let (Some(t), Some(p)) = (index(&outcome.truth), index(&outcome.predicted)) {
                confusion[t][p] += 1;
            }
            if outcome.auto_routed {
                auto_total += 1;
                auto_correct += is_correct as usize;
                if let Some(p) = index(&outcome.predicted) {
                    auto[p].0 += 1;
                    auto[p].1 += is_correct as usize;
                }
                if let Some(t) = index(&outcome.truth) {
                    auto_by_truth[t] += 1;
                }
            }
        }
        let per_class: Vec<ClassMetrics> = (0..k)
            .map(|c| {
                let true_positive = confusion[c][c];
                let predicted: usize = (0..k).map(|r| confusion[r][c]).sum();
                let support: usize = confusion[c].iter().sum();
                let precision = ratio(true_positive, predicted);
                let recall = ratio(true_positive, support);
                ClassMetrics {
                    label: labels[c].clone(),
                    precision,
                    recall,
                    f1: f1(precision, recall),
                    support,
                    auto_routed_share: ratio(auto_by_truth[c], support),
                    auto_routed_precision: ratio(auto[c].1, auto[c].0),
                }
            })
            .collect();
        let macro_f1 = if per_class.is_empty() {
            0.0
        } else {
            per_class.iter().map(|c| c.f1).sum::<f64>() / per_class.len() as f64
        };
        let reliability = reliability_bins(outcomes, 10);
        let n = outcomes.len();
        let ece = reliability
            .iter()
            .map(|b| b.count as f64 / n.max(1) as f64 * (b.accuracy - b.mean_confidence).abs())
            .sum();
        Evaluation {
            n,
            accuracy: ratio(correct, n),
            macro_f1,
            ece,
            auto_routed_share: ratio(auto_total, n),
            auto_routed_precision: ratio(auto_correct, auto_total),
            per_class,
            labels,
            confusion,
            reliability,
            precision_coverage: precision_coverage(outcomes),
            auto_routed: auto_total,
            auto_routed_correct: auto_correct,
            auto_routed_precision_interval: wilson_interval(auto_correct, auto_total, 1.959_964),
            promise: None,
        }
    }
}

/// Routing every case at least as confident as `threshold` routes `routed` cases, `correct` of them rightly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConfidenceStep {
    pub threshold: f32,
    pub routed: usize,
    pub correct: usize,
}

impl ConfidenceStep {
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.routed)
    }
}

/// Cumulative counts over (confidence, correct?) pairs, one step per distinct confidence, most confident first:
/// cases with equal confidence stand or fall together.
pub fn confidence_steps(mut cases: Vec<(f32, bool)>) -> Vec<ConfidenceStep> {
    cases.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut steps = Vec::new();
    let (mut correct, mut i) = (0, 0);
    while i < cases.len() {
        let confidence = cases[i].0;
        while i < cases.len() && cases[i].0 == confidence {
            correct += cases[i].1 as usize;
            i += 1;
        }
        steps.push(ConfidenceStep {
            threshold: confidence,
            routed: i,
            correct,
        });
    }
    steps
}

/// The lowest threshold whose routed cases reach `target` precision, if any does.
pub fn lowest_threshold_reaching(steps: &[ConfidenceStep], target: f64) -> Option<ConfidenceStep> {
    steps
        .iter()
        .rfind(|step| step.precision() >= target)
        .copied()
}

/// The lowest threshold whose routed cases reach `target` precision with a Wilson lower bound at `z`, if any
/// does: a point estimate on few cases is too often above the truth, the bound much less so.
pub fn lowest_threshold_bounded(
    steps: &[ConfidenceStep],
    target: f64,
    z: f64,
) -> Option<ConfidenceStep> {
    steps
        .iter()
        .rfind(|step| wilson_interval(step.correct, step.routed, z).0 >= target)
        .copied()
}

/// For each target, the lowest global threshold at which rows at least that confident reach the target.
fn precision_coverage(outcomes: &[Outcome]) -> Vec<PrecisionCoverage> {
    let steps = confidence_steps(
        outcomes
            .iter()
            .filter(|o| !o.predicted.is_empty())
            .map(|o| (o.confidence, o.truth == o.predicted))
            .collect(),
    );
    let n = outcomes.len().max(1) as f64;
    PRECISION_TARGETS
        .iter()
        .map(|&target| match lowest_threshold_reaching(&steps, target) {
            Some(step) => PrecisionCoverage {
                target,
                threshold: step.threshold as f64,
                coverage: step.routed as f64 / n,
                precision: step.precision(),
            },
            None => PrecisionCoverage {
                target,
                threshold: 1.01,
                coverage: 0.0,
                precision: 0.0,
            },
        })
        .collect()
}

/// Equal-width confidence bins over [0, 1].
fn reliability_bins(outcomes: &[Outcome], n_bins: usize) -> Vec<ReliabilityBin> {
    let mut sums = vec![(0usize, 0.0f64, 0usize); n_bins];
    for outcome in outcomes {
        let confidence = outcome.confidence.clamp(0.0, 1.0) as f64;
        let bin = ((confidence * n_bins as f64) as usize).min(n_bins - 1);
        sums[bin].0 += 1;
        sums[bin].1 += confidence;
        sums[bin].2 += (outcome.truth == outcome.predicted) as usize;
    }
    sums.iter()
        .enumerate()
        .map(|(i, &(count, confidence_sum, correct))| ReliabilityBin {
            lower: i as f64 / n_bins as f64,
            upper: (i + 1) as f64 / n_bins as f64,
            count,
            mean_confidence: if count > 0 {
                confidence_sum / count as f64
            } else {
                0.0
            },
            accuracy: ratio(correct, count),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(truth: &str, predicted: &str, confidence: f32) -> Outcome {
        Outcome {
            truth: truth.into(),
            predicted: predicted.into(),
            confidence,
            auto_routed: confidence >= 0.5,
        }
    }

    #[test]
    fn matches_scikit_learn_on_a_small_example() {
        // y_true = [a a a b b c], y_pred = [a a b b c c]
        // sklearn: precision a=1.0 b=0.5 c=0.5, recall a=0.667 b=0.5 c=1.0, macro-F1 = 0.6556
        let outcomes = vec![
            outcome("a", "a", 0.9),
            outcome("a", "a", 0.9),
            outcome("a", "b", 0.6),
            outcome("b", "b", 0.7),
            outcome("b", "c", 0.4),
            outcome("c", "c", 0.8),
        ];
        let e = Evaluation::compute(&outcomes);
        assert!((e.accuracy - 4.0 / 6.0).abs() < 1e-9);
        assert!((e.per_class[0].precision - 1.0).abs() < 1e-9);
        assert!((e.per_class[0].recall - 2.0 / 3.0).abs() < 1e-9);
        assert!((e.per_class[1].precision - 0.5).abs() < 1e-9);
        assert!((e.per_class[2].recall - 1.0).abs() < 1e-9);
        assert!((e.macro_f1 - 0.655_555_6).abs() < 1e-6, "{}", e.macro_f1);
        assert_eq!(e.confusion[0], vec![2, 1, 0]);
        // Auto-routed: the five with confidence ≥ 0.5, of which four are right.
        assert!((e.auto_routed_share - 5.0 / 6.0).abs() < 1e-9);
        assert!((e.auto_routed_precision - 0.8).abs() < 1e-9);
    }

    #[test]
    fn precision_coverage_finds_the_lowest_threshold_meeting_each_target() {
        // Ten rows, confidence 0.95 .. 0.50; the two least confident are wrong.
        let outcomes: Vec<Outcome> = (0..10)
            .map(|i| outcome("a", if i < 8 { "a" } else { "b" }, 0.95 - 0.05 * i as f32))
            .collect();
        let table = Evaluation::compute(&outcomes).precision_coverage;
        let at = |target: f64| {
            table
                .iter()
                .find(|r| (r.target - target).abs() < 1e-9)
                .unwrap()
        };
        // 0.80: all ten rows (8/10 correct).
        assert!((at(0.80).coverage - 1.0).abs() < 1e-9);
        // 0.85: nine rows (8/9 = 0.889); 0.90 and above: the eight correct rows.
        assert!((at(0.85).coverage - 0.9).abs() < 1e-9, "{:?}", at(0.85));
        assert!((at(0.95).coverage - 0.8).abs() < 1e-9);
        assert!((at(0.95).threshold - 0.60).abs() < 1e-6);
        assert!((at(0.99).precision - 1.0).abs() < 1e-9);
    }

    #[test]
    fn ece_is_zero_when_confidence_equals_accuracy_and_large_when_overconfident() {
        let calibrated: Vec<Outcome> = (0..10)
            .map(|i| outcome("a", if i < 7 { "a" } else { "b" }, 0.7))
            .collect();
        assert!(Evaluation::compute(&calibrated).ece < 1e-6);
        let overconfident: Vec<Outcome> = (0..10)
            .map(|i| outcome("a", if i < 5 { "a" } else { "b" }, 0.99))
            .collect();
        assert!((Evaluation::compute(&overconfident).ece - 0.49).abs() < 1e-6);
    }
}
