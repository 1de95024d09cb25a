//! The report over a case store: its section of per-department figures — open, overdue, closed on time,
//! returned (退单), median days to close — and its cases as a batch to report on. The figures are the store's
//! own ([`Store::stats`], the same that `/api/v1/stats` serves), given department names from the routing
//! table; nothing is counted twice. `triage report --store URL` and the service's `/report` both call
//! [`store_section`], and the service reports on [`batch_of_cases`].

use super::input::{ReportBatch, ReportRow};
use super::names::review_reason_from_text;
use crate::route::RoutingTable;
use crate::store::{Case, CaseFilter, CaseState, Store, StoreError, time};
use serde::Serialize;

/// One department's line of the store's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StoreDepartment {
    pub department_id: String,
    /// As office users read it (from the routing table; the id when the table does not know it).
    pub name: String,
    /// Assigned and not closed.
    pub open: u64,
    /// Open past the deadline.
    pub overdue: u64,
    pub closed: u64,
    /// Closed by the deadline of the last assignment.
    pub closed_on_time: u64,
    /// Times this department returned a case (退单).
    pub returned: u64,
    /// Median days from the last assignment to closing.
    pub median_days_to_close: Option<f64>,
}

/// The case store's section of a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StoreSection {
    /// The store, as it may be shown (no password).
    pub store: String,
    /// When the figures were taken, `YYYY-MM-DD HH:MM` on the office's clock.
    pub as_of: String,
    /// Cases in the store.
    pub cases: u64,
    /// Cases still with the dispatcher (new or returned).
    pub with_dispatcher: u64,
    /// Departments that hold or held a case, most open first.
    pub departments: Vec<StoreDepartment>,
}

impl StoreSection {
    /// Figures summed over all departments (no median: that needs the cases, not the lines).
    pub fn total(&self) -> StoreDepartment {
        let mut total = StoreDepartment {
            name: "合计".into(),
            ..StoreDepartment::default()
        };
        for d in &self.departments {
            total.open += d.open;
            total.overdue += d.overdue;
            total.closed += d.closed;
            total.closed_on_time += d.closed_on_time;
            total.returned += d.returned;
        }
        total
    }
}

/// The name of a department id in the routing table, or the id itself.
fn department_name(routing: &RoutingTable, id: &str) -> String {
    routing
        .categories()
        .map(|label| routing.route(label))
        .find(|d| d.id == id)
        .map_or_else(|| id.to_string(), |d| d.name)
}

/// The store's section as of `now` (ms).
pub async fn store_section(
    store: &Store,
    routing: &RoutingTable,
    now: i64,
) -> Result<StoreSection, StoreError> {
    let stats = store.stats(now).await?;
    let state = |s: CaseState| stats.by_state.get(s.as_str()).copied().unwrap_or(0);
    let mut departments: Vec<StoreDepartment> = stats
        .departments
        .iter()
        .map(|d| StoreDepartment {
            name: department_name(routing, &d.department_id),
            department_id: d.department_id.clone(),
            open: d.open,
            overdue: d.overdue,
            closed: d.closed,
            closed_on_time: d.closed_on_time,
            returned: d.returned,
            median_days_to_close: d.median_days_to_close,
        })
        .collect();
    departments.sort_by(|a, b| {
        (b.open, b.closed)
            .cmp(&(a.open, a.closed))
            .then(a.name.cmp(&b.name))
    });
    Ok(StoreSection {
        store: store.url().to_string(),
        as_of: time::format_local(now),
        cases: stats.cases,
        with_dispatcher: state(CaseState::New) + state(CaseState::Returned),
        departments,
    })
}

/// Every case of the store as a batch to report on: its working label (final once closed), its department,
/// intake's confidence and review reason, the day it arrived, and whether it is closed.
pub async fn batch_of_cases(
    store: &Store,
    routing: &RoutingTable,
) -> Result<ReportBatch, StoreError> {
    let cases = store.all(&CaseFilter::default(), time::now()).await?;
    Ok(ReportBatch {
        rows: cases
            .iter()
            .map(|case| row_of_case(case, routing))
            .collect(),
        unreadable: Vec::new(),
        triaged: false,
    })
}

fn row_of_case(case: &Case, routing: &RoutingTable) -> ReportRow {
    let label = case
        .label
        .clone()
        .unwrap_or_else(|| case.suggested_label.clone());
    let department_id = case
        .department_id
        .clone()
        .unwrap_or_else(|| case.suggested_department_id.clone());
    let review_reason = case.review.then(|| {
        case.decision
            .get("review_reason")
            .and_then(|r| r.as_str())
            .map_or_else(|| "转人工".to_string(), review_reason_from_text)
    });
    ReportRow {
        id: case.id.clone(),
        text: case.text.clone(),
        confidence: (!case.suggested_label.is_empty()).then_some(case.confidence as f32),
        department: if department_id.is_empty() {
            String::new()
        } else {
            department_name(routing, &department_id)
        },
        review_reason,
        // The office's day the complaint arrived.
        date: Some(time::format_local(case.received_at))
            .filter(|d| !d.is_empty())
            .map(|d| d[..10.min(d.len())].to_string()),
        enterprise: case.enterprise.clone(),
        closed: case.state == CaseState::Closed,
        label,
    }
}
