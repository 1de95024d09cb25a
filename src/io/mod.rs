//! Reading complaint tables and writing decisions, in every format a batch comes in.
//!
//! Inputs ([`TableReader`] opens the right one): CSV and TSV ([`csv_source`]) and JSON Lines
//! ([`jsonl_source`]) in UTF-8 or GB18030/GBK (detected, see [`encoding`]), XLSX workbooks ([`xlsx_source`]).
//! Each is a [`RecordSource`]: every data row read yields either a [`Row`] or a [`RowError`] that names the row
//! and the reason; nothing is dropped silently. Row numbers count data rows from 1 (a header is not a row).
//!
//! Outputs ([`open_sink_with`]): CSV, TSV, JSON Lines or XLSX, each a [`DecisionSink`] fed rows laid out by an
//! [`OutputLayout`] (the input's columns, then the [`decision_fields`]; or the decision alone); XLSX as a
//! formatted workbook or a folder of 交办单 ([`assignment_sheet`]). Files are put in place only when complete
//! ([`destination`]). Rows that get no decision can go to a [`RejectsFile`]. Nothing here triages anything.

pub mod assignment_sheet;
mod csv_sink;
pub mod csv_source;
mod decision;
pub mod destination;
pub mod encoding;
mod jsonl_sink;
pub mod jsonl_source;
mod output;
mod quote_tracker;
mod record;
mod rejects;
mod sink;
mod table;
mod text_input;
mod xlsx_sink;
pub mod xlsx_source;

pub use assignment_sheet::{DecisionWorkbook, WorkbookOptions, assignment_workbook};
pub use decision::{
    DECISION_COLUMNS, REASONS_COLUMN, decision_fields, decision_fields_in, decision_header,
    unreadable_fields, unreadable_fields_in,
};
pub use encoding::EncodingChoice;
pub use output::{ColumnSource, OutputColumn, OutputLayout};
pub use record::{Columns, MAX_ROW_BYTES, NextRow, RecordSource, Row, RowError};
pub use rejects::{REJECT_COLUMNS, RejectsFile};
pub use sink::{DecisionSink, OutputFormat, SinkOptions, SplitBy, open_sink, open_sink_with};
pub use table::{ColumnGuess, InputFormat, ReadOptions, TableReader, guess_columns};
pub use text_input::{SAMPLE_BYTES, TextInput, open_input};
