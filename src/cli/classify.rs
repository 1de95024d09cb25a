//! `triage classify`: triage every row of a CSV file and write one decision per row, in input order.
//!
//! Rows are read in chunks and triaged in parallel within a chunk, so memory stays flat on large files. A row
//! that cannot be read still yields an output row, sent to review with the reason.

use super::input::load_model;
use crate::io::{Columns, TableReader, decision_fields, decision_header, unreadable_fields};
use crate::route::RoutingTable;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const CHUNK_ROWS: usize = 4096;

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Model file or model registry folder (default: the shipped model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// CSV file of complaints, or `-` for standard input.
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the decisions (CSV), `-` for standard output.
    #[arg(long, default_value = "-")]
    pub output: PathBuf,
    #[arg(long, default_value = "text")]
    pub text_column: String,
    /// Column carried to the output as the row's id (the row number when absent).
    #[arg(long, default_value = "id")]
    pub id_column: String,
    /// Routing table CSV that overrides the one saved in the model.
    #[arg(long)]
    pub routing: Option<PathBuf>,
    /// Add a `reasons` column: the terms that pushed the chosen category most, as written in the input.
    #[arg(long)]
    pub explain: bool,
    /// Report a runner-up category at least this probable as `secondary_label` (default: the model's).
    #[arg(long)]
    pub secondary_threshold: Option<f32>,
}

pub fn run(args: ClassifyArgs) -> anyhow::Result<ExitCode> {
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
    let mut reader = TableReader::open(
        &args.input,
        &Columns {
            text: args.text_column.clone(),
            id: Some(args.id_column.clone()),
            label: None,
        },
    )?;
    let output: Box<dyn Write> = if args.output.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(
            std::fs::File::create(&args.output)
                .map_err(|e| anyhow::anyhow!("{}: {e}", args.output.display()))?,
        )
    };
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 16, output));
    writer.write_record(decision_header(args.explain))?;
    let (mut rows, mut routed, mut reviewed, mut unreadable) = (0usize, 0usize, 0usize, 0usize);
    loop {
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        while chunk.len() < CHUNK_ROWS {
            match reader.next_row()? {
                Some(row) => chunk.push(row),
                None => break,
            }
        }
        if chunk.is_empty() {
            break;
        }
        let texts: Vec<&str> = chunk
            .iter()
            .map(|row| row.as_ref().map(|r| r.text.as_str()).unwrap_or(""))
            .collect();
        let decisions = pipeline.triage_batch(&texts, args.explain);
        for (row, decision) in chunk.iter().zip(decisions) {
            rows += 1;
            match row {
                Ok(row) => {
                    if decision.needs_review() {
                        reviewed += 1;
                    } else {
                        routed += 1;
                    }
                    writer.write_record(decision_fields(&row.id, &decision, args.explain))?;
                }
                Err(error) => {
                    unreadable += 1;
                    eprintln!(
                        "error: {}, row {}: {}",
                        args.input.display(),
                        error.number,
                        error.message
                    );
                    writer.write_record(unreadable_fields(
                        &error.id,
                        &error.message,
                        args.explain,
                    ))?;
                }
            }
        }
    }
    writer.flush()?;
    eprintln!(
        "{rows} rows: {routed} routed automatically, {reviewed} sent to review, {unreadable} unreadable"
    );
    Ok(if unreadable > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}
