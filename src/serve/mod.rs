//! `triage serve`: the triage service and the office's case loop over HTTP (JSON), on axum and tokio.
//!
//! One module per resource, each with its routes, request and response types and handlers: [`triage`]
//! (stateless decisions), [`cases`] (intake, 交办, 退单, 销号, listing, history, stats), [`health`] (health,
//! readiness, the model, metrics, the API description); [`web`] is the dispatcher's page. Handlers are thin:
//! the decisions come from [`crate::pipeline`], the cases from [`crate::store`]. Shared by every handler:
//! [`AppState`] (the model handle, the store, the token table, the metrics). One error type,
//! [`error::ApiError`], maps each failure to a status. [`serve`] runs the app on a listener it is given, so
//! tests bind port 0 and run many services at once. See `docs/serve.md`.

pub mod auth;
pub mod cases;
pub mod error;
pub mod health;
pub mod json;
pub mod metrics;
pub mod model;
pub mod openapi;
pub mod report;
pub mod triage;
pub mod web;

use crate::store::Store;
use auth::TokenTable;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use metrics::Metrics;
use model::ModelHandle;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Limits that keep one request from taking the service down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Largest request body.
    pub body_bytes: usize,
    /// Most complaints or cases in one request.
    pub batch: usize,
    /// Longest a request may take before it is answered 408.
    pub timeout: Duration,
    /// Largest page of a listing.
    pub page: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 8 << 20,
            batch: 1000,
            timeout: Duration::from_secs(30),
            page: 500,
        }
    }
}

/// What every handler shares; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub model: Arc<ModelHandle>,
    pub store: Store,
    /// `None`: no tokens file; the service is on loopback and everyone is `local` (admin).
    pub tokens: Option<Arc<TokenTable>>,
    pub metrics: Arc<Metrics>,
    pub limits: Limits,
}

impl AppState {
    pub fn new(model: Arc<ModelHandle>, store: Store, tokens: Option<TokenTable>) -> AppState {
        let metrics = Metrics::default();
        metrics.model_in_service(&model.current().version);
        AppState {
            model,
            store,
            tokens: tokens.map(Arc::new),
            metrics: Arc::new(metrics),
            limits: Limits::default(),
        }
    }
}

/// The whole service: the JSON API, health and metrics, and the page.
pub fn app(state: AppState) -> Router {
    let limits = state.limits;
    Router::new()
        .merge(triage::routes())
        .merge(cases::routes())
        .merge(health::routes())
        .merge(web::routes())
        .merge(report::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ))
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            limits.timeout,
        ))
        .with_state(state)
}

/// Why the service will not listen where it was asked.
pub fn check_exposure(address: &SocketAddr, has_tokens: bool) -> Result<(), String> {
    if has_tokens || address.ip().is_loopback() {
        Ok(())
    } else {
        Err(format!(
            "refusing to listen on {address} without --tokens: anyone who can reach it could read and change \
             cases. Pass --tokens FILE (make tokens with `triage token`), or listen on 127.0.0.1"
        ))
    }
}

/// Serves `state` on `listener` until `shutdown` completes; requests in flight then finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
