//! CSV and TSV input with a header row, in UTF-8 (with or without BOM), GB18030/GBK or any encoding
//! [`TextInput`] opens.
//!
//! Records are split on the raw bytes and each wanted field is decoded on its own, so a row in a bad encoding
//! is a row error and the rows around it are read as usual. Every record is accounted for: a wrong field count,
//! a field not valid in the encoding, an unterminated quote (found by [`QuoteTracker`]) and a row over
//! [`MAX_ROW_BYTES`] are [`RowError`]s. After the last two nothing more can be split into rows, so reading
//! stops there. This module does not decide what becomes of a row.

use super::encoding::FieldDecoder;
use super::quote_tracker::QuoteTracker;
use super::record::{
    ColumnIndex, Columns, MAX_ROW_BYTES, NextRow, RecordSource, Row, RowError, checked_label,
};
use super::text_input::{ByteCount, TextInput};
use crate::error::TriageError;
use std::io::Read;
use std::path::{Path, PathBuf};

pub struct CsvSource {
    path: PathBuf,
    reader: csv::Reader<QuoteTracker<Box<dyn Read + Send>>>,
    decoder: FieldDecoder,
    columns: Option<ColumnIndex>,
    record: csv::ByteRecord,
    number: u64,
    finished: bool,
    consumed: ByteCount,
    total: Option<u64>,
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
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(tracked);
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
        Ok(CsvSource {
            path: path.to_path_buf(),
            reader,
            decoder: input.decoder,
            finished: columns.is_none(),
            columns,
            record: csv::ByteRecord::new(),
            number: 0,
            consumed: input.consumed,
            total: input.total,
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
            return Err(fail(format!(
                "wrong field count: has {} fields, the header has {}",
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
            extra,
        })
    }
}

impl RecordSource for CsvSource {
    fn next_row(&mut self) -> NextRow {
        let Some(columns) = self.columns.as_ref().filter(|_| !self.finished) else {
            return Ok(None);
        };
        let line_before = self.reader.position().line();
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let (start, line) = self
                    .record
                    .position()
                    .map_or((0, line_before), |p| (p.byte(), p.line()));
                if let Some(quote) = self.reader.get_ref().unterminated_quote_at()
                    && quote >= start
                {
                    let id = columns
                        .id
                        .and_then(|i| self.decoder.decode(self.record.get(i)?).ok())
                        .map(|id| id.into_owned());
                    return self.last_row(
                        line,
                        id,
                        "unterminated quote: a quoted field in this row runs to the end of the input, \
                         so the rows after it cannot be told apart"
                            .to_string(),
                    );
                }
                self.number += 1;
                Ok(Some(self.decode(columns, line)))
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

    fn progress(&self) -> (u64, Option<u64>) {
        (self.consumed.get(), self.total)
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

    #[test]
    fn an_unterminated_quote_is_the_last_row() {
        let rows = rows(b"id,text\n1,ok\n2,\"runs on\n3,swallowed\n", false);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].clone().unwrap().text, "ok");
        let error = rows[1].clone().unwrap_err();
        assert_eq!((error.number, error.line), (2, 3));
        assert!(error.message.contains("unterminated quote"));
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
