//! Stage 4 — classification.
//!
//! A linear model over the sparse TF-IDF vector gives one score per label. Scores are not probabilities: the
//! calibrate stage turns them into one. The model must not look at anything but the feature vector.
//!
//! Why this model (see `docs/model.md`): an L2-regularised, class-weighted one-vs-rest linear SVM (squared hinge)
//! trained by dual coordinate descent on sparse rows. linfa's estimators take dense matrices only, which at this
//! size is gigabytes and minutes; the sparse solver trains in about a second. The model implements linfa's
//! `PredictInplace` over our own sparse records so it plugs into linfa-style code.

mod linear;
mod linfa_traits;
mod svm;

pub use linear::LinearModel;
pub use linfa_traits::SparseRecords;
pub use svm::{ClassWeighting, LinearSvmParams};

use crate::featurize::SparseVector;

/// Scores a feature vector against every label.
pub trait Classifier {
    fn labels(&self) -> &[String];
    fn scores(&self, features: &SparseVector) -> Vec<f32>;
}
