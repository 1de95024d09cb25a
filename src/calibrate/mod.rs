//! Stage 5 — calibration.
//!
//! Maps raw classifier scores to probabilities that mean what they say: of the cases shown with confidence
//! 0.9, about 90% are right. Fitted on out-of-fold scores of the training data, never on the rows the scores'
//! model was trained on. A calibrator must not change which label ranks first.

mod temperature;

pub use temperature::TemperatureScaling;

/// Turns one row of scores into probabilities summing to 1.
pub trait Calibrator {
    fn probabilities(&self, scores: &[f32]) -> Vec<f32>;
}

/// Mean negative log-likelihood of the true labels under a calibrator.
pub fn log_loss(calibrator: &dyn Calibrator, scores: &[Vec<f32>], targets: &[usize]) -> f64 {
    let total: f64 = scores
        .iter()
        .zip(targets)
        .map(|(s, &t)| -(calibrator.probabilities(s)[t].max(1e-12) as f64).ln())
        .sum();
    total / scores.len().max(1) as f64
}
