//! Opening a table of complaints whatever its format: CSV, TSV, JSON Lines or an XLSX workbook, chosen by the
//! file's extension or given; `-` is standard input (CSV unless told otherwise).
//!
//! [`TableReader`] is what every subcommand reads through, so `train`, `evaluate` and `cv` take the same
//! formats and encodings as `classify`. This module picks and opens a source; the sources do the reading.

use super::csv_source::CsvSource;
use super::encoding::EncodingChoice;
use super::jsonl_source::JsonlSource;
use super::record::{Columns, NextRow, RecordSource, Row, RowError};
use super::text_input::TextInput;
use super::xlsx_source::XlsxSource;
use crate::error::TriageError;
use std::path::{Path, PathBuf};

/// Rows read to guess which column holds the complaint.
const GUESS_ROWS: usize = 20;
/// Header names an office export gives the complaint's text and its id, most likely first.
const TEXT_NAMES: [&str; 8] = [
    "text",
    "诉求内容",
    "内容",
    "诉求",
    "问题描述",
    "反映内容",
    "来电内容",
    "描述",
];
const ID_NAMES: [&str; 7] = ["id", "编号", "工单号", "诉求编号", "案件编号", "序号", "ID"];

/// A table's columns and a guess at which hold the complaint and its id, for a person to confirm.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ColumnGuess {
    pub columns: Vec<String>,
    /// A column with a usual name for the text, else the one whose first rows are longest.
    pub text_column: Option<String>,
    /// A column with a usual name for an id.
    pub id_column: Option<String>,
}

/// Reads a table's header (format by the name, encoding detected) and guesses its text and id columns.
pub fn guess_columns(path: &Path) -> Result<ColumnGuess, TriageError> {
    // The readers find the columns as they open: a text column no header can name makes them report the
    // columns there are, through the same code that reads the rows later.
    let probe = |text: &str| Columns {
        text: text.to_string(),
        id: None,
        label: None,
        extra: Vec::new(),
    };
    let columns = match TableReader::open(path, &probe("\u{0}")) {
        Err(TriageError::MissingColumn { available, .. }) => available,
        Err(other) => return Err(other),
        Ok(reader) => reader.columns().to_vec(),
    };
    let named = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| columns.iter().find(|c| c.trim() == *name).cloned())
    };
    let text_column = named(&TEXT_NAMES).or_else(|| {
        let mean_length = |column: &str| -> usize {
            let Ok(mut reader) = TableReader::open(path, &probe(column)) else {
                return 0;
            };
            let mut total = 0;
            for _ in 0..GUESS_ROWS {
                match reader.next_row() {
                    Ok(Some(Ok(row))) => total += row.text.chars().count(),
                    Ok(Some(Err(_))) => continue,
                    _ => break,
                }
            }
            total
        };
        columns
            .iter()
            .map(|c| (mean_length(c), c))
            .filter(|(length, _)| *length > 0)
            .max_by_key(|(length, _)| *length)
            .map(|(_, c)| c.clone())
    });
    let id_column = named(&ID_NAMES).filter(|id| Some(id) != text_column.as_ref());
    Ok(ColumnGuess {
        columns,
        text_column,
        id_column,
    })
}

/// The format of an input table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    Csv,
    Tsv,
    Jsonl,
    Xlsx,
}

impl InputFormat {
    /// The format a file name says, if it says one (`.csv`, `.tsv`/`.tab`, `.jsonl`/`.ndjson`,
    /// `.xlsx`/`.xlsm`).
    pub fn from_path(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(InputFormat::Csv),
            "tsv" | "tab" => Some(InputFormat::Tsv),
            "jsonl" | "ndjson" => Some(InputFormat::Jsonl),
            "xlsx" | "xlsm" => Some(InputFormat::Xlsx),
            _ => None,
        }
    }
}

/// How to read an input beyond its columns.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The format; from the file's extension when not given, CSV when the extension says nothing.
    pub format: Option<InputFormat>,
    pub encoding: EncodingChoice,
    /// The worksheet of a workbook; the first when not given.
    pub sheet: Option<String>,
}

/// An open input table, read row by row.
pub struct TableReader {
    path: PathBuf,
    source: Box<dyn RecordSource>,
    /// Set when the encoding was detected as something other than UTF-8: worth telling the user.
    detected_encoding: Option<&'static str>,
}

impl TableReader {
    /// Opens a table in the format its name says, detecting its encoding.
    pub fn open(path: &Path, columns: &Columns) -> Result<Self, TriageError> {
        Self::open_with(path, columns, &ReadOptions::default())
    }

    pub fn open_with(
        path: &Path,
        columns: &Columns,
        options: &ReadOptions,
    ) -> Result<Self, TriageError> {
        let format = options
            .format
            .or_else(|| InputFormat::from_path(path))
            .unwrap_or(InputFormat::Csv);
        if format == InputFormat::Xlsx {
            return Ok(TableReader {
                path: path.to_path_buf(),
                source: Box::new(XlsxSource::open(path, options.sheet.as_deref(), columns)?),
                detected_encoding: None,
            });
        }
        let input = TextInput::open(path, options.encoding)?;
        let detected_encoding = (input.detected && input.encoding != encoding_rs::UTF_8)
            .then_some(input.encoding.name());
        let source: Box<dyn RecordSource> = match format {
            InputFormat::Jsonl => Box::new(JsonlSource::open(input, path, columns)?),
            InputFormat::Tsv => Box::new(CsvSource::open(input, path, columns, b'\t')?),
            _ => Box::new(CsvSource::open(input, path, columns, b',')?),
        };
        Ok(TableReader {
            path: path.to_path_buf(),
            source,
            detected_encoding,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The input's column names, in order: what each row's [`Row::fields`] holds.
    pub fn columns(&self) -> &[String] {
        self.source.columns()
    }

    /// The encoding found by detection when it is not UTF-8.
    pub fn detected_encoding(&self) -> Option<&'static str> {
        self.detected_encoding
    }

    /// The next row; `Ok(None)` at the end. A broken row is `Ok(Some(Err(..)))`; only an unreadable input is
    /// `Err`.
    pub fn next_row(&mut self) -> NextRow {
        self.source.next_row()
    }

    /// Whether the input held nothing at all: no header and no rows.
    pub fn is_empty_input(&self) -> bool {
        self.source.is_empty_input()
    }

    /// Blank lines skipped so far (see [`RecordSource::blank_lines`]).
    pub fn blank_lines(&self) -> u64 {
        self.source.blank_lines()
    }

    /// How far reading has got, for progress (see [`RecordSource::progress`]).
    pub fn progress(&self) -> (u64, Option<u64>) {
        self.source.progress()
    }
}

impl Iterator for TableReader {
    type Item = Result<Result<Row, RowError>, TriageError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}
