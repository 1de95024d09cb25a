//! Rows as CSV or TSV: a header row, then one record per row, quoted where needed. Decisions, and the rejects
//! file, are written with it.
//!
//! For Excel on a Chinese PC a UTF-8 file starts with a byte-order mark (without one Excel reads it in the
//! PC's code page and shows mojibake); for systems that import GB18030 or GBK the records are encoded on the
//! way out, and a character the encoding lacks stops the run with the row and column, never a replacement.

use super::destination::{Destination, csv_io_error};
use super::sink::{DecisionSink, SinkOptions};
use crate::error::TriageError;
use encoding_rs::{Encoding, UTF_8};
use std::io::Write;

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

pub struct CsvSink {
    target: Target,
}

enum Target {
    /// UTF-8, written straight through.
    Plain(csv::Writer<Destination>),
    /// Another encoding: each record is written to a buffer, encoded, and the bytes kept until written on.
    Encoded(Encoded),
}

struct Encoded {
    destination: Destination,
    encoding: &'static Encoding,
    delimiter: u8,
    record: csv::Writer<Vec<u8>>,
    /// How much of `record`'s buffer has been encoded.
    encoded_up_to: usize,
    names: Vec<String>,
    /// Data rows written.
    rows: u64,
    /// Encoded records not yet written to the destination.
    pending: Vec<u8>,
}

fn record_writer(delimiter: u8, buffer: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(delimiter)
        .buffer_capacity(1 << 12)
        .from_writer(buffer)
}

impl CsvSink {
    /// UTF-8 without a byte-order mark (the rejects file, standard output).
    pub fn new(
        destination: Destination,
        delimiter: u8,
        header: &[&str],
    ) -> Result<Self, TriageError> {
        let options = SinkOptions {
            bom: false,
            ..SinkOptions::default()
        };
        Self::with_options(destination, delimiter, header, &options)
    }

    pub fn with_options(
        mut destination: Destination,
        delimiter: u8,
        header: &[&str],
        options: &SinkOptions,
    ) -> Result<Self, TriageError> {
        let encoding = options.encoding.unwrap_or(UTF_8);
        if encoding.output_encoding() != encoding {
            return Err(TriageError::InvalidParameter(format!(
                "cannot write {}: choose utf-8, gb18030 or gbk",
                encoding.name()
            )));
        }
        let target = if encoding == UTF_8 {
            if options.bom && !destination.is_stdout() {
                destination
                    .write_all(UTF8_BOM)
                    .map_err(|e| destination.error(e))?;
            }
            Target::Plain(
                csv::WriterBuilder::new()
                    .delimiter(delimiter)
                    .buffer_capacity(1 << 16)
                    .from_writer(destination),
            )
        } else {
            Target::Encoded(Encoded {
                destination,
                encoding,
                delimiter,
                record: record_writer(delimiter, Vec::with_capacity(1 << 12)),
                encoded_up_to: 0,
                names: header.iter().map(|n| n.to_string()).collect(),
                rows: 0,
                pending: Vec::with_capacity(1 << 16),
            })
        };
        let mut sink = CsvSink { target };
        sink.write(header)?;
        if let Target::Encoded(encoded) = &mut sink.target {
            encoded.rows = 0;
        }
        Ok(sink)
    }

    pub fn write<T: AsRef<[u8]>>(&mut self, fields: &[T]) -> Result<(), TriageError> {
        match &mut self.target {
            Target::Plain(writer) => writer
                .write_record(fields)
                .map_err(|e| writer.get_ref().error(csv_io_error(e))),
            Target::Encoded(encoded) => encoded.write(fields),
        }
    }

    /// Writes what is buffered and puts a file in place.
    pub fn commit(self) -> Result<(), TriageError> {
        let destination = match self.target {
            Target::Plain(mut writer) => {
                writer.flush().map_err(|e| writer.get_ref().error(e))?;
                writer.into_inner().map_err(|e| {
                    let error = std::io::Error::new(e.error().kind(), e.error().to_string());
                    e.into_inner().get_ref().error(error)
                })?
            }
            Target::Encoded(mut encoded) => {
                encoded.write_pending()?;
                encoded.destination
            }
        };
        destination.commit()
    }
}

impl Encoded {
    fn write<T: AsRef<[u8]>>(&mut self, fields: &[T]) -> Result<(), TriageError> {
        let destination = &self.destination;
        self.record
            .write_record(fields)
            .and_then(|()| self.record.flush().map_err(csv::Error::from))
            .map_err(|e| destination.error(csv_io_error(e)))?;
        let written = &self.record.get_ref()[self.encoded_up_to..];
        let utf8 = String::from_utf8_lossy(written);
        let (bytes, _, unmappable) = self.encoding.encode(&utf8);
        if unmappable {
            return Err(TriageError::BadRow {
                path: destination.path().to_path_buf(),
                row: self.rows + 1,
                message: unencodable(self.encoding, &self.names, fields),
            });
        }
        self.pending.extend_from_slice(&bytes);
        self.encoded_up_to += written.len();
        self.rows += 1;
        // The record buffer is started afresh now and then, so that it does not grow with the output.
        if self.encoded_up_to >= 1 << 16 {
            let writer =
                std::mem::replace(&mut self.record, record_writer(self.delimiter, Vec::new()));
            let mut buffer = writer.into_inner().unwrap_or_default();
            buffer.clear();
            self.record = record_writer(self.delimiter, buffer);
            self.encoded_up_to = 0;
        }
        if self.pending.len() >= 1 << 16 {
            self.write_pending()?;
        }
        Ok(())
    }

    /// Passes encoded records on to the destination.
    fn write_pending(&mut self) -> Result<(), TriageError> {
        let result = self.destination.write_all(&self.pending);
        self.pending.clear();
        result
            .and_then(|()| self.destination.flush())
            .map_err(|e| self.destination.error(e))
    }
}

/// Which field of a record holds the first character `encoding` cannot encode, and which character.
fn unencodable<T: AsRef<[u8]>>(
    encoding: &'static Encoding,
    names: &[String],
    fields: &[T],
) -> String {
    for (index, field) in fields.iter().enumerate() {
        let text = String::from_utf8_lossy(field.as_ref());
        let mut buffer = [0u8; 4];
        if let Some(c) = text
            .chars()
            .find(|c| encoding.encode(c.encode_utf8(&mut buffer)).2)
        {
            let column = names.get(index).map_or("?", String::as_str);
            let id = names
                .iter()
                .position(|n| n == "id")
                .and_then(|i| fields.get(i))
                .map(|id| format!(" (id {})", String::from_utf8_lossy(id.as_ref())))
                .unwrap_or_default();
            return format!(
                "column '{column}'{id}: the character '{c}' (U+{:04X}) cannot be written in {}; \
                 use --output-encoding gb18030 or utf-8",
                c as u32,
                encoding.name()
            );
        }
    }
    format!("a character cannot be written in {}", encoding.name())
}

impl DecisionSink for CsvSink {
    fn write_row(&mut self, fields: &[String]) -> Result<(), TriageError> {
        self.write(fields)
    }

    fn flush(&mut self) -> Result<(), TriageError> {
        match &mut self.target {
            Target::Plain(writer) => writer.flush().map_err(|e| writer.get_ref().error(e)),
            Target::Encoded(encoded) => encoded.write_pending(),
        }
    }

    fn finish(self: Box<Self>) -> Result<(), TriageError> {
        (*self).commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_unencodable_character_is_named_with_its_column_and_id() {
        let names = ["id", "text"].map(String::from);
        let message = unencodable(encoding_rs::GBK, &names, &["A7", "营业执照😀办理"]);
        assert!(message.contains("column 'text' (id A7)"), "{message}");
        assert!(message.contains("U+1F600"), "{message}");
    }
}
