//! Rows as CSV or TSV: a header row, then one record per row, quoted where needed. Decisions, and the rejects
//! file, are written with it.

use super::destination::{Destination, csv_io_error};
use super::sink::DecisionSink;
use crate::error::TriageError;

pub struct CsvSink {
    writer: csv::Writer<Destination>,
}

impl CsvSink {
    pub fn new(
        destination: Destination,
        delimiter: u8,
        header: &[&str],
    ) -> Result<Self, TriageError> {
        let mut sink = CsvSink {
            writer: csv::WriterBuilder::new()
                .delimiter(delimiter)
                .buffer_capacity(1 << 16)
                .from_writer(destination),
        };
        sink.write(header)?;
        Ok(sink)
    }

    pub fn write<T: AsRef<[u8]>>(&mut self, fields: &[T]) -> Result<(), TriageError> {
        self.writer
            .write_record(fields)
            .map_err(|e| self.writer.get_ref().error(csv_io_error(e)))
    }

    /// Writes what is buffered and puts a file in place.
    pub fn commit(mut self) -> Result<(), TriageError> {
        self.writer
            .flush()
            .map_err(|e| self.writer.get_ref().error(e))?;
        let destination = self.writer.into_inner().map_err(|e| {
            let error = std::io::Error::new(e.error().kind(), e.error().to_string());
            e.into_inner().get_ref().error(error)
        })?;
        destination.commit()
    }
}

impl DecisionSink for CsvSink {
    fn write_row(&mut self, fields: &[String]) -> Result<(), TriageError> {
        self.write(fields)
    }

    fn flush(&mut self) -> Result<(), TriageError> {
        self.writer
            .flush()
            .map_err(|e| self.writer.get_ref().error(e))
    }

    fn finish(self: Box<Self>) -> Result<(), TriageError> {
        (*self).commit()
    }
}
