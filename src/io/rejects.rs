//! The rejects file (`--rejects FILE`): one CSV line per input row that got no decision, with its row number,
//! where to find it in the input, its id and the reason, so that every row is accounted for.

use super::csv_sink::CsvSink;
use super::destination::Destination;
use crate::error::TriageError;
use std::path::Path;

pub const REJECT_COLUMNS: [&str; 4] = ["row", "line", "id", "reason"];

pub struct RejectsFile {
    sink: CsvSink,
}

impl RejectsFile {
    /// Creates the file with its header; it is put in place by [`RejectsFile::finish`], even when empty.
    pub fn create(path: &Path) -> Result<Self, TriageError> {
        Ok(RejectsFile {
            sink: CsvSink::new(Destination::create(path)?, b',', &REJECT_COLUMNS)?,
        })
    }

    pub fn write(
        &mut self,
        row: u64,
        line: u64,
        id: &str,
        reason: &str,
    ) -> Result<(), TriageError> {
        self.sink
            .write(&[&row.to_string(), &line.to_string(), id, reason])
    }

    pub fn finish(self) -> Result<(), TriageError> {
        self.sink.commit()
    }
}
