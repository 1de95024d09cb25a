//! `GET /report`: the batch report over every case in the store, with the store's per-department figures —
//! the same self-contained HTML page `triage report --store` writes (see `docs/report.md`), for the admin
//! and dispatcher roles. The cases, the figures and the page all come from [`crate::report`]; this handler
//! only checks the role and runs the grouping off the async threads.

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use crate::report::{ReportOptions, batch_of_cases, build_report, html, store_section};
use crate::store::time;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new().route("/report", get(report))
}

async fn report(State(state): State<AppState>, caller: Caller) -> Result<Html<String>, ApiError> {
    caller.require_dispatch("read the report over all cases")?;
    let model = state.model.current();
    let routing = &model.pipeline.routing;
    let batch = batch_of_cases(&state.store, routing).await?;
    let section = store_section(&state.store, routing, time::now()).await?;
    let options = ReportOptions {
        source: format!("案件库（{}件）", batch.rows.len()),
        ..ReportOptions::default()
    };
    let page = tokio::task::spawn_blocking(move || {
        let report = build_report(&batch, &[], std::slice::from_ref(&options.source), &options);
        html::render(&report.with_store(section))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("report: {e}")))?;
    Ok(Html(page))
}
