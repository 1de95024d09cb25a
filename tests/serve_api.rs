//! The service over real HTTP on port 0, each test with its own SQLite store: triage, the case loop, errors,
//! roles, metrics and the API description.

mod serve_helpers;

use complaint_triage::serve::Limits;
use complaint_triage::serve::auth::Role;
use serde_json::{Value, json};
use serve_helpers::*;

const TAX: &str = "我公司增值税留抵退税申请提交三个月了还没有到账，资金周转困难";
const LAND: &str = "企业扩建用地指标迟迟批不下来，土地出让手续办理太慢";

#[tokio::test]
async fn triage_answers_with_the_fields_of_classify_and_stores_nothing() {
    let app = spawn_app().await;
    let (status, body) = json(
        app.post(
            "/api/v1/triage",
            &json!({"complaints": [{"id": 7, "text": TAX}, {"text": ""}], "explain": true}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let decisions = body["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 2);
    let tax = &decisions[0];
    assert_eq!(tax["id"], "7");
    assert_eq!(tax["label"], "tax");
    assert_eq!(tax["category_name"], "税收");
    assert_eq!(tax["department_id"], "tax_bureau");
    assert!(tax["confidence"].as_f64().unwrap() > 0.5);
    assert!(!tax["reasons"].as_array().unwrap().is_empty());
    // Only candidates at 0.01 or above are listed: a confident decision may have none.
    for alternative in tax["alternatives"].as_array().unwrap() {
        assert!(alternative["label"].is_string(), "{alternative}");
        assert!(alternative["category_name"].is_string(), "{alternative}");
        assert!(alternative["confidence"].as_f64().unwrap() >= 0.01);
    }
    for field in [
        "department",
        "review",
        "review_reason",
        "secondary_label",
        "secondary_department",
    ] {
        assert!(tax.get(field).is_some(), "{field} missing: {tax}");
    }
    let empty = &decisions[1];
    assert_eq!(
        (empty["id"].as_str(), empty["review"].as_bool()),
        (Some("2"), Some(true))
    );
    assert_eq!(empty["review_reason"], "空文本");
    assert_eq!(empty["review_reason_code"], "empty_text");
    assert_eq!(empty["review_reason_en"], "empty text");
    assert_eq!(body["model"]["version"], "builtin");
    assert_eq!(
        app.store
            .list(&Default::default(), 0, 10, 0)
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test]
async fn the_case_loop_intake_assign_return_close_keeps_every_event() {
    let app = spawn_app().await;
    let (status, body) = json(
        app.post(
            "/api/v1/cases",
            &json!({"cases": [
                {"text": TAX, "enterprise": "某某机械有限公司", "source": "12345热线", "received_at": "2026-11-02"},
                {"id": "A-2", "text": LAND}
            ]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let cases = body["cases"].as_array().unwrap();
    let id = cases[0]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with('C'), "{id}");
    assert_eq!(cases[1]["id"], "A-2");
    assert_eq!(cases[0]["state"], "new");
    assert_eq!(cases[0]["state_name"], "待交办");
    assert_eq!(cases[0]["decision"]["label"], "tax");
    assert_eq!(cases[0]["decision"]["id"], id.as_str());
    assert_eq!(cases[0]["received_at"], "2026-11-01T16:00:00Z");

    // 交办 to the wrong department with a corrected label, 退单, 交办 again, 销号.
    let (status, assigned) = json(
        app.post(
            &format!("/api/v1/cases/{id}/assign"),
            &json!({"department_id": "natural_resources", "deadline": "2030-01-31", "label": "land"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(assigned["state"], "assigned");
    assert_eq!(assigned["label"], "land");
    assert_eq!(assigned["deadline"], "2030-01-31T15:59:59.999Z");
    let (status, returned) = json(
        app.post(
            &format!("/api/v1/cases/{id}/return"),
            &json!({"reason": "属于税务事项，非本单位职责"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{returned}");
    assert_eq!(
        (returned["state"].as_str(), returned["returns"].as_i64()),
        (Some("returned"), Some(1))
    );
    let (status, _) = json(
        app.post(
            &format!("/api/v1/cases/{id}/assign"),
            &json!({"department_id": "tax_bureau", "deadline": "2030-02-15T18:00:00+08:00", "label": "tax"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let (status, closed) = json(
        app.post(
            &format!("/api/v1/cases/{id}/close"),
            &json!({"resolution": "已退税到账"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["department_id"], "tax_bureau");
    assert_eq!(closed["label"], "tax");

    // A second 销号 is refused and changes nothing.
    let (status, error) = json(
        app.post(
            &format!("/api/v1/cases/{id}/close"),
            &json!({"resolution": "again"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("already closed"),
        "{error}"
    );

    let (status, case) = json(app.get(&format!("/api/v1/cases/{id}")).await).await;
    assert_eq!(status, 200);
    let history = case["history"].as_array().unwrap();
    let kinds: Vec<&str> = history
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["intake", "assign", "return", "assign", "close"]);
    assert_eq!(history[1]["note"], "label corrected: tax → land");
    assert_eq!(history[1]["before"]["state"], "new");
    assert_eq!(history[1]["after"]["department_id"], "natural_resources");
    assert_eq!(history[2]["note"], "属于税务事项，非本单位职责");
    assert_eq!(history[4]["after"]["resolution"], "已退税到账");
    assert!(history.iter().all(|e| e["actor"] == "local"));
    assert_eq!(case["version"], 5);

    // The case row is exactly the fold of its events.
    let events = app.store.history(&id).await.unwrap();
    let mut replayed = complaint_triage::store::Case::replay(&events)
        .unwrap()
        .unwrap();
    let stored = app.store.get(&id).await.unwrap();
    // The confidence goes through JSON in the event and a REAL column in the row: equal to the last bit or one.
    assert!((replayed.confidence - stored.confidence).abs() < 1e-12);
    replayed.confidence = stored.confidence;
    assert_eq!(replayed, stored);

    // Figures: one 交办 of two returned for natural_resources, the tax case closed on time.
    let (status, stats) = json(app.get("/api/v1/stats").await).await;
    assert_eq!(status, 200);
    let department = |id: &str| {
        stats["departments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["department_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} missing: {stats}"))
    };
    assert_eq!(department("natural_resources")["returned_share"], 1.0);
    assert_eq!(department("tax_bureau")["closed_on_time"], 1);
    assert_eq!(stats["by_state"]["new"], 1);
    assert_eq!(stats["suggestion_accuracy"], 1.0);
}

#[tokio::test]
async fn listing_filters_and_pages() {
    let app = spawn_app().await;
    let cases: Vec<Value> = (0..7)
        .map(|i| json!({"id": format!("L{i}"), "text": if i % 2 == 0 { TAX } else { LAND }}))
        .collect();
    let (status, _) = json(app.post("/api/v1/cases", &json!({"cases": cases})).await).await;
    assert_eq!(status, 201);
    for (id, deadline) in [("L0", "2020-01-01"), ("L1", "2099-01-01")] {
        let (status, body) = json(
            app.post(
                &format!("/api/v1/cases/{id}/assign"),
                &json!({"department_id": "tax_bureau", "deadline": deadline}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, page) = json(app.get("/api/v1/cases?per_page=3&page=2").await).await;
    assert_eq!(page["total"], 7);
    let ids: Vec<&str> = page["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["L3", "L2", "L1"]);
    let (_, overdue) = json(app.get("/api/v1/cases?overdue=true").await).await;
    assert_eq!(overdue["total"], 1);
    assert_eq!(overdue["cases"][0]["id"], "L0");
    assert_eq!(overdue["cases"][0]["overdue"], true);
    let (_, assigned) = json(
        app.get("/api/v1/cases?state=已交办&department_id=tax_bureau")
            .await,
    )
    .await;
    assert_eq!(assigned["total"], 2);
    let (_, new) = json(app.get("/api/v1/cases?state=new&label=land").await).await;
    assert_eq!(new["total"], 2);
    let (_, none) = json(app.get("/api/v1/cases?since=2099-01-01").await).await;
    assert_eq!(none["total"], 0);
    let (status, error) = json(app.get("/api/v1/cases?state=open").await).await;
    assert_eq!((status, error["field"].as_str()), (400, Some("state")));
    let (status, error) = json(app.get("/api/v1/cases?per_page=100000").await).await;
    assert_eq!((status, error["field"].as_str()), (400, Some("per_page")));
}

#[tokio::test]
async fn bad_requests_name_the_field_and_unknown_cases_are_404() {
    let app = spawn_app_with(AppOptions {
        limits: Limits {
            batch: 3,
            body_bytes: 4096,
            ..Limits::default()
        },
        ..AppOptions::default()
    })
    .await;
    let cases = [
        (json!({"complaints": [{"text": 5}]}), "complaints[0].text"),
        (json!({"complaints": [{"id": 1}]}), "complaints[0].text"),
        (json!({"complaint": []}), "complaint"),
        (
            json!({"complaints": [{"id": [1], "text": "x"}]}),
            "complaints[0].id",
        ),
        (json!({"complaints": []}), "complaints"),
    ];
    for (body, field) in cases {
        let (status, error) = json(app.post("/api/v1/triage", &body).await).await;
        assert_eq!(status, 400, "{body}: {error}");
        assert_eq!(error["field"], field, "{body}: {error}");
        assert!(
            error["message"].as_str().unwrap().starts_with(field),
            "{error}"
        );
    }
    let (status, error) = json(app.post_raw("/api/v1/triage", "{\"complaints\": [").await).await;
    assert_eq!(status, 400);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("malformed JSON"),
        "{error}"
    );
    let four: Vec<Value> = (0..4).map(|_| json!({"text": TAX})).collect();
    let (status, error) = json(
        app.post("/api/v1/triage", &json!({"complaints": four}))
            .await,
    )
    .await;
    assert_eq!(status, 413, "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("at most 3"),
        "{error}"
    );
    let (status, _) = json(app.post_raw("/api/v1/triage", "x".repeat(10_000)).await).await;
    assert_eq!(status, 413);

    let (status, error) = json(app.get("/api/v1/cases/NOPE").await).await;
    assert_eq!((status, error["error"].as_str()), (404, Some("not_found")));
    let (status, _) = json(
        app.post("/api/v1/cases/NOPE/close", &json!({"resolution": "x"}))
            .await,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = json(
        app.post("/api/v1/cases", &json!({"cases": [{"text": TAX}]}))
            .await,
    )
    .await;
    assert_eq!(status, 201);
    let id = "C000001";
    let (status, error) = json(
        app.post(
            &format!("/api/v1/cases/{id}/assign"),
            &json!({"department_id": "tax_bureau", "deadline": "soon"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, error["field"].as_str()),
        (400, Some("deadline")),
        "{error}"
    );
    let (status, error) = json(
        app.post(
            &format!("/api/v1/cases/{id}/return"),
            &json!({"reason": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "a new case cannot be returned: {error}");
    let (status, error) = json(
        app.post(
            &format!("/api/v1/cases/{id}/close"),
            &json!({"resolution": "done"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, error["field"].as_str()),
        (400, Some("department_id")),
        "{error}"
    );
    // Taking in the same id twice is a conflict, and nothing of the second request is stored.
    let (status, _) = json(
        app.post(
            "/api/v1/cases",
            &json!({"cases": [{"id": "X", "text": TAX}, {"id": "X", "text": LAND}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        app.store
            .list(&Default::default(), 0, 10, 0)
            .await
            .unwrap()
            .total,
        1
    );
}

#[tokio::test]
async fn roles_decide_who_may_do_what() {
    let mut app = spawn_app_with(AppOptions {
        tokens: vec![
            (Role::Dispatcher, "dispatcher".into()),
            (Role::Department("tax_bureau".into()), "tax".into()),
            (Role::Department("natural_resources".into()), "land".into()),
            (Role::Reader, "reader".into()),
        ],
        ..AppOptions::default()
    })
    .await;
    let (status, error) = json(app.get("/api/v1/cases").await).await;
    assert_eq!(status, 401);
    assert!(
        error["message"].as_str().unwrap().contains("Bearer"),
        "{error}"
    );
    app.token = Some("wrong".into());
    assert_eq!(app.get("/api/v1/cases").await.status(), 401);
    // Health and metrics are open.
    assert_eq!(app.get("/healthz").await.status(), 200);

    app.as_user("reader");
    let (status, error) = json(
        app.post("/api/v1/cases", &json!({"cases": [{"text": TAX}]}))
            .await,
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        error["message"].as_str().unwrap().contains("role 'reader'"),
        "{error}"
    );

    app.as_user("dispatcher");
    let (status, _) = json(
        app.post(
            "/api/v1/cases",
            &json!({"cases": [{"id": "T1", "text": TAX}, {"id": "T2", "text": LAND}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    for (id, department) in [("T1", "tax_bureau"), ("T2", "natural_resources")] {
        let (status, _) = json(
            app.post(
                &format!("/api/v1/cases/{id}/assign"),
                &json!({"department_id": department, "deadline": "2099-01-01"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 200);
    }

    app.as_user("tax");
    let (_, mine) = json(app.get("/api/v1/cases").await).await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["cases"][0]["id"], "T1");
    assert_eq!(app.get("/api/v1/cases/T2").await.status(), 403);
    assert_eq!(
        app.get("/api/v1/cases?department_id=natural_resources")
            .await
            .status(),
        403
    );
    let (status, _) = json(
        app.post("/api/v1/cases/T2/close", &json!({"resolution": "x"}))
            .await,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = json(
        app.post(
            "/api/v1/cases/T1/assign",
            &json!({"department_id": "tax_bureau", "deadline": "2099-01-01"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 403);
    let (status, closed) = json(
        app.post("/api/v1/cases/T1/close", &json!({"resolution": "已办结"}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{closed}");

    app.as_user("land");
    let (status, _) = json(
        app.post("/api/v1/cases/T2/return", &json!({"reason": "不是我们的"}))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let (_, history) = json({
        app.as_user("dispatcher");
        app.get("/api/v1/cases/T2").await
    })
    .await;
    let actors: Vec<&str> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].as_str().unwrap())
        .collect();
    assert_eq!(actors, ["dispatcher", "dispatcher", "land"]);
}

#[tokio::test]
async fn metrics_health_model_and_the_api_description() {
    let app = spawn_app().await;
    let (status, _) = json(
        app.post("/api/v1/triage", &json!({"complaints": [{"text": TAX}]}))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(app.get("/healthz").await.status(), 200);
    let (status, ready) = json(app.get("/readyz").await).await;
    assert_eq!((status, ready["ready"].as_bool()), (200, Some(true)));
    let (status, model) = json(app.get("/api/v1/model").await).await;
    assert_eq!(status, 200);
    assert_eq!(model["version"], "builtin");
    assert!(
        model["labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "tax")
    );

    let metrics = app.get("/metrics").await.text().await.unwrap();
    for expected in [
        "triage_http_requests_total{method=\"POST\",route=\"/api/v1/triage\",status=\"200\"} 1",
        "triage_http_request_duration_seconds_bucket{",
        "triage_decisions_total{department_id=\"tax_bureau\",review=\"false\"} 1",
        "triage_model_in_service{version=\"builtin\"} 1",
    ] {
        assert!(metrics.contains(expected), "{expected} not in\n{metrics}");
    }

    let (status, document) = json(app.get("/api/v1/openapi.json").await).await;
    assert_eq!(status, 200);
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/api/v1/triage",
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/assign",
        "/api/v1/cases/{id}/return",
        "/api/v1/cases/{id}/close",
        "/api/v1/stats",
        "/api/v1/model",
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/v1/model/rollback",
    ] {
        assert!(paths.contains_key(path), "{path} not described");
    }
    // A fixed model cannot be rolled back.
    let (status, error) = json(app.post("/api/v1/model/rollback", &json!({})).await).await;
    assert_eq!(status, 409, "{error}");
}

#[test]
fn listening_beyond_loopback_needs_tokens() {
    use complaint_triage::serve::check_exposure;
    let anywhere = "0.0.0.0:8080".parse().unwrap();
    let error = check_exposure(&anywhere, false).unwrap_err();
    assert!(error.contains("without --tokens"), "{error}");
    assert!(check_exposure(&anywhere, true).is_ok());
    assert!(check_exposure(&"127.0.0.1:8080".parse().unwrap(), false).is_ok());
    assert!(check_exposure(&"[::1]:8080".parse().unwrap(), false).is_ok());
}
