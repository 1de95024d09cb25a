//! The desk's background jobs through the API: a batch upload and its one-click 交办 run as jobs kept in the
//! store, so a restarted service still lists them (one cut off by the restart as interrupted), and the same
//! file uploaded again is recognised and stored again only when the dispatcher confirms. SQLite always,
//! PostgreSQL when `DATABASE_URL` is set.

mod serve_helpers;

use complaint_triage::case_import::{ImportOptions, import_table};
use complaint_triage::store::{EventKind, JobKind, JobState, NewJob, time};
use serde_json::{Value, json};
use serve_helpers::*;
use std::time::{Duration, Instant};

/// A small office export: the team's sample complaints with their ids, and one row with a field too many.
fn batch_csv() -> (Vec<u8>, usize) {
    let sample =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/corpora/sample.csv"))
            .unwrap();
    let mut reader = csv::Reader::from_reader(sample.as_bytes());
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["id", "text"]).unwrap();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        writer.write_record([&record[0], &record[1]]).unwrap();
        rows += 1;
    }
    let mut bytes = writer.into_inner().unwrap();
    bytes.extend_from_slice("BAD,企业反映,多出一列\n".as_bytes());
    (bytes, rows)
}

async fn upload(app: &TestApp, name: &str, bytes: &[u8], again: bool) -> (u16, Value) {
    let query = if again { "&again=true" } else { "" };
    json(
        app.post_raw(
            &format!("/api/v1/desk/batches?name={name}{query}"),
            bytes.to_vec(),
        )
        .await,
    )
    .await
}

/// Polls `path` until the job is no longer running.
async fn finished(app: &TestApp, path: &str) -> Value {
    let started = Instant::now();
    loop {
        let (status, job) = json(app.get(path).await).await;
        assert_eq!(status, 200, "{job}");
        if job["state"] != "running" {
            return job;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{path} still running"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn case_count(app: &TestApp, state: Option<&str>) -> i64 {
    let filter = state.map(|s| format!("&state={s}")).unwrap_or_default();
    let (status, page) = json(app.get(&format!("/api/v1/cases?per_page=1{filter}")).await).await;
    assert_eq!(status, 200, "{page}");
    page["total"].as_i64().unwrap()
}

async fn jobs_survive_a_restart_and_a_file_is_stored_once(store_url: Option<String>) {
    let mut app = spawn_app_with(AppOptions {
        store_url: store_url.clone(),
        ..AppOptions::default()
    })
    .await;
    let (bytes, rows) = batch_csv();

    // The upload is a job; its rows become cases, the unreadable row is listed, not stored.
    let (status, started) = upload(&app, "来件.csv", &bytes, false).await;
    assert_eq!(status, 202, "{started}");
    let batch = started["job"].as_str().unwrap().to_string();
    let done = finished(&app, &format!("/api/v1/desk/batches/{batch}")).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["summary"]["stored"], rows);
    assert_eq!(done["summary"]["rejected"], 1);
    assert_eq!(done["rejects"][0]["row"], rows + 1);
    assert_eq!(case_count(&app, None).await, rows as i64);
    let (_, page) = json(
        app.get(&format!("/api/v1/desk/batches/{batch}/rows?per_page=500"))
            .await,
    )
    .await;
    assert_eq!(page["total"], rows);
    let first_id = page["rows"][0]["id"].as_str().unwrap().to_string();
    let first = app.store.get(&first_id).await.unwrap();
    assert!(
        first.source.unwrap().contains("第1行"),
        "file order is kept"
    );

    // The same bytes again, under another name: refused with the earlier upload named; nothing stored.
    let (status, refused) = upload(&app, "来件（副本）.csv", &bytes, false).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"], "duplicate_file");
    assert_eq!(refused["earlier"][0]["job"], batch.as_str());
    assert_eq!(refused["earlier"][0]["name"], "来件.csv");
    assert_eq!(case_count(&app, None).await, rows as i64);
    // A different file is not taken for it.
    let mut other = bytes.clone();
    other.extend_from_slice("X1,企业反映用电增容审批太慢\n".as_bytes());
    let (status, body) = upload(&app, "另一批.csv", &other, false).await;
    assert_eq!(status, 202, "{body}");
    let other_batch = body["job"].as_str().unwrap().to_string();
    finished(&app, &format!("/api/v1/desk/batches/{other_batch}")).await;
    // Confirmed: stored once more.
    let (status, again) = upload(&app, "来件.csv", &bytes, true).await;
    assert_eq!(status, 202, "{again}");
    let again_batch = again["job"].as_str().unwrap().to_string();
    finished(&app, &format!("/api/v1/desk/batches/{again_batch}")).await;
    assert_eq!(case_count(&app, None).await, (3 * rows + 1) as i64);

    // One-click 交办 is a job too: it assigns the batch's routed cases, and only those.
    let routed = done["summary"]["routed"].as_i64().unwrap();
    assert!(routed > 0, "{done}");
    let (status, assigning) = json(
        app.post(
            &format!("/api/v1/desk/batches/{batch}/assign-routed"),
            &json!({"deadline": "2030-01-31"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 202, "{assigning}");
    assert_eq!(assigning["total"], routed);
    let assign_job = assigning["job"].as_str().unwrap().to_string();
    let assigned = finished(&app, &format!("/api/v1/desk/jobs/{assign_job}")).await;
    assert_eq!(assigned["state"], "done", "{assigned}");
    assert_eq!(assigned["assigned"], routed);
    assert_eq!(assigned["skipped"], 0);
    assert_eq!(case_count(&app, Some("assigned")).await, routed);
    // Again: every case is handled already, none is assigned twice.
    let (_, again) = json(
        app.post(
            &format!("/api/v1/desk/batches/{batch}/assign-routed"),
            &json!({"deadline": "2030-01-31"}),
        )
        .await,
    )
    .await;
    let again = finished(
        &app,
        &format!("/api/v1/desk/jobs/{}", again["job"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        (again["total"].as_i64(), again["assigned"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(case_count(&app, Some("assigned")).await, routed);

    // A job a process was running when it stopped: its last word is older than a running job's heartbeat.
    let cut_off = app
        .store
        .create_job(
            NewJob {
                kind: JobKind::Upload,
                name: "停电时的上传.xlsx".into(),
                actor: "dispatcher".into(),
                batch_id: None,
                file_hash: Some("0".repeat(64)),
                file_bytes: Some(1),
                total: None,
            },
            time::now() - 5 * 60_000,
        )
        .await
        .unwrap();

    // Restart: a new service on the same store lists every upload with its state.
    app.stop().await;
    let restarted = spawn_app_with(AppOptions {
        store_url: Some(app.store_url.clone()),
        ..AppOptions::default()
    })
    .await;
    let (status, listed) = json(restarted.get("/api/v1/desk/batches").await).await;
    assert_eq!(status, 200, "{listed}");
    let states: Vec<(String, String)> = listed["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["job"].as_str().unwrap().to_string(),
                b["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            (again_batch.clone(), "done".to_string()),
            (other_batch.clone(), "done".to_string()),
            (batch.clone(), "done".to_string()),
            // Newest first: it started five minutes ago.
            (cut_off.id.clone(), "interrupted".to_string()),
        ]
    );
    let (_, page) = json(
        restarted
            .get(&format!("/api/v1/desk/batches/{batch}/rows?per_page=5"))
            .await,
    )
    .await;
    assert_eq!(page["total"], rows);
    assert_eq!(page["rows"][0]["id"], first_id.as_str());
    let (_, old) = json(
        restarted
            .get(&format!("/api/v1/desk/batches/{batch}"))
            .await,
    )
    .await;
    assert_eq!(old["summary"], done["summary"]);
    let sheet = restarted
        .get(&format!("/api/v1/desk/batches/{batch}/sheet"))
        .await;
    assert_eq!(sheet.status(), 200);
    // The duplicate check outlives the restart too.
    let (status, _) = upload(&restarted, "来件.csv", &bytes, false).await;
    assert_eq!(status, 409);
    // The retrain and 交办 jobs are not uploads.
    let (status, _) = json(
        restarted
            .get(&format!("/api/v1/desk/batches/{assign_job}"))
            .await,
    )
    .await;
    assert_eq!(status, 404);
    let job = restarted.store.job(&assign_job, time::now()).await.unwrap();
    assert_eq!(job.state, JobState::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_survive_a_restart_and_a_file_is_stored_once_on_sqlite() {
    jobs_survive_a_restart_and_a_file_is_stored_once(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_survive_a_restart_and_a_file_is_stored_once_on_postgres() {
    let Some(url) =
        fresh_postgres_database("jobs_survive_a_restart_and_a_file_is_stored_once_on_postgres")
            .await
    else {
        return;
    };
    jobs_survive_a_restart_and_a_file_is_stored_once(Some(url)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_service_starting_marks_jobs_left_running_as_interrupted() {
    let app = spawn_app().await;
    let now = time::now();
    let left = app
        .store
        .create_job(
            NewJob {
                kind: JobKind::Assign,
                name: "来件.csv".into(),
                actor: "dispatcher".into(),
                batch_id: Some("b1".into()),
                file_hash: None,
                file_bytes: None,
                total: Some(10),
            },
            now,
        )
        .await
        .unwrap();
    // Fresh: another process could still be running it.
    assert_eq!(
        app.store.job(&left.id, now).await.unwrap().state,
        JobState::Running
    );
    // Silent past the heartbeat's limit: interrupted, whoever asks.
    assert_eq!(
        app.store
            .job(&left.id, now + complaint_triage::store::STALE_MS + 1)
            .await
            .unwrap()
            .state,
        JobState::Interrupted
    );
    // What `triage serve` does at start on SQLite: the state itself is changed.
    assert_eq!(app.store.interrupt_running_jobs(now).await.unwrap(), 1);
    assert_eq!(
        app.store.job(&left.id, now).await.unwrap().state,
        JobState::Interrupted
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_files_columns_are_offered_with_the_text_column_guessed() {
    let app = spawn_app().await;
    // No usual name: the column whose first rows are longest holds the complaint.
    let export = "工单,来电日期,情况说明,处理科室\n\
        A1,2026-11-02,我公司申请的增值税留抵退税三个月了还没有到账,税务\n\
        A2,2026-11-03,厂区变压器增容的申请一直没有批下来影响投产,供电\n";
    let (gbk, _, _) = encoding_rs::GB18030.encode(export);
    let (status, guess) = json(
        app.post_raw("/api/v1/desk/columns?name=导出.csv", gbk.to_vec())
            .await,
    )
    .await;
    assert_eq!(status, 200, "{guess}");
    assert_eq!(
        guess["columns"],
        json!(["工单", "来电日期", "情况说明", "处理科室"])
    );
    assert_eq!(guess["text_column"], "情况说明");
    assert_eq!(guess["id_column"], Value::Null);
    // A usual name wins, and an id column is found by its name.
    let (_, guess) = json(
        app.post_raw(
            "/api/v1/desk/columns?name=b.csv",
            "编号,备注很长很长很长很长很长很长很长很长很长,诉求内容\n1,x,y\n",
        )
        .await,
    )
    .await;
    assert_eq!(
        (guess["text_column"].as_str(), guess["id_column"].as_str()),
        (Some("诉求内容"), Some("编号"))
    );
    // Not a table: the file is named in the error.
    let (status, refused) = json(
        app.post_raw("/api/v1/desk/columns?name=坏.xlsx", "not a workbook")
            .await,
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("坏.xlsx"),
        "{refused}"
    );
}

/// An office's history comes in closed, each case under its final category, handled by its department.
async fn a_history_imports_closed(store_url: Option<String>) {
    let app = spawn_app_with(AppOptions {
        store_url,
        ..AppOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.csv");
    std::fs::write(
        &history,
        "编号,内容,最终类别\n\
         H1,我公司增值税留抵退税申请三个月了还没有到账,tax\n\
         H2,您好，请问这个平台是做什么的,not_complaint\n\
         H3,厂区变压器增容申请一直没有批,no_such_category\n",
    )
    .unwrap();
    let pipeline = app.model.current().pipeline.clone();
    let options = ImportOptions {
        text_column: "内容".into(),
        id_column: Some("编号".into()),
        closed_label_column: Some("最终类别".into()),
        actor: "history".into(),
        model_version: "builtin".into(),
    };
    let report = import_table(&app.store, &pipeline, &history, &options)
        .await
        .unwrap();
    assert_eq!((report.imported, report.closed), (2, 2));
    assert_eq!(report.unreadable.len(), 1);
    assert_eq!(report.unreadable[0].number, 3);
    assert!(report.unreadable[0].message.contains("no_such_category"));
    let closed = app.store.closed_cases(None).await.unwrap();
    let found: Vec<(&str, &str, &str)> = closed
        .iter()
        .map(|c| (c.id.as_str(), c.label.as_str(), c.department_id.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("H1", "tax", "tax_bureau"),
            ("H2", "not_complaint", "dispatch")
        ]
    );
    let events: Vec<EventKind> = app
        .store
        .history("H1")
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(events, [EventKind::Intake, EventKind::Close]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_imports_closed_on_sqlite() {
    a_history_imports_closed(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_imports_closed_on_postgres() {
    let Some(url) = fresh_postgres_database("a_history_imports_closed_on_postgres").await else {
        return;
    };
    a_history_imports_closed(Some(url)).await;
}
