//! `triage cases import|export`: cases in and out of the case store by spreadsheet, for offices that move work
//! that way. Import ([`crate::case_import`]) triages each row and takes it in as `POST /api/v1/cases` would, or
//! closed with its final category for an office's history; export writes a 交办单, one sheet per department.

use super::input::load_model;
use crate::case_import::{ImportOptions, prepare, store_prepared};
use crate::io::assignment_sheet::write_cases;
use crate::route::RoutingTable;
use crate::store::{CaseFilter, CaseState, ClosedCase, Store, time};
use anyhow::Context;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

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
        /// The rows are the office's closed cases (its history, for retraining) and this column holds each
        /// one's final category: they are stored closed (销号), handled by that category's department.
        #[arg(long)]
        closed_label_column: Option<String>,
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
            closed_label_column,
            actor,
        } => {
            let pipeline = load_model(model.as_deref())?;
            let options = ImportOptions {
                text_column,
                id_column,
                closed_label_column,
                actor,
                model_version: match &model {
                    Some(path) => path.display().to_string(),
                    None => "builtin".to_string(),
                },
            };
            let prepared = prepare(&pipeline, &file, &options)?;
            for error in &prepared.unreadable {
                eprintln!(
                    "warning: {}, row {} (line {}): {} (row not imported)",
                    file.display(),
                    error.number,
                    error.line,
                    error.message
                );
            }
            let report = with_store(&store, async |store| {
                Ok(store_prepared(store, prepared, &options.actor).await?)
            })?;
            let unreadable = report.unreadable.len();
            eprintln!(
                "{} cases imported into {store}{}{}",
                report.imported,
                if report.closed > 0 {
                    format!(" ({} closed, with their final category)", report.closed)
                } else {
                    String::new()
                },
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
