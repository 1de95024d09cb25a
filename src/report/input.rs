//! The batch a report is about: read from a table and triaged on the way, unless the table already carries a
//! `label` column (a batch triaged earlier, or closed cases). Optional columns: `date`, `enterprise`, `status`
//! (办结 / closed counts as closed), and for a triaged table `confidence`, `department`, `review_reason` as
//! `triage classify` writes them.

use super::names::{review_reason_from_text, review_reason_name};
use crate::error::TriageError;
use crate::io::{Columns, ReadOptions, RowError, TableReader};
use crate::pipeline::Pipeline;
use std::path::Path;

/// One complaint of the batch, triaged.
#[derive(Debug, Clone, Default)]
pub struct ReportRow {
    pub id: String,
    pub text: String,
    /// The category; empty when nothing could be decided.
    pub label: String,
    /// Calibrated confidence, when the triage gave one.
    pub confidence: Option<f32>,
    /// The department's name; empty when none.
    pub department: String,
    /// Why it goes to a person, in Chinese; `None` when routed automatically.
    pub review_reason: Option<String>,
    pub date: Option<String>,
    pub enterprise: Option<String>,
    /// Whether the table says the case is closed (办结).
    pub closed: bool,
}

/// Which columns hold what.
#[derive(Debug, Clone)]
pub struct ReportColumns {
    pub text: String,
    pub id: String,
    pub label: String,
    pub date: String,
    pub enterprise: String,
    pub status: String,
}

impl Default for ReportColumns {
    fn default() -> Self {
        ReportColumns {
            text: "text".into(),
            id: "id".into(),
            label: "label".into(),
            date: "date".into(),
            enterprise: "enterprise".into(),
            status: "status".into(),
        }
    }
}

/// The rows read, and those that could not be.
#[derive(Debug, Default)]
pub struct ReportBatch {
    pub rows: Vec<ReportRow>,
    pub unreadable: Vec<RowError>,
    /// Whether the rows were triaged here (no label column).
    pub triaged: bool,
}

const EXTRA: [&str; 7] = [
    "label",
    "date",
    "enterprise",
    "status",
    "confidence",
    "department",
    "review_reason",
];

/// Reads `path` and triages it with `pipeline` unless it carries a label column; a labelled row's department
/// comes from its `department` column, or from the pipeline's routing table.
pub fn read_batch(
    path: &Path,
    columns: &ReportColumns,
    options: &ReadOptions,
    pipeline: &Pipeline,
) -> Result<ReportBatch, TriageError> {
    let names = [
        &columns.label,
        &columns.date,
        &columns.enterprise,
        &columns.status,
    ];
    let extra: Vec<String> = EXTRA
        .iter()
        .enumerate()
        .map(|(i, default)| names.get(i).map_or(default.to_string(), |n| n.to_string()))
        .collect();
    let reader = TableReader::open_with(
        path,
        &Columns {
            text: columns.text.clone(),
            id: Some(columns.id.clone()),
            label: None,
            extra,
        },
        options,
    )?;
    let mut batch = ReportBatch::default();
    let mut labelled = false;
    for row in reader {
        let row = match row? {
            Ok(row) => row,
            Err(error) => {
                batch.unreadable.push(error);
                continue;
            }
        };
        let value = |i: usize| row.extra[i].as_deref().map(str::trim);
        labelled |= row.extra[0].is_some();
        let status = value(3).unwrap_or_default();
        batch.rows.push(ReportRow {
            label: value(0).unwrap_or_default().to_string(),
            date: value(1).filter(|d| !d.is_empty()).map(str::to_string),
            enterprise: value(2).filter(|e| !e.is_empty()).map(str::to_string),
            closed: status.contains("办结")
                || status.contains("辦結")
                || status.eq_ignore_ascii_case("closed"),
            confidence: value(4).and_then(|c| c.parse().ok()),
            department: value(5).unwrap_or_default().to_string(),
            review_reason: match value(6) {
                Some(reason) if !reason.is_empty() => Some(review_reason_from_text(reason)),
                _ => None,
            },
            id: row.id,
            text: row.text,
        });
    }
    if labelled {
        for row in &mut batch.rows {
            if row.department.is_empty() && !row.label.is_empty() {
                row.department = pipeline.routing.route(&row.label).name;
            }
        }
    } else {
        batch.triaged = true;
        triage_rows(&mut batch.rows, pipeline);
    }
    Ok(batch)
}

/// Triages rows in chunks, in parallel within each (the pipeline's batch triage).
pub fn triage_rows(rows: &mut [ReportRow], pipeline: &Pipeline) {
    for chunk in rows.chunks_mut(4096) {
        let texts: Vec<&str> = chunk.iter().map(|r| r.text.as_str()).collect();
        let decisions = pipeline.triage_batch(&texts, false);
        for (row, decision) in chunk.iter_mut().zip(decisions) {
            row.review_reason = decision
                .review_reason
                .as_ref()
                .map(|r| review_reason_name(r).to_string());
            row.confidence = (!decision.label.is_empty()).then_some(decision.confidence);
            row.label = decision.label;
            row.department = decision.department.name;
        }
    }
}
