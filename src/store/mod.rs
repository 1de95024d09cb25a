//! The case store: every case the office takes in, its append-only history of events, and the figures drawn
//! from them. SQLite (one file, the default) or PostgreSQL (several service replicas sharing one database).
//!
//! - A case is never written directly: each change is an [`Event`] appended to `case_events`, and the `cases`
//!   row is the fold of the events ([`Case::apply`]), written in the same transaction. Nothing is deleted.
//! - Concurrent changes to one case (two replicas, two dispatchers) are ordered by the case's `version`: an
//!   update names the version it read and fails when another change came first; the store then reads the case
//!   again and re-applies the rules, so a second 销号 is refused rather than recorded twice.
//! - Both databases go through one crate, sqlx, and its `Any` driver: one set of queries (numbered `$N`
//!   parameters, which both accept) and one migration list per dialect, applied at open.
//!
//! This module knows SQL and the case's rules; it must not know HTTP, roles or the model.

pub mod case;
mod jobs;
mod stats;
pub mod time;

pub use case::{Assignment, Case, CaseState, ChangeError, Closing, Event, EventKind};
pub use jobs::{HEARTBEAT_MS, Job, JobKind, JobProgress, JobState, NewJob, STALE_MS};
pub use stats::{CategoryStats, DepartmentStats, Stats};

use serde_json::Value;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Row};
use std::borrow::Cow;
use std::time::Duration;

/// A changed case is read and written again at most this many times when other changes keep coming first.
const CHANGE_ATTEMPTS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no case with id '{0}'")]
    NotFound(String),
    /// The change does not fit the case's state, or the id is taken.
    #[error("{0}")]
    Conflict(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The case exists but is not the asking department's.
    #[error("case '{id}' is not assigned to department '{department_id}'")]
    NotVisible { id: String, department_id: String },
    #[error("cannot open the case store {url}: {message}")]
    Open { url: String, message: String },
    #[error("case store: {0}")]
    Database(#[from] sqlx::Error),
    #[error("case store migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("case store: damaged record: {0}")]
    Damaged(String),
}

impl From<ChangeError> for StoreError {
    fn from(error: ChangeError) -> Self {
        match error {
            ChangeError::Conflict(message) => StoreError::Conflict(message),
            ChangeError::Invalid { field, message } => StoreError::Invalid { field, message },
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        StoreError::Damaged(error.to_string())
    }
}

/// Which database holds the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("url", &self.shown)
            .field("backend", &self.backend)
            .finish()
    }
}

/// What the model said at intake.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub label: String,
    pub department_id: String,
    pub confidence: f64,
    pub review: bool,
    pub model_version: String,
    /// The whole decision as the service shows it.
    pub decision: Value,
}

/// A case to take in.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    /// The office's own id; one is made (`C000123`) when absent.
    pub id: Option<String>,
    pub text: String,
    pub enterprise: Option<String>,
    pub source: Option<String>,
    /// When the complaint arrived; default now.
    pub received_at: Option<i64>,
    pub suggestion: Suggestion,
}

/// Which cases to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseFilter {
    pub state: Option<CaseState>,
    pub department_id: Option<String>,
    /// Only assigned cases past their deadline.
    pub overdue: bool,
    /// Received at or after (ms).
    pub since: Option<i64>,
    /// Received before (ms).
    pub until: Option<i64>,
    pub label: Option<String>,
    pub review: Option<bool>,
}

/// One page of a listing, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct CasePage {
    pub cases: Vec<Case>,
    /// Cases matching the filter, on all pages.
    pub total: i64,
}

/// A closed case as learning and drift need it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedCase {
    pub id: String,
    pub text: String,
    pub suggested_label: String,
    pub suggested_department_id: String,
    pub label: String,
    pub department_id: String,
    pub closed_at: i64,
}

/// The case store, cheap to clone (a connection pool).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite: intakes go through one writer task that commits them in groups.
    intake_queue: Option<tokio::sync::mpsc::Sender<IntakeJob>>,
    /// The URL without a password, for messages.
    shown: String,
}

const CASE_COLUMNS: &str = "id, seq, text, enterprise, source, received_at, state, suggested_label, \
     suggested_department_id, confidence, review, model_version, decision, label, department_id, deadline, \
     assigned_at, closed_at, resolution, returns, version, created_at, updated_at";

const EVENT_COLUMNS: &str = "seq, at, actor, kind, department_id, before, after, note";

/// `path.db`, `sqlite:path`, `sqlite://path` or `postgres://…` as sqlx's URL, and which database it is.
pub fn parse_url(url: &str) -> (String, Backend) {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return (url.to_string(), Backend::Postgres);
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let query = if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        query.to_string()
    };
    (format!("sqlite://{path}?{query}"), Backend::Sqlite)
}

/// A URL with its password replaced, to show.
fn without_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn migrator(backend: Backend) -> Migrator {
    let migrations: &[(i64, &str, &str)] = match backend {
        Backend::Sqlite => &[
            (
                1,
                "cases and events",
                include_str!("../../migrations/sqlite/0001_cases.sql"),
            ),
            (
                2,
                "the desk's jobs",
                include_str!("../../migrations/sqlite/0002_desk_jobs.sql"),
            ),
        ],
        Backend::Postgres => &[
            (
                1,
                "cases and events",
                include_str!("../../migrations/postgres/0001_cases.sql"),
            ),
            (
                2,
                "case numbers from a sequence",
                include_str!("../../migrations/postgres/0002_case_numbers.sql"),
            ),
            (
                3,
                "the desk's jobs",
                include_str!("../../migrations/postgres/0003_desk_jobs.sql"),
            ),
        ],
    };
    Migrator {
        migrations: Cow::Owned(
            migrations
                .iter()
                .map(|&(version, description, sql)| {
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect(),
        ),
        ..Migrator::DEFAULT
    }
}

/// A text column that may be NULL, as an option of a non-empty string.
fn text(row: &AnyRow, column: &str) -> Result<Option<String>, sqlx::Error> {
    row.try_get::<Option<String>, _>(column)
}

fn case_from_row(row: &AnyRow) -> Result<Case, StoreError> {
    let state: String = row.try_get("state")?;
    let decision: String = row.try_get("decision")?;
    Ok(Case {
        id: row.try_get("id")?,
        seq: row.try_get("seq")?,
        text: row.try_get("text")?,
        enterprise: text(row, "enterprise")?,
        source: text(row, "source")?,
        received_at: row.try_get("received_at")?,
        state: CaseState::parse(&state)
            .ok_or_else(|| StoreError::Damaged(format!("unknown state '{state}'")))?,
        suggested_label: row.try_get("suggested_label")?,
        suggested_department_id: row.try_get("suggested_department_id")?,
        confidence: row.try_get("confidence")?,
        review: row.try_get::<i64, _>("review")? != 0,
        model_version: row.try_get("model_version")?,
        decision: serde_json::from_str(&decision)?,
        label: text(row, "label")?,
        department_id: text(row, "department_id")?,
        deadline: row.try_get("deadline")?,
        assigned_at: row.try_get("assigned_at")?,
        closed_at: row.try_get("closed_at")?,
        resolution: text(row, "resolution")?,
        returns: row.try_get("returns")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn event_from_row(row: &AnyRow) -> Result<Event, StoreError> {
    let kind: String = row.try_get("kind")?;
    let map = |column: &str| -> Result<serde_json::Map<String, Value>, StoreError> {
        let text: String = row.try_get(column)?;
        Ok(serde_json::from_str(&text)?)
    };
    Ok(Event {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        kind: EventKind::parse(&kind)
            .ok_or_else(|| StoreError::Damaged(format!("unknown event kind '{kind}'")))?,
        department_id: text(row, "department_id")?,
        before: map("before")?,
        after: map("after")?,
        note: text(row, "note")?,
    })
}

/// A value bound to a numbered parameter of a query built at run time.
enum Bind {
    Text(String),
    Int(i64),
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind_all<'q>(mut query: AnyQuery<'q>, binds: &'q [Bind]) -> AnyQuery<'q> {
    for bind in binds {
        query = match bind {
            Bind::Text(text) => query.bind(text.as_str()),
            Bind::Int(number) => query.bind(*number),
        };
    }
    query
}

impl Store {
    /// Opens (creating a SQLite file when needed) and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (url, backend) = parse_url(url);
        let shown = without_password(&url);
        let options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            .max_connections(match backend {
                // One writer at a time anyway; a few readers beside it.
                Backend::Sqlite => 4,
                Backend::Postgres => 8,
            });
        let options = match backend {
            Backend::Sqlite => options.after_connect(|connection, _| {
                Box::pin(async move {
                    // WAL: readers do not wait for the writer. synchronous=FULL: a committed case survives a
                    // power cut, not only a killed process. busy_timeout: another process writing waits.
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA synchronous = FULL",
                        "PRAGMA busy_timeout = 10000",
                        "PRAGMA foreign_keys = ON",
                    ] {
                        sqlx::query(pragma).execute(&mut *connection).await?;
                    }
                    Ok(())
                })
            }),
            Backend::Postgres => options,
        };
        let pool = options.connect(&url).await.map_err(|e| StoreError::Open {
            url: shown.clone(),
            message: e.to_string(),
        })?;
        migrator(backend).run(&pool).await?;
        let mut store = Store {
            pool,
            backend,
            intake_queue: None,
            shown,
        };
        if backend == Backend::Sqlite {
            let (queue, jobs) = tokio::sync::mpsc::channel(1024);
            tokio::spawn(intake_writer(store.clone(), jobs));
            store.intake_queue = Some(queue);
        }
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The store's URL without its password.
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool, waiting for connections in use.
    pub async fn shutdown(&self) {
        self.pool.close().await;
    }

    /// A transaction that will write. SQLite takes its write lock at the start, so that two writers queue
    /// instead of one failing when it upgrades a read lock.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Takes in cases with the model's suggestions, in one transaction: all are stored or none. Returns once
    /// they are committed. On SQLite, intakes arriving while another commits are committed together (see
    /// [`intake_writer`]).
    pub async fn intake(&self, actor: &str, cases: Vec<NewCase>) -> Result<Vec<Case>, StoreError> {
        if cases.is_empty() {
            return Ok(Vec::new());
        }
        let Some(queue) = &self.intake_queue else {
            return intake_in_one_transaction(self, vec![(actor.to_string(), cases)])
                .await
                .map(|mut stored| stored.remove(0));
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        queue
            .send(IntakeJob {
                actor: actor.to_string(),
                cases,
                reply,
            })
            .await
            .map_err(|_| StoreError::Conflict("the case store is shutting down".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Conflict("the case store is shutting down".into()))?
    }

    /// Takes in cases the office has already handled (its history, for learning): each case is taken in and
    /// closed (销号) under the case's own rules, two events, in one transaction for all.
    pub async fn intake_closed(
        &self,
        actor: &str,
        cases: Vec<(NewCase, Closing)>,
    ) -> Result<Vec<Case>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut numbers = case_numbers(self, &mut tx, cases.len()).await?.into_iter();
        let now = time::now();
        let mut stored = Vec::with_capacity(cases.len());
        for (new, closing) in cases {
            let seq = numbers
                .next()
                .ok_or_else(|| StoreError::Damaged("fewer case numbers than cases".into()))?;
            let taken = new_case_row(new, seq, now);
            let intake = Case::intake_event(&taken, actor);
            let close = taken.close(&closing, actor, now)?;
            let closed = Case::apply(Some(&taken), &close)?;
            insert_case(&mut tx, &closed).await?;
            insert_event(&mut tx, &closed.id, &intake).await?;
            insert_event(&mut tx, &closed.id, &close).await?;
            stored.push(closed);
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// One case.
    pub async fn get(&self, id: &str) -> Result<Case, StoreError> {
        let row = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        case_from_row(&row)
    }

    /// A case's history, oldest first.
    pub async fn history(&self, id: &str) -> Result<Vec<Event>, StoreError> {
        sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM case_events WHERE case_id = $1 ORDER BY seq"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(event_from_row)
        .collect()
    }

    /// 交办. `only_department` limits the change to a department's own cases.
    pub async fn assign(
        &self,
        id: &str,
        actor: &str,
        assignment: &Assignment,
    ) -> Result<Case, StoreError> {
        self.change(id, None, |case, now| case.assign(assignment, actor, now))
            .await
    }

    /// 退单, by the department holding the case (`only_department`) or a dispatcher.
    pub async fn return_to_dispatch(
        &self,
        id: &str,
        actor: &str,
        reason: &str,
        only_department: Option<&str>,
    ) -> Result<Case, StoreError> {
        self.change(id, only_department, |case, now| {
            case.return_to_dispatch(reason, actor, now)
        })
        .await
    }

    /// 销号, by the department holding the case (`only_department`) or a dispatcher.
    pub async fn close(
        &self,
        id: &str,
        actor: &str,
        closing: &Closing,
        only_department: Option<&str>,
    ) -> Result<Case, StoreError> {
        self.change(id, only_department, |case, now| {
            case.close(closing, actor, now)
        })
        .await
    }

    /// 交办 of many cases in one transaction, each (id, department) with the same deadline, as [`Store::assign`]
    /// would; only cases still new (待交办) are assigned, the others are left alone. Returns (assigned, skipped).
    pub async fn assign_new_cases(
        &self,
        actor: &str,
        cases: &[(String, String)],
        deadline: i64,
    ) -> Result<(u64, u64), StoreError> {
        let mut tx = self.begin_write().await?;
        let (mut assigned, mut skipped) = (0, 0);
        for (id, department_id) in cases {
            let row = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            let Some(case) = row.as_ref().map(case_from_row).transpose()? else {
                skipped += 1;
                continue;
            };
            if case.state != CaseState::New {
                skipped += 1;
                continue;
            }
            let assignment = Assignment {
                department_id: department_id.clone(),
                deadline,
                label: None,
                note: None,
            };
            let event = case.assign(&assignment, actor, time::now().max(case.updated_at))?;
            let changed = Case::apply(Some(&case), &event)?;
            if update_case(&mut tx, &changed, case.version).await? == 0 {
                skipped += 1;
                continue;
            }
            insert_event(&mut tx, id, &event).await?;
            assigned += 1;
        }
        tx.commit().await?;
        Ok((assigned, skipped))
    }

    /// Reads a case, lets `make` decide the event under the case's rules, and writes the event and the case
    /// it yields, provided nobody changed the case in between (else reads it again).
    async fn change(
        &self,
        id: &str,
        only_department: Option<&str>,
        make: impl Fn(&Case, i64) -> Result<Event, ChangeError>,
    ) -> Result<Case, StoreError> {
        for _ in 0..CHANGE_ATTEMPTS {
            let mut tx = self.begin_write().await?;
            let row = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
            let case = case_from_row(&row)?;
            if let Some(department) = only_department
                && case.department_id.as_deref() != Some(department)
            {
                return Err(StoreError::NotVisible {
                    id: id.to_string(),
                    department_id: department.to_string(),
                });
            }
            let event = make(&case, time::now().max(case.updated_at))?;
            let changed = Case::apply(Some(&case), &event)?;
            let updated = update_case(&mut tx, &changed, case.version).await?;
            if updated == 0 {
                // Another change came first: read the case again and apply the rules to what it is now.
                tx.rollback().await?;
                continue;
            }
            insert_event(&mut tx, id, &event).await?;
            tx.commit().await?;
            return Ok(changed);
        }
        Err(StoreError::Conflict(format!(
            "case '{id}' kept changing while this change was being made; try again"
        )))
    }

    /// Cases matching `filter`, newest first, `limit` from `offset`.
    pub async fn list(
        &self,
        filter: &CaseFilter,
        offset: i64,
        limit: i64,
        now: i64,
    ) -> Result<CasePage, StoreError> {
        let (condition, binds) = where_clause(filter, now);
        let total: i64 = bind_all(
            sqlx::query(&format!("SELECT COUNT(*) FROM cases{condition}")),
            &binds,
        )
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        let n = binds.len();
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases{condition} ORDER BY seq DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let rows = bind_all(sqlx::query(&sql), &binds)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let cases = rows.iter().map(case_from_row).collect::<Result<_, _>>()?;
        Ok(CasePage { cases, total })
    }

    /// Every case matching `filter`, oldest first (for exports).
    pub async fn all(&self, filter: &CaseFilter, now: i64) -> Result<Vec<Case>, StoreError> {
        let (condition, binds) = where_clause(filter, now);
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases{condition} ORDER BY seq");
        bind_all(sqlx::query(&sql), &binds)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(case_from_row)
            .collect()
    }

    /// Closed cases, closed at or after `since` (ms), oldest first: what retraining and drift learn from.
    pub async fn closed_cases(&self, since: Option<i64>) -> Result<Vec<ClosedCase>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, text, suggested_label, suggested_department_id, label, department_id, closed_at \
             FROM cases WHERE state = 'closed' AND closed_at >= $1 ORDER BY closed_at, seq",
        )
        .bind(since.unwrap_or(i64::MIN))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ClosedCase {
                    id: row.try_get("id")?,
                    text: row.try_get("text")?,
                    suggested_label: row.try_get("suggested_label")?,
                    suggested_department_id: row.try_get("suggested_department_id")?,
                    label: text(row, "label")?.unwrap_or_default(),
                    department_id: text(row, "department_id")?.unwrap_or_default(),
                    closed_at: row.try_get("closed_at")?,
                })
            })
            .collect()
    }

    /// Figures per department and per category, as of `now`.
    pub async fn stats(&self, now: i64) -> Result<Stats, StoreError> {
        let rows = sqlx::query(
            "SELECT state, suggested_label, label, department_id, deadline, assigned_at, closed_at FROM cases",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut cases = Vec::with_capacity(rows.len());
        for row in &rows {
            let state: String = row.try_get("state")?;
            cases.push(stats::CaseFigures {
                state: CaseState::parse(&state)
                    .ok_or_else(|| StoreError::Damaged(format!("unknown state '{state}'")))?,
                suggested_label: row.try_get("suggested_label")?,
                label: text(row, "label")?,
                department_id: text(row, "department_id")?,
                deadline: row.try_get("deadline")?,
                assigned_at: row.try_get("assigned_at")?,
                closed_at: row.try_get("closed_at")?,
            });
        }
        let handed = sqlx::query(
            "SELECT department_id, kind, COUNT(*) AS n FROM case_events \
             WHERE kind IN ('assign', 'return') AND department_id IS NOT NULL GROUP BY department_id, kind",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut handovers = Vec::with_capacity(handed.len());
        for row in &handed {
            let kind: String = row.try_get("kind")?;
            handovers.push((
                row.try_get::<String, _>("department_id")?,
                kind == "return",
                row.try_get::<i64, _>("n")?,
            ));
        }
        Ok(stats::compute(&cases, &handovers, now))
    }
}

/// Writes a changed case, provided it is still at `read_version`; the rows changed (0: another change came first).
async fn update_case(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    changed: &Case,
    read_version: i64,
) -> Result<u64, StoreError> {
    let updated = sqlx::query(
        "UPDATE cases SET state = $2, label = $3, department_id = $4, deadline = $5, assigned_at = $6, \
         closed_at = $7, resolution = $8, returns = $9, version = $10, updated_at = $11 \
         WHERE id = $1 AND version = $12",
    )
    .bind(changed.id.as_str())
    .bind(changed.state.as_str())
    .bind(changed.label.as_deref())
    .bind(changed.department_id.as_deref())
    .bind(changed.deadline)
    .bind(changed.assigned_at)
    .bind(changed.closed_at)
    .bind(changed.resolution.as_deref())
    .bind(changed.returns)
    .bind(changed.version)
    .bind(changed.updated_at)
    .bind(read_version)
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected())
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    case_id: &str,
    event: &Event,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO case_events (case_id, {EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(case_id)
    .bind(event.seq)
    .bind(event.at)
    .bind(event.actor.as_str())
    .bind(event.kind.as_str())
    .bind(event.department_id.as_deref())
    .bind(Value::Object(event.before.clone()).to_string())
    .bind(Value::Object(event.after.clone()).to_string())
    .bind(event.note.as_deref())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Intakes waiting for the SQLite writer.
struct IntakeJob {
    actor: String,
    cases: Vec<NewCase>,
    reply: tokio::sync::oneshot::Sender<Result<Vec<Case>, StoreError>>,
}

/// Most cases committed together by the intake writer.
const GROUP_COMMIT_CASES: usize = 2000;

/// Group commit for SQLite: each commit waits for the disk (`synchronous=FULL`), and SQLite has one writer, so
/// one intake per commit would cap intake at the disk's syncs per second. The writer takes the first waiting
/// intake and every other one already queued, commits them in one transaction and answers each; when that
/// fails (an id already taken) it commits them one by one, so only the offending intake fails. An intake is
/// answered only after its commit, so an acknowledged case is on disk.
async fn intake_writer(store: Store, mut jobs: tokio::sync::mpsc::Receiver<IntakeJob>) {
    while let Some(first) = jobs.recv().await {
        let mut group = vec![first];
        let mut cases = group[0].cases.len();
        while cases < GROUP_COMMIT_CASES {
            match jobs.try_recv() {
                Ok(job) => {
                    cases += job.cases.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        if group.len() == 1 {
            let job = group.pop().expect("one job");
            let stored = intake_in_one_transaction(&store, vec![(job.actor, job.cases)]).await;
            let _ = job.reply.send(stored.map(|mut s| s.remove(0)));
            continue;
        }
        let batches: Vec<(String, Vec<NewCase>)> = group
            .iter()
            .map(|job| (job.actor.clone(), job.cases.clone()))
            .collect();
        match intake_in_one_transaction(&store, batches).await {
            Ok(stored) => {
                for (job, stored) in group.into_iter().zip(stored) {
                    let _ = job.reply.send(Ok(stored));
                }
            }
            Err(_) => {
                for job in group {
                    let stored =
                        intake_in_one_transaction(&store, vec![(job.actor, job.cases)]).await;
                    let _ = job.reply.send(stored.map(|mut s| s.remove(0)));
                }
            }
        }
    }
}

/// Stores intakes (each an actor and its cases) in one transaction; the stored cases per intake.
async fn intake_in_one_transaction(
    store: &Store,
    intakes: Vec<(String, Vec<NewCase>)>,
) -> Result<Vec<Vec<Case>>, StoreError> {
    let mut tx = store.begin_write().await?;
    let stored = intake_in(store, &mut tx, intakes).await?;
    tx.commit().await?;
    Ok(stored)
}

/// `count` new case numbers, in order.
async fn case_numbers(
    store: &Store,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    count: usize,
) -> Result<Vec<i64>, StoreError> {
    Ok(match store.backend {
        // SQLite has one writer anyway: a counter row, numbers without gaps.
        Backend::Sqlite => {
            let last: i64 = sqlx::query(
                "UPDATE counters SET value = value + $1 WHERE name = 'case' RETURNING value",
            )
            .bind(count as i64)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
            (last - count as i64 + 1..=last).collect()
        }
        // A sequence takes no lock until commit, so concurrent intakes do not queue (numbers may have gaps).
        Backend::Postgres => {
            let rows = sqlx::query(
                "SELECT nextval('case_numbers') AS n FROM generate_series(1, $1) ORDER BY 1",
            )
            .bind(count as i64)
            .fetch_all(&mut **tx)
            .await?;
            rows.iter()
                .map(|row| row.try_get::<i64, _>("n"))
                .collect::<Result<_, _>>()?
        }
    })
}

/// Stores intakes inside `tx`; the stored cases per intake.
async fn intake_in(
    store: &Store,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    intakes: Vec<(String, Vec<NewCase>)>,
) -> Result<Vec<Vec<Case>>, StoreError> {
    let total: usize = intakes.iter().map(|(_, cases)| cases.len()).sum();
    let mut numbers = case_numbers(store, tx, total).await?.into_iter();
    let now = time::now();
    let mut stored_intakes = Vec::with_capacity(intakes.len());
    for (actor, cases) in intakes {
        let mut stored = Vec::with_capacity(cases.len());
        for new in cases {
            let seq = numbers
                .next()
                .ok_or_else(|| StoreError::Damaged("fewer case numbers than cases".into()))?;
            let case = new_case_row(new, seq, now);
            insert_case(tx, &case).await?;
            insert_event(tx, &case.id, &Case::intake_event(&case, &actor)).await?;
            stored.push(case);
        }
        stored_intakes.push(stored);
    }
    Ok(stored_intakes)
}

/// The case an intake makes.
fn new_case_row(new: NewCase, seq: i64, now: i64) -> Case {
    let id = match new.id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => format!("C{seq:06}"),
    };
    let suggestion = new.suggestion;
    Case {
        id,
        seq,
        text: new.text,
        enterprise: new.enterprise,
        source: new.source,
        received_at: new.received_at.unwrap_or(now),
        state: CaseState::New,
        label: (!suggestion.label.is_empty()).then(|| suggestion.label.clone()),
        suggested_label: suggestion.label,
        suggested_department_id: suggestion.department_id,
        confidence: suggestion.confidence,
        review: suggestion.review,
        model_version: suggestion.model_version,
        decision: suggestion.decision,
        department_id: None,
        deadline: None,
        assigned_at: None,
        closed_at: None,
        resolution: None,
        returns: 0,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

async fn insert_case(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    case: &Case,
) -> Result<(), StoreError> {
    let inserted = sqlx::query(&format!(
        "INSERT INTO cases ({CASE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)"
    ))
    .bind(case.id.as_str())
    .bind(case.seq)
    .bind(case.text.as_str())
    .bind(case.enterprise.as_deref())
    .bind(case.source.as_deref())
    .bind(case.received_at)
    .bind(case.state.as_str())
    .bind(case.suggested_label.as_str())
    .bind(case.suggested_department_id.as_str())
    .bind(case.confidence)
    .bind(case.review as i64)
    .bind(case.model_version.as_str())
    .bind(case.decision.to_string())
    .bind(case.label.as_deref())
    .bind(case.department_id.as_deref())
    .bind(case.deadline)
    .bind(case.assigned_at)
    .bind(case.closed_at)
    .bind(case.resolution.as_deref())
    .bind(case.returns)
    .bind(case.version)
    .bind(case.created_at)
    .bind(case.updated_at)
    .execute(&mut **tx)
    .await;
    match inserted {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(StoreError::Conflict(format!(
                "a case with id '{}' already exists; nothing of this intake was stored",
                case.id
            )))
        }
        other => other.map(|_| ()).map_err(StoreError::from),
    }
}

/// ` WHERE …` with numbered parameters for `filter`, and their values.
fn where_clause(filter: &CaseFilter, now: i64) -> (String, Vec<Bind>) {
    let mut conditions = Vec::new();
    let mut binds = Vec::new();
    let mut push = |condition: &str, bind: Bind| {
        binds.push(bind);
        conditions.push(condition.replace('?', &format!("${}", binds.len())));
    };
    if let Some(state) = filter.state {
        push("state = ?", Bind::Text(state.as_str().into()));
    }
    if let Some(department) = &filter.department_id {
        push("department_id = ?", Bind::Text(department.clone()));
    }
    if filter.overdue {
        push("state = 'assigned' AND deadline < ?", Bind::Int(now));
    }
    if let Some(since) = filter.since {
        push("received_at >= ?", Bind::Int(since));
    }
    if let Some(until) = filter.until {
        push("received_at < ?", Bind::Int(until));
    }
    if let Some(label) = &filter.label {
        push("label = ?", Bind::Text(label.clone()));
    }
    if let Some(review) = filter.review {
        push("review = ?", Bind::Int(review as i64));
    }
    if conditions.is_empty() {
        (String::new(), binds)
    } else {
        (format!(" WHERE {}", conditions.join(" AND ")), binds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_database_and_hide_passwords() {
        assert_eq!(
            parse_url("triage-cases.db"),
            ("sqlite://triage-cases.db?mode=rwc".into(), Backend::Sqlite)
        );
        assert_eq!(
            parse_url("sqlite://cases/a.db?mode=ro"),
            ("sqlite://cases/a.db?mode=ro".into(), Backend::Sqlite)
        );
        assert_eq!(parse_url("postgres://u:p@h/db").1, Backend::Postgres);
        assert_eq!(
            without_password("postgres://triage:secret@localhost/cases"),
            "postgres://triage:***@localhost/cases"
        );
    }

    #[test]
    fn filters_number_their_parameters_in_order() {
        let filter = CaseFilter {
            state: Some(CaseState::Assigned),
            overdue: true,
            label: Some("tax".into()),
            ..CaseFilter::default()
        };
        let (condition, binds) = where_clause(&filter, 5);
        assert_eq!(
            condition,
            " WHERE state = $1 AND state = 'assigned' AND deadline < $2 AND label = $3"
        );
        assert_eq!(binds.len(), 3);
    }
}
