//! The report over the case store: its per-department figures ([`store_section`], on SQLite and, when
//! `DATABASE_URL` is set, PostgreSQL), the service's `/report` view and who may read it, and
//! `triage report --store`.

mod serve_helpers;

use complaint_triage::report::{StoreDepartment, store_section};
use complaint_triage::serve::auth::Role;
use complaint_triage::store::time;
use serde_json::json;
use serve_helpers::*;
use std::process::Command;

const TAX: &str = "我公司增值税留抵退税申请提交三个月了还没有到账，资金周转困难";
const LAND: &str = "企业扩建用地指标迟迟批不下来，土地出让手续办理太慢";
const ROAD: &str = "工业园区长江路路面塌陷多处，大货车无法通行，请尽快修复长江路";
const ROAD_AGAIN: &str = "长江路路面塌陷已经三个月了，货车进不了园区，影响发货";

/// Four cases: T1 with the tax bureau (open), T2 closed there on time after 0 days, T3 returned by natural
/// resources and waiting for the dispatcher, T4 never assigned.
async fn fill(app: &TestApp) {
    let (status, body) = json(
        app.post(
            "/api/v1/cases",
            &json!({"cases": [
                {"id": "T1", "text": TAX, "enterprise": "甲公司"},
                {"id": "T2", "text": TAX, "enterprise": "乙公司"},
                {"id": "T3", "text": ROAD, "enterprise": "丙公司"},
                {"id": "T4", "text": ROAD_AGAIN, "enterprise": "丁公司"},
                {"id": "T5", "text": LAND}
            ]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    for (id, department) in [
        ("T1", "tax_bureau"),
        ("T2", "tax_bureau"),
        ("T3", "natural_resources"),
    ] {
        let (status, body) = json(
            app.post(
                &format!("/api/v1/cases/{id}/assign"),
                &json!({"department_id": department, "deadline": "2099-01-01"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = json(
        app.post("/api/v1/cases/T2/close", &json!({"resolution": "已退税"}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = json(
        app.post(
            "/api/v1/cases/T3/return",
            &json!({"reason": "不属于本单位"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

fn line<'a>(departments: &'a [StoreDepartment], id: &str) -> &'a StoreDepartment {
    departments
        .iter()
        .find(|d| d.department_id == id)
        .unwrap_or_else(|| panic!("no line for {id}: {departments:?}"))
}

async fn check_store_section(app: &TestApp) {
    let routing = &default_pipeline().routing;
    let section = store_section(&app.store, routing, time::now())
        .await
        .unwrap();
    assert_eq!((section.cases, section.with_dispatcher), (5, 3));
    let tax = line(&section.departments, "tax_bureau");
    assert_eq!(
        (
            tax.open,
            tax.overdue,
            tax.closed,
            tax.closed_on_time,
            tax.returned
        ),
        (1, 0, 1, 1, 0)
    );
    assert_eq!(tax.name, routing.route("tax").name);
    assert!(tax.median_days_to_close.unwrap() < 0.01, "{tax:?}");
    let land = line(&section.departments, "natural_resources");
    assert_eq!((land.open, land.closed, land.returned), (0, 0, 1));
    assert_eq!(land.median_days_to_close, None);
    // Overdue as of a day past every deadline: the open case counts.
    let later = time::parse("2099-02-01", false).unwrap();
    let section = store_section(&app.store, routing, later).await.unwrap();
    assert_eq!(line(&section.departments, "tax_bureau").overdue, 1);
}

#[tokio::test]
async fn store_figures_per_department_on_sqlite() {
    let app = spawn_app().await;
    fill(&app).await;
    check_store_section(&app).await;
}

#[tokio::test]
async fn store_figures_per_department_on_postgres() {
    let Some(url) = fresh_postgres_database("store_figures_per_department_on_postgres").await
    else {
        return;
    };
    let app = spawn_app_with(AppOptions {
        store_url: Some(url),
        ..AppOptions::default()
    })
    .await;
    fill(&app).await;
    check_store_section(&app).await;
}

#[tokio::test]
async fn the_report_view_is_for_admin_and_dispatcher_not_a_department() {
    let mut app = spawn_app_with(AppOptions {
        tokens: vec![
            (Role::Admin, "admin".into()),
            (Role::Dispatcher, "dispatcher".into()),
            (Role::Department("tax_bureau".into()), "tax".into()),
        ],
        ..AppOptions::default()
    })
    .await;
    app.as_user("dispatcher");
    fill(&app).await;
    app.token = None;
    assert_eq!(app.get("/report").await.status(), 401);
    app.as_user("tax");
    let (status, error) = json(app.get("/report").await).await;
    assert_eq!(status, 403, "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("department:tax_bureau"),
        "{error}"
    );
    for who in ["admin", "dispatcher"] {
        app.as_user(who);
        let response = app.get("/report").await;
        assert_eq!(response.status(), 200, "{who}");
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        let page = response.text().await.unwrap();
        assert!(page.contains("共收集问题5件"), "{who}: headline missing");
        assert!(page.contains("案件库办理情况"), "{who}: no store section");
        // The tax bureau's line: 1 open, 0 overdue, 1 closed, 1 on time, 0 returned, 0.0 days.
        let tax = default_pipeline().routing.route("tax").name;
        let row = format!(
            r#"<tr><td>{tax}</td><td class="n">1</td><td class="n">0</td><td class="n">1</td><td class="n">1</td><td class="n">0</td><td class="n">0.0</td></tr>"#
        );
        assert!(page.contains(&row), "{who}: no line {row}");
        // The road problem raised by two enterprises is a recurring problem of the store.
        assert!(
            page.contains("长江路"),
            "{who}: the road problem is missing"
        );
        assert!(!page.contains("<script"), "the report runs no script");
    }
}

#[tokio::test]
async fn the_command_line_reports_a_store_and_refuses_a_missing_one() {
    let mut app = spawn_app().await;
    fill(&app).await;
    app.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.csv");
    std::fs::write(&batch, format!("id,text\nA1,{TAX}\nA2,{LAND}\n")).unwrap();
    let json_out = dir.path().join("report.json");
    let output = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["report", "--quiet", "--input"])
        .arg(&batch)
        .arg("--store")
        .arg(&app.store_url)
        .arg("--output")
        .arg(&json_out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_out).unwrap()).unwrap();
    assert_eq!(report["total"], 2);
    assert_eq!(report["store"]["cases"], 5);
    let tax = report["store"]["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department_id"] == "tax_bureau")
        .unwrap();
    assert_eq!(
        (tax["open"].as_u64(), tax["closed"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(
        report["headline"].as_str().unwrap().contains("在办1件"),
        "{}",
        report["headline"]
    );

    let missing = dir.path().join("no-such-store.db");
    let output = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["report", "--quiet", "--input"])
        .arg(&batch)
        .arg("--store")
        .arg(&missing)
        .arg("--output")
        .arg(dir.path().join("r.html"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no such case store"), "{stderr}");
    assert!(!missing.exists(), "a missing store is not created");
}
