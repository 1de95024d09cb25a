//! The API described in OpenAPI 3.1, written out by hand: the API is small and stable, and a derive-based
//! generator (utoipa) would annotate every type and handler twice over for the same document. A test checks
//! that every route the service answers is described.

use serde_json::{Value, json};

fn error_responses(codes: &[&str]) -> Value {
    let mut responses = serde_json::Map::new();
    for code in codes {
        responses.insert(
            code.to_string(),
            json!({"description": match *code {
                "400" => "a field is missing or wrong; `field` names it",
                "401" => "no token or an unknown token",
                "403" => "the token's role may not do this",
                "404" => "no such case",
                "409" => "the case's state does not allow this (e.g. closing a closed case) or the id is taken",
                "413" => "body or batch too large",
                _ => "error",
            }, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
        );
    }
    Value::Object(responses)
}

fn operation(
    summary: &str,
    body: Option<&str>,
    ok: &str,
    ok_schema: &str,
    errors: &[&str],
) -> Value {
    let mut responses = error_responses(errors);
    responses[ok] = json!({"description": "success", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{ok_schema}")}}}});
    let mut op = json!({"summary": summary, "responses": responses});
    if let Some(body) = body {
        op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{body}")}}}});
    }
    op
}

fn with_id(mut op: Value) -> Value {
    op["parameters"] =
        json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
    op
}

/// The OpenAPI document served at `/api/v1/openapi.json`.
pub fn document() -> Value {
    let string = json!({"type": "string"});
    let opt_string = json!({"type": ["string", "null"]});
    let mut schemas = serde_json::Map::new();
    schemas.insert("Error".into(), json!({"type": "object", "required": ["status", "error", "message"], "properties": {
                    "status": {"type": "integer"}, "error": string, "message": string, "field": string}}));
    schemas.insert(
        "Complaint".into(),
        json!({"type": "object", "required": ["text"], "properties": {
                    "id": {"type": ["string", "integer"]}, "text": string}}),
    );
    schemas.insert("TriageRequest".into(), json!({"type": "object", "required": ["complaints"], "properties": {
                    "complaints": {"type": "array", "items": {"$ref": "#/components/schemas/Complaint"}},
                    "explain": {"type": "boolean", "default": false}}}));
    schemas.insert("Decision".into(), json!({"type": "object", "properties": {
                    "id": string, "label": string, "category_name": string, "confidence": {"type": "number"},
                    "department": string, "department_id": string, "review": {"type": "boolean"},
                    "review_reason": {"type": ["string", "null"], "description": "why the case goes to review, in Chinese"},
                    "review_reason_code": {"type": ["string", "null"], "enum": ["empty_text", "no_known_terms", "unfamiliar", "no_category_fits", "not_a_complaint", "never_routed", "below_threshold", null]},
                    "review_reason_en": {"type": ["string", "null"], "description": "the same reason in English"},
                    "alternatives": {"type": "array", "items": {"type": "object", "properties": {"label": string, "category_name": string, "confidence": {"type": "number"}}}},
                    "secondary_label": opt_string, "secondary_department": opt_string,
                    "reasons": {"type": "array", "items": {"type": "object", "properties": {"term": string, "weight": {"type": "number"}}}}}}));
    schemas.insert("TriageResponse".into(), json!({"type": "object", "properties": {
                    "decisions": {"type": "array", "items": {"$ref": "#/components/schemas/Decision"}},
                    "model": {"type": "object", "properties": {"version": string}}}}));
    schemas.insert("CaseIn".into(), json!({"type": "object", "required": ["text"], "properties": {
                    "id": {"type": ["string", "integer"]}, "text": string, "enterprise": string, "source": string,
                    "received_at": {"type": "string", "description": "RFC 3339, or YYYY-MM-DD (UTC+8)"}}}));
    schemas.insert(
        "IntakeRequest".into(),
        json!({"type": "object", "required": ["cases"], "properties": {
                    "cases": {"type": "array", "items": {"$ref": "#/components/schemas/CaseIn"}},
                    "explain": {"type": "boolean", "default": false}}}),
    );
    schemas.insert("Case".into(), json!({"type": "object", "properties": {
                    "id": string, "text": string, "enterprise": opt_string, "source": opt_string,
                    "received_at": string,
                    "state": {"type": "string", "enum": ["new", "assigned", "returned", "closed"]},
                    "state_name": {"type": "string", "description": "待交办, 已交办, 已退单, 已销号"},
                    "decision": {"$ref": "#/components/schemas/Decision"}, "model_version": string,
                    "label": opt_string, "category_name": opt_string, "department_id": opt_string,
                    "deadline": opt_string, "overdue": {"type": "boolean"}, "assigned_at": opt_string,
                    "closed_at": opt_string, "resolution": opt_string, "returns": {"type": "integer"},
                    "version": {"type": "integer"}, "created_at": string, "updated_at": string,
                    "history": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}}));
    schemas.insert("Event".into(), json!({"type": "object", "properties": {
                    "seq": {"type": "integer"}, "at": string, "actor": string,
                    "kind": {"type": "string", "enum": ["intake", "assign", "return", "close"]},
                    "department_id": opt_string, "before": {"type": "object"}, "after": {"type": "object"},
                    "note": opt_string}}));
    schemas.insert(
        "Cases".into(),
        json!({"type": "object", "properties": {
                    "cases": {"type": "array", "items": {"$ref": "#/components/schemas/Case"}},
                    "model": {"type": "object", "properties": {"version": string}}}}),
    );
    schemas.insert("CaseList".into(), json!({"type": "object", "properties": {
                    "cases": {"type": "array", "items": {"$ref": "#/components/schemas/Case"}},
                    "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}}));
    schemas.insert("AssignRequest".into(), json!({"type": "object", "required": ["department_id", "deadline"], "properties": {
                    "department_id": string, "deadline": {"type": "string", "description": "RFC 3339, or YYYY-MM-DD meaning the end of that day (UTC+8)"},
                    "label": {"type": "string", "description": "the dispatcher's correction of the suggested label"}, "note": string}}));
    schemas.insert(
        "ReturnRequest".into(),
        json!({"type": "object", "required": ["reason"], "properties": {"reason": string}}),
    );
    schemas.insert("CloseRequest".into(), json!({"type": "object", "required": ["resolution"], "properties": {
                    "resolution": string, "department_id": {"type": "string", "description": "default: as assigned"},
                    "label": {"type": "string", "description": "default: as assigned"}}}));
    schemas.insert("Stats".into(), json!({"type": "object", "properties": {
                    "cases": {"type": "integer"}, "by_state": {"type": "object"},
                    "departments": {"type": "array", "items": {"type": "object", "properties": {
                        "department_id": string, "open": {"type": "integer"}, "overdue": {"type": "integer"},
                        "closed": {"type": "integer"}, "closed_on_time": {"type": "integer"},
                        "median_days_to_close": {"type": ["number", "null"]}, "assigned": {"type": "integer"},
                        "returned": {"type": "integer"}, "returned_share": {"type": ["number", "null"]}}}},
                    "categories": {"type": "array", "items": {"type": "object", "properties": {
                        "label": string, "cases": {"type": "integer"}, "closed": {"type": "integer"},
                        "suggested_and_closed": {"type": "integer"}, "suggestion_right": {"type": "integer"},
                        "suggestion_accuracy": {"type": ["number", "null"]}}}},
                    "suggestion_accuracy": {"type": ["number", "null"]}}}));
    schemas.insert(
        "Model".into(),
        json!({"type": "object", "properties": {
                    "version": string, "source": string, "follows_registry": {"type": "boolean"},
                    "loaded_at": string, "trained_on": string, "training_rows": {"type": "integer"},
                    "data_fingerprint": string, "labels": {"type": "array", "items": string}}}),
    );
    schemas.insert("RollbackRequest".into(), json!({"type": "object", "properties": {"to": {"type": "integer", "description": "default: the latest retired version before the active one"}}}));
    let mut paths = serde_json::Map::new();
    paths.insert("/api/v1/triage".into(), json!({"post": operation("Decisions for complaints; nothing is stored", Some("TriageRequest"), "200", "TriageResponse", &["400", "401", "413"])}));
    paths.insert("/api/v1/cases".into(), json!({
                "post": operation("Intake: triage and store cases (admin, dispatcher)", Some("IntakeRequest"), "201", "Cases", &["400", "401", "403", "409", "413"]),
                "get": {
                    "summary": "Cases, newest first, paged (a department sees its own)",
                    "parameters": [
                        {"name": "state", "in": "query", "schema": {"type": "string", "enum": ["new", "assigned", "returned", "closed"]}},
                        {"name": "department_id", "in": "query", "schema": string},
                        {"name": "overdue", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "since", "in": "query", "schema": string, "description": "received at or after (RFC 3339 or date)"},
                        {"name": "until", "in": "query", "schema": string, "description": "received before"},
                        {"name": "label", "in": "query", "schema": string},
                        {"name": "review", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
                        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}}
                    ],
                    "responses": operation("", None, "200", "CaseList", &["400", "401", "403"])["responses"]
                }
            }));
    paths.insert("/api/v1/cases/{id}".into(), json!({"get": with_id(operation("One case with its full history", None, "200", "Case", &["401", "403", "404"]))}));
    paths.insert("/api/v1/cases/{id}/assign".into(), json!({"post": with_id(operation("交办: hand to a department with a deadline (admin, dispatcher)", Some("AssignRequest"), "200", "Case", &["400", "401", "403", "404", "409"]))}));
    paths.insert("/api/v1/cases/{id}/return".into(), json!({"post": with_id(operation("退单: the department gives the case back to dispatch", Some("ReturnRequest"), "200", "Case", &["400", "401", "403", "404", "409"]))}));
    paths.insert("/api/v1/cases/{id}/close".into(), json!({"post": with_id(operation("销号: close the case; a second close is 409", Some("CloseRequest"), "200", "Case", &["400", "401", "403", "404", "409"]))}));
    paths.insert("/api/v1/stats".into(), json!({"get": operation("Per department and per category figures", None, "200", "Stats", &["401"])}));
    paths.insert(
        "/api/v1/model".into(),
        json!({"get": operation("The model answering now", None, "200", "Model", &["401"])}),
    );
    paths.insert("/api/v1/model/rollback".into(), json!({"post": operation("Re-activate an earlier registry version and serve it now (admin)", Some("RollbackRequest"), "200", "Model", &["400", "401", "403", "409"])}));
    paths.insert("/api/v1/openapi.json".into(), json!({"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3.1"}}}}));
    paths.insert("/healthz".into(), json!({"get": {"summary": "Liveness", "security": [], "responses": {"200": {"description": "ok"}}}}));
    paths.insert("/readyz".into(), json!({"get": {"summary": "Readiness: the store answers and a model is loaded", "security": [], "responses": {"200": {"description": "ready"}, "503": {"description": "not ready"}}}}));
    paths.insert("/metrics".into(), json!({"get": {"summary": "Prometheus text: requests, latency, decisions, model version", "security": [], "responses": {"200": {"description": "metrics"}}}}));
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "complaint-triage service",
            "version": "1",
            "description": "Triage of enterprise complaints (企业诉求) and the office's case loop: intake, 交办, 退单, 销号. \
                Send `Authorization: Bearer <token>` when the service runs with --tokens."
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas
        },
        "security": [{"bearer": []}],
        "paths": paths
    })
}
