//! What the benches share: a model and a batch of real complaint texts, loaded once.
//!
//! The model is `$TRIAGE_BENCH_MODEL`, or the shipped `models/default.model`. The texts are the first
//! `$TRIAGE_BENCH_DOCS` (default 1,000) of `$TRIAGE_BENCH_DATA`, or of the teddy2020c messages at
//! `../shared/data/teddy2020c/train.csv` when that exists (mean 379 characters, the figure the throughput goal
//! is set on), or of the team's corpus `corpora/complaints.csv`.
#![allow(dead_code)]

use complaint_triage::pipeline::{Pipeline, model_file};
use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn model() -> Pipeline {
    let path = std::env::var_os("TRIAGE_BENCH_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("models/default.model"));
    model_file::load(&path).unwrap_or_else(|e| panic!("cannot load the bench model: {e}"))
}

/// The labelled file the texts come from.
pub fn data_path() -> PathBuf {
    if let Some(path) = std::env::var_os("TRIAGE_BENCH_DATA") {
        return PathBuf::from(path);
    }
    let teddy = repo().join("../shared/data/teddy2020c/train.csv");
    if teddy.exists() {
        teddy
    } else {
        repo().join("corpora/complaints.csv")
    }
}

/// Every text of the file's `text` column, in order.
pub fn all_texts(path: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(path).expect("read the bench data");
    let text = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "text")
        .expect("a text column");
    reader
        .records()
        .map(|r| r.unwrap()[text].to_string())
        .collect()
}

/// `$TRIAGE_BENCH_DOCS` texts (default 1,000), cycling through the file.
pub fn texts(path: &Path) -> Vec<String> {
    let docs: usize = std::env::var("TRIAGE_BENCH_DOCS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    all_texts(path).iter().cycle().take(docs).cloned().collect()
}
