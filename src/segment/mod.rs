//! Stage 2 — segmentation.
//!
//! Splits normalised (Simplified) text into words. The words feed word n-gram features; offsets are kept in
//! chars of the normalised text so a feature can be traced back to the original input. A segmenter must not
//! change the text: the words, concatenated, are the text.

mod jieba;

pub use jieba::{DOMAIN_DICTIONARY, JiebaSegmenter, prebuild_default_dictionary};

use serde::{Deserialize, Serialize};

/// One word, as a char range of the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    pub char_start: u32,
    pub char_end: u32,
    pub byte_start: u32,
    pub byte_end: u32,
}

impl Word {
    pub fn text<'a>(&self, normalized: &'a str) -> &'a str {
        &normalized[self.byte_start as usize..self.byte_end as usize]
    }
}

/// Splits text into words.
pub trait Segmenter {
    fn segment(&self, text: &str) -> Vec<Word>;
}

/// The segmenters a model can be saved with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum SegmenterKind {
    Jieba(Box<JiebaSegmenter>),
    /// No words at all, for models whose features are char n-grams only: segmenting would be wasted work
    /// (jieba costs more than every other stage together).
    Unsegmented,
}

impl Segmenter for SegmenterKind {
    fn segment(&self, text: &str) -> Vec<Word> {
        match self {
            SegmenterKind::Jieba(jieba) => jieba.segment(text),
            SegmenterKind::Unsegmented => Vec::new(),
        }
    }
}
