//! Closed cases and training rows: reading labelled rows with every bad row reported, choosing which closed
//! cases are new, and splitting those into a part to learn from and a held-out slice to compare models on.
//!
//! A closed case is "already learned" when its normalised text equals that of a training row of the active
//! version; it is neither learned again nor used to judge the models (both have seen it). Within the closed
//! file, a repeated text counts once (the first row wins).
//!
//! Whether a new case is held out is decided by a hash of its normalised text, not by its place in the file: the
//! same case is held out in every retrain and so never learned, and a file submitted again yields the same
//! held-out slice and nothing new to learn. This module must not train or evaluate.

use crate::error::TriageError;
use crate::featurize::fingerprint;
use crate::io::{Columns, RowError, TableReader};
use crate::normalize::NormalizerSequence;
use crate::pipeline::Example;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::path::Path;

/// Labelled rows read from a file, and the rows that could not be used.
#[derive(Debug, Clone, Default)]
pub struct LabelledRows {
    pub examples: Vec<Example>,
    pub bad_rows: Vec<RowError>,
}

/// Reads `text_column` and `label_column` of a CSV file. Rows that cannot be read, or whose text or label is
/// empty, are returned in `bad_rows` with their row numbers, never dropped silently.
pub fn read_labelled(
    path: &Path,
    text_column: &str,
    label_column: &str,
) -> Result<LabelledRows, TriageError> {
    let reader = TableReader::open(
        path,
        &Columns {
            text: text_column.to_string(),
            id: None,
            label: Some(label_column.to_string()),
        },
    )?;
    let mut rows = LabelledRows::default();
    for row in reader {
        match row? {
            Ok(row) if row.text.trim().is_empty() => rows.bad_rows.push(RowError {
                number: row.number,
                line: row.line,
                id: row.id,
                message: format!("empty text in column '{text_column}'"),
            }),
            Ok(row) => rows.examples.push(Example {
                text: row.text,
                label: row.label.unwrap_or_default(),
            }),
            Err(error) => rows.bad_rows.push(error),
        }
    }
    Ok(rows)
}

/// The rows of a version's training file (`text,label`), which the registry wrote itself.
pub fn read_training(path: &Path) -> Result<Vec<Example>, TriageError> {
    let rows = read_labelled(path, "text", "label")?;
    if let Some(bad) = rows.bad_rows.into_iter().next() {
        return Err(bad.into_error(path));
    }
    Ok(rows.examples)
}

/// A training file's bytes: `text,label` and one row per example.
pub fn training_csv(examples: &[Example]) -> Result<Vec<u8>, TriageError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let encode = |e: csv::Error| TriageError::InvalidParameter(format!("cannot write CSV: {e}"));
    writer.write_record(["text", "label"]).map_err(encode)?;
    for example in examples {
        writer
            .write_record([&example.text, &example.label])
            .map_err(encode)?;
    }
    writer
        .into_inner()
        .map_err(|e| TriageError::InvalidParameter(format!("cannot write CSV: {e}")))
}

/// The key two texts share when they are the same complaint: the normalised text without spaces.
fn dedup_key(normalizer: &NormalizerSequence, text: &str) -> String {
    normalizer
        .apply(text)
        .as_str()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// How the closed cases were used.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Selection {
    /// Usable closed cases read.
    pub closed: usize,
    /// Closed cases whose text the active version already learned (skipped).
    pub already_learned: usize,
    /// Of those, how many carry another label than the learned row (the learned label is kept).
    pub learned_with_other_label: usize,
    /// Closed cases repeating an earlier row of the same file (skipped).
    pub repeated_in_file: usize,
    /// New cases added to the candidate's training data.
    pub learned: usize,
    /// New cases held out to compare the two models.
    pub held_out: usize,
}

/// New closed cases, split.
#[derive(Debug, Clone, Default)]
pub struct NewCases {
    pub learn: Vec<Example>,
    pub held_out: Vec<Example>,
    pub selection: Selection,
}

/// Whether a case whose dedup key is `key` is held out: 1 in `held_out_folds`, by a hash of the key, so the same
/// text is held out whichever file and position it comes in.
pub fn is_held_out(key: &str, held_out_folds: usize) -> bool {
    let hash = fingerprint(key.as_bytes());
    // Fold the high bits in: FNV's low bits alone follow the last bytes closely.
    (hash ^ (hash >> 29)).is_multiple_of(held_out_folds.max(2) as u64)
}

/// Chooses the closed cases not yet learned and splits them: 1 in `held_out_folds` held out by
/// [`is_held_out`], the rest learned.
pub fn select_new(learned: &[Example], closed: Vec<Example>, held_out_folds: usize) -> NewCases {
    let normalizer = NormalizerSequence::complaint_preset();
    let learned_labels: FxHashMap<String, &str> = learned
        .par_iter()
        .map(|e| (dedup_key(&normalizer, &e.text), e.label.as_str()))
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    let keys: Vec<String> = closed
        .par_iter()
        .map(|e| dedup_key(&normalizer, &e.text))
        .collect();
    let mut selection = Selection {
        closed: closed.len(),
        ..Selection::default()
    };
    let mut seen = FxHashSet::default();
    let mut new = NewCases::default();
    for (example, key) in closed.into_iter().zip(keys) {
        if let Some(label) = learned_labels.get(&key) {
            selection.already_learned += 1;
            selection.learned_with_other_label += (*label != example.label) as usize;
        } else if is_held_out(&key, held_out_folds) {
            if seen.insert(key) {
                new.held_out.push(example);
            } else {
                selection.repeated_in_file += 1;
            }
        } else if !seen.insert(key) {
            selection.repeated_in_file += 1;
        } else {
            new.learn.push(example);
        }
    }
    selection.learned = new.learn.len();
    selection.held_out = new.held_out.len();
    new.selection = selection;
    new
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(text: &str, label: &str) -> Example {
        Example {
            text: text.into(),
            label: label.into(),
        }
    }

    #[test]
    fn learned_and_repeated_texts_are_counted_once_and_the_rest_split_by_hash() {
        let learned = vec![
            example("银行 抽贷", "financing"),
            example("电费太高", "power"),
        ];
        let mut closed = vec![
            // Same text as a learned row once normalised (full-width, spaces): already learned.
            example("銀行抽貸", "financing"),
            example("电费 太高", "tax"),
        ];
        for i in 0..100 {
            closed.push(example(&format!("税务问题{i}"), "tax"));
            closed.push(example(&format!("土地问题{i}"), "land"));
        }
        closed.push(example("税务问题3", "tax"));
        let new = select_new(&learned, closed.clone(), 5);
        let s = &new.selection;
        assert_eq!(
            (
                s.closed,
                s.already_learned,
                s.learned_with_other_label,
                s.repeated_in_file
            ),
            (203, 2, 1, 1)
        );
        assert_eq!(s.learned + s.held_out, 200);
        assert!(
            (25..=55).contains(&s.held_out),
            "about 1 in 5: {}",
            s.held_out
        );

        // The same file again, once its learned part is learned: nothing new to learn, the same held-out slice.
        let mut learned_now = learned.clone();
        learned_now.extend(new.learn.iter().cloned());
        let again = select_new(&learned_now, closed.clone(), 5);
        assert!(again.learn.is_empty());
        assert_eq!(again.held_out, new.held_out);
        // And in another order, among other cases, the held-out cases stay held out.
        closed.reverse();
        closed.push(example("新的问题", "tax"));
        let reordered = select_new(&learned, closed, 5);
        for case in &new.held_out {
            assert!(reordered.held_out.contains(case), "{case:?}");
        }
    }

    #[test]
    fn bad_rows_keep_their_row_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("closed.csv");
        std::fs::write(
            &path,
            "text,label\n税务,tax\n,tax\n土地,\n土地,land,extra\n电费,power\n",
        )
        .unwrap();
        let rows = read_labelled(&path, "text", "label").unwrap();
        assert_eq!(rows.examples.len(), 2);
        let numbers: Vec<u64> = rows.bad_rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [2, 3, 4]);
        assert!(rows.bad_rows[0].message.contains("empty text"));
    }

    #[test]
    fn training_files_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0001.csv");
        let examples = vec![example("a,\"b\"\nc", "x"), example("d", "y")];
        std::fs::write(&path, training_csv(&examples).unwrap()).unwrap();
        assert_eq!(read_training(&path).unwrap(), examples);
    }
}
