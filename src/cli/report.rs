//! `triage report`: the batch report (HTML, JSON or XLSX by the output's extension) — headline figures,
//! categories and departments, review, confidence, distinctive words, recurring problems, examples.

use super::input::{file_name, load_model};
use crate::cli::input::TableArgs;
use crate::cluster::{ComplaintColumns, read_complaints};
use crate::report::{
    ReportColumns, ReportFormat, ReportOptions, build_report, read_batch, store_section,
    write_report,
};
use crate::store::{Backend, parse_url, time};
use anyhow::Context;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The batch of complaints (CSV, TSV, JSONL or XLSX); triaged on the way unless it has a label column.
    #[arg(long)]
    pub input: PathBuf,
    /// Model file or registry folder to triage with (default: the shipped model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Earlier batches (columns id, text, optional date and enterprise): problems raised there again are marked.
    #[arg(long, num_args = 1..)]
    pub previous: Vec<PathBuf>,
    /// The case store (a SQLite file or postgres:// URL): adds per department open / overdue / closed on time /
    /// returned and median days to close.
    #[arg(long)]
    pub store: Option<String>,
    /// `report.html`, `report.json` or `report.xlsx`.
    #[arg(long)]
    pub output: PathBuf,
    /// Output format (default: from the output's extension, HTML when it says nothing).
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    #[arg(long, default_value = "企业诉求办理情况报告")]
    pub title: String,
    #[command(flatten)]
    pub table: TableArgs,
    /// A column of categories: when present, the batch is taken as triaged.
    #[arg(long, default_value = "label")]
    pub label_column: String,
    #[arg(long, default_value = "date")]
    pub date_column: String,
    #[arg(long, default_value = "enterprise")]
    pub enterprise_column: String,
    /// A column saying whether a case is closed (办结 / closed).
    #[arg(long, default_value = "status")]
    pub status_column: String,
    /// Recurring problems listed.
    #[arg(long, default_value_t = 30)]
    pub problems: usize,
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let pipeline = load_model(args.model.as_deref())?;
    let options = args.table.read_options()?;
    let columns = ReportColumns {
        text: args.table.text_column.clone(),
        id: args.table.id_column.clone(),
        label: args.label_column.clone(),
        date: args.date_column.clone(),
        enterprise: args.enterprise_column.clone(),
        status: args.status_column.clone(),
    };
    let batch = read_batch(&args.input, &columns, &options, &pipeline)?;
    let complaint_columns = ComplaintColumns {
        text: args.table.text_column.clone(),
        id: args.table.id_column.clone(),
        date: args.date_column.clone(),
        enterprise: args.enterprise_column.clone(),
        gold: None,
    };
    let mut previous = Vec::new();
    let mut batch_names = vec![file_name(&args.input)];
    for (i, path) in args.previous.iter().enumerate() {
        let earlier = read_complaints(path, &complaint_columns, &options, i + 1)?;
        if !args.quiet {
            for error in &earlier.unreadable {
                eprintln!(
                    "warning: {}, row {} (line {}): {} (not used)",
                    path.display(),
                    error.number,
                    error.line,
                    error.message
                );
            }
        }
        previous.extend(earlier.complaints);
        batch_names.push(file_name(path));
    }
    let report_options = ReportOptions {
        title: args.title.clone(),
        source: file_name(&args.input),
        recurring_shown: args.problems,
        ..Default::default()
    };
    let mut report = build_report(&batch, &previous, &batch_names, &report_options);
    if let Some(url) = &args.store {
        // Opening a SQLite file that is not there would make an empty store and report nothing on it.
        if let (sqlx_url, Backend::Sqlite) = parse_url(url) {
            let path = sqlx_url.trim_start_matches("sqlite://");
            let path = path.split_once('?').map_or(path, |(path, _)| path);
            if !Path::new(path).exists() {
                anyhow::bail!("--store {url}: no such case store (the file does not exist)");
            }
        }
        let section = super::cases::with_store(url, async |store| {
            Ok(store_section(store, &pipeline.routing, time::now()).await?)
        })
        .context("--store: cannot read the case store's figures")?;
        report = report.with_store(section);
    }
    let format = args
        .format
        .unwrap_or_else(|| ReportFormat::from_path(&args.output));
    write_report(&report, &args.output, format)?;
    if !args.quiet {
        for error in &batch.unreadable {
            eprintln!(
                "error: {}, row {} (line {}): {} (not in the report)",
                args.input.display(),
                error.number,
                error.line,
                error.message
            );
        }
        eprintln!(
            "{} complaints{} reported in {:.1} s to {}: {}",
            report.total,
            if batch.triaged { " triaged and" } else { "" },
            started.elapsed().as_secs_f64(),
            args.output.display(),
            report.headline
        );
    }
    Ok(if batch.unreadable.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
