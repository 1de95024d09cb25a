//! The store on a real PostgreSQL server (`DATABASE_URL`; skipped with a loud message when unset): two
//! service instances on one database work as one office, and concurrent closes of one case close it once.

mod serve_helpers;

use serde_json::json;
use serve_helpers::*;

const TAX: &str = "我公司增值税留抵退税申请提交三个月了还没有到账，资金周转困难";

#[tokio::test]
async fn two_services_on_one_postgres_share_the_cases() {
    let Some(url) = fresh_postgres_database("two_services_on_one_postgres_share_the_cases").await
    else {
        return;
    };
    let options = || AppOptions {
        store_url: Some(url.clone()),
        ..AppOptions::default()
    };
    let (first, second) = (
        spawn_app_with(options()).await,
        spawn_app_with(options()).await,
    );
    assert_eq!(
        first.store.backend(),
        complaint_triage::store::Backend::Postgres
    );
    let (status, body) = json(
        first
            .post(
                "/api/v1/cases",
                &json!({"cases": [{"text": TAX}, {"text": TAX}]}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = json(
        second
            .post("/api/v1/cases", &json!({"cases": [{"text": TAX}]}))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // Ids come from one counter in the database, whichever instance took the case in.
    assert_eq!(body["cases"][0]["id"], "C000003");

    let (status, _) = json(
        first
            .post(
                "/api/v1/cases/C000001/assign",
                &json!({"department_id": "tax_bureau", "deadline": "2099-01-01"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let (status, closed) = json(
        second
            .post(
                "/api/v1/cases/C000001/close",
                &json!({"resolution": "已办结"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["department_id"], "tax_bureau");
    let (status, _) = json(
        first
            .post(
                "/api/v1/cases/C000001/close",
                &json!({"resolution": "again"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 409);
    let (_, case) = json(first.get("/api/v1/cases/C000001").await).await;
    assert_eq!(case["history"].as_array().unwrap().len(), 3);
    let (_, listed) = json(second.get("/api/v1/cases").await).await;
    assert_eq!(listed["total"], 3);
}

#[tokio::test]
async fn racing_closes_on_two_instances_close_once() {
    let Some(url) = fresh_postgres_database("racing_closes_on_two_instances_close_once").await
    else {
        return;
    };
    let options = || AppOptions {
        store_url: Some(url.clone()),
        ..AppOptions::default()
    };
    let (first, second) = (
        spawn_app_with(options()).await,
        spawn_app_with(options()).await,
    );
    let cases: Vec<_> = (0..20)
        .map(|i| json!({"id": format!("R{i}"), "text": TAX}))
        .collect();
    let (status, _) = json(first.post("/api/v1/cases", &json!({"cases": cases})).await).await;
    assert_eq!(status, 201);
    for i in 0..20 {
        let (status, _) = json(
            first
                .post(
                    &format!("/api/v1/cases/R{i}/assign"),
                    &json!({"department_id": "tax_bureau", "deadline": "2099-01-01"}),
                )
                .await,
        )
        .await;
        assert_eq!(status, 200);
    }
    let close = |app: &TestApp, i: usize| {
        let request = app
            .client
            .post(format!("{}/api/v1/cases/R{i}/close", app.address))
            .json(&json!({"resolution": format!("by {}", app.address)}));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    for i in 0..20 {
        let (a, b) = tokio::join!(close(&first, i), close(&second, i));
        let mut statuses = [a, b];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "case R{i}");
        let events = first.store.history(&format!("R{i}")).await.unwrap();
        assert_eq!(
            events.iter().filter(|e| e.kind.as_str() == "close").count(),
            1
        );
    }
}
