//! One-vs-rest L2-regularised squared-hinge linear SVM, trained by dual coordinate descent
//! (Hsieh et al., ICML 2008 — the algorithm of LIBLINEAR's default solver and scikit-learn's `LinearSVC`).
//! The bias is learnt as the weight of a constant feature 1, as LIBLINEAR does with `-B 1`.
//! Labels are trained in parallel; randomness (the visiting order) comes from a fixed seed.

use super::LinearModel;
use crate::error::TriageError;
use crate::featurize::SparseVector;
use crate::shuffle::shuffled;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How samples are weighted by their class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClassWeighting {
    /// Every sample counts the same.
    Uniform,
    /// Each class counts as much in total: weight `n / (k · n_class)`, as scikit-learn's `"balanced"`.
    Balanced,
}

/// Hyper-parameters of the SVM trainer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearSvmParams {
    /// Inverse regularisation strength (default 1.0).
    pub c: f64,
    /// Class weighting against imbalance (default balanced).
    pub class_weighting: ClassWeighting,
    /// Stop when the projected-gradient spread falls below this (default 0.1, LIBLINEAR's).
    pub tolerance: f64,
    /// At most this many passes over the data per label (default 200).
    pub max_epochs: usize,
    /// Seed of the visiting order (default 42).
    pub seed: u64,
}

impl Default for LinearSvmParams {
    fn default() -> Self {
        LinearSvmParams {
            c: 1.0,
            class_weighting: ClassWeighting::Balanced,
            tolerance: 0.1,
            max_epochs: 200,
            seed: 42,
        }
    }
}

impl LinearSvmParams {
    pub fn check(&self) -> Result<(), TriageError> {
        if !(self.c.is_finite() && self.c > 0.0) {
            return Err(TriageError::InvalidParameter(format!(
                "C must be positive, got {}",
                self.c
            )));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) || self.max_epochs == 0 {
            return Err(TriageError::InvalidParameter(
                "tolerance must be positive and max_epochs at least 1".into(),
            ));
        }
        Ok(())
    }

    /// Trains one scorer per label. `targets[i]` indexes `labels`.
    pub fn fit(
        &self,
        rows: &[SparseVector],
        targets: &[usize],
        labels: Vec<String>,
        n_features: usize,
    ) -> Result<LinearModel, TriageError> {
        self.check()?;
        if rows.is_empty() || rows.len() != targets.len() {
            return Err(TriageError::InvalidParameter(format!(
                "{} rows but {} targets",
                rows.len(),
                targets.len()
            )));
        }
        let n_labels = labels.len();
        if n_labels < 2 {
            return Err(TriageError::InvalidParameter(
                "training needs at least two labels".into(),
            ));
        }
        let mut counts = vec![0usize; n_labels];
        for &t in targets {
            counts[t] += 1;
        }
        let sample_c: Vec<f64> = targets
            .iter()
            .map(|&t| match self.class_weighting {
                ClassWeighting::Uniform => self.c,
                ClassWeighting::Balanced => {
                    self.c * rows.len() as f64 / (n_labels as f64 * counts[t] as f64)
                }
            })
            .collect();
        let order = shuffled(rows.len(), self.seed);
        let per_label: Vec<(Vec<f64>, f64)> = (0..n_labels)
            .into_par_iter()
            .map(|label| {
                let signs: Vec<f64> = targets
                    .iter()
                    .map(|&t| if t == label { 1.0 } else { -1.0 })
                    .collect();
                self.solve_binary(rows, &signs, &sample_c, n_features, &order)
            })
            .collect();
        let mut weights = Array2::<f32>::zeros((n_features, n_labels));
        let mut bias = Array1::<f32>::zeros(n_labels);
        for (label, (w, b)) in per_label.into_iter().enumerate() {
            for (feature, value) in w.into_iter().enumerate() {
                weights[[feature, label]] = value as f32;
            }
            bias[label] = b as f32;
        }
        Ok(LinearModel::new(labels, weights, bias))
    }

    /// Dual coordinate descent for `min ½‖w‖² + Σ C_i max(0, 1 − y_i wᵀx_i)²`, with LIBLINEAR's shrinking:
    /// rows whose dual variable is 0 and whose gradient says it will stay 0 leave the active set until the
    /// remaining rows converge, then everything is checked once more.
    fn solve_binary(
        &self,
        rows: &[SparseVector],
        signs: &[f64],
        sample_c: &[f64],
        n_features: usize,
        order: &[usize],
    ) -> (Vec<f64>, f64) {
        let mut w = vec![0.0f64; n_features];
        let mut b = 0.0f64;
        let mut alpha = vec![0.0f64; rows.len()];
        let diag: Vec<f64> = sample_c.iter().map(|c| 0.5 / c).collect();
        let q: Vec<f64> = rows
            .iter()
            .zip(&diag)
            .map(|(row, d)| row.squared_norm() as f64 + 1.0 + d)
            .collect();
        let mut active: Vec<usize> = order.to_vec();
        let mut active_size = active.len();
        let mut pg_max_old = f64::INFINITY;
        let mut rng = self.seed ^ 0x2545_f491_4f6c_dd1d;
        let mut epochs = 0;
        while epochs < self.max_epochs {
            epochs += 1;
            for s in (1..active_size).rev() {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                active.swap(s, (rng % (s as u64 + 1)) as usize);
            }
            let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
            let mut s = 0;
            while s < active_size {
                let i = active[s];
                let row = &rows[i];
                let y = signs[i];
                let margin: f64 = row.iter().map(|(f, v)| w[f] * v as f64).sum::<f64>() + b;
                let gradient = y * margin - 1.0 + diag[i] * alpha[i];
                let projected = if alpha[i] == 0.0 {
                    if gradient > pg_max_old {
                        active_size -= 1;
                        active.swap(s, active_size);
                        continue;
                    }
                    gradient.min(0.0)
                } else {
                    gradient
                };
                pg_max = pg_max.max(projected);
                pg_min = pg_min.min(projected);
                if projected.abs() > 1e-12 {
                    let old = alpha[i];
                    alpha[i] = (old - gradient / q[i]).max(0.0);
                    let step = (alpha[i] - old) * y;
                    for (f, v) in row.iter() {
                        w[f] += step * v as f64;
                    }
                    b += step;
                }
                s += 1;
            }
            if pg_max - pg_min <= self.tolerance {
                if active_size == active.len() {
                    break;
                }
                active_size = active.len();
                pg_max_old = f64::INFINITY;
                continue;
            }
            pg_max_old = if pg_max <= 0.0 { f64::INFINITY } else { pg_max };
        }
        if std::env::var_os("TRIAGE_DEBUG").is_some() {
            eprintln!(
                "svm: {epochs} epochs, {n_features} features, {} rows",
                rows.len()
            );
        }
        (w, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Classifier;

    fn row(pairs: &[(u32, f32)]) -> SparseVector {
        let mut v = SparseVector {
            indices: pairs.iter().map(|p| p.0).collect(),
            values: pairs.iter().map(|p| p.1).collect(),
        };
        v.l2_normalize();
        v
    }

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn separable_data_is_classified_correctly() {
        let rows = vec![
            row(&[(0, 1.0), (3, 0.2)]),
            row(&[(0, 0.8), (4, 0.3)]),
            row(&[(1, 1.0), (3, 0.2)]),
            row(&[(1, 0.9), (4, 0.1)]),
            row(&[(2, 1.0), (3, 0.3)]),
            row(&[(2, 0.7), (4, 0.2)]),
        ];
        let targets = vec![0, 0, 1, 1, 2, 2];
        let model = LinearSvmParams::default()
            .fit(&rows, &targets, labels(&["a", "b", "c"]), 5)
            .unwrap();
        for (row, &target) in rows.iter().zip(&targets) {
            let scores = model.scores(row);
            let best = (0..3)
                .max_by(|&i, &j| scores[i].total_cmp(&scores[j]))
                .unwrap();
            assert_eq!(best, target);
        }
    }

    #[test]
    fn solution_satisfies_the_optimality_conditions() {
        // At the optimum of the squared-hinge primal, w = Σ α_i y_i x_i with α_i = 2 C max(0, 1 − y_i f(x_i)).
        let rows = vec![
            row(&[(0, 1.0), (1, 0.5)]),
            row(&[(0, 0.2), (1, 1.0)]),
            row(&[(1, 1.0), (2, 0.4)]),
            row(&[(2, 1.0)]),
        ];
        let signs = vec![1.0, 1.0, -1.0, -1.0];
        let params = LinearSvmParams {
            tolerance: 1e-9,
            max_epochs: 10_000,
            ..LinearSvmParams::default()
        };
        let c = vec![1.0; 4];
        let (w, b) = params.solve_binary(&rows, &signs, &c, 3, &[0, 1, 2, 3]);
        let mut reconstructed = [0.0; 4];
        for (row, y) in rows.iter().zip(&signs) {
            let f: f64 = row.iter().map(|(i, v)| w[i] * v as f64).sum::<f64>() + b;
            let alpha = 2.0 * (1.0 - y * f).max(0.0);
            for (i, v) in row.iter() {
                reconstructed[i] += alpha * y * v as f64;
            }
            reconstructed[3] += alpha * y;
        }
        for i in 0..3 {
            assert!((reconstructed[i] - w[i]).abs() < 1e-4, "w[{i}]");
        }
        assert!((reconstructed[3] - b).abs() < 1e-4, "bias");
    }

    #[test]
    fn balanced_weighting_favours_the_minority_class_on_an_ambiguous_row() {
        let mut rows = vec![row(&[(0, 1.0)]); 9];
        rows.push(row(&[(1, 1.0)]));
        let mut targets = vec![0; 9];
        targets.push(1);
        let ambiguous = row(&[(0, 1.0), (1, 1.0)]);
        let margin = |weighting| {
            let model = LinearSvmParams {
                class_weighting: weighting,
                ..LinearSvmParams::default()
            }
            .fit(&rows, &targets, labels(&["many", "few"]), 2)
            .unwrap();
            let s = model.scores(&ambiguous);
            s[1] - s[0]
        };
        assert!(margin(ClassWeighting::Balanced) > margin(ClassWeighting::Uniform));
    }

    #[test]
    fn bad_parameters_are_rejected() {
        let params = LinearSvmParams {
            c: -1.0,
            ..LinearSvmParams::default()
        };
        assert!(params.check().is_err());
    }
}
