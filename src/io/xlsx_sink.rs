//! XLSX outputs: one workbook ([`XlsxSink`]), or a folder with one 交办单 workbook per department or label
//! ([`AssignmentFolder`]). Both write through [`DecisionWorkbook`]; files appear only when complete.

use super::assignment_sheet::{DecisionWorkbook, UNASSIGNED, WorkbookOptions};
use super::destination::Destination;
use super::output::OutputLayout;
use super::sink::{DecisionSink, SinkOptions};
use crate::error::TriageError;
use rust_xlsxwriter::XlsxError;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct XlsxSink {
    workbook: DecisionWorkbook,
    destination: Destination,
}

impl XlsxSink {
    pub fn new(
        destination: Destination,
        layout: &OutputLayout,
        options: &SinkOptions,
    ) -> Result<Self, TriageError> {
        let options = WorkbookOptions {
            split_by: options.split_by,
            title: None,
            summary: true,
            ..WorkbookOptions::default()
        };
        let workbook = DecisionWorkbook::new(layout, options)
            .map_err(|e| destination.error(std::io::Error::other(e)))?;
        Ok(XlsxSink {
            workbook,
            destination,
        })
    }

    fn error(&self, error: XlsxError) -> TriageError {
        self.destination.error(std::io::Error::other(error))
    }
}

impl DecisionSink for XlsxSink {
    fn write_row(&mut self, fields: &[String]) -> Result<(), TriageError> {
        self.workbook.write_row(fields).map_err(|e| self.error(e))
    }

    /// A workbook is readable only once it is complete: nothing to pass on before.
    fn flush(&mut self) -> Result<(), TriageError> {
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<(), TriageError> {
        let XlsxSink {
            workbook,
            mut destination,
        } = *self;
        workbook
            .save_to_writer(&mut destination)
            .map_err(|e| destination.error(std::io::Error::other(e)))?;
        destination.commit()
    }
}

/// A folder of 交办单: one workbook per value of the split column, named `交办单_<value>_<date>.xlsx`, each with a
/// title row naming the value and the date.
pub struct AssignmentFolder {
    folder: PathBuf,
    layout: OutputLayout,
    split: usize,
    date: String,
    /// By split value.
    workbooks: BTreeMap<String, (DecisionWorkbook, Destination)>,
}

impl AssignmentFolder {
    pub fn create(
        folder: &Path,
        layout: &OutputLayout,
        options: &SinkOptions,
    ) -> Result<Self, TriageError> {
        let split_by = options.split_by.ok_or_else(|| {
            TriageError::InvalidParameter("a folder output needs --split-by".into())
        })?;
        let split = layout.decision_position(split_by.column()).ok_or_else(|| {
            TriageError::InvalidParameter(format!(
                "the output has no '{}' column",
                split_by.column()
            ))
        })?;
        std::fs::create_dir_all(folder).map_err(|e| TriageError::io(folder, e))?;
        Ok(AssignmentFolder {
            folder: folder.to_path_buf(),
            layout: layout.clone(),
            split,
            date: options.date.clone().unwrap_or_else(crate::pipeline::today),
            workbooks: BTreeMap::new(),
        })
    }

    /// The file for a split value.
    pub fn file_name(value: &str, date: &str) -> String {
        let value = if value.is_empty() { UNASSIGNED } else { value };
        let cleaned: String = value
            .chars()
            .map(|c| {
                if "/\\:*?\"<>|".contains(c) || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        format!("交办单_{cleaned}_{date}.xlsx")
    }
}

impl DecisionSink for AssignmentFolder {
    fn write_row(&mut self, fields: &[String]) -> Result<(), TriageError> {
        let key = fields.get(self.split).cloned().unwrap_or_default();
        if !self.workbooks.contains_key(&key) {
            let path = self.folder.join(Self::file_name(&key, &self.date));
            let destination = Destination::create(&path)?;
            let value = if key.is_empty() { UNASSIGNED } else { &key };
            let options = WorkbookOptions {
                split_by: None,
                title: Some(format!("交办单　{value}　{}", self.date)),
                summary: false,
                ..WorkbookOptions::default()
            };
            let workbook = DecisionWorkbook::new(&self.layout, options)
                .map_err(|e| destination.error(std::io::Error::other(e)))?;
            self.workbooks.insert(key.clone(), (workbook, destination));
        }
        let (workbook, destination) = self.workbooks.get_mut(&key).expect("inserted above");
        workbook
            .write_row(fields)
            .map_err(|e| destination.error(std::io::Error::other(e)))
    }

    fn flush(&mut self) -> Result<(), TriageError> {
        Ok(())
    }

    /// Saves every workbook, then puts them all in place.
    fn finish(self: Box<Self>) -> Result<(), TriageError> {
        let mut saved = Vec::new();
        for (_, (workbook, mut destination)) in self.workbooks {
            workbook
                .save_to_writer(&mut destination)
                .map_err(|e| destination.error(std::io::Error::other(e)))?;
            saved.push(destination);
        }
        saved.into_iter().try_for_each(Destination::commit)
    }
}
