//! linfa's estimator interfaces over our sparse rows. linfa's own estimators need dense `Array2` records
//! (8,000 × 30,000 f64 is 1.8 GiB), so we implement its `Records`, `Fit` and `PredictInplace` traits for our
//! sparse records and linear model instead: code written against linfa's traits can train and use this model.

use super::{Classifier, LinearModel, LinearSvmParams};
use crate::error::TriageError;
use crate::featurize::SparseVector;
use linfa::DatasetBase;
use linfa::dataset::Records;
use linfa::traits::{Fit, PredictInplace};

/// Sparse feature rows with their dimensionality, as linfa records.
#[derive(Debug, Clone)]
pub struct SparseRecords {
    pub rows: Vec<SparseVector>,
    pub n_features: usize,
}

impl Records for SparseRecords {
    type Elem = f32;

    fn nsamples(&self) -> usize {
        self.rows.len()
    }

    fn nfeatures(&self) -> usize {
        self.n_features
    }
}

impl From<linfa::Error> for TriageError {
    fn from(error: linfa::Error) -> Self {
        TriageError::InvalidParameter(error.to_string())
    }
}

impl Fit<SparseRecords, Vec<String>, TriageError> for LinearSvmParams {
    type Object = LinearModel;

    /// Trains on string targets; the model's labels are the distinct targets in sorted order.
    fn fit(
        &self,
        dataset: &DatasetBase<SparseRecords, Vec<String>>,
    ) -> Result<LinearModel, TriageError> {
        let mut labels: Vec<String> = dataset.targets.clone();
        labels.sort();
        labels.dedup();
        let targets: Vec<usize> = dataset
            .targets
            .iter()
            .map(|t| labels.binary_search(t).expect("label present"))
            .collect();
        LinearSvmParams::fit(
            self,
            &dataset.records.rows,
            &targets,
            labels,
            dataset.records.n_features,
        )
    }
}

impl PredictInplace<SparseRecords, Vec<String>> for LinearModel {
    fn predict_inplace(&self, records: &SparseRecords, targets: &mut Vec<String>) {
        targets.clear();
        for row in &records.rows {
            let scores = self.scores(row);
            let best = (0..scores.len())
                .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))
                .unwrap_or(0);
            targets.push(self.labels()[best].clone());
        }
    }

    fn default_target(&self, records: &SparseRecords) -> Vec<String> {
        Vec::with_capacity(records.nsamples())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::traits::Predict;

    #[test]
    fn trains_and_predicts_through_linfa_traits() {
        let row = |i: u32| SparseVector {
            indices: vec![i],
            values: vec![1.0],
        };
        let records = SparseRecords {
            rows: vec![row(0), row(0), row(1), row(1), row(2)],
            n_features: 3,
        };
        let targets: Vec<String> = ["tax", "tax", "land", "land", "fees"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let dataset = DatasetBase::new(records, targets.clone());
        let model = Fit::fit(&LinearSvmParams::default(), &dataset).unwrap();
        assert_eq!(model.labels(), ["fees", "land", "tax"]);
        let predicted: Vec<String> = model.predict(&dataset);
        assert_eq!(predicted, targets);
    }
}
