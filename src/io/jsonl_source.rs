//! JSON Lines input: one JSON object per line, the columns being its keys.
//!
//! Blank lines are not rows (they are counted for the summary); every other line is a row or a [`RowError`]
//! (bad encoding, not JSON, not an object, no text field, longer than [`MAX_ROW_BYTES`]), and reading goes on
//! at the next line. A rejected line keeps its id whenever the id can still be read, even from broken JSON. A text that
//! is JSON `null` is empty text; a number or boolean is taken as written. When the first object lacks the text
//! column the input is refused at once, naming the keys it has, rather than rejecting every row.
//!
//! The input's columns ([`RecordSource::columns`]) are the keys of the first line's object, in alphabetical
//! order (serde_json's map): a row's [`Row::fields`] are its values for those keys (empty when missing, JSON text
//! for a nested value); keys that only later lines have are not among them.

use super::encoding::FieldDecoder;
use super::record::{Columns, MAX_ROW_BYTES, NextRow, RecordSource, Row, RowError, checked_label};
use super::text_input::{ByteCount, TextInput};
use crate::error::TriageError;
use serde_json::{Map, Value};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

type Object = Map<String, Value>;

pub struct JsonlSource {
    path: PathBuf,
    reader: BufReader<Box<dyn Read + Send>>,
    decoder: FieldDecoder,
    columns: Columns,
    line: Vec<u8>,
    line_number: u64,
    number: u64,
    blank_lines: u64,
    /// The id of the last line read, when it could be read (for a rejected line).
    salvaged_id: Option<String>,
    max_row_bytes: u64,
    /// The first row, read early to check the columns.
    pending: Option<Result<Row, RowError>>,
    /// The first object's keys.
    names: Vec<String>,
    consumed: ByteCount,
    total: Option<u64>,
}

/// Why a line is not a row, and, for a well-formed object, the keys it has.
struct Rejected {
    message: String,
    keys: Option<Vec<String>>,
}

impl JsonlSource {
    pub fn open(input: TextInput, path: &Path, columns: &Columns) -> Result<Self, TriageError> {
        Self::open_with_limit(input, path, columns, MAX_ROW_BYTES)
    }

    pub(crate) fn open_with_limit(
        input: TextInput,
        path: &Path,
        columns: &Columns,
        max_row_bytes: u64,
    ) -> Result<Self, TriageError> {
        let mut source = JsonlSource {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(1 << 16, input.reader),
            decoder: input.decoder,
            columns: columns.clone(),
            line: Vec::new(),
            line_number: 0,
            number: 0,
            blank_lines: 0,
            salvaged_id: None,
            max_row_bytes,
            pending: None,
            names: Vec::new(),
            consumed: input.consumed,
            total: input.total,
        };
        if let Some(first) = source.read_row()? {
            if let Err(Rejected {
                keys: Some(keys), ..
            }) = &first
            {
                let missing = std::iter::once(&columns.text)
                    .chain(&columns.label)
                    .find(|c| !keys.contains(c));
                if let Some(column) = missing {
                    return Err(TriageError::MissingColumn {
                        path: path.to_path_buf(),
                        column: column.clone(),
                        available: keys.clone(),
                    });
                }
            }
            // The first object's keys are the columns; its fields are taken again under them.
            let first = match first {
                Ok(_) => {
                    if let Ok(Value::Object(object)) = source.object() {
                        source.names = object.keys().cloned().collect();
                    }
                    source.parse()
                }
                rejected => rejected,
            };
            source.pending = Some(source.account(first));
        }
        Ok(source)
    }

    /// Reads the next non-blank line into `self.line`; `false` at the end.
    fn read_line(&mut self) -> Result<Option<bool>, TriageError> {
        loop {
            self.line.clear();
            let limit = self.max_row_bytes + 1;
            let n = (&mut self.reader)
                .take(limit)
                .read_until(b'\n', &mut self.line)
                .map_err(|e| TriageError::io(&self.path, e))?;
            if n == 0 {
                return Ok(None);
            }
            self.line_number += 1;
            if self.line.len() as u64 >= limit && self.line.last() != Some(&b'\n') {
                self.skip_rest_of_line()?;
                return Ok(Some(false));
            }
            if !self.line.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some(true));
            }
            self.blank_lines += 1;
        }
    }

    fn skip_rest_of_line(&mut self) -> Result<(), TriageError> {
        loop {
            let buffer = self
                .reader
                .fill_buf()
                .map_err(|e| TriageError::io(&self.path, e))?;
            if buffer.is_empty() {
                return Ok(());
            }
            match memchr::memchr(b'\n', buffer) {
                Some(i) => {
                    self.reader.consume(i + 1);
                    return Ok(());
                }
                None => {
                    let n = buffer.len();
                    self.reader.consume(n);
                }
            }
        }
    }

    fn read_row(&mut self) -> Result<Option<Result<Row, Rejected>>, TriageError> {
        self.salvaged_id = None;
        Ok(match self.read_line()? {
            None => None,
            Some(false) => {
                self.number += 1;
                Some(Err(Rejected {
                    message: format!("row longer than {} MiB", self.max_row_bytes >> 20),
                    keys: None,
                }))
            }
            Some(true) => {
                self.number += 1;
                let row = self.parse();
                if row.is_err() {
                    self.salvaged_id = self.salvage_id();
                }
                Some(row)
            }
        })
    }

    /// The current line as JSON.
    fn object(&self) -> Result<Value, Rejected> {
        let plain = |message: String| Rejected {
            message,
            keys: None,
        };
        let text = self
            .decoder
            .decode(&self.line)
            .map_err(|why| plain(format!("bad encoding: the line is {why}")))?;
        serde_json::from_str(&text).map_err(|e| plain(format!("not valid JSON: {e}")))
    }

    fn parse(&self) -> Result<Row, Rejected> {
        let plain = |message: String| Rejected {
            message,
            keys: None,
        };
        let object: Object = match self.object()? {
            Value::Object(object) => object,
            _ => return Err(plain("not a JSON object".into())),
        };
        let keyed = |message: String| Rejected {
            message,
            keys: Some(object.keys().cloned().collect()),
        };
        let field = |name: &str| -> Result<String, Rejected> {
            match object.get(name) {
                None => Err(keyed(format!("no field '{name}'"))),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(Value::Null) => Ok(String::new()),
                Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(v.to_string()),
                Some(_) => Err(plain(format!("field '{name}' is not text"))),
            }
        };
        let id = match &self.columns.id {
            Some(name) if object.contains_key(name) => {
                field(name).unwrap_or_else(|_| self.number.to_string())
            }
            _ => self.number.to_string(),
        };
        let text = field(&self.columns.text)?;
        let label = match &self.columns.label {
            Some(name) => Some(checked_label(name, &field(name)?).map_err(plain)?),
            None => None,
        };
        let fields = self
            .names
            .iter()
            .map(|name| match object.get(name) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            })
            .collect();
        Ok(Row {
            number: self.number,
            line: self.line_number,
            id,
            text,
            label,
            fields,
        })
    }

    /// The id of a line that is not a row, if it can still be read: the value after the first `"id":` key (as
    /// a JSON string or number), whatever follows it. The line may be broken JSON.
    fn salvage_id(&self) -> Option<String> {
        let name = self.columns.id.as_deref()?;
        let text = self.decoder.decode_lossy(&self.line);
        let key = serde_json::to_string(name).ok()?;
        let mut rest = &text[..];
        while let Some(at) = rest.find(&key) {
            rest = &rest[at + key.len()..];
            let Some(value) = rest.trim_start().strip_prefix(':') else {
                continue;
            };
            let mut values = serde_json::Deserializer::from_str(value).into_iter::<Value>();
            return match values.next()? {
                Ok(Value::String(id)) => Some(id),
                Ok(Value::Number(id)) => Some(id.to_string()),
                _ => None,
            };
        }
        None
    }

    /// A row, or the row error that accounts for it.
    fn account(&self, row: Result<Row, Rejected>) -> Result<Row, RowError> {
        row.map_err(|rejected| RowError {
            number: self.number,
            line: self.line_number,
            id: self
                .salvaged_id
                .clone()
                .unwrap_or_else(|| self.number.to_string()),
            message: rejected.message,
        })
    }
}

impl RecordSource for JsonlSource {
    fn next_row(&mut self) -> NextRow {
        if let Some(first) = self.pending.take() {
            return Ok(Some(first));
        }
        Ok(self.read_row()?.map(|row| self.account(row)))
    }

    fn progress(&self) -> (u64, Option<u64>) {
        (self.consumed.get(), self.total)
    }

    fn blank_lines(&self) -> u64 {
        self.blank_lines
    }

    fn is_empty_input(&self) -> bool {
        self.number == 0 && self.pending.is_none()
    }

    fn columns(&self) -> &[String] {
        &self.names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::encoding::EncodingChoice;

    fn source(bytes: Vec<u8>, max: u64) -> Result<JsonlSource, TriageError> {
        let path = Path::new("in.jsonl");
        let input = TextInput::from_reader(
            Box::new(std::io::Cursor::new(bytes)),
            path,
            EncodingChoice::Detect,
            None,
        )?;
        let columns = Columns {
            text: "text".into(),
            id: Some("id".into()),
            label: None,
        };
        JsonlSource::open_with_limit(input, path, &columns, max)
    }

    fn rows(bytes: &[u8], max: u64) -> Vec<Result<Row, RowError>> {
        let mut source = source(bytes.to_vec(), max).unwrap();
        std::iter::from_fn(|| source.next_row().unwrap()).collect()
    }

    #[test]
    fn every_line_is_a_row_or_a_row_error() {
        let input = "{\"id\":\"A1\",\"text\":\"电费太高\"}\n\n{\"id\":7,\"text\":null}\nnot json\n[1]\n\
                     {\"id\":\"A4\",\"body\":\"x\"}\n{\"text\":\"银行抽贷\"}";
        let rows = rows(input.as_bytes(), 1 << 20);
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[0].clone().unwrap().text, "电费太高");
        let second = rows[1].clone().unwrap();
        assert_eq!((second.id.as_str(), second.text.as_str()), ("7", ""));
        let error = rows[2].clone().unwrap_err();
        assert_eq!((error.number, error.line), (3, 4));
        assert!(error.message.contains("not valid JSON"));
        assert!(
            rows[3]
                .clone()
                .unwrap_err()
                .message
                .contains("not a JSON object")
        );
        assert!(
            rows[4]
                .clone()
                .unwrap_err()
                .message
                .contains("no field 'text'")
        );
        let last = rows[5].clone().unwrap();
        assert_eq!((last.id.as_str(), last.number), ("6", 6));
    }

    #[test]
    fn a_rejected_line_keeps_its_id_when_it_can_be_read() {
        let input = "{\"id\":\"J1\",\"text\":\"电费\"}\n\n{\"id\":\"J4\", \"text\": \"x\n\
                     {\"id\": 17, \"body\": 1}\n{\"text\": [1], \"id\" : \"J9\"}\n{\"id\":\n";
        let mut source = source(input.as_bytes().to_vec(), 1 << 20).unwrap();
        let rows: Vec<_> = std::iter::from_fn(|| source.next_row().unwrap()).collect();
        let ids: Vec<String> = rows
            .iter()
            .map(|r| match r {
                Ok(row) => row.id.clone(),
                Err(error) => error.id.clone(),
            })
            .collect();
        assert_eq!(ids, ["J1", "J4", "17", "J9", "5"]);
        assert_eq!(source.blank_lines(), 1);
    }

    #[test]
    fn a_first_object_without_the_text_column_is_refused() {
        let error = source(b"{\"id\":1,\"body\":\"x\"}\n".to_vec(), 1 << 20)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("no column named 'text'"), "{error}");
        assert!(error.contains("body") && error.contains("id"), "{error}");
    }

    #[test]
    fn an_overlong_line_is_rejected_and_reading_goes_on() {
        let mut input = format!("{{\"text\":\"{}\"}}\n", "x".repeat(500)).into_bytes();
        input.extend_from_slice(b"{\"text\":\"ok\"}\n");
        let rows = rows(&input, 100);
        assert!(rows[0].clone().unwrap_err().message.contains("row longer"));
        assert_eq!(rows[1].clone().unwrap().text, "ok");
    }

    #[test]
    fn gbk_lines_are_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("{\"text\":\"城镇土地使用税\"}\n");
        assert_eq!(
            rows(&bytes, 1 << 20)[0].clone().unwrap().text,
            "城镇土地使用税"
        );
    }
}
