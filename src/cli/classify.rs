//! `triage classify`: triage every row of a CSV file and write one decision per row, in input order.
//!
//! Rows are read in chunks and triaged in parallel within a chunk, so memory stays flat on large files. A row
//! that cannot be read still yields an output row, sent to review with the reason.

use super::input::load_model;
use crate::io::{Columns, TableReader};
use crate::pipeline::Triage;
use crate::route::RoutingTable;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const CHUNK_ROWS: usize = 4096;

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Model file (default: the shipped model).
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
}

pub const OUTPUT_HEADER: [&str; 8] = [
    "id",
    "label",
    "confidence",
    "department",
    "department_id",
    "review",
    "review_reason",
    "alternatives",
];

pub fn run(args: ClassifyArgs) -> anyhow::Result<ExitCode> {
    let mut pipeline = load_model(args.model.as_deref())?;
    if let Some(path) = &args.routing {
        pipeline.routing = RoutingTable::from_path(path)?;
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
    writer.write_record(OUTPUT_HEADER)?;
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
        let decisions = pipeline.triage_batch(&texts);
        for (row, decision) in chunk.iter().zip(decisions) {
            rows += 1;
            match row {
                Ok(row) => {
                    if decision.needs_review() {
                        reviewed += 1;
                    } else {
                        routed += 1;
                    }
                    write_decision(&mut writer, &row.id, &decision)?;
                }
                Err(error) => {
                    unreadable += 1;
                    eprintln!(
                        "error: {}, row {}: {}",
                        args.input.display(),
                        error.number,
                        error.message
                    );
                    writer.write_record([
                        error.id.as_str(),
                        "",
                        "",
                        "",
                        "",
                        "true",
                        &format!("unreadable row: {}", error.message),
                        "",
                    ])?;
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

fn write_decision<W: Write>(
    writer: &mut csv::Writer<W>,
    id: &str,
    decision: &Triage,
) -> csv::Result<()> {
    let alternatives: Vec<String> = decision
        .alternatives
        .iter()
        .map(|(label, p)| format!("{label}:{p:.4}"))
        .collect();
    let confidence = if decision.label.is_empty() {
        String::new()
    } else {
        format!("{:.4}", decision.confidence)
    };
    writer.write_record([
        id,
        &decision.label,
        &confidence,
        &decision.department.name,
        &decision.department.id,
        if decision.needs_review() {
            "true"
        } else {
            "false"
        },
        &decision
            .review_reason
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_default(),
        &alternatives.join("|"),
    ])
}
