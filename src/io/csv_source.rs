//! CSV and TSV input with a header row, in UTF-8 (with or without BOM), GB18030/GBK or any encoding
//! [`TextInput`] opens.
//!
//! Records are split on the raw bytes and each wanted field is decoded on its own, so a row in a bad encoding
//! is a row error and the rows around it are read as usual. Every record is accounted for: a wrong field count,
//! a field not valid in the encoding, an unterminated quote (found by [`QuoteTracker`]) and a row over
//! [`MAX_ROW_BYTES`] are [`RowError`]s.
//!
//! An unterminated quote swallows everything after it into one field. That row is rejected, and reading
//! resumes at the next line that starts a well-formed row (the header's number of fields, no quote running to
//! the end): the rejection says which lines the broken row swallowed. Only a row over the size limit stops
//! reading, since its bytes are not kept.
//!
//! Blank lines: in a table of one column a blank line is a row whose text is empty (so row numbers and the ids
//! made from them follow the file's lines); in a wider table it is no row, and [`CsvSource`] counts it
//! ([`RecordSource::blank_lines`]) for the summary. This module does not decide what becomes of a row.

use super::encoding::FieldDecoder;
use super::quote_tracker::QuoteTracker;
use super::record::{
    ColumnIndex, Columns, MAX_ROW_BYTES, NextRow, RecordSource, Row, RowError, checked_label,
};
use super::text_input::{ByteCount, TextInput};
use crate::error::TriageError;
use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};

type Reader = csv::Reader<QuoteTracker<Box<dyn Read + Send>>>;

pub struct CsvSource {
    path: PathBuf,
    reader: Reader,
    delimiter: u8,
    max_row_bytes: u64,
    decoder: FieldDecoder,
    columns: Option<ColumnIndex>,
    record: csv::ByteRecord,
    number: u64,
    finished: bool,
    /// Lines before the text `reader` reads: non-zero once reading resumed after an unterminated quote.
    line_offset: u64,
    /// Where the header ends in the input; blank lines before it are not rows.
    header_end: u64,
    /// Rows read ahead (the blank lines before a record, in a one-column table).
    queued: VecDeque<Result<Row, RowError>>,
    blank_lines: u64,
    consumed: ByteCount,
    total: Option<u64>,
}

fn csv_reader(tracked: QuoteTracker<Box<dyn Read + Send>>, delimiter: u8, header: bool) -> Reader {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(header)
        .buffer_capacity(1 << 16)
        .from_reader(tracked)
}

/// Whether `bytes` start with a well-formed row: `n_columns` fields, and no quote that runs to the end.
fn starts_well_formed_row(bytes: &[u8], delimiter: u8, n_columns: usize) -> bool {
    let tracked = QuoteTracker::new(bytes, delimiter, u64::MAX);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(tracked);
    let mut record = csv::ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => {
            // A blank line is skipped by the parser: the row must start on this very line.
            let starts_here = record.position().is_none_or(|p| p.line() == 1);
            let end = reader.position().byte();
            let runs_to_the_end = reader
                .get_ref()
                .unterminated_quote_at()
                .is_some_and(|quote| quote < end);
            starts_here && record.len() == n_columns && !runs_to_the_end
        }
        _ => false,
    }
}

/// Where the line after the one holding `at` starts (after `\n`, `\r\n` or a lone `\r`), if it does.
fn next_line_start(bytes: &[u8], at: usize) -> Option<usize> {
    let end = at + memchr::memchr2(b'\n', b'\r', bytes.get(at..)?)?;
    let next = if bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n') {
        end + 2
    } else {
        end + 1
    };
    (next < bytes.len()).then_some(next)
}

/// `count` lines, in words.
fn lines(count: u64) -> String {
    if count == 1 {
        "1 line".into()
    } else {
        format!("{count} lines")
    }
}

impl CsvSource {
    /// Reads the header and finds the columns; a missing column is an error naming the columns that exist. An
    /// empty input is a table without rows.
    pub fn open(
        input: TextInput,
        path: &Path,
        columns: &Columns,
        delimiter: u8,
    ) -> Result<Self, TriageError> {
        Self::open_with_limit(input, path, columns, delimiter, MAX_ROW_BYTES)
    }

    pub(crate) fn open_with_limit(
        input: TextInput,
        path: &Path,
        columns: &Columns,
        delimiter: u8,
        max_row_bytes: u64,
    ) -> Result<Self, TriageError> {
        let tracked = QuoteTracker::new(input.reader, delimiter, max_row_bytes);
        let mut reader = csv_reader(tracked, delimiter, true);
        let headers = reader
            .byte_headers()
            .map_err(|e| TriageError::BadInput {
                path: path.to_path_buf(),
                message: format!("cannot read the header: {e}"),
            })?
            .clone();
        let empty = headers.is_empty() || (headers.len() == 1 && headers[0].is_empty());
        let columns = if empty {
            None
        } else {
            let names = headers
                .iter()
                .map(|h| input.decoder.decode_lossy(h).into_owned())
                .collect();
            Some(ColumnIndex::find(names, columns, path)?)
        };
        let header_end = reader.position().byte();
        Ok(CsvSource {
            path: path.to_path_buf(),
            reader,
            delimiter,
            max_row_bytes,
            decoder: input.decoder,
            finished: columns.is_none(),
            columns,
            record: csv::ByteRecord::new(),
            number: 0,
            line_offset: 0,
            header_end,
            queued: VecDeque::new(),
            blank_lines: 0,
            consumed: input.consumed,
            total: input.total,
        })
    }

    /// Rejects the row whose quote runs to the end of the input, and goes on reading at the next line that
    /// starts a well-formed row. `line` is where the row starts, `quote` the offset of the open quote.
    fn recover_from_open_quote(
        &mut self,
        line: u64,
        quote: u64,
        id: Option<String>,
    ) -> Result<Row, RowError> {
        let n_columns = self.columns.as_ref().map_or(1, |c| c.n_columns);
        let (row_start, bytes) = self.reader.get_mut().take_open_row();
        let quote_line = line
            + memchr::memchr_iter(
                b'\n',
                &bytes[..(quote.saturating_sub(row_start) as usize).min(bytes.len())],
            )
            .count() as u64;
        let mut resume = next_line_start(
            &bytes,
            (quote.saturating_sub(row_start) as usize).min(bytes.len()),
        );
        while let Some(at) = resume {
            if starts_well_formed_row(&bytes[at..], self.delimiter, n_columns) {
                break;
            }
            resume = next_line_start(&bytes, at);
        }
        let lines_before = |at: usize| memchr::memchr_iter(b'\n', &bytes[..at]).count() as u64;
        let last_line = line + lines_before(bytes.len()) - u64::from(bytes.ends_with(b"\n"));
        let opened = if quote_line == line {
            String::new()
        } else {
            format!(" (opened on line {quote_line})")
        };
        let message = match resume {
            Some(at) => {
                let resume_line = line + lines_before(at);
                // Candidate lines also start after a lone `\r`, which the line count does not; never below zero.
                let swallowed = resume_line.saturating_sub(quote_line + 1);
                let swallowed = match swallowed {
                    0 => "it swallowed no other line".to_string(),
                    1 => format!("it swallowed line {}", quote_line + 1),
                    n => format!(
                        "it swallowed {} (lines {}–{})",
                        lines(n),
                        quote_line + 1,
                        resume_line - 1
                    ),
                };
                let rest = bytes[at..].to_vec();
                let tracked = QuoteTracker::new(
                    Box::new(std::io::Cursor::new(rest)) as Box<dyn Read + Send>,
                    self.delimiter,
                    self.max_row_bytes,
                );
                self.reader = csv_reader(tracked, self.delimiter, false);
                self.line_offset = resume_line - 1;
                self.header_end = 0;
                format!(
                    "unterminated quote: a quoted field{opened} is never closed; {swallowed}, and reading \
                     resumes at line {resume_line}"
                )
            }
            None => {
                self.finished = true;
                let swallowed = last_line.saturating_sub(quote_line);
                match swallowed {
                    0 => format!(
                        "unterminated quote: a quoted field{opened} runs to the end of the input"
                    ),
                    n => format!(
                        "unterminated quote: a quoted field{opened} runs to the end of the input; it swallowed \
                         the last {} (lines {}–{last_line}), none of which starts a well-formed row",
                        lines(n),
                        quote_line + 1
                    ),
                }
            }
        };
        self.number += 1;
        Err(RowError {
            number: self.number,
            line,
            id: id.unwrap_or_else(|| self.number.to_string()),
            message,
        })
    }

    /// The row error that ends reading: nothing after it can be told apart.
    fn last_row(&mut self, line: u64, id: Option<String>, message: String) -> NextRow {
        self.finished = true;
        self.number += 1;
        Ok(Some(Err(RowError {
            number: self.number,
            line,
            id: id.unwrap_or_else(|| self.number.to_string()),
            message,
        })))
    }

    fn decode(&self, columns: &ColumnIndex, line: u64) -> Result<Row, RowError> {
        let number = self.number;
        let field = |index: usize, name: &str| -> Result<String, String> {
            let bytes = self.record.get(index).unwrap_or_default();
            self.decoder
                .decode(bytes)
                .map(|text| text.into_owned())
                .map_err(|why| format!("bad encoding: field '{name}' is {why}"))
        };
        let id = match columns.id {
            Some(index) => field(index, "id").unwrap_or_else(|_| number.to_string()),
            None => number.to_string(),
        };
        let fail = |message: String| RowError {
            number,
            line,
            id: id.clone(),
            message,
        };
        if self.record.len() != columns.n_columns {
            // A quoted field across lines with the wrong count is most often a stray quote that a later one
            // closed: name the lines it took, which are in this rejection and nowhere else.
            let newlines = self
                .record
                .iter()
                .flatten()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            let spans = match newlines {
                0 => String::new(),
                n => format!("; it spans lines {line}–{} (a quote left open?)", line + n),
            };
            return Err(fail(format!(
                "wrong field count: has {} fields, the header has {}{spans}",
                self.record.len(),
                columns.n_columns
            )));
        }
        let text = field(columns.text, "text").map_err(fail)?;
        let label = match &columns.label {
            Some((name, index)) => {
                let value = field(*index, name).map_err(fail)?;
                Some(checked_label(name, &value).map_err(fail)?)
            }
            None => None,
        };
        // The other columns go to the output as they are, so they must be readable too.
        let mut fields = Vec::with_capacity(columns.n_columns);
        for (index, name) in columns.names.iter().enumerate() {
            fields.push(if index == columns.text {
                text.clone()
            } else {
                field(index, name).map_err(fail)?
            });
        }
        let extra = columns
            .extra
            .iter()
            .map(|(name, index)| index.map(|i| field(i, name)).transpose())
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        Ok(Row {
            number,
            line,
            id,
            text,
            label,
            fields,
            extra,
        })
    }
}

impl CsvSource {
    /// Takes the blank lines whose line end comes before the byte `before`: rows of empty text in a one-column
    /// table (queued, numbered in order), counted otherwise. Returns the line after the last of them.
    fn take_blank_lines(&mut self, before: u64) -> Option<u64> {
        let one_column = self.columns.as_ref().is_some_and(|c| c.n_columns == 1);
        let mut line_after = None;
        while let Some((at, line)) = self.reader.get_mut().blank_line_before(before) {
            if at < self.header_end {
                continue;
            }
            let line = line + self.line_offset;
            line_after = Some(line + 1);
            if !one_column {
                self.blank_lines += 1;
                continue;
            }
            self.number += 1;
            self.queued.push_back(Ok(Row {
                number: self.number,
                line,
                id: self.number.to_string(),
                text: String::new(),
                label: None,
                // A one-column table's only field is its text.
                fields: vec![String::new()],
                extra: self
                    .columns
                    .as_ref()
                    .map_or_else(Vec::new, |c| vec![None; c.extra.len()]),
            }));
        }
        line_after
    }

    fn read_next(&mut self) -> NextRow {
        if self.finished || self.columns.is_none() {
            return Ok(None);
        }
        let line_before = self.reader.position().line() + self.line_offset;
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => {
                self.finished = true;
                self.take_blank_lines(u64::MAX);
                Ok(self.queued.pop_front())
            }
            Ok(true) => {
                // The record's position is where the previous one ended: blank lines in between come first.
                let (start, line) = self.record.position().map_or((0, line_before), |p| {
                    (p.byte(), p.line() + self.line_offset)
                });
                let end = self.reader.position().byte();
                self.take_blank_lines(end);
                let line = self
                    .reader
                    .get_mut()
                    .row_start_line_before(end)
                    .map_or(line, |start| start + self.line_offset);
                let Some(columns) = self.columns.as_ref() else {
                    return Ok(None);
                };
                let open_quote = self
                    .reader
                    .get_ref()
                    .unterminated_quote_at()
                    .filter(|&quote| quote >= start);
                let row = match open_quote {
                    Some(quote) => {
                        let id = columns
                            .id
                            .and_then(|i| self.decoder.decode(self.record.get(i)?).ok())
                            .map(|id| id.into_owned());
                        self.recover_from_open_quote(line, quote, id)
                    }
                    None => {
                        self.number += 1;
                        self.decode(columns, line)
                    }
                };
                self.queued.push_back(row);
                Ok(self.queued.pop_front())
            }
            Err(e) => match e.kind() {
                csv::ErrorKind::Io(_) if self.reader.get_ref().overlong() => self.last_row(
                    line_before,
                    None,
                    format!(
                        "row longer than {} MiB (an unterminated quote?): reading stopped here",
                        MAX_ROW_BYTES >> 20
                    ),
                ),
                csv::ErrorKind::Io(_) => Err(TriageError::BadInput {
                    path: self.path.clone(),
                    message: e.to_string(),
                }),
                _ => {
                    self.number += 1;
                    Ok(Some(Err(RowError {
                        number: self.number,
                        line: line_before,
                        id: self.number.to_string(),
                        message: e.to_string(),
                    })))
                }
            },
        }
    }
}

impl RecordSource for CsvSource {
    fn next_row(&mut self) -> NextRow {
        if let Some(row) = self.queued.pop_front() {
            return Ok(Some(row));
        }
        self.read_next()
    }

    fn progress(&self) -> (u64, Option<u64>) {
        (self.consumed.get(), self.total)
    }

    fn blank_lines(&self) -> u64 {
        self.blank_lines
    }

    fn is_empty_input(&self) -> bool {
        self.columns.is_none()
    }

    fn columns(&self) -> &[String] {
        self.columns.as_ref().map_or(&[], |c| &c.names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::encoding::EncodingChoice;

    fn source(bytes: &'static [u8], label: bool) -> Result<CsvSource, TriageError> {
        let path = Path::new("in.csv");
        let input = TextInput::from_reader(Box::new(bytes), path, EncodingChoice::Detect, None)?;
        CsvSource::open(
            input,
            path,
            &Columns {
                text: "text".into(),
                id: Some("id".into()),
                label: label.then(|| "label".into()),
                extra: Vec::new(),
            },
            b',',
        )
    }

    /// Owned bytes as an input whose encoding is detected.
    fn detected_input(bytes: Vec<u8>, path: &Path) -> TextInput {
        TextInput::from_reader(
            Box::new(std::io::Cursor::new(bytes)),
            path,
            EncodingChoice::Detect,
            None,
        )
        .unwrap()
    }

    fn rows_of(bytes: &[u8], text: &str, id: Option<&str>) -> Vec<Result<Row, RowError>> {
        let path = Path::new("in.csv");
        let columns = Columns {
            extra: Vec::new(),
            text: text.into(),
            id: id.map(str::to_string),
            label: None,
        };
        let mut source =
            CsvSource::open(detected_input(bytes.to_vec(), path), path, &columns, b',').unwrap();
        std::iter::from_fn(|| source.next_row().unwrap()).collect()
    }

    fn rows(bytes: &'static [u8], label: bool) -> Vec<Result<Row, RowError>> {
        let mut source = source(bytes, label).unwrap();
        std::iter::from_fn(|| source.next_row().unwrap()).collect()
    }

    #[test]
    fn a_missing_column_names_the_columns_that_exist() {
        let error = source(b"id,body\n1,x\n", false).err().unwrap().to_string();
        assert!(error.contains("no column named 'text'"), "{error}");
        assert!(error.contains("id, body"), "{error}");
    }

    #[test]
    fn invalid_utf8_names_the_row_and_field_and_reading_goes_on() {
        let rows = rows(b"id,text\n1,ok\n2,\xff\xfe\n3,fine\n", false);
        assert_eq!(rows.len(), 3);
        let error = rows[1].clone().unwrap_err();
        assert_eq!((error.number, error.line), (2, 3));
        assert!(error.message.contains("field 'text'"), "{}", error.message);
        assert_eq!(rows[2].clone().unwrap().text, "fine");
    }

    #[test]
    fn bom_is_stripped_and_ids_are_read() {
        let rows = rows(b"\xef\xbb\xbfid,text,label\nA7,hello,tax\n", true);
        let row = rows[0].clone().unwrap();
        assert_eq!(row.id, "A7");
        assert_eq!(row.label.as_deref(), Some("tax"));
    }

    #[test]
    fn wrong_field_count_and_empty_label_are_row_errors() {
        let rows = rows(b"id,text,label\n1,a\n2,b,\n", true);
        let message = |i: usize| rows[i].clone().unwrap_err().message;
        assert!(message(0).contains("has 2 fields"), "{}", message(0));
        assert!(message(1).contains("empty label"), "{}", message(1));
    }

    /// (number, line, id, Ok(text) or Err(message)) of every row.
    fn summary(rows: &[Result<Row, RowError>]) -> Vec<(u64, u64, String, Result<String, String>)> {
        rows.iter()
            .map(|row| match row {
                Ok(r) => (r.number, r.line, r.id.clone(), Ok(r.text.clone())),
                Err(e) => (e.number, e.line, e.id.clone(), Err(e.message.clone())),
            })
            .collect()
    }

    #[test]
    fn an_unterminated_quote_rejects_its_row_and_reading_resumes_at_the_next_line() {
        let rows = rows(b"id,text\n1,ok\n2,\"runs on\n3,c\n4,d\n5,e\n", false);
        let rows = summary(&rows);
        assert_eq!(rows.len(), 5, "{rows:?}");
        assert_eq!(rows[0], (1, 2, "1".into(), Ok("ok".into())));
        let (number, line, id, message) = rows[1].clone();
        assert_eq!((number, line, id.as_str()), (2, 3, "2"));
        let message = message.unwrap_err();
        assert!(message.contains("unterminated quote"), "{message}");
        assert!(message.contains("swallowed no other line"), "{message}");
        assert!(message.contains("resumes at line 4"), "{message}");
        assert_eq!(rows[2], (3, 4, "3".into(), Ok("c".into())));
        assert_eq!(rows[4], (5, 6, "5".into(), Ok("e".into())));
    }

    #[test]
    fn the_lines_an_unterminated_quote_swallowed_are_named() {
        let rows = rows(
            b"id,text\n1,\"opens\nnot a row\nnor this\n2,fine\n3,\n",
            false,
        );
        let rows = summary(&rows);
        assert_eq!(rows.len(), 3, "{rows:?}");
        let message = rows[0].3.clone().unwrap_err();
        assert!(
            message.contains("swallowed 2 lines (lines 3–4)"),
            "{message}"
        );
        assert!(message.contains("resumes at line 5"), "{message}");
        assert_eq!(rows[1], (2, 5, "2".into(), Ok("fine".into())));
        assert_eq!(rows[2], (3, 6, "3".into(), Ok(String::new())));
        // Nothing after the last broken row could be a row: it swallowed what followed, and says so.
        let rows = summary(&super::tests::rows(b"id,text\n1,\"x\ny\nz\n", false));
        assert_eq!(rows.len(), 1);
        let message = rows[0].3.clone().unwrap_err();
        assert!(
            message.contains("the last 2 lines (lines 3–4)"),
            "{message}"
        );
        // A later quote closes a stray one: one wrong row, which names the lines it took.
        let rows = summary(&super::tests::rows(
            b"id,text\n1,\"x\n2,y\n3,\"a\",b\n4,z\n",
            false,
        ));
        assert_eq!(rows.len(), 2, "{rows:?}");
        let message = rows[0].3.clone().unwrap_err();
        assert!(message.contains("spans lines 2–4"), "{message}");
        assert_eq!(rows[1], (2, 5, "4".into(), Ok("z".into())));
    }

    #[test]
    fn blank_lines_are_empty_rows_in_one_column_and_counted_in_wider_tables() {
        let one = summary(&rows_of(b"text\na\n\nb\n\n", "text", None));
        assert_eq!(
            one,
            [
                (1, 2, "1".into(), Ok("a".into())),
                (2, 3, "2".into(), Ok(String::new())),
                (3, 4, "3".into(), Ok("b".into())),
                (4, 5, "4".into(), Ok(String::new())),
            ]
        );
        let path = Path::new("in.csv");
        for bytes in [
            &b"id,text\n1,a\n\n\n2,b\n"[..],
            b"id,text\r\n1,a\r\n\r\n\r\n2,b\r\n",
        ] {
            let input = detected_input(bytes.to_vec(), path);
            let columns = Columns {
                extra: Vec::new(),
                text: "text".into(),
                id: Some("id".into()),
                label: None,
            };
            let mut source = CsvSource::open(input, path, &columns, b',').unwrap();
            let rows =
                summary(&std::iter::from_fn(|| source.next_row().unwrap()).collect::<Vec<_>>());
            assert_eq!(rows[1], (2, 5, "2".into(), Ok("b".into())), "{bytes:?}");
            assert_eq!(source.blank_lines(), 2, "{bytes:?}");
        }
    }

    #[test]
    fn a_row_past_the_limit_ends_reading_with_a_row_error() {
        let path = Path::new("in.csv");
        let mut bytes = b"id,text\n1,ok\n2,\"".to_vec();
        bytes.extend(std::iter::repeat_n(b'x', 5000));
        let input = detected_input(bytes, path);
        let columns = Columns {
            text: "text".into(),
            id: None,
            label: None,
            extra: Vec::new(),
        };
        let mut source = CsvSource::open_with_limit(input, path, &columns, b',', 1000).unwrap();
        assert_eq!(source.next_row().unwrap().unwrap().unwrap().text, "ok");
        let error = source.next_row().unwrap().unwrap().unwrap_err();
        assert_eq!(error.number, 2);
        assert!(
            error.message.contains("row longer than"),
            "{}",
            error.message
        );
        assert!(source.next_row().unwrap().is_none());
    }

    #[test]
    fn gbk_input_is_decoded_and_a_broken_row_is_a_row_error() {
        let (mut bytes, _, _) = encoding_rs::GBK.encode("id,text\n1,电费太高\n");
        let mut bytes = bytes.to_mut().clone();
        bytes.extend_from_slice(b"2,\x81\n");
        bytes.extend_from_slice(&encoding_rs::GBK.encode("3,银行抽贷\n").0);
        let path = Path::new("in.csv");
        let input = detected_input(bytes, path);
        assert_eq!(input.encoding, encoding_rs::GB18030);
        let columns = Columns {
            text: "text".into(),
            id: Some("id".into()),
            label: None,
            extra: Vec::new(),
        };
        let mut source = CsvSource::open(input, path, &columns, b',').unwrap();
        let rows: Vec<_> = std::iter::from_fn(|| source.next_row().unwrap()).collect();
        assert_eq!(rows[0].clone().unwrap().text, "电费太高");
        assert!(
            rows[1]
                .clone()
                .unwrap_err()
                .message
                .contains("bad encoding")
        );
        assert_eq!(rows[2].clone().unwrap().text, "银行抽贷");
    }

    #[test]
    fn utf16_with_a_bom_is_converted() {
        // Excel's "Unicode text": UTF-16LE, tab-separated.
        let mut bytes = vec![0xff, 0xfe];
        for unit in "id\ttext\n1\t电费太高\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let path = Path::new("in.txt");
        let input = detected_input(bytes, path);
        let columns = Columns {
            text: "text".into(),
            id: Some("id".into()),
            label: None,
            extra: Vec::new(),
        };
        let mut source = CsvSource::open(input, path, &columns, b'\t').unwrap();
        let row = source.next_row().unwrap().unwrap().unwrap();
        assert_eq!((row.id.as_str(), row.text.as_str()), ("1", "电费太高"));
    }

    #[test]
    fn an_empty_input_has_no_rows() {
        assert!(rows(b"", false).is_empty());
        assert!(rows(b"id,text\n", false).is_empty());
    }
}

#[cfg(test)]
mod fuzz_regressions {
    use super::*;
    use crate::io::encoding::EncodingChoice;

    /// A CSV source over a fuzz input, whose first byte is the fuzz target's own and not part of the file.
    fn fuzz_input_source(input: &[u8]) -> CsvSource {
        let path = Path::new("in.csv");
        let text = TextInput::from_reader(
            Box::new(std::io::Cursor::new(input[1..].to_vec())),
            path,
            EncodingChoice::Detect,
            None,
        )
        .unwrap();
        let columns = Columns {
            extra: Vec::new(),
            text: "text".into(),
            id: Some("id".into()),
            label: None,
        };
        CsvSource::open(text, path, &columns, b',').unwrap()
    }

    /// Found by fuzzing: line numbers went back. Rows are numbered without gaps and lines never go back.
    #[test]
    fn line_numbers_never_go_back() {
        let input = include_bytes!("../../tests/fixtures/fuzz/csv_line_numbers");
        let mut source = fuzz_input_source(input);
        let lines: Vec<(u64, u64)> = std::iter::from_fn(|| source.next_row().unwrap())
            .map(|row| match row {
                Ok(r) => (r.number, r.line),
                Err(e) => (e.number, e.line),
            })
            .collect();
        assert!(
            lines
                .windows(2)
                .all(|w| w[1].1 >= w[0].1 && w[1].0 == w[0].0 + 1),
            "{lines:?}"
        );
    }

    /// Found by fuzzing: lone `\r` line ends made the count of lines a broken quote swallowed go below zero
    /// (a panic in a checked build). Every row is still read or rejected.
    #[test]
    fn lone_carriage_returns_do_not_overflow_the_swallowed_count() {
        let input = include_bytes!("../../tests/fixtures/fuzz/csv_lone_cr_overflow");
        let mut source = fuzz_input_source(input);
        let rows: Vec<_> = std::iter::from_fn(|| source.next_row().unwrap()).collect();
        assert!(!rows.is_empty());
        for row in rows.iter().filter_map(|r| r.as_ref().err()) {
            assert!(!row.message.contains("swallowed 1844"), "{}", row.message);
        }
    }
}
