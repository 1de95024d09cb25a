//! XLSX input: the first worksheet (or a named one). The header is the first non-blank row that has the text
//! column, among the first [`HEADER_SEARCH_ROWS`]: title rows above the table are not rows.
//!
//! The sheet is streamed cell by cell (calamine's cell reader) on a thread of its own that owns the workbook,
//! and rows come through a bounded channel, so a large sheet is never held as a whole (the workbook's shared
//! strings are, as calamine loads them up front). Blank sheet rows are not rows; a cell holding an Excel error
//! (`#N/A`, …) in the text or label column makes its row a [`RowError`]. Numbers are taken as written (`12345`,
//! not `12345.0`). Reads a file only: a workbook cannot be streamed from standard input.

use super::record::{ColumnIndex, Columns, NextRow, RecordSource, Row, RowError, checked_label};
use crate::error::TriageError;
use calamine::{Data, Reader, Xlsx, open_workbook};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Rows read ahead of the consumer.
const READ_AHEAD_ROWS: usize = 1024;
/// Non-blank rows searched for the header: titles above a table are common in office workbooks.
const HEADER_SEARCH_ROWS: usize = 10;

pub struct XlsxSource {
    path: PathBuf,
    rows: Receiver<NextRow>,
    /// The header row's names.
    names: Vec<String>,
    received: u64,
    total: Option<u64>,
    /// Whether the reader said the sheet ended (or reading stopped with an error).
    ended: bool,
}

impl XlsxSource {
    /// Opens the workbook, picks the sheet and finds the columns; errors name the file and what exists.
    pub fn open(path: &Path, sheet: Option<&str>, columns: &Columns) -> Result<Self, TriageError> {
        if path.as_os_str() == "-" {
            return Err(bad(
                path,
                "an XLSX workbook cannot be read from standard input: pass a file".into(),
            ));
        }
        let (header_tx, header_rx) = sync_channel(1);
        let (rows_tx, rows_rx) = sync_channel(READ_AHEAD_ROWS);
        let reader = SheetReader {
            path: path.to_path_buf(),
            sheet: sheet.map(str::to_string),
            columns: columns.clone(),
            rows: rows_tx,
        };
        std::thread::Builder::new()
            .name("xlsx-reader".into())
            .spawn(move || reader.run(header_tx))
            .map_err(|e| TriageError::io(path, e))?;
        let (total, names) = header_rx
            .recv()
            .map_err(|_| bad(path, "the workbook reader stopped".into()))??;
        Ok(XlsxSource {
            path: path.to_path_buf(),
            rows: rows_rx,
            names,
            received: 0,
            total,
            ended: false,
        })
    }
}

impl RecordSource for XlsxSource {
    fn next_row(&mut self) -> NextRow {
        if self.ended {
            return Ok(None);
        }
        match self.rows.recv() {
            Ok(Ok(Some(row))) => {
                self.received += 1;
                Ok(Some(row))
            }
            Ok(end_or_error) => {
                self.ended = true;
                end_or_error
            }
            // The reader ends the sheet with an explicit end, or an error: a channel that closes without either
            // means the reader stopped (a panic in the workbook library, found by fuzzing), and the rows after
            // this one would otherwise be lost without a word.
            Err(_) => {
                self.ended = true;
                Err(bad(
                    &self.path,
                    format!(
                        "the workbook reader stopped after data row {} before the end of the sheet: the file may be damaged; re-save it in Excel or export it as CSV",
                        self.received
                    ),
                ))
            }
        }
    }

    fn progress(&self) -> (u64, Option<u64>) {
        (self.received, self.total)
    }

    fn columns(&self) -> &[String] {
        &self.names
    }
}

fn bad(path: &Path, message: String) -> TriageError {
    TriageError::BadInput {
        path: path.to_path_buf(),
        message,
    }
}

/// What the opener learns from the reading thread: the sheet's row count and the header's names, or why the
/// sheet cannot be read.
type HeaderOutcome = Result<(Option<u64>, Vec<String>), TriageError>;

/// What the reading thread owns.
struct SheetReader {
    path: PathBuf,
    sheet: Option<String>,
    columns: Columns,
    rows: SyncSender<NextRow>,
}

/// A cell as text for the output: a date or time as `YYYY-MM-DD[ HH:MM[:SS]]` rather than Excel's serial number.
fn cell_display(value: &Data) -> String {
    match value {
        Data::DateTime(date) if date.is_datetime() => excel_date_text(date.as_f64()),
        other => other.to_string(),
    }
}

/// An Excel serial date (1900 date system: day 25,569 is 1970-01-01) as text.
fn excel_date_text(serial: f64) -> String {
    let mut days = serial.floor() as i64 - 25_569;
    let mut seconds = ((serial - serial.floor()) * 86_400.0).round() as i64;
    if seconds == 86_400 {
        days += 1;
        seconds = 0;
    }
    let date = crate::pipeline::card::civil_date(days);
    let (hours, minutes, secs) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match (seconds, secs) {
        (0, _) => date,
        (_, 0) => format!("{date} {hours:02}:{minutes:02}"),
        _ => format!("{date} {hours:02}:{minutes:02}:{secs:02}"),
    }
}

/// The text of a cell, or why it has none.
fn cell_text(value: &Data) -> Result<String, String> {
    match value {
        Data::Error(e) => Err(format!("the cell holds the Excel error {e}")),
        other => Ok(other.to_string()),
    }
}

impl SheetReader {
    /// Reads the sheet: first the header's outcome (with the sheet's row count) on `header`, then the rows.
    fn run(self, header: SyncSender<HeaderOutcome>) {
        let mut header = Some(header);
        let result = self.read(&mut header);
        let outcome = match result {
            Ok(()) => {
                // The end of the sheet, said explicitly: a closed channel alone means the reader failed.
                let _ = self.rows.send(Ok(None));
                return;
            }
            Err(e) => e,
        };
        // Before the header the error goes to the opener, after it to the consumer of rows.
        match header.take() {
            Some(header) => drop(header.send(Err(outcome))),
            None => drop(self.rows.send(Err(outcome))),
        }
    }

    fn read(&self, header: &mut Option<SyncSender<HeaderOutcome>>) -> Result<(), TriageError> {
        let path = &self.path;
        let mut workbook: Xlsx<_> = open_workbook(path)
            .map_err(|e| bad(path, format!("not a readable XLSX workbook: {e}")))?;
        let names = workbook.sheet_names();
        let sheet = match &self.sheet {
            Some(wanted) if names.contains(wanted) => wanted.clone(),
            Some(wanted) => {
                return Err(bad(
                    path,
                    format!(
                        "no sheet named '{wanted}'; the sheets are: {}",
                        names.join(", ")
                    ),
                ));
            }
            None => names
                .first()
                .cloned()
                .ok_or_else(|| bad(path, "the workbook has no sheets".into()))?,
        };
        let mut cells = workbook
            .worksheet_cells_reader(&sheet)
            .map_err(|e| bad(path, format!("sheet '{sheet}': {e}")))?;
        let dimensions = cells.dimensions();
        let total = Some(u64::from(
            dimensions.end.0.saturating_sub(dimensions.start.0),
        ));
        let mut index: Option<ColumnIndex> = None;
        let (mut title_rows, mut first_missing) = (0, None);
        let mut number = 0u64;
        let mut current: Option<u32> = None;
        let mut row_cells: Vec<(u32, Data)> = Vec::new();
        loop {
            let cell = cells
                .next_cell()
                .map_err(|e| bad(path, format!("sheet '{sheet}': {e}")))?;
            let row_ended = match &cell {
                Some(cell) => current.is_some_and(|row| row != cell.get_position().0),
                None => current.is_some(),
            };
            if row_ended && !row_cells.is_empty() {
                let sheet_row = u64::from(current.unwrap_or_default()) + 1;
                match &index {
                    None => {
                        let width = row_cells.iter().map(|(c, _)| *c as usize + 1).max();
                        let mut names = vec![String::new(); width.unwrap_or(0)];
                        for (column, value) in &row_cells {
                            names[*column as usize] = value.to_string();
                        }
                        match ColumnIndex::find(names, &self.columns, path) {
                            Ok(found) => {
                                if let Some(header) = header.take() {
                                    drop(header.send(Ok((total, found.names.clone()))));
                                }
                                index = Some(found);
                            }
                            // A title above the table: the header may be further down.
                            Err(missing) => {
                                let first = first_missing.unwrap_or(missing);
                                title_rows += 1;
                                if title_rows == HEADER_SEARCH_ROWS {
                                    return Err(first);
                                }
                                first_missing = Some(first);
                            }
                        }
                    }
                    Some(index) => {
                        number += 1;
                        let row = self.row(index, &row_cells, number, sheet_row);
                        if self.rows.send(Ok(Some(row))).is_err() {
                            return Ok(());
                        }
                    }
                }
                row_cells.clear();
            }
            let Some(cell) = cell else { break };
            current = Some(cell.get_position().0);
            let value = Data::from(cell.get_value().clone());
            let blank = match &value {
                Data::Empty => true,
                Data::String(s) => s.trim().is_empty(),
                _ => false,
            };
            if !blank {
                row_cells.push((cell.get_position().1, value));
            }
        }
        // A sheet without a header row is a table without rows; one whose rows all lack the columns is wrong.
        match first_missing {
            Some(missing) if index.is_none() => Err(missing),
            _ => {
                if let Some(header) = header.take() {
                    drop(header.send(Ok((total, Vec::new()))));
                }
                Ok(())
            }
        }
    }

    fn row(
        &self,
        index: &ColumnIndex,
        cells: &[(u32, Data)],
        number: u64,
        sheet_row: u64,
    ) -> Result<Row, RowError> {
        let value = |column: usize| {
            cells
                .iter()
                .find(|(c, _)| *c as usize == column)
                .map_or(Ok(String::new()), |(_, v)| cell_text(v))
        };
        let id = index
            .id
            .and_then(|c| value(c).ok())
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| number.to_string());
        let fail = |message: String| RowError {
            number,
            line: sheet_row,
            id: id.clone(),
            message,
        };
        let text = value(index.text).map_err(|why| fail(format!("text: {why}")))?;
        let label = match &index.label {
            Some((name, column)) => {
                let value = value(*column).map_err(|why| fail(format!("{name}: {why}")))?;
                Some(checked_label(name, &value).map_err(fail)?)
            }
            None => None,
        };
        let fields = (0..index.n_columns)
            .map(|column| {
                cells
                    .iter()
                    .find(|(c, _)| *c as usize == column)
                    .map_or_else(String::new, |(_, v)| cell_display(v))
            })
            .collect();
        let extra = index
            .extra
            .iter()
            .map(|(name, column)| {
                column
                    .map(|c| value(c).map_err(|why| fail(format!("{name}: {why}"))))
                    .transpose()
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Row {
            number,
            line: sheet_row,
            id,
            text,
            label,
            fields,
            extra,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(rows: Receiver<NextRow>) -> XlsxSource {
        XlsxSource {
            path: PathBuf::from("cases.xlsx"),
            rows,
            names: vec!["text".into()],
            received: 0,
            total: None,
            ended: false,
        }
    }

    #[test]
    fn a_reader_that_stops_without_an_end_is_an_error_not_the_end_of_the_sheet() {
        let (sender, receiver) = sync_channel::<NextRow>(1);
        drop(sender);
        let error = source(receiver).next_row().unwrap_err().to_string();
        assert!(error.contains("cases.xlsx"), "{error}");
        assert!(error.contains("stopped after data row 0"), "{error}");
    }

    #[test]
    fn the_explicit_end_ends_the_sheet_for_good() {
        let (sender, receiver) = sync_channel::<NextRow>(1);
        sender.send(Ok(None)).unwrap();
        drop(sender);
        let mut source = source(receiver);
        assert!(source.next_row().unwrap().is_none());
        assert!(source.next_row().unwrap().is_none());
    }

    #[test]
    fn a_cell_reference_past_every_column_is_read_to_an_end_or_an_error() {
        // Found by fuzzing: calamine's column arithmetic overflows on this sheet's cell reference, a panic where
        // overflow is checked (debug builds). Either way reading must end with rows and an end, or an error.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("overflow.xlsx");
        std::fs::write(
            &path,
            include_bytes!("../../tests/fixtures/fuzz/xlsx_column_overflow.xlsx"),
        )
        .unwrap();
        let columns = Columns {
            text: "text".into(),
            id: Some("id".into()),
            label: None,
            extra: vec!["date".into()],
        };
        let Ok(mut source) = XlsxSource::open(&path, None, &columns) else {
            return;
        };
        for _ in 0..100_000 {
            match source.next_row() {
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => return,
            }
        }
        panic!("reading did not end");
    }
}
