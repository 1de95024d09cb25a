//! Temperature scaling (Guo et al., 2017): `p = softmax(s / T)` with one `T` fitted by minimising the
//! log-loss on held-out scores. One parameter cannot overfit a few thousand rows and keeps the ranking intact.

use super::Calibrator;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemperatureScaling {
    pub temperature: f64,
}

impl TemperatureScaling {
    /// Fits `T` on held-out scores and their true label indices (golden-section search on `ln T`).
    pub fn fit(scores: &[Vec<f32>], targets: &[usize]) -> Self {
        if scores.is_empty() {
            return TemperatureScaling { temperature: 1.0 };
        }
        let loss = |log_t: f64| {
            let calibrator = TemperatureScaling {
                temperature: log_t.exp(),
            };
            super::log_loss(&calibrator, scores, targets)
        };
        let (mut low, mut high) = ((1e-3f64).ln(), (1e3f64).ln());
        let ratio = (5f64.sqrt() - 1.0) / 2.0;
        let mut a = high - ratio * (high - low);
        let mut b = low + ratio * (high - low);
        let (mut loss_a, mut loss_b) = (loss(a), loss(b));
        for _ in 0..60 {
            if loss_a < loss_b {
                high = b;
                b = a;
                loss_b = loss_a;
                a = high - ratio * (high - low);
                loss_a = loss(a);
            } else {
                low = a;
                a = b;
                loss_a = loss_b;
                b = low + ratio * (high - low);
                loss_b = loss(b);
            }
        }
        TemperatureScaling {
            temperature: ((low + high) / 2.0).exp(),
        }
    }
}

impl Calibrator for TemperatureScaling {
    fn probabilities(&self, scores: &[f32]) -> Vec<f32> {
        softmax(scores, self.temperature)
    }
}

/// Numerically stable softmax of `scores / temperature`.
pub fn softmax(scores: &[f32], temperature: f64) -> Vec<f32> {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let exps: Vec<f64> = scores
        .iter()
        .map(|&s| ((s as f64 - max) / temperature).exp())
        .collect();
    let sum: f64 = exps.iter().sum();
    exps.iter().map(|e| (e / sum) as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::log_loss;

    /// Scores from a model that is right 80% of the time but shows huge margins (over-confident).
    fn overconfident() -> (Vec<Vec<f32>>, Vec<usize>) {
        let mut scores = Vec::new();
        let mut targets = Vec::new();
        for i in 0..100 {
            scores.push(vec![10.0, 0.0, 0.0]);
            targets.push(if i % 5 == 0 { 1 } else { 0 });
        }
        (scores, targets)
    }

    #[test]
    fn calibration_lowers_log_loss_and_matches_accuracy() {
        let (scores, targets) = overconfident();
        let identity = TemperatureScaling { temperature: 1.0 };
        let fitted = TemperatureScaling::fit(&scores, &targets);
        assert!(log_loss(&fitted, &scores, &targets) < log_loss(&identity, &scores, &targets));
        // The optimum puts the top label's probability at the observed accuracy, 0.8.
        let top = fitted.probabilities(&scores[0])[0];
        assert!((top - 0.8).abs() < 0.01, "top probability {top}");
    }

    #[test]
    fn ranking_is_preserved_and_probabilities_sum_to_one() {
        let calibrator = TemperatureScaling { temperature: 0.37 };
        let p = calibrator.probabilities(&[0.2, -1.0, 0.9]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(p[2] > p[0] && p[0] > p[1]);
    }
}
