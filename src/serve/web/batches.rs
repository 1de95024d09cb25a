//! Batch uploads from the 分诊 view: a CSV, TSV, JSONL or XLSX file (UTF-8 or GBK) is taken in row by row in
//! the background, every readable row triaged and stored as a case, while the page polls the progress.
//!
//! Reading and triage run on a blocking thread, in chunks; each chunk is stored in one transaction on the
//! service's runtime as it comes, so a 50,000-row upload neither holds a request open nor keeps other
//! requests waiting. Rows that cannot be read are listed with their row numbers and not stored. The store
//! names every case (`C000123`); the file's own id goes into the case's `source` with the file name.
//!
//! Every upload is a job in the store ([`crate::store::Job`]): its state, figures and which case each row
//! became survive a restart, and the same file (by the SHA-256 of its bytes) uploaded again is recognised
//! and refused until the dispatcher confirms. One-click 交办 of a batch is a background job too.
//!
//! Why not `batch::triage_table`: it writes decision fields to a sink, while a stored case needs the row's
//! text and the whole decision; the same reader and pipeline calls are used here, chunk by chunk.

use super::catalog::department_names;
use super::jobs::{job_json, keep_alive};
use crate::io::assignment_sheet::{CaseGrouping, case_workbook};
use crate::io::{ColumnGuess, Columns, InputFormat, Row, TableReader, guess_columns};
use crate::pipeline::Triage;
use crate::serve::AppState;
use crate::serve::auth::Caller;
use crate::serve::error::ApiError;
use crate::serve::json::ApiJson;
use crate::serve::model::ServedModel;
use crate::serve::triage::DecisionOut;
use crate::store::{
    Case, CaseState, Job, JobKind, JobProgress, JobState, NewCase, NewJob, StoreError, time,
};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Rows triaged and stored together.
const CHUNK_ROWS: usize = 500;
/// Unreadable rows listed in a status answer (all are counted).
const REJECTS_SHOWN: usize = 100;
/// Uploads the page lists.
const UPLOADS_LISTED: i64 = 20;
/// Cases assigned per transaction by one-click 交办.
const ASSIGN_CHUNK: usize = 500;

/// One stored row of a batch: the case's text and the decision as the API shows it (its `id` is the case's).
#[derive(Debug, Clone, Serialize)]
pub struct BatchRow {
    pub text: String,
    /// Where the case is now.
    pub state: CaseState,
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
    /// Store the file's cases even though the same file was uploaded before.
    #[serde(default)]
    pub again: bool,
}

/// The SHA-256 of a file's bytes, hex: the same file uploaded again has the same.
pub fn file_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `POST /api/v1/desk/batches?name=…`: the file is the body. Answers at once with the job to poll; a file
/// uploaded before is answered 409 with the earlier uploads, unless `again=true`.
pub async fn upload(
    State(state): State<AppState>,
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
        extra: Vec::new(),
        text: non_empty(query.text_column).unwrap_or_else(|| "text".into()),
        id: Some(non_empty(query.id_column).unwrap_or_else(|| "id".into())),
        label: None,
    };
    let hash = {
        let body = body.clone();
        tokio::task::spawn_blocking(move || file_hash(&body))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
    };
    let now = time::now();
    if !query.again {
        let earlier = state.store.uploads_of_file(&hash, now).await?;
        if !earlier.is_empty() {
            let first = &earlier[0];
            return Ok((
                StatusCode::CONFLICT,
                Json(json!({
                    "status": 409,
                    "error": "duplicate_file",
                    "message": format!(
                        "{name}: the same file was uploaded before ({} by {}, batch {}, {} rows); send again=true \
                         to store its cases once more",
                        time::format(first.created_at), first.actor, first.id, first.done
                    ),
                    "earlier": earlier.iter().map(job_json).collect::<Vec<_>>(),
                })),
            ));
        }
    }
    let job = state
        .store
        .create_job(
            NewJob {
                kind: JobKind::Upload,
                name,
                actor: caller.name.clone(),
                batch_id: None,
                file_hash: Some(hash),
                file_bytes: Some(body.len() as i64),
                total: None,
            },
            now,
        )
        .await?;
    tokio::spawn(run(state, job.clone(), body, columns));
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

/// One row that could not be read, with its data-row number.
#[derive(Debug, Clone, Serialize)]
pub struct Reject {
    pub row: u64,
    pub message: String,
}

/// The figures of an upload so far, kept in the job's detail.
#[derive(Debug, Default)]
struct Figures {
    stored: u64,
    rejected: u64,
    rejects: Vec<Reject>,
    departments: BTreeMap<String, DepartmentLine>,
}

impl Figures {
    fn count(&mut self, decision: &DecisionOut) {
        let line = self
            .departments
            .entry(decision.department_id.clone())
            .or_insert_with(|| DepartmentLine {
                id: decision.department_id.clone(),
                name: decision.department.clone(),
                routed: 0,
                review: 0,
            });
        if decision.review {
            line.review += 1;
        } else {
            line.routed += 1;
        }
        self.stored += 1;
    }

    fn summary(&self) -> Summary {
        let mut departments: Vec<DepartmentLine> = self.departments.values().cloned().collect();
        departments.sort_by_key(|d| std::cmp::Reverse(d.routed + d.review));
        let routed = departments.iter().map(|d| d.routed).sum();
        let review = departments.iter().map(|d| d.review).sum();
        Summary {
            rows: self.stored + self.rejected,
            stored: self.stored,
            routed,
            review,
            rejected: self.rejected,
            departments,
        }
    }

    fn detail(&self) -> Value {
        json!({ "summary": self.summary(), "rejects": self.rejects })
    }
}

async fn run(state: AppState, job: Job, body: Bytes, columns: Columns) {
    let _alive = keep_alive(&state.store, &job.id);
    let mut figures = Figures::default();
    let mut progress = JobProgress::default();
    let outcome = take_in(&state, &job, body, columns, &mut figures, &mut progress).await;
    progress.detail = Some(figures.detail());
    let (end, error) = match &outcome {
        Ok(()) => (JobState::Done, None),
        Err(message) => (JobState::Failed, Some(message.as_str())),
    };
    if let Err(e) = state
        .store
        .finish_job(&job.id, end, error, &progress, time::now())
        .await
    {
        tracing::error!("batch {}: cannot record its end: {e}", job.id);
    }
}

async fn take_in(
    state: &AppState,
    job: &Job,
    body: Bytes,
    columns: Columns,
    figures: &mut Figures,
    progress: &mut JobProgress,
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
    while let Some(reading) = receiver.recv().await {
        let chunk = match reading? {
            Reading::Encoding(encoding) => {
                progress.encoding = Some(encoding);
                continue;
            }
            Reading::Chunk(chunk) => chunk,
        };
        let shown: Vec<DecisionOut> = chunk
            .decided
            .iter()
            .map(|(_, decision)| DecisionOut::new(String::new(), decision))
            .collect();
        let new_cases: Vec<(i64, NewCase)> = chunk
            .decided
            .iter()
            .zip(&shown)
            .map(|((row, decision), shown)| {
                state
                    .metrics
                    .decision(&decision.department.id, decision.needs_review());
                let case = NewCase {
                    id: None,
                    text: row.text.clone(),
                    enterprise: None,
                    source: Some(format!("{} 第{}行 编号{}", job.name, row.number, row.id)),
                    received_at: None,
                    suggestion: shown.suggestion(decision, &model.version),
                };
                (row.number as i64, case)
            })
            .collect();
        for decision in &shown {
            figures.count(decision);
        }
        figures.rejected += chunk.rejects.len() as u64;
        let room = REJECTS_SHOWN.saturating_sub(figures.rejects.len());
        figures.rejects.extend(chunk.rejects.into_iter().take(room));
        progress.done = (figures.stored + figures.rejected) as i64;
        progress.progress = chunk.read as i64;
        progress.total = chunk.total.map(|t| t as i64);
        progress.detail = Some(figures.detail());
        state
            .store
            .intake_for_job(&job.id, &job.actor, new_cases, progress, time::now())
            .await
            .map_err(|e| {
                format!(
                    "已登记 {} 行后案件库出错，其余未登记：{e}",
                    figures.stored - shown.len() as u64
                )
            })?;
    }
    reading
        .await
        .map_err(|e| format!("读取文件的线程出错：{e}"))?;
    Ok(())
}

/// The upload in a temporary file named like the original, so that the table reader picks the format.
fn save_upload(name: &str, body: &[u8]) -> Result<tempfile::NamedTempFile, String> {
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
    Ok(file)
}

#[derive(Debug, Deserialize)]
pub struct ColumnsQuery {
    pub name: String,
}

/// `POST /api/v1/desk/columns?name=…`: the file (or, for a text table, its first part) is the body; answers
/// with its columns and a guess at the text and id columns, for the page to offer before the upload.
pub async fn columns(
    caller: Caller,
    Query(query): Query<ColumnsQuery>,
    body: Bytes,
) -> Result<Json<ColumnGuess>, ApiError> {
    caller.require_dispatch("read a file's columns")?;
    let name = query.name.trim().to_string();
    if body.is_empty() {
        return Err(ApiError::field("file", format!("{name} is empty")));
    }
    tokio::task::spawn_blocking(move || {
        let file = save_upload(&name, &body).map_err(ApiError::Internal)?;
        let temporary = file.path().display().to_string();
        guess_columns(file.path())
            .map_err(|e| ApiError::field("file", e.to_string().replace(&temporary, &name)))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map(Json)
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
    let file = save_upload(name, body)?;
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

/// An upload job, or 404.
async fn find_upload(state: &AppState, id: &str) -> Result<Job, ApiError> {
    match state.store.job(id, time::now()).await {
        Ok(job) if job.kind == JobKind::Upload => Ok(job),
        Ok(_) | Err(StoreError::NotFound(_)) => {
            Err(ApiError::NotFound(format!("no batch upload '{id}'")))
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Debug, Clone, Serialize)]
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

/// `GET /api/v1/desk/batches`: the latest uploads, newest first, with their state (kept in the store, so a
/// restart forgets none; one stopped by a restart is `interrupted`).
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require_dispatch("list the batches")?;
    let jobs = state
        .store
        .jobs(JobKind::Upload, UPLOADS_LISTED, time::now())
        .await?;
    Ok(Json(json!({
        "batches": jobs.iter().map(job_json).collect::<Vec<_>>(),
    })))
}

/// `GET /api/v1/desk/batches/{job}`: progress, and the summary once done.
pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require_dispatch("follow a batch")?;
    let job = find_upload(&state, &id).await?;
    Ok(Json(job_json(&job)))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    pub page: Option<usize>,
    pub per_page: Option<usize>,
}

/// A stored case as a row of its batch: its text and the decision made at intake, named by the case's id,
/// with the case's state now.
fn batch_row(case: Case) -> BatchRow {
    let mut decision: DecisionOut =
        serde_json::from_value(case.decision).unwrap_or_else(|_| DecisionOut {
            id: String::new(),
            label: case.suggested_label.clone(),
            category_name: String::new(),
            confidence: case.confidence as f32,
            department: String::new(),
            department_id: case.suggested_department_id.clone(),
            review: case.review,
            review_reason: None,
            review_reason_code: None,
            review_reason_en: None,
            alternatives: Vec::new(),
            secondary_label: None,
            secondary_department: None,
            reasons: Vec::new(),
        });
    decision.id = case.id;
    BatchRow {
        text: case.text,
        state: case.state,
        decision,
    }
}

/// `GET /api/v1/desk/batches/{job}/rows?page=…`: the stored rows with their decisions, in file order.
pub async fn rows(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    caller.require_dispatch("read a batch")?;
    let job = find_upload(&state, &id).await?;
    let per_page = query.per_page.unwrap_or(100).clamp(1, 500);
    let page = query.page.unwrap_or(1).max(1);
    let (cases, total) = state
        .store
        .batch_cases(&job.id, ((page - 1) * per_page) as i64, per_page as i64)
        .await?;
    let rows: Vec<BatchRow> = cases.into_iter().map(batch_row).collect();
    Ok(Json(json!({
        "rows": rows,
        "total": total,
        "page": page,
        "per_page": per_page,
    })))
}

/// `GET /api/v1/desk/batches/{job}/sheet`: the batch as an XLSX 交办单.
pub async fn sheet(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require_dispatch("download a 交办单")?;
    let job = find_upload(&state, &id).await?;
    if job.state == JobState::Running {
        return Err(ApiError::Conflict(format!(
            "batch {} is not finished yet",
            job.id
        )));
    }
    let (cases, _) = state.store.batch_cases(&job.id, 0, i64::MAX).await?;
    let names = department_names(&state);
    let title = format!(
        "交办单　{}　{}",
        job.name,
        time::format_local(time::now())
            .split_whitespace()
            .next()
            .unwrap_or_default()
    );
    let bytes = tokio::task::spawn_blocking(move || {
        case_workbook(
            &cases,
            &names,
            time::now(),
            CaseGrouping::Suggestion,
            Some(title),
        )
    })
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
/// confidence, to the suggested department, as a background job (a 50,000-row batch takes a while): answers
/// 202 with the job to poll at `/api/v1/desk/jobs/{job}`. Cases handled since the upload are left alone.
pub async fn assign_routed(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AssignRouted>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.require_dispatch("assign cases (交办)")?;
    let deadline =
        time::parse(&request.deadline, true).map_err(|e| ApiError::field("deadline", e))?;
    let batch = find_upload(&state, &id).await?;
    if batch.state == JobState::Running {
        return Err(ApiError::Conflict(format!(
            "batch {} is not finished yet",
            batch.id
        )));
    }
    let routed = state.store.batch_routed_new(&batch.id).await?;
    let job = state
        .store
        .create_job(
            NewJob {
                kind: JobKind::Assign,
                name: batch.name.clone(),
                actor: caller.name.clone(),
                batch_id: Some(batch.id.clone()),
                file_hash: None,
                file_bytes: None,
                total: Some(routed.len() as i64),
            },
            time::now(),
        )
        .await?;
    let answer = json!({ "job": job.id, "total": routed.len() });
    tokio::spawn(assign_all(state, job, routed, deadline));
    Ok((StatusCode::ACCEPTED, Json(answer)))
}

/// The 交办 job: the cases in chunks, one transaction each, the progress written after each.
async fn assign_all(state: AppState, job: Job, routed: Vec<(String, String)>, deadline: i64) {
    let _alive = keep_alive(&state.store, &job.id);
    let (mut assigned, mut skipped, mut through) = (0u64, 0u64, 0usize);
    let progress = |assigned: u64, skipped: u64, through: usize| JobProgress {
        done: assigned as i64,
        progress: through as i64,
        total: None,
        encoding: None,
        detail: Some(json!({ "skipped": skipped, "deadline": time::format(deadline) })),
    };
    let mut failure = None;
    for chunk in routed.chunks(ASSIGN_CHUNK) {
        match state
            .store
            .assign_new_cases(&job.actor, chunk, deadline)
            .await
        {
            Ok((a, s)) => {
                assigned += a;
                skipped += s;
                through += chunk.len();
            }
            Err(error) => {
                failure = Some(format!(
                    "已交办 {assigned} 件后案件库出错，其余未交办：{error}"
                ));
                break;
            }
        }
        if let Err(error) = state
            .store
            .job_progress(&job.id, &progress(assigned, skipped, through), time::now())
            .await
        {
            tracing::warn!("job {}: cannot record its progress: {error}", job.id);
        }
    }
    let end = if failure.is_some() {
        JobState::Failed
    } else {
        JobState::Done
    };
    if let Err(e) = state
        .store
        .finish_job(
            &job.id,
            end,
            failure.as_deref(),
            &progress(assigned, skipped, through),
            time::now(),
        )
        .await
    {
        tracing::error!("job {}: cannot record its end: {e}", job.id);
    }
}

/// `GET /api/v1/desk/jobs/{job}`: a 交办 job's progress (uploads and retrains have their own).
pub async fn job_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require_dispatch("follow a job")?;
    match state.store.job(&id, time::now()).await {
        Ok(job) if job.kind == JobKind::Assign => Ok(Json(job_json(&job))),
        Ok(_) | Err(StoreError::NotFound(_)) => {
            Err(ApiError::NotFound(format!("no 交办 job '{id}'")))
        }
        Err(error) => Err(error.into()),
    }
}
