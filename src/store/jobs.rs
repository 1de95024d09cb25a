//! Background jobs the desk starts (a batch upload, a one-click 交办 of a batch, a retrain), kept in the store
//! beside the cases they touch, so that a restart forgets none of them and several service replicas see the
//! same list.
//!
//! A running job writes its progress at least every [`HEARTBEAT_MS`]; one whose last word is older than
//! [`STALE_MS`] was stopped by a restart or a crash and is shown as [`JobState::Interrupted`]. An upload's rows
//! are stored with the job's progress in one transaction ([`Store::intake_for_job`]), so what a job says it
//! stored is what the store holds, and each row of the file is linked to the case it became.

use super::{Backend, Case, NewCase, Store, StoreError, case_from_row, intake_in, text};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A running job says where it has got at least this often.
pub const HEARTBEAT_MS: i64 = 10_000;
/// A running job silent for this long is taken to be interrupted.
pub const STALE_MS: i64 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Running,
    Done,
    Failed,
    /// Stopped by a restart or a crash before it finished.
    Interrupted,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Interrupted => "interrupted",
        }
    }

    fn parse(text: &str) -> Option<JobState> {
        [
            JobState::Running,
            JobState::Done,
            JobState::Failed,
            JobState::Interrupted,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// A file taken in row by row.
    Upload,
    /// 交办 of a batch's routed cases.
    Assign,
    /// A retrain from the closed cases.
    Retrain,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Upload => "upload",
            JobKind::Assign => "assign",
            JobKind::Retrain => "retrain",
        }
    }

    fn parse(text: &str) -> Option<JobKind> {
        [JobKind::Upload, JobKind::Assign, JobKind::Retrain]
            .into_iter()
            .find(|k| k.as_str() == text)
    }

    fn prefix(self) -> &'static str {
        match self {
            JobKind::Upload => "b",
            JobKind::Assign => "a",
            JobKind::Retrain => "r",
        }
    }
}

/// A job as the store keeps it. Times in ms since the epoch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub id: String,
    pub kind: JobKind,
    /// The uploaded file's name (an assign's: its batch's).
    pub name: String,
    pub actor: String,
    pub state: JobState,
    /// An assign's batch.
    pub batch_id: Option<String>,
    /// An upload's SHA-256, hex.
    pub file_hash: Option<String>,
    pub file_bytes: Option<i64>,
    /// An upload's encoding when not UTF-8.
    pub encoding: Option<String>,
    /// Rows handled (upload), cases assigned (assign).
    pub done: i64,
    /// Bytes read (upload), cases gone through (assign), towards `total`.
    pub progress: i64,
    pub total: Option<i64>,
    pub error: Option<String>,
    /// The rest, as the job's kind needs: rejected rows and the summary of an upload, a retrain's report.
    pub detail: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A job to start.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: JobKind,
    pub name: String,
    pub actor: String,
    pub batch_id: Option<String>,
    pub file_hash: Option<String>,
    pub file_bytes: Option<i64>,
    pub total: Option<i64>,
}

/// Where a running job has got.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobProgress {
    pub done: i64,
    pub progress: i64,
    pub total: Option<i64>,
    pub encoding: Option<String>,
    pub detail: Option<Value>,
}

const JOB_COLUMNS: &str = "id, kind, name, actor, state, batch_id, file_hash, file_bytes, encoding, done, \
     progress, total, error, detail, created_at, updated_at";

fn job_from_row(row: &AnyRow, now: i64) -> Result<Job, StoreError> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let detail: String = row.try_get("detail")?;
    let updated_at: i64 = row.try_get("updated_at")?;
    let mut state = JobState::parse(&state)
        .ok_or_else(|| StoreError::Damaged(format!("unknown job state '{state}'")))?;
    if state == JobState::Running && updated_at < now - STALE_MS {
        state = JobState::Interrupted;
    }
    Ok(Job {
        id: row.try_get("id")?,
        kind: JobKind::parse(&kind)
            .ok_or_else(|| StoreError::Damaged(format!("unknown job kind '{kind}'")))?,
        name: row.try_get("name")?,
        actor: row.try_get("actor")?,
        state,
        batch_id: text(row, "batch_id")?,
        file_hash: text(row, "file_hash")?,
        file_bytes: row.try_get("file_bytes")?,
        encoding: text(row, "encoding")?,
        done: row.try_get("done")?,
        progress: row.try_get("progress")?,
        total: row.try_get("total")?,
        error: text(row, "error")?,
        detail: serde_json::from_str(&detail)?,
        created_at: row.try_get("created_at")?,
        updated_at,
    })
}

impl Store {
    /// Starts a job (state running) at `now`.
    pub async fn create_job(&self, new: NewJob, now: i64) -> Result<Job, StoreError> {
        let mut tx = self.begin_write().await?;
        let number: i64 =
            sqlx::query("UPDATE counters SET value = value + 1 WHERE name = 'job' RETURNING value")
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
        let job = Job {
            id: format!("{}{number}", new.kind.prefix()),
            kind: new.kind,
            name: new.name,
            actor: new.actor,
            state: JobState::Running,
            batch_id: new.batch_id,
            file_hash: new.file_hash,
            file_bytes: new.file_bytes,
            encoding: None,
            done: 0,
            progress: 0,
            total: new.total,
            error: None,
            detail: Value::Object(Default::default()),
            created_at: now,
            updated_at: now,
        };
        sqlx::query(&format!(
            "INSERT INTO desk_jobs ({JOB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, $14, $15, $16)"
        ))
        .bind(job.id.as_str())
        .bind(job.kind.as_str())
        .bind(job.name.as_str())
        .bind(job.actor.as_str())
        .bind(job.state.as_str())
        .bind(job.batch_id.as_deref())
        .bind(job.file_hash.as_deref())
        .bind(job.file_bytes)
        .bind(job.encoding.as_deref())
        .bind(job.done)
        .bind(job.progress)
        .bind(job.total)
        .bind(job.error.as_deref())
        .bind(job.detail.to_string())
        .bind(job.created_at)
        .bind(job.updated_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(job)
    }

    /// One job, as of `now` (a running job silent too long is interrupted).
    pub async fn job(&self, id: &str, now: i64) -> Result<Job, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM desk_jobs WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("job {id}")))?;
        job_from_row(&row, now)
    }

    /// The latest `limit` jobs of a kind, newest first, as of `now`.
    pub async fn jobs(&self, kind: JobKind, limit: i64, now: i64) -> Result<Vec<Job>, StoreError> {
        sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM desk_jobs WHERE kind = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(kind.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| job_from_row(row, now))
        .collect()
    }

    /// Earlier uploads of the same file (by the hash of its bytes) that stored cases, newest first.
    pub async fn uploads_of_file(&self, hash: &str, now: i64) -> Result<Vec<Job>, StoreError> {
        sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM desk_jobs WHERE kind = 'upload' AND file_hash = $1 \
             AND EXISTS (SELECT 1 FROM desk_batch_cases b WHERE b.job_id = desk_jobs.id) \
             ORDER BY created_at DESC, id DESC"
        ))
        .bind(hash)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| job_from_row(row, now))
        .collect()
    }

    /// Records a running job's progress (and that it is alive).
    pub async fn job_progress(
        &self,
        id: &str,
        progress: &JobProgress,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        update_progress(&mut tx, id, progress, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that a running job is alive, without news of its progress.
    pub async fn touch_job(&self, id: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE desk_jobs SET updated_at = $2 WHERE id = $1 AND state = 'running'")
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends a job: done or failed, with its last figures.
    pub async fn finish_job(
        &self,
        id: &str,
        state: JobState,
        error: Option<&str>,
        progress: &JobProgress,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        update_progress(&mut tx, id, progress, now).await?;
        sqlx::query("UPDATE desk_jobs SET state = $2, error = $3 WHERE id = $1")
            .bind(id)
            .bind(state.as_str())
            .bind(error)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes in one chunk of an upload: the cases (each with its row of the file), the link from each row to
    /// its case, and the job's progress, in one transaction.
    pub async fn intake_for_job(
        &self,
        job_id: &str,
        actor: &str,
        rows: Vec<(i64, NewCase)>,
        progress: &JobProgress,
        now: i64,
    ) -> Result<Vec<Case>, StoreError> {
        let (numbers, cases): (Vec<i64>, Vec<NewCase>) = rows.into_iter().unzip();
        let mut tx = self.begin_write().await?;
        let stored = intake_in(self, &mut tx, vec![(actor.to_string(), cases)])
            .await?
            .pop()
            .unwrap_or_default();
        for (row, case) in numbers.iter().zip(&stored) {
            sqlx::query(
                "INSERT INTO desk_batch_cases (job_id, file_row, case_id) VALUES ($1, $2, $3)",
            )
            .bind(job_id)
            .bind(*row)
            .bind(case.id.as_str())
            .execute(&mut *tx)
            .await?;
        }
        update_progress(&mut tx, job_id, progress, now).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// The cases an upload stored, in the file's order, `limit` from `offset`, and how many there are.
    pub async fn batch_cases(
        &self,
        job_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<Case>, i64), StoreError> {
        let total: i64 = sqlx::query("SELECT COUNT(*) FROM desk_batch_cases WHERE job_id = $1")
            .bind(job_id)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let columns = super::CASE_COLUMNS
            .split(", ")
            .map(|c| format!("c.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let cases = sqlx::query(&format!(
            "SELECT {columns} FROM desk_batch_cases b JOIN cases c ON c.id = b.case_id \
             WHERE b.job_id = $1 ORDER BY b.file_row LIMIT $2 OFFSET $3"
        ))
        .bind(job_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(case_from_row)
        .collect::<Result<_, _>>()?;
        Ok((cases, total))
    }

    /// Ids of the cases of an upload still new (待交办) that the model routed with confidence, with the
    /// suggested department, in the file's order.
    pub async fn batch_routed_new(
        &self,
        job_id: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        sqlx::query(
            "SELECT c.id, c.suggested_department_id FROM desk_batch_cases b JOIN cases c ON c.id = b.case_id \
             WHERE b.job_id = $1 AND c.state = 'new' AND c.review = 0 AND c.suggested_department_id <> '' \
             ORDER BY b.file_row",
        )
        .bind(job_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("suggested_department_id")?)))
        .collect()
    }

    /// Marks every job still running as interrupted: for a service starting on a store no other process
    /// serves (SQLite), whose running jobs can only be left from before a restart.
    pub async fn interrupt_running_jobs(&self, now: i64) -> Result<u64, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(0);
        }
        let done = sqlx::query(
            "UPDATE desk_jobs SET state = 'interrupted', updated_at = $1 WHERE state = 'running'",
        )
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

async fn update_progress(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: &str,
    progress: &JobProgress,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE desk_jobs SET done = $2, progress = $3, total = COALESCE($4, total), \
         encoding = COALESCE($5, encoding), detail = COALESCE($6, detail), updated_at = $7 WHERE id = $1",
    )
    .bind(id)
    .bind(progress.done)
    .bind(progress.progress)
    .bind(progress.total)
    .bind(progress.encoding.as_deref())
    .bind(progress.detail.as_ref().map(Value::to_string))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
