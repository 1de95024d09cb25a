//! A linear multi-class model: `scores = xᵀW + b`, with `W` stored feature-major (one row of per-label weights
//! per feature) so a sparse row touches contiguous memory.

use super::Classifier;
use crate::featurize::{SparseVector, prefetch};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinearModel {
    labels: Vec<String>,
    /// `n_features × n_labels`.
    weights: Array2<f32>,
    bias: Array1<f32>,
}

impl LinearModel {
    pub fn new(labels: Vec<String>, weights: Array2<f32>, bias: Array1<f32>) -> Self {
        assert_eq!(weights.ncols(), labels.len());
        assert_eq!(bias.len(), labels.len());
        let weights = weights.as_standard_layout().into_owned();
        LinearModel {
            labels,
            weights,
            bias,
        }
    }

    pub fn n_features(&self) -> usize {
        self.weights.nrows()
    }

    /// Why a decoded model cannot be used, if it cannot (a model made by [`LinearModel::new`] always can): a
    /// weight column and a bias per label, at least one label.
    pub fn check_shape(&self) -> Result<(), String> {
        let n_labels = self.labels.len();
        if n_labels == 0 {
            return Err("the classifier has no labels".into());
        }
        if self.weights.ncols() != n_labels || self.bias.len() != n_labels {
            return Err(format!(
                "{n_labels} labels but {} weight columns and {} biases",
                self.weights.ncols(),
                self.bias.len()
            ));
        }
        if self.weights.as_slice().is_none() {
            return Err("the weights are not in standard layout".into());
        }
        Ok(())
    }

    /// The weight of one feature for one label.
    pub fn weight(&self, feature: usize, label: usize) -> f32 {
        self.weights[[feature, label]]
    }
}

impl Classifier for LinearModel {
    fn labels(&self) -> &[String] {
        &self.labels
    }

    fn scores(&self, features: &SparseVector) -> Vec<f32> {
        let mut scores = self.bias.to_vec();
        let n_labels = scores.len();
        let (n_features, weights) = (self.weights.nrows(), self.weights.as_slice());
        let weights = weights.expect("weights are kept in standard layout");
        const AHEAD: usize = 8;
        for (i, (feature, value)) in features.iter().enumerate() {
            if let Some(&ahead) = features.indices.get(i + AHEAD)
                && (ahead as usize) < n_features
            {
                prefetch(&weights[ahead as usize * n_labels]);
            }
            if feature >= n_features {
                continue;
            }
            let row = &weights[feature * n_labels..(feature + 1) * n_labels];
            for (score, weight) in scores.iter_mut().zip(row) {
                *score += value * weight;
            }
        }
        scores
    }
}
