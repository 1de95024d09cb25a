//! The office's loop over HTTP: intake (`POST /api/v1/cases`), 交办 (`…/{id}/assign`), 退单 (`…/{id}/return`),
//! 销号 (`…/{id}/close`), listing with filters and pages, one case with its history, and the figures.
//!
//! Who may do what is decided here from the caller's role; what a case allows is decided by the store.

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::json::ApiJson;
use super::triage::{DecisionOut, ModelRef, check_batch, decide, id_text};
use crate::route::category_name;
use crate::store::{Assignment, Case, CaseFilter, CaseState, Closing, Event, NewCase, Stats, time};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", post(intake).get(list))
        .route("/api/v1/cases/{id}", get(one))
        .route("/api/v1/cases/{id}/assign", post(assign))
        .route("/api/v1/cases/{id}/return", post(return_case))
        .route("/api/v1/cases/{id}/close", post(close))
        .route("/api/v1/stats", get(stats))
}

/// A case as the API shows it: times in RFC 3339, the state's Chinese name, whether it is overdue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseOut {
    pub id: String,
    pub text: String,
    pub enterprise: Option<String>,
    pub source: Option<String>,
    pub received_at: String,
    pub state: CaseState,
    pub state_name: String,
    /// Intake's decision, as `POST /api/v1/triage` gives it.
    pub decision: Value,
    pub model_version: String,
    /// The working label (the final one once closed) and its name.
    pub label: Option<String>,
    pub category_name: Option<String>,
    pub department_id: Option<String>,
    pub deadline: Option<String>,
    pub overdue: bool,
    pub assigned_at: Option<String>,
    pub closed_at: Option<String>,
    pub resolution: Option<String>,
    pub returns: i64,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Only for one case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<EventOut>>,
}

impl CaseOut {
    pub fn new(mut case: Case, now: i64) -> CaseOut {
        // The decision was made before the store gave the case its id.
        if let Value::Object(decision) = &mut case.decision {
            decision.insert("id".into(), case.id.clone().into());
        }
        CaseOut {
            overdue: case.overdue(now),
            state_name: case.state.chinese().to_string(),
            category_name: case.label.as_deref().map(|l| category_name(l).to_string()),
            id: case.id,
            text: case.text,
            enterprise: case.enterprise,
            source: case.source,
            received_at: time::format(case.received_at),
            state: case.state,
            decision: case.decision,
            model_version: case.model_version,
            label: case.label,
            department_id: case.department_id,
            deadline: case.deadline.map(time::format),
            assigned_at: case.assigned_at.map(time::format),
            closed_at: case.closed_at.map(time::format),
            resolution: case.resolution,
            returns: case.returns,
            version: case.version,
            created_at: time::format(case.created_at),
            updated_at: time::format(case.updated_at),
            history: None,
        }
    }
}

/// One entry of a case's history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventOut {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub department_id: Option<String>,
    pub before: Value,
    pub after: Value,
    pub note: Option<String>,
}

impl From<Event> for EventOut {
    fn from(event: Event) -> Self {
        EventOut {
            seq: event.seq,
            at: time::format(event.at),
            actor: event.actor,
            kind: event.kind.as_str().to_string(),
            department_id: event.department_id,
            before: Value::Object(event.before),
            after: Value::Object(event.after),
            note: event.note,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseIn {
    #[serde(default)]
    pub id: Option<Value>,
    pub text: String,
    #[serde(default)]
    pub enterprise: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    /// RFC 3339 or a date.
    #[serde(default)]
    pub received_at: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeRequest {
    pub cases: Vec<CaseIn>,
    #[serde(default)]
    pub explain: bool,
}

#[derive(Debug, Serialize)]
pub struct CasesResponse {
    pub cases: Vec<CaseOut>,
    pub model: ModelRef,
}

async fn intake(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<IntakeRequest>,
) -> Result<(StatusCode, Json<CasesResponse>), ApiError> {
    caller.require_dispatch("take in cases")?;
    check_batch(&state, request.cases.len(), "cases")?;
    let mut new_cases = Vec::with_capacity(request.cases.len());
    let mut texts = Vec::with_capacity(request.cases.len());
    for (i, case) in request.cases.into_iter().enumerate() {
        let id = id_text(case.id.as_ref(), &format!("cases[{i}].id"))?;
        let received_at = case
            .received_at
            .as_deref()
            .map(|t| time::parse(t, false))
            .transpose()
            .map_err(|e| ApiError::field(&format!("cases[{i}].received_at"), e))?;
        texts.push(case.text.clone());
        new_cases.push((id, case, received_at));
    }
    let model = state.model.current();
    let version = model.version.clone();
    let decisions = decide(model, texts, request.explain).await?;
    let new_cases = new_cases
        .into_iter()
        .zip(&decisions)
        .map(|((id, case, received_at), decision)| {
            state
                .metrics
                .decision(&decision.department.id, decision.needs_review());
            let shown = DecisionOut::new(id.clone().unwrap_or_default(), decision);
            NewCase {
                id,
                text: case.text,
                enterprise: case.enterprise,
                source: case.source,
                received_at,
                suggestion: shown.suggestion(decision, &version),
            }
        })
        .collect();
    let stored = state.store.intake(&caller.name, new_cases).await?;
    let now = time::now();
    let cases = stored.into_iter().map(|c| CaseOut::new(c, now)).collect();
    Ok((
        StatusCode::CREATED,
        Json(CasesResponse {
            cases,
            model: ModelRef { version },
        }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub state: Option<String>,
    pub department_id: Option<String>,
    pub overdue: Option<bool>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub label: Option<String>,
    pub review: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct CaseList {
    pub cases: Vec<CaseOut>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// The filter a query asks for, limited to the caller's department when it has one.
pub fn filter_of(query: &ListQuery, caller: &Caller) -> Result<CaseFilter, ApiError> {
    let state = query
        .state
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            CaseState::parse(s).ok_or_else(|| {
                ApiError::field(
                    "state",
                    format!("'{s}' is not new, assigned, returned or closed"),
                )
            })
        })
        .transpose()?;
    let time = |field: &str, value: &Option<String>| {
        value
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| time::parse(v, false).map_err(|e| ApiError::field(field, e)))
            .transpose()
    };
    let mut department_id = query.department_id.clone().filter(|d| !d.is_empty());
    if let Some(own) = caller.reading_scope() {
        if department_id.as_deref().is_some_and(|d| d != own) {
            return Err(ApiError::Forbidden(format!(
                "{} may list only department '{own}''s cases",
                caller.name
            )));
        }
        department_id = Some(own.to_string());
    }
    Ok(CaseFilter {
        state,
        department_id,
        overdue: query.overdue.unwrap_or(false),
        since: time("since", &query.since)?,
        until: time("until", &query.until)?,
        label: query.label.clone().filter(|l| !l.is_empty()),
        review: query.review,
    })
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CaseList>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let filter = filter_of(&query, &caller)?;
    let page = query.page.unwrap_or(1);
    if page < 1 {
        return Err(ApiError::field("page", "pages count from 1"));
    }
    let per_page = query.per_page.unwrap_or(50);
    if !(1..=state.limits.page).contains(&per_page) {
        return Err(ApiError::field(
            "per_page",
            format!("must be 1 to {}", state.limits.page),
        ));
    }
    let now = time::now();
    let found = state
        .store
        .list(&filter, (page - 1) * per_page, per_page, now)
        .await?;
    Ok(Json(CaseList {
        cases: found
            .cases
            .into_iter()
            .map(|c| CaseOut::new(c, now))
            .collect(),
        total: found.total,
        page,
        per_page,
    }))
}

async fn one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CaseOut>, ApiError> {
    let case = state.store.get(&id).await?;
    if let Some(own) = caller.reading_scope()
        && case.department_id.as_deref() != Some(own)
    {
        return Err(ApiError::Forbidden(format!(
            "case '{id}' is not assigned to department '{own}'"
        )));
    }
    let history = state.store.history(&id).await?;
    let mut shown = CaseOut::new(case, time::now());
    shown.history = Some(history.into_iter().map(EventOut::from).collect());
    Ok(Json(shown))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub department_id: String,
    /// RFC 3339, or a date meaning the end of that day (UTC+8).
    pub deadline: String,
    /// The dispatcher's label when it corrects the suggestion.
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AssignRequest>,
) -> Result<Json<CaseOut>, ApiError> {
    caller.require_dispatch("assign cases (交办)")?;
    let deadline =
        time::parse(&request.deadline, true).map_err(|e| ApiError::field("deadline", e))?;
    let case = state
        .store
        .assign(
            &id,
            &caller.name,
            &Assignment {
                department_id: request.department_id,
                deadline,
                label: request.label,
                note: request.note,
            },
        )
        .await?;
    Ok(Json(CaseOut::new(case, time::now())))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    pub reason: String,
}

async fn return_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ReturnRequest>,
) -> Result<Json<CaseOut>, ApiError> {
    let scope = caller.handling_scope("return cases (退单)")?;
    let case = state
        .store
        .return_to_dispatch(&id, &caller.name, &request.reason, scope)
        .await?;
    Ok(Json(CaseOut::new(case, time::now())))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    pub resolution: String,
    #[serde(default)]
    pub department_id: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
}

async fn close(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<CloseRequest>,
) -> Result<Json<CaseOut>, ApiError> {
    let scope = caller.handling_scope("close cases (销号)")?;
    if let (Some(own), Some(named)) = (scope, request.department_id.as_deref())
        && own != named
    {
        return Err(ApiError::Forbidden(format!(
            "{} closes cases for department '{own}' only, not '{named}'",
            caller.name
        )));
    }
    let case = state
        .store
        .close(
            &id,
            &caller.name,
            &Closing {
                resolution: request.resolution,
                department_id: request.department_id,
                label: request.label,
            },
            scope,
        )
        .await?;
    Ok(Json(CaseOut::new(case, time::now())))
}

async fn stats(State(state): State<AppState>, caller: Caller) -> Result<Json<Stats>, ApiError> {
    let mut stats = state.store.stats(time::now()).await?;
    if let Some(own) = caller.reading_scope() {
        // A department sees its own line only.
        stats.departments.retain(|d| d.department_id == own);
        stats.categories.clear();
    }
    Ok(Json(stats))
}
