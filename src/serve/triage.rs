//! `POST /api/v1/triage`: decisions for complaints, nothing stored.
//!
//! The fields are those of `triage classify`'s output (`src/io/decision.rs`), with `alternatives` and `reasons`
//! as lists and `category_name` added. Small requests are decided on the request's own task; larger batches go
//! to the blocking pool, where the pipeline spreads them over the cores without stalling other requests.

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::json::ApiJson;
use super::model::ServedModel;
use crate::lang::Lang;
use crate::pipeline::Triage;
use crate::route::category_name;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// Batches up to this size are decided inline.
const INLINE_BATCH: usize = 8;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/triage", post(triage))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintIn {
    /// A string or a number; echoed back.
    #[serde(default)]
    pub id: Option<Value>,
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageRequest {
    pub complaints: Vec<ComplaintIn>,
    #[serde(default)]
    pub explain: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    pub label: String,
    /// The label's Chinese name, or the label itself for a label set without names.
    #[serde(default)]
    pub category_name: String,
    pub confidence: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonOut {
    pub term: String,
    pub weight: f32,
}

/// One decision as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionOut {
    pub id: String,
    /// Empty when the text gave nothing to decide on.
    pub label: String,
    pub category_name: String,
    pub confidence: f32,
    pub department: String,
    pub department_id: String,
    pub review: bool,
    /// Why the case goes to review, as the office reads it (Chinese).
    pub review_reason: Option<String>,
    /// The same reason as a stable code for scripts (`below_threshold`, `no_category_fits`, …).
    #[serde(default)]
    pub review_reason_code: Option<String>,
    /// The same reason in English.
    #[serde(default)]
    pub review_reason_en: Option<String>,
    pub alternatives: Vec<Alternative>,
    pub secondary_label: Option<String>,
    pub secondary_department: Option<String>,
    pub reasons: Vec<ReasonOut>,
}

impl DecisionOut {
    /// What the store keeps of a decision at intake: the suggestion, and this shown form as a whole.
    pub fn suggestion(&self, decision: &Triage, model_version: &str) -> crate::store::Suggestion {
        crate::store::Suggestion {
            label: decision.label.clone(),
            department_id: decision.department.id.clone(),
            confidence: decision.confidence as f64,
            review: decision.needs_review(),
            model_version: model_version.to_string(),
            decision: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
        }
    }

    pub fn new(id: String, decision: &Triage) -> DecisionOut {
        DecisionOut {
            id,
            category_name: category_name(&decision.label).to_string(),
            label: decision.label.clone(),
            confidence: decision.confidence,
            department: decision.department.name.clone(),
            department_id: decision.department.id.clone(),
            review: decision.needs_review(),
            review_reason: decision.review_reason.as_ref().map(|r| r.text(Lang::Zh)),
            review_reason_code: decision
                .review_reason
                .as_ref()
                .map(|r| r.code().to_string()),
            review_reason_en: decision.review_reason.as_ref().map(|r| r.text(Lang::En)),
            alternatives: decision
                .alternatives
                .iter()
                .map(|(label, confidence)| Alternative {
                    label: label.clone(),
                    category_name: category_name(label).to_string(),
                    confidence: *confidence,
                })
                .collect(),
            secondary_label: decision.secondary.as_ref().map(|s| s.label.clone()),
            secondary_department: decision
                .secondary
                .as_ref()
                .map(|s| s.department.name.clone()),
            reasons: decision
                .reasons
                .iter()
                .map(|r| ReasonOut {
                    term: r.term.clone(),
                    weight: r.weight,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRef {
    pub version: String,
}

#[derive(Debug, Serialize)]
pub struct TriageResponse {
    pub decisions: Vec<DecisionOut>,
    pub model: ModelRef,
}

/// An id given as a string or a number, as text; `field` names it in the error.
pub fn id_text(id: Option<&Value>, field: &str) -> Result<Option<String>, ApiError> {
    match id {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(_) => Err(ApiError::field(field, "must be a string or a number")),
    }
}

/// Checks a batch's size against the limit; `field` names the list.
pub fn check_batch(state: &AppState, len: usize, field: &str) -> Result<(), ApiError> {
    if len == 0 {
        return Err(ApiError::field(field, "empty: send at least one"));
    }
    if len > state.limits.batch {
        return Err(ApiError::TooLarge(format!(
            "{field}: {len} in one request, at most {} allowed; split the batch",
            state.limits.batch
        )));
    }
    Ok(())
}

/// Decides on `texts` with `model`, in order, off the async threads when the batch is large.
pub async fn decide(
    model: Arc<ServedModel>,
    texts: Vec<String>,
    explain: bool,
) -> Result<Vec<Triage>, ApiError> {
    if texts.len() <= INLINE_BATCH {
        return Ok(texts
            .iter()
            .map(|text| {
                if explain {
                    model.pipeline.triage_explained(text)
                } else {
                    model.pipeline.triage(text)
                }
            })
            .collect());
    }
    tokio::task::spawn_blocking(move || model.pipeline.triage_batch(&texts, explain))
        .await
        .map_err(|e| ApiError::Internal(format!("triage task failed: {e}")))
}

async fn triage(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(request): ApiJson<TriageRequest>,
) -> Result<Json<TriageResponse>, ApiError> {
    check_batch(&state, request.complaints.len(), "complaints")?;
    let mut ids = Vec::with_capacity(request.complaints.len());
    let mut texts = Vec::with_capacity(request.complaints.len());
    for (i, complaint) in request.complaints.into_iter().enumerate() {
        ids.push(
            id_text(complaint.id.as_ref(), &format!("complaints[{i}].id"))?
                .unwrap_or_else(|| (i + 1).to_string()),
        );
        texts.push(complaint.text);
    }
    let model = state.model.current();
    let version = model.version.clone();
    let decisions = decide(model, texts, request.explain).await?;
    let decisions = ids
        .into_iter()
        .zip(&decisions)
        .map(|(id, decision)| {
            state
                .metrics
                .decision(&decision.department.id, decision.needs_review());
            DecisionOut::new(id, decision)
        })
        .collect();
    Ok(Json(TriageResponse {
        decisions,
        model: ModelRef { version },
    }))
}
