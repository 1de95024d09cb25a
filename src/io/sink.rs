//! Writing decisions: one [`DecisionSink`] per output format, each taking the rows of
//! [`super::decision_fields`] in input order, so every format carries the same named fields.
//!
//! The format is given or follows the output's extension (`.csv`, `.tsv`, `.jsonl`/`.ndjson`, `.xlsx`); `-`
//! (standard output) is CSV unless told otherwise. JSONL and XLSX give `confidence` as a number and `review` as
//! a boolean ([`typed`]); CSV and TSV write the fields as they are. Nothing here decides what a row says.

use super::csv_sink::CsvSink;
use super::destination::Destination;
use super::jsonl_sink::JsonlSink;
use super::xlsx_sink::XlsxSink;
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

/// Opens an output for rows under `header`: a file, or standard output for `-`.
pub fn open_sink(
    path: &Path,
    format: Option<OutputFormat>,
    header: &[&'static str],
) -> Result<Box<dyn DecisionSink>, TriageError> {
    let format = format
        .or_else(|| OutputFormat::from_path(path))
        .unwrap_or(OutputFormat::Csv);
    if format == OutputFormat::Xlsx && path.as_os_str() == "-" {
        return Err(TriageError::InvalidParameter(
            "XLSX output needs a file name (--output decisions.xlsx); standard output takes CSV or JSONL"
                .into(),
        ));
    }
    let destination = Destination::create(path)?;
    Ok(match format {
        OutputFormat::Csv => Box::new(CsvSink::new(destination, b',', header)?),
        OutputFormat::Tsv => Box::new(CsvSink::new(destination, b'\t', header)?),
        OutputFormat::Jsonl => Box::new(JsonlSink::new(destination, header)),
        OutputFormat::Xlsx => Box::new(XlsxSink::new(destination, header)?),
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
