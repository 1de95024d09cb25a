//! `/metrics` in the Prometheus text format: requests and their latency by route, decisions by department and
//! whether they went to review, and the model version in service.

use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::time::Instant;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    department_id: String,
    review: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModelLabels {
    version: String,
}

type HistogramMaker = fn() -> Histogram;

fn latency_histogram() -> Histogram {
    // 0.1 ms to ~3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, HistogramMaker>,
    decisions: Family<DecisionLabels, Counter>,
    model: Family<ModelLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, HistogramMaker>::new_with_constructor(
            latency_histogram,
        );
        let decisions = Family::<DecisionLabels, Counter>::default();
        let model = Family::<ModelLabels, Gauge>::default();
        registry.register(
            "triage_http_requests",
            "HTTP requests by method, route and status",
            requests.clone(),
        );
        registry.register(
            "triage_http_request_duration_seconds",
            "HTTP request latency by method and route",
            latency.clone(),
        );
        registry.register(
            "triage_decisions",
            "Triage decisions by department and whether they went to review",
            decisions.clone(),
        );
        registry.register(
            "triage_model_in_service",
            "1 for the model version answering now",
            model.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            decisions,
            model,
        }
    }
}

impl Metrics {
    pub fn decision(&self, department_id: &str, review: bool) {
        self.decisions
            .get_or_create(&DecisionLabels {
                department_id: department_id.to_string(),
                review: review.to_string(),
            })
            .inc();
    }

    /// Marks `version` as the one in service.
    pub fn model_in_service(&self, version: &str) {
        let labels = ModelLabels {
            version: version.to_string(),
        };
        if self.model.get_or_create(&labels).get() == 1 {
            return;
        }
        self.model.clear();
        self.model.get_or_create(&labels).set(1);
    }

    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// Counts and times every request by its route pattern (`/api/v1/cases/{id}`, never the id itself).
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    let metrics = &state.metrics;
    metrics
        .latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}
