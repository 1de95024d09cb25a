//! Stage 3 — featurisation.
//!
//! Turns a segmented, normalised complaint into a sparse, L2-normalised TF-IDF vector over word unigrams and
//! bigrams and character n-grams. The vocabulary and IDF come from the training set only and are saved in the
//! model; featurising a document never changes them. Everything is deterministic: the same text gives the same
//! vector on any machine.

mod feature_table;
mod hashing;
mod sparse;
mod tfidf;

pub use feature_table::{FeatureTable, prefetch};
pub use hashing::{TermKind, bigram_hash, fingerprint, term_hash};
pub use sparse::SparseVector;
pub use tfidf::{TermOccurrence, TfidfFeaturizer, TfidfParams};

use crate::normalize::NormalizedText;
use crate::segment::Word;

/// A complaint after normalisation and segmentation: what featurisers read.
#[derive(Debug, Clone)]
pub struct AnalyzedText {
    pub normalized: NormalizedText,
    pub words: Vec<Word>,
}

/// Maps an analysed text to a feature vector.
pub trait Featurizer {
    fn transform(&self, text: &AnalyzedText) -> SparseVector;
    fn n_features(&self) -> usize;
}
