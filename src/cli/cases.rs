//! `triage cases import|export`: cases in and out of the case store by spreadsheet, for offices that move work
//! that way. Import triages each row and takes it in as `POST /api/v1/cases` would; export writes a 交办单,
//! one sheet per department.

use super::input::load_model;
use crate::io::case_sheet::write_cases;
use crate::io::{Columns, TableReader};
use crate::route::RoutingTable;
use crate::serve::triage::DecisionOut;
use crate::store::{CaseFilter, CaseState, ClosedCase, NewCase, Store, Suggestion, time};
use anyhow::Context;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Cases taken in per transaction.
const IMPORT_CHUNK: usize = 1000;

#[derive(Debug, Args)]
pub struct CasesArgs {
    #[command(subcommand)]
    pub command: CasesCommand,
}

#[derive(Debug, Subcommand)]
pub enum CasesCommand {
    /// Triage every row of a table (CSV, TSV, JSONL, XLSX) and take it into the store as a new case.
    Import {
        /// The table of complaints.
        file: PathBuf,
        /// The case store (SQLite file or postgres:// URL).
        #[arg(long, default_value = "triage-cases.db")]
        store: String,
        /// A model file or registry folder (default: the built-in model).
        #[arg(long)]
        model: Option<PathBuf>,
        #[arg(long, default_value = "text")]
        text_column: String,
        /// Column holding the office's case ids (default: the store numbers the cases).
        #[arg(long)]
        id_column: Option<String>,
        /// Recorded as who took the cases in.
        #[arg(long, default_value = "import")]
        actor: String,
    },
    /// Write cases to an XLSX 交办单 (one sheet per department) or a CSV file.
    Export {
        #[arg(long, default_value = "triage-cases.db")]
        store: String,
        /// new, assigned, returned or closed (or 待交办, 已交办, 已退单, 已销号).
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        department_id: Option<String>,
        /// Only assigned cases past their deadline.
        #[arg(long)]
        overdue: bool,
        /// Received on or after this date.
        #[arg(long)]
        since: Option<String>,
        /// `.xlsx` or `.csv`.
        #[arg(long)]
        output: PathBuf,
        /// Routing table for department names (default: the shipped one).
        #[arg(long)]
        routing: Option<PathBuf>,
    },
}

/// Runs `work` on a small async runtime: the command line's way into the store.
pub(super) fn with_store<T>(
    url: &str,
    work: impl AsyncFnOnce(&Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let store = Store::open(url).await?;
        let result = work(&store).await;
        store.shutdown().await;
        result
    })
}

/// Closed cases from a store, closed on or after `since` (a date).
pub(super) fn closed_cases(url: &str, since: Option<&str>) -> anyhow::Result<Vec<ClosedCase>> {
    let since = since
        .map(|s| time::parse(s, false).map_err(anyhow::Error::msg))
        .transpose()
        .context("--since")?;
    with_store(url, async |store| Ok(store.closed_cases(since).await?))
}

pub fn run(args: CasesArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        CasesCommand::Import {
            file,
            store,
            model,
            text_column,
            id_column,
            actor,
        } => {
            let pipeline = load_model(model.as_deref())?;
            let version = match &model {
                Some(path) => path.display().to_string(),
                None => "builtin".to_string(),
            };
            let reader = TableReader::open(
                &file,
                &Columns {
                    text: text_column,
                    id: id_column.clone(),
                    label: None,
                },
            )?;
            let mut unreadable = 0u64;
            let mut imported = 0usize;
            let mut rows = Vec::new();
            for row in reader {
                match row? {
                    Ok(row) => rows.push(row),
                    Err(error) => {
                        unreadable += 1;
                        eprintln!(
                            "warning: {}, row {} (line {}): {} (row not imported)",
                            file.display(),
                            error.number,
                            error.line,
                            error.message
                        );
                    }
                }
            }
            with_store(&store, async |store| {
                for chunk in rows.chunks(IMPORT_CHUNK) {
                    let texts: Vec<&str> = chunk.iter().map(|r| r.text.as_str()).collect();
                    let decisions = pipeline.triage_batch(&texts, false);
                    let cases = chunk
                        .iter()
                        .zip(&decisions)
                        .map(|(row, decision)| {
                            let id = id_column.as_ref().map(|_| row.id.clone());
                            let shown = DecisionOut::new(id.clone().unwrap_or_default(), decision);
                            NewCase {
                                id,
                                text: row.text.clone(),
                                enterprise: None,
                                source: Some(file.display().to_string()),
                                received_at: None,
                                suggestion: Suggestion {
                                    label: decision.label.clone(),
                                    department_id: decision.department.id.clone(),
                                    confidence: decision.confidence as f64,
                                    review: decision.needs_review(),
                                    model_version: version.clone(),
                                    decision: serde_json::to_value(&shown).unwrap_or_default(),
                                },
                            }
                        })
                        .collect();
                    imported += store.intake(&actor, cases).await?.len();
                }
                Ok(())
            })?;
            eprintln!(
                "{imported} cases imported into {store}{}",
                if unreadable > 0 {
                    format!(", {unreadable} unreadable rows not imported (listed above)")
                } else {
                    String::new()
                }
            );
            Ok(if unreadable > 0 {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            })
        }
        CasesCommand::Export {
            store,
            state,
            department_id,
            overdue,
            since,
            output,
            routing,
        } => {
            let state = state
                .map(|s| {
                    CaseState::parse(&s).with_context(|| {
                        format!("--state: '{s}' is not new, assigned, returned or closed")
                    })
                })
                .transpose()?;
            let since = since
                .map(|s| time::parse(&s, false).map_err(anyhow::Error::msg))
                .transpose()
                .context("--since")?;
            let routing = match routing {
                Some(path) => RoutingTable::from_path(&path)?,
                None => RoutingTable::shipped(),
            };
            let filter = CaseFilter {
                state,
                department_id,
                overdue,
                since,
                ..CaseFilter::default()
            };
            let now = time::now();
            let cases = with_store(&store, async |store| Ok(store.all(&filter, now).await?))?;
            let sheets = write_cases(&output, &cases, &routing, now)?;
            eprintln!(
                "{} cases written to {} ({sheets} sheet{})",
                cases.len(),
                output.display(),
                if sheets == 1 { "" } else { "s" }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
