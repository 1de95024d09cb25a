//! A sparse row: distinct feature indices with their values, in the order the featuriser found them (sorting
//! would cost more than every use of the row gains from it).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SparseVector {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseVector {
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (usize, f32)> + '_ {
        self.indices
            .iter()
            .zip(&self.values)
            .map(|(&i, &v)| (i as usize, v))
    }

    pub fn squared_norm(&self) -> f32 {
        self.values.iter().map(|v| v * v).sum()
    }

    /// Scales to unit Euclidean length; the zero vector stays zero.
    pub fn l2_normalize(&mut self) {
        let norm = self.squared_norm().sqrt();
        if norm > 0.0 {
            self.values.iter_mut().for_each(|v| *v /= norm);
        }
    }
}
