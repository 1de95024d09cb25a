//! Writing decisions: one [`DecisionSink`] per output format, each taking the rows of
//! [`super::decision_fields`] in input order, so every format carries the same named fields.
//!
//! The format is given or follows the output's extension (`.csv`, `.tsv`, `.jsonl`/`.ndjson`, `.xlsx`); `-`
//! (standard output) is CSV unless told otherwise. JSONL and XLSX give `confidence` as a number and `review` as
//! a boolean ([`typed`]); CSV and TSV write the fields as they are. Which columns there are, and in what order,
//! is an [`OutputLayout`]; how they are written (BOM, encoding, split) are [`SinkOptions`]. Nothing here decides
//! what a row says.

use super::csv_sink::CsvSink;
use super::destination::Destination;
use super::jsonl_sink::JsonlSink;
use super::output::OutputLayout;
use super::xlsx_sink::{AssignmentFolder, XlsxSink};
use crate::error::TriageError;
use std::path::Path;

/// Receives output rows in order.
pub trait DecisionSink: Send {
    /// Writes one row, its fields in header order.
    fn write_row(&mut self, fields: &[String]) -> Result<(), TriageError>;

    /// Passes what is buffered on, so that at the other end of a pipe every row written so far can be read.
    fn flush(&mut self) -> Result<(), TriageError>;

    /// Writes what is buffered and puts a file in place; a sink dropped without it leaves no file.
    fn finish(self: Box<Self>) -> Result<(), TriageError>;
}

/// The format of the decisions written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Csv,
    Tsv,
    Jsonl,
    Xlsx,
}

impl OutputFormat {
    /// The format a file name says, if it says one.
    pub fn from_path(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(OutputFormat::Csv),
            "tsv" | "tab" => Some(OutputFormat::Tsv),
            "jsonl" | "ndjson" => Some(OutputFormat::Jsonl),
            "xlsx" => Some(OutputFormat::Xlsx),
            _ => None,
        }
    }
}

/// Opens an output for the decision's columns alone (the lean form), with the default options: a file, or
/// standard output for `-`.
pub fn open_sink(
    path: &Path,
    format: Option<OutputFormat>,
    header: &[&'static str],
) -> Result<Box<dyn DecisionSink>, TriageError> {
    open_sink_with(
        path,
        format,
        &OutputLayout::decisions_only(header),
        &SinkOptions::default(),
    )
}

/// What to split an XLSX output by: one sheet (or, into a folder, one file) per value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SplitBy {
    /// The decision's `department`.
    Department,
    /// The decision's `label`.
    Label,
}

impl SplitBy {
    /// The decision column whose value picks the sheet.
    pub fn column(self) -> &'static str {
        match self {
            SplitBy::Department => "department",
            SplitBy::Label => "label",
        }
    }
}

/// How an output is written beyond its columns.
#[derive(Debug, Clone)]
pub struct SinkOptions {
    /// CSV and TSV files in UTF-8 start with a byte-order mark, so that Excel reads them as UTF-8 rather than
    /// the PC's code page. Never on standard output.
    pub bom: bool,
    /// The encoding of CSV and TSV output (UTF-8 when `None`). A character it cannot encode is an error naming
    /// the row, never replaced.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// XLSX: one sheet per value; with a folder as the output, one 交办单 file per value.
    pub split_by: Option<SplitBy>,
    /// The date on 交办单 title rows and file names (`YYYY-MM-DD`); today when `None`.
    pub date: Option<String>,
}

impl Default for SinkOptions {
    fn default() -> Self {
        SinkOptions {
            bom: true,
            encoding: None,
            split_by: None,
            date: None,
        }
    }
}

/// An output path that names a folder: one that exists as a folder, or ends with a path separator.
pub fn is_folder(path: &Path) -> bool {
    let text = path.as_os_str().to_string_lossy();
    path.is_dir() || text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR)
}

/// Opens an output for rows laid out as `layout` says: a file, standard output for `-`, or (XLSX split by a
/// column) a folder of 交办单 files.
pub fn open_sink_with(
    path: &Path,
    format: Option<OutputFormat>,
    layout: &OutputLayout,
    options: &SinkOptions,
) -> Result<Box<dyn DecisionSink>, TriageError> {
    if let Some(split_by) = options.split_by {
        if layout.decision_position(split_by.column()).is_none() {
            return Err(TriageError::InvalidParameter(format!(
                "--split-by {}: the output has no '{}' column",
                split_by.column(),
                split_by.column()
            )));
        }
        if is_folder(path) {
            if format.is_some_and(|f| f != OutputFormat::Xlsx) {
                return Err(TriageError::InvalidParameter(
                    "a folder of 交办单 files is written as XLSX only".into(),
                ));
            }
            return Ok(Box::new(AssignmentFolder::create(path, layout, options)?));
        }
    }
    let format = format
        .or_else(|| OutputFormat::from_path(path))
        .unwrap_or(OutputFormat::Csv);
    if format == OutputFormat::Xlsx && path.as_os_str() == "-" {
        return Err(TriageError::InvalidParameter(
            "XLSX output needs a file name (--output decisions.xlsx); standard output takes CSV or JSONL"
                .into(),
        ));
    }
    if options.split_by.is_some() && format != OutputFormat::Xlsx {
        return Err(TriageError::InvalidParameter(
            "--split-by writes XLSX: give an .xlsx file or a folder as the output".into(),
        ));
    }
    if options.encoding.is_some_and(|e| e != encoding_rs::UTF_8)
        && !matches!(format, OutputFormat::Csv | OutputFormat::Tsv)
    {
        return Err(TriageError::InvalidParameter(
            "--output-encoding applies to CSV and TSV output only (JSON Lines and XLSX are always Unicode)"
                .into(),
        ));
    }
    let destination = Destination::create(path)?;
    let names = layout.names();
    Ok(match format {
        OutputFormat::Csv => Box::new(CsvSink::with_options(destination, b',', &names, options)?),
        OutputFormat::Tsv => Box::new(CsvSink::with_options(destination, b'\t', &names, options)?),
        OutputFormat::Jsonl => Box::new(JsonlSink::new(destination, layout)),
        OutputFormat::Xlsx => Box::new(XlsxSink::new(destination, layout, options)?),
    })
}

/// A field as a typed value for formats that have types.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Typed<'a> {
    Text(&'a str),
    Number(f64),
    Bool(bool),
    /// An empty confidence (nothing was decided).
    Missing,
}

/// A decision's `confidence` is a number, its `review` a boolean, the rest text; an input column
/// (`decision` is `None`) is always text.
pub fn typed_field<'a>(decision: Option<&str>, value: &'a str) -> Typed<'a> {
    match decision {
        Some(column) => typed(column, value),
        None => Typed::Text(value),
    }
}

/// `confidence` is a number, `review` a boolean, the rest text.
pub fn typed<'a>(column: &str, value: &'a str) -> Typed<'a> {
    match column {
        "confidence" if value.is_empty() => Typed::Missing,
        "confidence" => value.parse().map_or(Typed::Text(value), Typed::Number),
        "review" => value.parse().map_or(Typed::Text(value), Typed::Bool),
        _ => Typed::Text(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_extensions() {
        assert_eq!(
            OutputFormat::from_path(Path::new("a/out.XLSX")),
            Some(OutputFormat::Xlsx)
        );
        assert_eq!(
            OutputFormat::from_path(Path::new("out.ndjson")),
            Some(OutputFormat::Jsonl)
        );
        assert_eq!(OutputFormat::from_path(Path::new("-")), None);
    }

    #[test]
    fn confidence_and_review_are_typed() {
        assert_eq!(typed("confidence", "0.9500"), Typed::Number(0.95));
        assert_eq!(typed("confidence", ""), Typed::Missing);
        assert_eq!(typed("review", "true"), Typed::Bool(true));
        assert_eq!(typed("label", "true"), Typed::Text("true"));
    }
}
