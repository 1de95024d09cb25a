//! The rejects file (`--rejects FILE`): one CSV line per input row that got no decision, with its row number,
//! where to find it in the input, its id and the reason, so that every row is accounted for.

use super::destination::{Destination, csv_io_error};
use crate::error::TriageError;
use std::path::Path;

pub const REJECT_COLUMNS: [&str; 4] = ["row", "line", "id", "reason"];

pub struct RejectsFile {
    writer: csv::Writer<Destination>,
}

impl RejectsFile {
    /// Creates the file with its header; it is put in place by [`RejectsFile::finish`], even when empty.
    pub fn create(path: &Path) -> Result<Self, TriageError> {
        let mut file = RejectsFile {
            writer: csv::Writer::from_writer(Destination::create(path)?),
        };
        file.write_fields(&REJECT_COLUMNS)?;
        Ok(file)
    }

    pub fn write(
        &mut self,
        row: u64,
        line: u64,
        id: &str,
        reason: &str,
    ) -> Result<(), TriageError> {
        self.write_fields(&[&row.to_string(), &line.to_string(), id, reason])
    }

    fn write_fields(&mut self, fields: &[&str]) -> Result<(), TriageError> {
        self.writer
            .write_record(fields)
            .map_err(|e| self.writer.get_ref().error(csv_io_error(e)))
    }

    pub fn finish(self) -> Result<(), TriageError> {
        let destination = self.writer.into_inner().map_err(|e| {
            let error = std::io::Error::new(e.error().kind(), e.error().to_string());
            e.into_inner().get_ref().error(error)
        })?;
        destination.commit()
    }
}
