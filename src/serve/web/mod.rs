//! The dispatcher's web page: its routes, views and embedded assets.

use super::AppState;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
}
