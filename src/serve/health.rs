//! Liveness (`/healthz`), readiness (`/readyz`: the store answers and a model is loaded), the model in service
//! (`/api/v1/model`), `/metrics` and the API description (`/api/v1/openapi.json`).

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::model::{ModelError, ModelSource};
use crate::registry::{RegistryError, RegistryWriter};
use crate::store::time;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/v1/model", get(model))
        .route("/api/v1/model/rollback", axum::routing::post(rollback))
        .route("/api/v1/openapi.json", get(openapi))
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    state
        .store
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(format!("the case store does not answer: {e}")))?;
    let model = state.model.current();
    Ok(Json(serde_json::json!({
        "ready": true,
        "model": {"version": model.version},
        "store": state.store.url(),
    })))
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ModelInfo {
    pub version: String,
    pub source: String,
    pub follows_registry: bool,
    pub loaded_at: String,
    pub trained_on: String,
    pub training_rows: usize,
    pub data_fingerprint: String,
    pub labels: Vec<String>,
}

async fn model(State(state): State<AppState>, _caller: Caller) -> Json<ModelInfo> {
    Json(model_info(&state))
}

fn model_info(state: &AppState) -> ModelInfo {
    let model = state.model.current();
    let card = &model.pipeline.card;
    ModelInfo {
        version: model.version.clone(),
        source: model.source.clone(),
        follows_registry: state.model.follows_registry(),
        loaded_at: time::format(model.loaded_at),
        trained_on: card.trained_on.clone(),
        training_rows: card.training_rows,
        data_fingerprint: card.data_fingerprint.clone(),
        labels: model.pipeline.labels().to_vec(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackRequest {
    /// The version to activate (default: the latest retired one before the active one).
    #[serde(default)]
    pub to: Option<u32>,
}

/// Re-activates an earlier registry version and serves it at once (admin only).
async fn rollback(
    State(state): State<AppState>,
    caller: Caller,
    super::json::ApiJson(request): super::json::ApiJson<RollbackRequest>,
) -> Result<Json<ModelInfo>, ApiError> {
    caller.require_admin("roll the model back")?;
    let ModelSource::Registry(dir) = state.model.source().clone() else {
        return Err(ApiError::Conflict(
            "the service does not serve a registry (start it with --model REGISTRY_DIR)".into(),
        ));
    };
    let handle = state.model.clone();
    tokio::task::spawn_blocking(move || {
        let mut writer = RegistryWriter::open(&dir, || {})?;
        writer.rollback(request.to, false)?;
        drop(writer);
        handle.refresh()
    })
    .await
    .map_err(|e| ApiError::Internal(format!("rollback task failed: {e}")))?
    .map_err(|e| match e {
        ModelError::Registry(
            e @ (RegistryError::CannotRollBack { .. } | RegistryError::NoSuchVersion { .. }),
        ) => ApiError::Conflict(e.to_string()),
        other => ApiError::Internal(other.to_string()),
    })?;
    Ok(Json(model_info(&state)))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    state
        .metrics
        .model_in_service(&state.model.current().version);
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
}

async fn openapi() -> Json<serde_json::Value> {
    Json(super::openapi::document())
}
