//! CSV input: a file or `-` for standard input, UTF-8 with or without BOM.

use crate::error::TriageError;
use std::io::Read;
use std::path::{Path, PathBuf};

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
    pub number: u64,
    pub id: String,
    pub text: String,
    pub label: Option<String>,
}

/// A data row that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub number: u64,
    /// The id, when it could be read.
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

pub struct TableReader {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read>>,
    text_index: usize,
    id_index: Option<usize>,
    label: Option<(String, usize)>,
    n_columns: usize,
    record: csv::ByteRecord,
    number: u64,
}

/// Opens a file, or standard input for `-`.
pub fn open_input(path: &Path) -> Result<Box<dyn Read>, TriageError> {
    if path.as_os_str() == "-" {
        Ok(Box::new(std::io::stdin().lock()))
    } else {
        let file = std::fs::File::open(path).map_err(|e| TriageError::io(path, e))?;
        Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, file)))
    }
}

impl TableReader {
    /// Opens a CSV table and finds the columns; a missing column is an error naming the columns that exist.
    pub fn open(path: &Path, columns: &Columns) -> Result<Self, TriageError> {
        Self::from_reader(open_input(path)?, path, columns)
    }

    pub fn from_reader(
        input: Box<dyn Read>,
        path: &Path,
        columns: &Columns,
    ) -> Result<Self, TriageError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let headers = reader
            .byte_headers()
            .map_err(|e| TriageError::BadInput {
                path: path.to_path_buf(),
                message: format!("cannot read the header: {e}"),
            })?
            .clone();
        let names: Vec<String> = headers
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .collect();
        let find = |column: &str| names.iter().position(|n| n == column);
        let require = |column: &str| {
            find(column).ok_or_else(|| TriageError::MissingColumn {
                path: path.to_path_buf(),
                column: column.to_string(),
                available: names.clone(),
            })
        };
        let text_index = require(&columns.text)?;
        let label = match &columns.label {
            Some(name) => Some((name.clone(), require(name)?)),
            None => None,
        };
        let id_index = columns.id.as_deref().and_then(find);
        Ok(TableReader {
            path: path.to_path_buf(),
            reader,
            text_index,
            id_index,
            label,
            n_columns: names.len(),
            record: csv::ByteRecord::new(),
            number: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next row; `Ok(None)` at the end. A broken row is `Ok(Some(Err(..)))`; only an unreadable stream is
    /// `Err`.
    pub fn next_row(&mut self) -> Result<Option<Result<Row, RowError>>, TriageError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                self.number += 1;
                Ok(Some(self.decode()))
            }
            Err(e) => {
                self.number += 1;
                match e.kind() {
                    csv::ErrorKind::Io(_) => Err(TriageError::BadInput {
                        path: self.path.clone(),
                        message: e.to_string(),
                    }),
                    _ => Ok(Some(Err(RowError {
                        number: self.number,
                        id: self.number.to_string(),
                        message: e.to_string(),
                    }))),
                }
            }
        }
    }

    fn decode(&self) -> Result<Row, RowError> {
        let number = self.number;
        let field = |index: usize, name: &str| -> Result<String, String> {
            let bytes = self.record.get(index).unwrap_or_default();
            std::str::from_utf8(bytes).map(str::to_string).map_err(|e| {
                format!(
                    "field '{name}' is not valid UTF-8 (byte {})",
                    e.valid_up_to()
                )
            })
        };
        let id = match self.id_index {
            Some(index) => field(index, "id").unwrap_or_else(|_| number.to_string()),
            None => number.to_string(),
        };
        let fail = |message: String| RowError {
            number,
            id: id.clone(),
            message,
        };
        if self.record.len() != self.n_columns {
            return Err(fail(format!(
                "has {} fields, the header has {}",
                self.record.len(),
                self.n_columns
            )));
        }
        let text = field(self.text_index, "text").map_err(fail)?;
        let label = match &self.label {
            Some((name, index)) => {
                let value = field(*index, name).map_err(fail)?;
                let value = value.trim().to_string();
                if value.is_empty() {
                    return Err(fail(format!("empty label in column '{name}'")));
                }
                Some(value)
            }
            None => None,
        };
        Ok(Row {
            number,
            id,
            text,
            label,
        })
    }
}

impl Iterator for TableReader {
    type Item = Result<Result<Row, RowError>, TriageError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &'static [u8], label: bool) -> Result<TableReader, TriageError> {
        TableReader::from_reader(
            Box::new(bytes),
            Path::new("in.csv"),
            &Columns {
                text: "text".into(),
                id: Some("id".into()),
                label: label.then(|| "label".into()),
            },
        )
    }

    #[test]
    fn a_missing_column_names_the_columns_that_exist() {
        let error = reader(b"id,body\n1,x\n", false).err().unwrap().to_string();
        assert!(error.contains("no column named 'text'"), "{error}");
        assert!(error.contains("id, body"), "{error}");
    }

    #[test]
    fn invalid_utf8_names_the_row_and_field_and_reading_goes_on() {
        let rows: Vec<_> = reader(b"id,text\n1,ok\n2,\xff\xfe\n3,fine\n", false)
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(rows.len(), 3);
        let error = rows[1].clone().unwrap_err();
        assert_eq!(error.number, 2);
        assert!(error.message.contains("field 'text'"), "{}", error.message);
        assert_eq!(rows[2].clone().unwrap().text, "fine");
    }

    #[test]
    fn bom_is_stripped_and_ids_are_read() {
        let rows: Vec<_> = reader(b"\xef\xbb\xbfid,text,label\nA7,hello,tax\n", true)
            .unwrap()
            .map(|r| r.unwrap().unwrap())
            .collect();
        assert_eq!(rows[0].id, "A7");
        assert_eq!(rows[0].label.as_deref(), Some("tax"));
    }

    #[test]
    fn wrong_field_count_and_empty_label_are_row_errors() {
        let rows: Vec<_> = reader(b"id,text,label\n1,a\n2,b,\n", true)
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert!(
            rows[0]
                .clone()
                .unwrap_err()
                .message
                .contains("has 2 fields")
        );
        assert!(rows[1].clone().unwrap_err().message.contains("empty label"));
    }
}
