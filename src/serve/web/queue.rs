//! The 待复核 queue, hardest first, "not a complaint", and the 督办 board.
//!
//! The queue: cases given back by a department (退单) first, with the department's reason, then the cases the
//! model sent to review from the least confident up; on request also the new cases it routed, for a
//! dispatcher who wants to see them before 交办. The board: per department open / overdue / closed on time
//! from the store's figures, the overdue cases by days late, and the returned cases waiting for dispatch.

use super::catalog::{DISPATCH_DESK, department_names};
use crate::pipeline::NOT_A_COMPLAINT;
use crate::serve::AppState;
use crate::serve::auth::Caller;
use crate::serve::cases::CaseOut;
use crate::serve::error::ApiError;
use crate::store::{Case, CaseFilter, CaseState, Closing, DepartmentStats, EventKind, Store, time};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};

/// Cases shown in the queue at once (all are counted).
const QUEUE_SHOWN: usize = 200;
/// Overdue and returned cases shown on the board (all are counted).
const BOARD_SHOWN: usize = 500;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A case with its latest 退单, when it has one.
#[derive(Debug, Serialize)]
pub struct QueuedCase {
    #[serde(flatten)]
    pub case: CaseOut,
    pub return_reason: Option<String>,
    pub returned_by_department: Option<String>,
    pub returned_at: Option<String>,
}

async fn with_return(store: &Store, case: Case, now: i64) -> Result<QueuedCase, ApiError> {
    let mut queued = QueuedCase {
        case: CaseOut::new(case, now),
        return_reason: None,
        returned_by_department: None,
        returned_at: None,
    };
    if queued.case.returns > 0 {
        let history = store.history(&queued.case.id).await?;
        if let Some(event) = history.iter().rev().find(|e| e.kind == EventKind::Return) {
            queued.return_reason = event.note.clone();
            queued.returned_by_department = event.department_id.clone();
            queued.returned_at = Some(time::format(event.at));
        }
    }
    Ok(queued)
}

#[derive(Debug, Deserialize)]
pub struct ReviewQuery {
    /// Also new cases the model routed without review.
    #[serde(default)]
    pub all: bool,
}

#[derive(Debug, Serialize)]
pub struct Queue {
    pub cases: Vec<QueuedCase>,
    pub total: usize,
}

/// `GET /api/v1/desk/review[?all=true]`.
pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ReviewQuery>,
) -> Result<Json<Queue>, ApiError> {
    caller.require_dispatch("work the review queue")?;
    let now = time::now();
    let returned = state
        .store
        .all(
            &CaseFilter {
                state: Some(CaseState::Returned),
                ..CaseFilter::default()
            },
            now,
        )
        .await?;
    let mut waiting = state
        .store
        .all(
            &CaseFilter {
                state: Some(CaseState::New),
                review: (!query.all).then_some(true),
                ..CaseFilter::default()
            },
            now,
        )
        .await?;
    // Hardest first: reviewed cases before routed ones, then the least confident.
    waiting.sort_by(|a, b| {
        b.review
            .cmp(&a.review)
            .then(a.confidence.total_cmp(&b.confidence))
            .then(a.seq.cmp(&b.seq))
    });
    let total = returned.len() + waiting.len();
    let mut cases = Vec::new();
    for case in returned.into_iter().chain(waiting).take(QUEUE_SHOWN) {
        cases.push(with_return(&state.store, case, now).await?);
    }
    Ok(Json(Queue { cases, total }))
}

/// `POST /api/v1/desk/cases/{id}/not-complaint`: closed at the dispatch desk as not a complaint, so that it
/// leaves the queue, counts for no department, and teaches the next model the reserved label.
pub async fn not_complaint(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CaseOut>, ApiError> {
    caller.require_dispatch("close a case as not a complaint")?;
    let case = state
        .store
        .close(
            &id,
            &caller.name,
            &Closing {
                resolution: "非诉求，不予交办（分诊台判定）".into(),
                department_id: Some(DISPATCH_DESK.into()),
                label: Some(NOT_A_COMPLAINT.into()),
            },
            None,
        )
        .await?;
    Ok(Json(CaseOut::new(case, time::now())))
}

#[derive(Debug, Serialize)]
pub struct DepartmentLine {
    #[serde(flatten)]
    pub stats: DepartmentStats,
    pub department_name: String,
}

#[derive(Debug, Serialize)]
pub struct OverdueCase {
    pub id: String,
    pub department_id: String,
    pub department_name: String,
    pub deadline: String,
    /// Whole days past the deadline, counting a started day.
    pub days_late: i64,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct Board {
    pub now: String,
    pub cases: u64,
    pub departments: Vec<DepartmentLine>,
    pub overdue: Vec<OverdueCase>,
    pub overdue_total: usize,
    pub returned: Vec<QueuedCase>,
    pub returned_total: usize,
}

/// `GET /api/v1/desk/board`: any role may read it; a department sees its own line and cases only.
pub async fn board(State(state): State<AppState>, caller: Caller) -> Result<Json<Board>, ApiError> {
    let now = time::now();
    let own = caller.reading_scope().map(str::to_string);
    let names = department_names(&state);
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let stats = state.store.stats(now).await?;
    let departments = stats
        .departments
        .into_iter()
        .filter(|d| own.as_deref().is_none_or(|own| own == d.department_id))
        .map(|stats| DepartmentLine {
            department_name: name(&stats.department_id),
            stats,
        })
        .collect();
    let overdue_cases = state
        .store
        .all(
            &CaseFilter {
                overdue: true,
                department_id: own.clone(),
                ..CaseFilter::default()
            },
            now,
        )
        .await?;
    let mut overdue: Vec<OverdueCase> = overdue_cases
        .into_iter()
        .filter_map(|case| {
            let deadline = case.deadline?;
            let department_id = case.department_id.clone().unwrap_or_default();
            Some(OverdueCase {
                department_name: name(&department_id),
                department_id,
                deadline: time::format(deadline),
                days_late: (now - deadline + DAY_MS - 1).div_euclid(DAY_MS).max(1),
                id: case.id,
                text: case.text,
            })
        })
        .collect();
    overdue.sort_by(|a, b| b.days_late.cmp(&a.days_late).then(a.id.cmp(&b.id)));
    let overdue_total = overdue.len();
    overdue.truncate(BOARD_SHOWN);
    let returned_cases = if own.is_some() {
        // Returned cases belong to no department any more.
        Vec::new()
    } else {
        state
            .store
            .all(
                &CaseFilter {
                    state: Some(CaseState::Returned),
                    ..CaseFilter::default()
                },
                now,
            )
            .await?
    };
    let returned_total = returned_cases.len();
    let mut returned = Vec::new();
    for case in returned_cases.into_iter().take(BOARD_SHOWN) {
        returned.push(with_return(&state.store, case, now).await?);
    }
    Ok(Json(Board {
        now: time::format(now),
        cases: stats.cases,
        departments,
        overdue,
        overdue_total,
        returned,
        returned_total,
    }))
}
