//! The dispatcher's desk: the page `triage serve` answers at `/`, and the few endpoints only the page needs.
//!
//! The page is one HTML shell, one stylesheet and one plain script ([`assets`]), all compiled into the binary:
//! nothing is fetched from the network and nothing is built with Node. The script draws every view from the
//! JSON API, so what a role may see and do is decided once, by the same handlers every other client meets.
//! The endpoints here, under `/api/v1/desk/`, are what the public API does not offer and only a page needs:
//! who the caller is and the category catalogue ([`catalog`]), batch uploads that run in the background with
//! progress and their 交办单 ([`batches`], written by [`crate::io::assignment_sheet`]), the review queue hardest first and the 督办
//! board ([`queue`]), the model card, retrain and rollback ([`model_admin`]). See `docs/desk.md`.

mod assets;
mod batches;
mod catalog;
mod jobs;
mod model_admin;
mod queue;

use super::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// Largest upload the batch page takes: a 50,000-row workbook is a few MB, a CSV export of a year can be more.
pub const UPLOAD_BYTES: usize = 256 << 20;

/// The page and its endpoints. Background jobs live in the store.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(assets::index))
        .route("/desk/desk.js", get(assets::script))
        .route("/desk/desk.css", get(assets::stylesheet))
        .route("/api/v1/desk/me", get(catalog::me))
        .route("/api/v1/desk/catalog", get(catalog::catalog))
        .route(
            "/api/v1/desk/batches",
            post(batches::upload)
                .layer(DefaultBodyLimit::max(UPLOAD_BYTES))
                .get(batches::list),
        )
        .route(
            "/api/v1/desk/columns",
            post(batches::columns).layer(DefaultBodyLimit::max(UPLOAD_BYTES)),
        )
        .route("/api/v1/desk/batches/{job}", get(batches::status))
        .route("/api/v1/desk/batches/{job}/rows", get(batches::rows))
        .route("/api/v1/desk/batches/{job}/sheet", get(batches::sheet))
        .route(
            "/api/v1/desk/batches/{job}/assign-routed",
            post(batches::assign_routed),
        )
        .route("/api/v1/desk/jobs/{job}", get(batches::job_status))
        .route("/api/v1/desk/review", get(queue::review))
        .route(
            "/api/v1/desk/cases/{id}/not-complaint",
            post(queue::not_complaint),
        )
        .route("/api/v1/desk/board", get(queue::board))
        .route("/api/v1/desk/model", get(model_admin::model))
        .route("/api/v1/desk/model/retrain", post(model_admin::retrain))
        .route(
            "/api/v1/desk/model/retrain/{job}",
            get(model_admin::retrain_status),
        )
        .route("/api/v1/desk/model/decide", post(model_admin::decide))
        .route("/api/v1/desk/model/rollback", post(model_admin::rollback))
}
