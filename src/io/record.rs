//! What every input format yields: data rows ([`Row`]) or rows that could not be read ([`RowError`]), pulled
//! one at a time from a [`RecordSource`].
//!
//! A source must account for every record it meets: a broken record is a [`RowError`] that says which row and
//! why, never a silent skip. Only an input that cannot be read on at all (an I/O error) ends a source with a
//! [`TriageError`]. Sources do not decide what is done with a row; that is the caller's.

use crate::error::TriageError;
use std::path::Path;

/// The longest row a text input may have; past it the input is taken to be broken (most often an unterminated
/// quote) and the row is rejected. Far above any real complaint, low enough that memory stays bounded.
pub const MAX_ROW_BYTES: u64 = 64 * 1024 * 1024;

/// Which columns to read.
#[derive(Debug, Clone)]
pub struct Columns {
    pub text: String,
    /// Taken from this column when present; otherwise the row number is the id.
    pub id: Option<String>,
    /// Required when set (training, evaluation).
    pub label: Option<String>,
}

/// One data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Counts data rows from 1 (a header is not a row; blank lines and blank sheet rows are not rows).
    pub number: u64,
    /// Where the row starts in the input as a person finds it: the line of a CSV or JSONL file, the row of a
    /// worksheet.
    pub line: u64,
    pub id: String,
    pub text: String,
    pub label: Option<String>,
    /// Every field of the row, in the order of the input's columns ([`RecordSource::columns`]), the text and id
    /// included: what an output that keeps the input's columns writes before the decision.
    pub fields: Vec<String>,
}

/// A data row that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Counted like [`Row::number`].
    pub number: u64,
    /// As [`Row::line`].
    pub line: u64,
    /// The id, when it could be read; the row number otherwise.
    pub id: String,
    pub message: String,
}

impl RowError {
    pub fn into_error(self, path: &Path) -> TriageError {
        TriageError::BadRow {
            path: path.to_path_buf(),
            row: self.number,
            message: self.message,
        }
    }
}

/// The next row of an input: `Ok(None)` at the end, `Ok(Some(Err(..)))` for a row that cannot be read (reading
/// goes on), `Err` only when the input itself cannot be read on.
pub type NextRow = Result<Option<Result<Row, RowError>>, TriageError>;

/// A table of complaints in some format, read one row at a time.
pub trait RecordSource: Send {
    fn next_row(&mut self) -> NextRow;

    /// The input's column names, in order (as in the header, surrounding spaces removed): what
    /// [`Row::fields`] holds. Empty for an input without a header.
    fn columns(&self) -> &[String];

    /// How far reading has got, and the total when known, in a unit of the source's choosing (bytes of a file,
    /// rows of a worksheet): for progress only.
    fn progress(&self) -> (u64, Option<u64>);

    /// Blank lines skipped so far: they are not rows, and the summary says how many there were.
    fn blank_lines(&self) -> u64 {
        0
    }

    /// The input held nothing: no header and no rows (a 0-byte file, or only blank lines).
    fn is_empty_input(&self) -> bool {
        false
    }
}

/// Where the wanted columns are in a header row.
#[derive(Debug, Clone)]
pub(crate) struct ColumnIndex {
    pub text: usize,
    pub id: Option<usize>,
    pub label: Option<(String, usize)>,
    pub n_columns: usize,
    /// Every column's name, surrounding spaces removed.
    pub names: Vec<String>,
}

impl ColumnIndex {
    /// Finds the columns by name (surrounding spaces ignored); a missing text or label column is an error naming
    /// the columns that exist. A missing id column is not: the row number stands in.
    pub fn find(names: Vec<String>, columns: &Columns, path: &Path) -> Result<Self, TriageError> {
        let find = |column: &str| names.iter().position(|n| n.trim() == column);
        let require = |column: &str| {
            find(column).ok_or_else(|| TriageError::MissingColumn {
                path: path.to_path_buf(),
                column: column.to_string(),
                available: names.iter().map(|n| n.trim().to_string()).collect(),
            })
        };
        let text = require(&columns.text)?;
        let label = match &columns.label {
            Some(name) => Some((name.clone(), require(name)?)),
            None => None,
        };
        Ok(ColumnIndex {
            text,
            id: columns.id.as_deref().and_then(find),
            label,
            n_columns: names.len(),
            names: names.iter().map(|n| n.trim().to_string()).collect(),
        })
    }
}

/// Checks a label read from a row: surrounding spaces go, an empty label is an error.
pub(crate) fn checked_label(name: &str, value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        Err(format!("empty label in column '{name}'"))
    } else {
        Ok(value.to_string())
    }
}
