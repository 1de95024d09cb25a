//! Cases into the store from a table (CSV, TSV, JSONL, XLSX; UTF-8 or GBK): every readable row is triaged and
//! taken in as a new case, as `POST /api/v1/cases` would, or — for an office's history — taken in already
//! closed (销号) under the category the office settled on, so that retraining has closed cases to learn from.
//! `triage cases import` is the command line's door onto this module.
//!
//! Reading and triage ([`prepare`]) are blocking work, done first; storing ([`store_prepared`]) is async, one
//! transaction per chunk. A row that cannot be read, or a history row whose category the model does not know,
//! is listed with its row number and not stored.

use crate::error::TriageError;
use crate::io::{Columns, RowError, TableReader};
use crate::pipeline::Pipeline;
use crate::serve::triage::DecisionOut;
use crate::store::{Closing, NewCase, Store, StoreError};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Cases taken in per transaction.
pub const IMPORT_CHUNK: usize = 1000;

/// Where closed cases of the history whose category no department owns (non-complaints, out of scope) are
/// recorded as handled: the dispatch desk, as the desk's "not a complaint" does.
pub const HISTORY_DESK: &str = "dispatch";

/// What the resolution of an imported closed case says.
pub const HISTORY_RESOLUTION: &str = "历史办结（导入）";

/// How to read a table and what to make of its rows.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub text_column: String,
    /// The office's case ids; the store numbers the cases when absent.
    pub id_column: Option<String>,
    /// Rows are the office's closed cases and this column holds each one's final category: the cases are
    /// stored closed, handled by that category's department.
    pub closed_label_column: Option<String>,
    /// Recorded as who took the cases in (and closed them).
    pub actor: String,
    /// Recorded as the model version that made the suggestions.
    pub model_version: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Read(#[from] TriageError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Rows read and triaged, ready to store.
#[derive(Debug)]
pub struct Prepared {
    pub file: PathBuf,
    pub cases: Vec<NewCase>,
    /// For a history: how each case was closed, in the order of `cases`.
    pub closings: Option<Vec<Closing>>,
    /// Rows not stored, with why.
    pub unreadable: Vec<RowError>,
}

/// What an import stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub imported: usize,
    /// Of those, stored closed (a history).
    pub closed: usize,
    pub unreadable: Vec<RowError>,
}

/// Reads `file` and triages every row with `pipeline` (blocking).
pub fn prepare(
    pipeline: &Pipeline,
    file: &Path,
    options: &ImportOptions,
) -> Result<Prepared, ImportError> {
    let reader = TableReader::open(
        file,
        &Columns {
            extra: Vec::new(),
            text: options.text_column.clone(),
            id: options.id_column.clone(),
            label: options.closed_label_column.clone(),
        },
    )?;
    let known: BTreeSet<&str> = pipeline.labels().iter().map(String::as_str).collect();
    let mut rows = Vec::new();
    let mut unreadable = Vec::new();
    for row in reader {
        match row? {
            Ok(row) => match (&options.closed_label_column, row.label.as_deref()) {
                (Some(column), Some(label)) if !known.contains(label.trim()) => {
                    unreadable.push(RowError {
                        number: row.number,
                        line: row.line,
                        id: row.id.clone(),
                        message: format!(
                            "{column}: '{label}' is not a category the model knows ({})",
                            known.iter().copied().collect::<Vec<_>>().join(", ")
                        ),
                    })
                }
                _ => rows.push(row),
            },
            Err(error) => unreadable.push(error),
        }
    }
    let mut cases = Vec::with_capacity(rows.len());
    let mut closings = options.closed_label_column.as_ref().map(|_| Vec::new());
    for chunk in rows.chunks(IMPORT_CHUNK) {
        let texts: Vec<&str> = chunk.iter().map(|r| r.text.as_str()).collect();
        let decisions = pipeline.triage_batch(&texts, false);
        for (row, decision) in chunk.iter().zip(&decisions) {
            let id = options.id_column.as_ref().map(|_| row.id.clone());
            let shown = DecisionOut::new(id.clone().unwrap_or_default(), decision);
            cases.push(NewCase {
                id,
                text: row.text.clone(),
                enterprise: None,
                source: Some(file.display().to_string()),
                received_at: None,
                suggestion: shown.suggestion(decision, &options.model_version),
            });
            if let (Some(closings), Some(label)) = (closings.as_mut(), row.label.as_deref()) {
                let label = label.trim();
                let owned = pipeline.routing.categories().any(|c| c == label);
                closings.push(Closing {
                    resolution: HISTORY_RESOLUTION.into(),
                    department_id: Some(if owned {
                        pipeline.routing.route(label).id
                    } else {
                        HISTORY_DESK.into()
                    }),
                    label: Some(label.to_string()),
                });
            }
        }
    }
    Ok(Prepared {
        file: file.to_path_buf(),
        cases,
        closings,
        unreadable,
    })
}

/// Stores what [`prepare`] made, [`IMPORT_CHUNK`] cases per transaction.
pub async fn store_prepared(
    store: &Store,
    prepared: Prepared,
    actor: &str,
) -> Result<ImportReport, ImportError> {
    let mut imported = 0;
    let mut closed = 0;
    match prepared.closings {
        None => {
            let mut cases = prepared.cases.into_iter().peekable();
            while cases.peek().is_some() {
                let chunk: Vec<NewCase> = cases.by_ref().take(IMPORT_CHUNK).collect();
                imported += store.intake(actor, chunk).await?.len();
            }
        }
        Some(closings) => {
            let mut pairs = prepared.cases.into_iter().zip(closings).peekable();
            while pairs.peek().is_some() {
                let chunk: Vec<(NewCase, Closing)> = pairs.by_ref().take(IMPORT_CHUNK).collect();
                let stored = store.intake_closed(actor, chunk).await?.len();
                imported += stored;
                closed += stored;
            }
        }
    }
    Ok(ImportReport {
        imported,
        closed,
        unreadable: prepared.unreadable,
    })
}

/// Reads, triages and stores `file` (the reading and triage block the calling thread).
pub async fn import_table(
    store: &Store,
    pipeline: &Pipeline,
    file: &Path,
    options: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    let prepared = prepare(pipeline, file, options)?;
    store_prepared(store, prepared, &options.actor).await
}
