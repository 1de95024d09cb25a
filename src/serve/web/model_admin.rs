//! The 模型 view, for `admin`: the model in service with its card, the registry's versions and history,
//! retraining from the store's closed cases, and rollback. A retrain from the page makes a pending candidate:
//! the page shows the side-by-side comparison with the promotion rule's advice, and the admin promotes or
//! declines it ([`decide`]). A promotion or rollback is followed at once, without a restart.

use super::jobs::{job_json, keep_alive};
use crate::pipeline::Example;
use crate::registry::{
    Registry, RegistryWriter, RetrainReport, RetrainSettings, retrain as retrain_registry,
};
use crate::serve::AppState;
use crate::serve::auth::Caller;
use crate::serve::error::ApiError;
use crate::serve::json::ApiJson;
use crate::serve::model::ModelSource;
use crate::store::{JobKind, JobProgress, JobState, NewJob, StoreError, time};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

fn registry_dir(state: &AppState) -> Option<PathBuf> {
    match state.model.source() {
        ModelSource::Registry(dir) => Some(dir.clone()),
        _ => None,
    }
}

fn no_registry() -> ApiError {
    ApiError::Conflict(
        "the service runs on a fixed model file, not a registry: start it with --model REGISTRY_DIR to \
         retrain and roll back"
            .into(),
    )
}

/// `GET /api/v1/desk/model`: the model in service, its card, and the registry when there is one.
pub async fn model(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require_admin("see the model's card and registry")?;
    let model = state.model.current();
    let registry = match registry_dir(&state) {
        Some(dir) => {
            let index = tokio::task::spawn_blocking(move || {
                Registry::open(&dir).map(|r| r.index().clone())
            })
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| ApiError::Unavailable(e.to_string()))?;
            serde_json::to_value(index).map_err(|e| ApiError::Internal(e.to_string()))?
        }
        None => Value::Null,
    };
    Ok(Json(json!({
        "version": model.version,
        "source": model.source,
        "loaded_at": time::format(model.loaded_at),
        "follows_registry": state.model.follows_registry(),
        "card": model.pipeline.card.to_json(),
        "registry": registry,
    })))
}

/// `POST /api/v1/desk/model/retrain`: starts a retrain on the closed cases; answers with the job to poll.
pub async fn retrain(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.require_admin("retrain the model")?;
    let dir = registry_dir(&state).ok_or_else(no_registry)?;
    let job = state
        .store
        .create_job(
            NewJob {
                kind: JobKind::Retrain,
                name: "closed cases in the case store".into(),
                actor: caller.name.clone(),
                batch_id: None,
                file_hash: None,
                file_bytes: None,
                total: None,
            },
            time::now(),
        )
        .await?;
    let id = job.id.clone();
    tokio::spawn(async move {
        let alive = keep_alive(&state.store, &id);
        let outcome = retrain_from_store(&state, dir).await;
        drop(alive);
        let (end, error, report) = match outcome {
            Ok(report) => (JobState::Done, None, serde_json::to_value(report).ok()),
            Err(message) => (JobState::Failed, Some(message), None),
        };
        let progress = JobProgress {
            detail: Some(json!({ "report": report })),
            ..JobProgress::default()
        };
        if let Err(e) = state
            .store
            .finish_job(&id, end, error.as_deref(), &progress, time::now())
            .await
        {
            tracing::error!("retrain {id}: cannot record its end: {e}");
        }
    });
    Ok((StatusCode::ACCEPTED, Json(json!({ "job": job.id }))))
}

async fn retrain_from_store(state: &AppState, dir: PathBuf) -> Result<RetrainReport, String> {
    let closed: Vec<Example> = state
        .store
        .closed_cases(None)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|case| Example {
            text: case.text,
            label: case.label,
        })
        .filter(|e| !e.label.is_empty() && !e.text.trim().is_empty())
        .collect();
    let model = Arc::clone(&state.model);
    tokio::task::spawn_blocking(move || {
        let mut writer = RegistryWriter::open(&dir, || {}).map_err(|e| e.to_string())?;
        let mut settings = RetrainSettings {
            hold_for_decision: true,
            ..RetrainSettings::default()
        };
        // Keep the routing the active model was trained with.
        settings.params.routing = writer
            .registry()
            .load_active()
            .map_err(|e| e.to_string())?
            .routing;
        let report = retrain_registry(
            &mut writer,
            closed,
            "closed cases in the case store",
            &settings,
        )
        .map_err(|e| e.to_string())?;
        drop(writer);
        model.refresh().map_err(|e| e.to_string())?;
        Ok(report)
    })
    .await
    .map_err(|e| e.to_string())?
}

/// `GET /api/v1/desk/model/retrain/{job}`: running, or the report with its comparison.
pub async fn retrain_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin("follow a retrain")?;
    let job = match state.store.job(&id, time::now()).await {
        Ok(job) if job.kind == JobKind::Retrain => job,
        Ok(_) | Err(StoreError::NotFound(_)) => {
            return Err(ApiError::NotFound(format!("no retrain '{id}'")));
        }
        Err(error) => return Err(error.into()),
    };
    let report = job.detail.get("report").cloned().unwrap_or(Value::Null);
    let promoted = serde_json::from_value::<Option<bool>>(
        report
            .get("comparison")
            .and_then(|c| c.get("promoted"))
            .cloned()
            .unwrap_or(Value::Null),
    )
    .ok()
    .flatten()
    .map(|p| p && report.get("pending") != Some(&Value::Bool(true)));
    let mut out = job_json(&job);
    out["promoted"] = json!(promoted);
    Ok(Json(out))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecideRequest {
    /// The pending candidate.
    pub version: u32,
    /// Promote it (make it active), or decline it (record it as refused).
    pub promote: bool,
}

/// `POST /api/v1/desk/model/decide`: the admin's decision on a pending candidate, after its comparison.
pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<DecideRequest>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin("promote or decline a candidate model")?;
    let dir = registry_dir(&state).ok_or_else(no_registry)?;
    let model = Arc::clone(&state.model);
    let note = format!(
        "{} by {} on the desk",
        if request.promote {
            "promoted"
        } else {
            "declined"
        },
        caller.name
    );
    let active = tokio::task::spawn_blocking(move || {
        let mut writer = RegistryWriter::open(&dir, || {}).map_err(|e| e.to_string())?;
        let active = writer
            .decide(request.version, request.promote, &note)
            .map_err(|e| e.to_string())?;
        drop(writer);
        model.refresh().map_err(|e| e.to_string())?;
        Ok::<_, String>(active)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(ApiError::Conflict)?;
    Ok(Json(json!({
        "version": request.version,
        "promoted": request.promote,
        "active": active,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackRequest {
    /// The version to make active; the latest retired one before the active when absent.
    #[serde(default)]
    pub to: Option<u32>,
}

/// `POST /api/v1/desk/model/rollback`.
pub async fn rollback(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<RollbackRequest>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin("roll the model back")?;
    let dir = registry_dir(&state).ok_or_else(no_registry)?;
    let model = Arc::clone(&state.model);
    let (from, to) = tokio::task::spawn_blocking(move || {
        let mut writer = RegistryWriter::open(&dir, || {}).map_err(|e| e.to_string())?;
        let moved = writer
            .rollback(request.to, false)
            .map_err(|e| e.to_string())?;
        drop(writer);
        model.refresh().map_err(|e| e.to_string())?;
        Ok::<_, String>(moved)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(ApiError::Conflict)?;
    Ok(Json(json!({ "from": from, "to": to })))
}
