//! Batch uploads from the 分诊 view: a CSV, TSV, JSONL or XLSX file (UTF-8 or GBK) is taken in row by row in
//! the background, every readable row triaged and stored as a case, while the page polls the progress.
//!
//! Reading and triage run on a blocking thread, in chunks; each chunk is stored in one transaction on the
//! service's runtime as it comes, so a 50,000-row upload neither holds a request open nor keeps other
//! requests waiting. Rows that cannot be read are listed with their row numbers and not stored. The store
//! names every case (`C000123`); the file's own id goes into the case's `source` with the file name, so a
//! file uploaded twice cannot collide with itself.
//!
//! Why not `batch::triage_table`: it writes decision fields to a sink, while a stored case needs the row's
//! text and the whole decision; the same reader and pipeline calls are used here, chunk by chunk.

use super::catalog::department_names;
use super::dispatch_sheet;
use super::jobs::{BatchJob, JobState, Jobs, Reject};
use crate::io::{Columns, InputFormat, Row, TableReader};
use crate::pipeline::Triage;
use crate::serve::AppState;
use crate::serve::auth::Caller;
use crate::serve::error::ApiError;
use crate::serve::json::ApiJson;
use crate::serve::model::ServedModel;
use crate::serve::triage::DecisionOut;
use crate::store::{Assignment, CaseState, NewCase, StoreError, Suggestion, time};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Rows triaged and stored together.
const CHUNK_ROWS: usize = 500;
/// Unreadable rows listed in a status answer (all are counted).
const REJECTS_SHOWN: usize = 100;

/// One stored row of a batch: the case's text and the decision as the API shows it (its `id` is the case's).
#[derive(Debug, Clone, Serialize)]
pub struct BatchRow {
    pub text: String,
    #[serde(flatten)]
    pub decision: DecisionOut,
}

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    /// The file's name as the user chose it: its extension says the format.
    pub name: String,
    #[serde(default)]
    pub text_column: Option<String>,
    #[serde(default)]
    pub id_column: Option<String>,
}

/// `POST /api/v1/desk/batches?name=…`: the file is the body. Answers at once with the job to poll.
pub async fn upload(
    State(state): State<AppState>,
    Extension(jobs): Extension<Arc<Jobs>>,
    caller: Caller,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.require_dispatch("take in a batch")?;
    let Query(query) = query.map_err(|e| ApiError::field("name", e.body_text()))?;
    let name = query.name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::field("name", "the file's name is needed"));
    }
    if body.is_empty() {
        return Err(ApiError::field("file", format!("{name} is empty")));
    }
    let columns = Columns {
        text: non_empty(query.text_column).unwrap_or_else(|| "text".into()),
        id: Some(non_empty(query.id_column).unwrap_or_else(|| "id".into())),
        label: None,
    };
    let job = jobs.new_batch(&name);
    tokio::spawn(run(state, Arc::clone(&job), caller.name, body, columns));
    Ok((StatusCode::ACCEPTED, Json(json!({ "job": job.id }))))
}

fn non_empty(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// What the reading thread hands over: rows with their decisions, unreadable rows, and how far it got.
struct Chunk {
    decided: Vec<(Row, Triage)>,
    rejects: Vec<Reject>,
    read: u64,
    total: Option<u64>,
}

enum Reading {
    Encoding(String),
    Chunk(Chunk),
}

async fn run(state: AppState, job: Arc<BatchJob>, actor: String, body: Bytes, columns: Columns) {
    let outcome = take_in(&state, &job, &actor, body, columns).await;
    let mut status = job.status();
    match outcome {
        Ok(()) => status.state = JobState::Done,
        Err(message) => {
            status.state = JobState::Failed;
            status.error = Some(message);
        }
    }
}

async fn take_in(
    state: &AppState,
    job: &BatchJob,
    actor: &str,
    body: Bytes,
    columns: Columns,
) -> Result<(), String> {
    let model = state.model.current();
    let (sender, mut receiver) = mpsc::channel::<Result<Reading, String>>(2);
    let name = job.name.clone();
    let reading = {
        let model = Arc::clone(&model);
        tokio::task::spawn_blocking(move || {
            if let Err(message) = read_and_triage(&name, &body, &columns, &model, &sender) {
                let _ = sender.blocking_send(Err(message));
            }
        })
    };
    let mut stored_rows = 0usize;
    while let Some(reading) = receiver.recv().await {
        let chunk = match reading? {
            Reading::Encoding(encoding) => {
                job.status().encoding = Some(encoding);
                continue;
            }
            Reading::Chunk(chunk) => chunk,
        };
        let shown: Vec<DecisionOut> = chunk
            .decided
            .iter()
            .map(|(_, decision)| DecisionOut::new(String::new(), decision))
            .collect();
        let new_cases: Vec<NewCase> = chunk
            .decided
            .iter()
            .zip(&shown)
            .map(|((row, decision), shown)| {
                state
                    .metrics
                    .decision(&decision.department.id, decision.needs_review());
                NewCase {
                    id: None,
                    text: row.text.clone(),
                    enterprise: None,
                    source: Some(format!("{} 第{}行 编号{}", job.name, row.number, row.id)),
                    received_at: None,
                    suggestion: Suggestion {
                        label: decision.label.clone(),
                        department_id: decision.department.id.clone(),
                        confidence: decision.confidence as f64,
                        review: decision.needs_review(),
                        model_version: model.version.clone(),
                        decision: serde_json::to_value(shown).unwrap_or(Value::Null),
                    },
                }
            })
            .collect();
        let stored = state
            .store
            .intake(actor, new_cases)
            .await
            .map_err(|e| format!("已登记 {stored_rows} 行后案件库出错，其余未登记：{e}"))?;
        stored_rows += stored.len();
        let mut status = job.status();
        status.rows += (stored.len() + chunk.rejects.len()) as u64;
        status.read = chunk.read;
        status.total = chunk.total;
        status.rejects.extend(chunk.rejects);
        for (case, mut decision) in stored.into_iter().zip(shown) {
            decision.id = case.id;
            status.kept.push(BatchRow {
                text: case.text,
                decision,
            });
        }
    }
    reading
        .await
        .map_err(|e| format!("读取文件的线程出错：{e}"))?;
    Ok(())
}

/// Reads the upload in chunks and triages each; runs on a blocking thread. The upload is written to a
/// temporary file named like the original, so the table reader picks the format and names the file in errors.
fn read_and_triage(
    name: &str,
    body: &[u8],
    columns: &Columns,
    model: &ServedModel,
    sender: &mpsc::Sender<Result<Reading, String>>,
) -> Result<(), String> {
    let extension = match InputFormat::from_path(std::path::Path::new(name)) {
        Some(InputFormat::Xlsx) => "xlsx",
        Some(InputFormat::Tsv) => "tsv",
        Some(InputFormat::Jsonl) => "jsonl",
        _ => "csv",
    };
    let mut file = tempfile::Builder::new()
        .prefix("desk-upload-")
        .suffix(&format!(".{extension}"))
        .tempfile()
        .map_err(|e| format!("无法保存上传的文件：{e}"))?;
    file.write_all(body)
        .and_then(|()| file.flush())
        .map_err(|e| format!("无法保存上传的文件：{e}"))?;
    let temporary = file.path().display().to_string();
    // Messages name the file the user chose, not the temporary copy.
    let named = |message: String| message.replace(&temporary, name);
    let mut reader = TableReader::open(file.path(), columns).map_err(|e| named(e.to_string()))?;
    if let Some(encoding) = reader.detected_encoding() {
        let _ = sender.blocking_send(Ok(Reading::Encoding(encoding.to_string())));
    }
    loop {
        let mut rows = Vec::with_capacity(CHUNK_ROWS);
        let mut rejects = Vec::new();
        let mut finished = false;
        while rows.len() < CHUNK_ROWS {
            match reader.next_row() {
                Ok(Some(Ok(row))) => rows.push(row),
                Ok(Some(Err(error))) => rejects.push(Reject {
                    row: error.number,
                    message: named(error.message),
                }),
                Ok(None) => {
                    finished = true;
                    break;
                }
                Err(error) => return Err(named(error.to_string())),
            }
        }
        let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
        let decisions = model.pipeline.triage_batch(&texts, true);
        let (read, total) = reader.progress();
        let chunk = Chunk {
            decided: rows.into_iter().zip(decisions).collect(),
            rejects,
            read,
            total,
        };
        // A closed channel: the job stopped on a store error, which it reports.
        if sender.blocking_send(Ok(Reading::Chunk(chunk))).is_err() || finished {
            return Ok(());
        }
    }
}

fn find_job(jobs: &Jobs, id: &str) -> Result<Arc<BatchJob>, ApiError> {
    jobs.batch(id).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no batch '{id}' (batches are kept while the service runs, the latest few only)"
        ))
    })
}

#[derive(Debug, Serialize)]
pub struct DepartmentLine {
    pub id: String,
    pub name: String,
    pub routed: u64,
    pub review: u64,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub rows: u64,
    pub stored: u64,
    pub routed: u64,
    pub review: u64,
    pub rejected: u64,
    /// Most cases first.
    pub departments: Vec<DepartmentLine>,
}

fn summary(rows: &[BatchRow], rejected: u64) -> Summary {
    let mut departments: BTreeMap<String, DepartmentLine> = BTreeMap::new();
    let (mut routed, mut review) = (0, 0);
    for row in rows {
        let d = &row.decision;
        let line = departments
            .entry(d.department_id.clone())
            .or_insert_with(|| DepartmentLine {
                id: d.department_id.clone(),
                name: d.department.clone(),
                routed: 0,
                review: 0,
            });
        if d.review {
            line.review += 1;
            review += 1;
        } else {
            line.routed += 1;
            routed += 1;
        }
    }
    let mut departments: Vec<DepartmentLine> = departments.into_values().collect();
    departments.sort_by_key(|d| std::cmp::Reverse(d.routed + d.review));
    Summary {
        rows: rows.len() as u64 + rejected,
        stored: rows.len() as u64,
        routed,
        review,
        rejected,
        departments,
    }
}

/// `GET /api/v1/desk/batches/{job}`: progress, and the summary once done.
pub async fn status(
    Extension(jobs): Extension<Arc<Jobs>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require_dispatch("follow a batch")?;
    let job = find_job(&jobs, &id)?;
    let status = job.status();
    let done = status.state == JobState::Done;
    Ok(Json(json!({
        "job": job.id,
        "name": job.name,
        "state": status.state,
        "rows": status.rows,
        "bytes_read": status.read,
        "bytes_total": status.total,
        "encoding": status.encoding,
        "error": status.error,
        "summary": done.then(|| summary(&status.kept, status.rejects.len() as u64)),
        "rejects": status.rejects.iter().take(REJECTS_SHOWN).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    pub page: Option<usize>,
    pub per_page: Option<usize>,
}

/// `GET /api/v1/desk/batches/{job}/rows?page=…`: the stored rows with their decisions, in file order.
pub async fn rows(
    Extension(jobs): Extension<Arc<Jobs>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    caller.require_dispatch("read a batch")?;
    let job = find_job(&jobs, &id)?;
    let per_page = query.per_page.unwrap_or(100).clamp(1, 500);
    let page = query.page.unwrap_or(1).max(1);
    let status = job.status();
    let rows: Vec<&BatchRow> = status
        .kept
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    Ok(Json(json!({
        "rows": rows,
        "total": status.kept.len(),
        "page": page,
        "per_page": per_page,
    })))
}

/// `GET /api/v1/desk/batches/{job}/sheet`: the batch as an XLSX 交办单.
pub async fn sheet(
    State(state): State<AppState>,
    Extension(jobs): Extension<Arc<Jobs>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require_dispatch("download a 交办单")?;
    let job = find_job(&jobs, &id)?;
    let rows = {
        let status = job.status();
        if status.state != JobState::Done {
            return Err(ApiError::Conflict(format!(
                "batch {} is not finished yet",
                job.id
            )));
        }
        status.kept.clone()
    };
    let names = department_names(&state);
    let title = job.name.clone();
    let bytes =
        tokio::task::spawn_blocking(move || dispatch_sheet::workbook(&title, &rows, &names))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| ApiError::Internal(format!("交办单: {e}")))?;
    let stem = job
        .name
        .rsplit_once('.')
        .map_or(job.name.as_str(), |(stem, _)| stem);
    let file_name = format!("交办单-{stem}.xlsx");
    Ok((
        [
            (
                CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"dispatch.xlsx\"; filename*=UTF-8''{}",
                    percent_encode(&file_name)
                ),
            ),
        ],
        bytes,
    ))
}

/// RFC 5987 encoding of a file name for `Content-Disposition`.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignRouted {
    /// A date (the end of that day) or RFC 3339.
    pub deadline: String,
}

/// `POST /api/v1/desk/batches/{job}/assign-routed`: 交办 of every case of the batch the model routed with
/// confidence, to the suggested department. Cases already handled since the upload are left alone.
pub async fn assign_routed(
    State(state): State<AppState>,
    Extension(jobs): Extension<Arc<Jobs>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AssignRouted>,
) -> Result<Json<Value>, ApiError> {
    caller.require_dispatch("assign cases (交办)")?;
    let deadline =
        time::parse(&request.deadline, true).map_err(|e| ApiError::field("deadline", e))?;
    let job = find_job(&jobs, &id)?;
    let routed: Vec<(String, String)> = {
        let status = job.status();
        if status.state != JobState::Done {
            return Err(ApiError::Conflict(format!(
                "batch {} is not finished yet",
                job.id
            )));
        }
        status
            .kept
            .iter()
            .filter(|r| !r.decision.review && !r.decision.department_id.is_empty())
            .map(|r| (r.decision.id.clone(), r.decision.department_id.clone()))
            .collect()
    };
    // On a task of its own, so that a closed page does not stop it half-way.
    let actor = caller.name.clone();
    let work = tokio::spawn(async move {
        let (mut assigned, mut skipped) = (0u64, 0u64);
        for (case_id, department_id) in routed {
            if state.store.get(&case_id).await?.state != CaseState::New {
                skipped += 1;
                continue;
            }
            let assignment = Assignment {
                department_id,
                deadline,
                label: None,
                note: None,
            };
            match state.store.assign(&case_id, &actor, &assignment).await {
                Ok(_) => assigned += 1,
                Err(StoreError::Conflict(_)) => skipped += 1,
                Err(error) => return Err(error),
            }
        }
        Ok::<_, StoreError>((assigned, skipped))
    });
    let (assigned, skipped) = work
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(Json(json!({ "assigned": assigned, "skipped": skipped })))
}
