//! Liveness (`/healthz`), readiness (`/readyz`: the store answers and a model is loaded), the model in service
//! (`/api/v1/model`), `/metrics` and the API description (`/api/v1/openapi.json`).

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
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
    let model = state.model.current();
    let card = &model.pipeline.card;
    Json(ModelInfo {
        version: model.version.clone(),
        source: model.source.clone(),
        follows_registry: state.model.follows_registry(),
        loaded_at: time::format(model.loaded_at),
        trained_on: card.trained_on.clone(),
        training_rows: card.training_rows,
        data_fingerprint: card.data_fingerprint.clone(),
        labels: model.pipeline.labels().to_vec(),
    })
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
