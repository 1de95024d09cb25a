//! `triage classify`: triage every row of a table (CSV, TSV, JSONL or XLSX) and write one decision per row, in
//! input order, as CSV, TSV, JSONL or XLSX.
//!
//! The work is the library's streaming batch engine ([`crate::batch`]); this file holds the arguments, the
//! progress bar and the summary.
//!
//! The output keeps the input's columns and adds the decision's after them (`--decisions-only` for the
//! decision alone); see [`crate::io::OutputLayout`].
//!
//! Every row is accounted for: it yields an output row, or, with `--rejects FILE`, a line there with its row
//! number and reason. Without `--rejects` an unreadable row is an output row sent to review with the reason,
//! and empty text is an output row sent to review ("empty text"); with `--rejects` both go to the rejects file,
//! so that the output holds only decisions. The exit status is 3 when any row was rejected or unreadable.

use super::input::load_model;
use crate::batch::{BatchProgress, triage_table_in};
use crate::cli::input::TableArgs;
use crate::io::{
    Columns, OutputFormat, OutputLayout, RejectsFile, SinkOptions, SplitBy, TableReader,
    decision_header, open_sink_with,
};
use crate::lang::Lang;
use crate::route::RoutingTable;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Model file or model registry folder (default: the shipped model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Table of complaints (CSV, TSV, JSONL or XLSX), or `-` for standard input.
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the decisions, `-` for standard output; with --split-by, a folder (an existing one, or a
    /// path ending in `/`) gets one 交办单 XLSX file per value.
    #[arg(long, default_value = "-")]
    pub output: PathBuf,
    /// Write the decision's columns only. By default the output is the input row with the decision's columns
    /// after it; a decision column whose name the input already has is renamed `triage_<name>` (an input column
    /// `label` keeps its name and the decision's becomes `triage_label`), and the decision's `id` is left out
    /// when the input's id column is `id`.
    #[arg(long)]
    pub decisions_only: bool,
    /// CSV/TSV files: no UTF-8 byte-order mark (by default a file starts with one, so that Excel reads it as
    /// UTF-8; standard output never has one).
    #[arg(long)]
    pub no_bom: bool,
    /// Encoding of CSV/TSV output: utf-8 (default), gb18030 or gbk. A character the encoding lacks is an error
    /// naming the row, never replaced.
    #[arg(long)]
    pub output_encoding: Option<String>,
    /// XLSX: one sheet per department or label; with a folder as --output, one 交办单 file per value.
    #[arg(long, value_enum)]
    pub split_by: Option<SplitBy>,
    #[command(flatten)]
    pub table: TableArgs,
    /// Format of the output (default: from its extension; CSV for `-` or an unknown extension).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Write rows that get no decision (unreadable rows, empty text) to this CSV file, with their row number and
    /// the reason, instead of to the output.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// No progress bar and no summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Routing table CSV that overrides the one saved in the model.
    #[arg(long)]
    pub routing: Option<PathBuf>,
    /// Add a `reasons` column: the terms that pushed the chosen category most, as written in the input.
    #[arg(long)]
    pub explain: bool,
    /// Report a runner-up category at least this probable as `secondary_label` (default: the model's).
    #[arg(long)]
    pub secondary_threshold: Option<f32>,
    /// Language of review reasons and of the summary: zh (Chinese) or en (English).
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: Lang,
}

pub fn run(args: ClassifyArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let mut pipeline = load_model(args.model.as_deref())?;
    if let Some(path) = &args.routing {
        pipeline.routing = RoutingTable::from_path(path)?;
    }
    if let Some(threshold) = args.secondary_threshold {
        anyhow::ensure!(
            (0.0..=1.0).contains(&threshold),
            "--secondary-threshold must be within 0..1, got {threshold}"
        );
        pipeline.review.secondary_threshold = threshold;
    }
    let options = args.table.read_options()?;
    let columns = Columns {
        text: args.table.text_column.clone(),
        id: Some(args.table.id_column.clone()),
        label: None,
        extra: Vec::new(),
    };
    let reader = TableReader::open_with(&args.input, &columns, &options)?;
    if let Some(encoding) = reader.detected_encoding()
        && !args.quiet
    {
        eprintln!(
            "note: {} is not UTF-8; reading it as {encoding} (--encoding chooses another)",
            args.input.display()
        );
    }
    let header = decision_header(args.explain);
    let layout = if args.decisions_only {
        OutputLayout::decisions_only(&header)
    } else {
        OutputLayout::keeping_input(
            reader.columns(),
            &args.table.text_column,
            Some(&args.table.id_column),
            &header,
        )
    };
    if !args.quiet {
        for (decision, renamed) in layout.renamed() {
            eprintln!(
                "note: the input has a column '{decision}'; the decision's '{decision}' is written as '{renamed}'"
            );
        }
    }
    let encoding = match &args.output_encoding {
        None => None,
        Some(label) => Some(
            encoding_rs::Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
                anyhow::anyhow!("--output-encoding {label}: unknown; use utf-8, gb18030 or gbk")
            })?,
        ),
    };
    let sink_options = SinkOptions {
        bom: !args.no_bom,
        encoding,
        split_by: args.split_by,
        date: None,
    };
    let sink = open_sink_with(&args.output, args.format, &layout, &sink_options)?;
    let rejects = args
        .rejects
        .as_deref()
        .map(RejectsFile::create)
        .transpose()?;
    let progress = progress_bar(reader.progress().1, args.quiet);
    let outcome = triage_table_in(
        reader,
        &pipeline,
        args.explain,
        &layout,
        args.lang,
        sink,
        rejects,
        Box::new(BarProgress(progress.clone())),
    );
    progress.finish_and_clear();
    let tally = outcome?;
    if !args.quiet {
        eprint!(
            "{}",
            tally.summary_in(
                started.elapsed().as_secs_f64(),
                args.rejects.as_deref(),
                args.lang
            )
        );
    }
    Ok(if tally.rejected > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// A progress bar on stderr when it is a terminal, hidden otherwise.
fn progress_bar(total: Option<u64>, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let target = ProgressDrawTarget::stderr();
    match total {
        Some(total) => ProgressBar::with_draw_target(Some(total), target).with_style(
            ProgressStyle::with_template("{bar:40} {percent:>3}%  {msg}  {elapsed} (ETA {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::with_draw_target(None, target).with_style(
            ProgressStyle::with_template("{spinner} {msg}  {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    }
}

/// The progress bar as a batch's progress: position and row count per chunk, error lines printed above it.
struct BarProgress(ProgressBar);

impl BatchProgress for BarProgress {
    fn chunk_written(&mut self, read_so_far: u64, rows_written: u64) {
        self.0.set_position(read_so_far);
        self.0.set_message(format!("{rows_written} rows"));
    }

    fn unreadable(&mut self, message: &str) {
        self.0.suspend(|| eprintln!("error: {message}"));
    }
}
