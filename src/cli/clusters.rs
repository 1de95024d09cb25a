//! `triage clusters`: group complaints that describe the same concrete problem (共性问题) and write one row per
//! input row with its group; `--previous` marks problems raised again; `--evaluate` scores against a gold column.

use super::input::file_name;
use crate::cli::input::TableArgs;
use crate::cluster::{
    CLUSTER_COLUMNS, ClusterParams, Complaint, ComplaintColumns, Similarity, cluster,
    cluster_fields, read_complaints, score_clustering, unreadable_cluster_fields,
};
use crate::io::{OutputFormat, open_sink};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct ClustersArgs {
    /// Table of complaints (CSV, TSV, JSONL or XLSX).
    #[arg(long)]
    pub input: PathBuf,
    /// Earlier batches, in the same columns: a problem also found there is marked recurring.
    #[arg(long, num_args = 1..)]
    pub previous: Vec<PathBuf>,
    /// Where to write one row per input row, `-` for standard output (CSV, TSV, JSONL or XLSX by extension).
    #[arg(long, default_value = "-")]
    pub output: PathBuf,
    #[command(flatten)]
    pub table: TableArgs,
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Column with the complaint's date (optional in the table).
    #[arg(long, default_value = "date")]
    pub date_column: String,
    /// Column with the enterprise's name (optional in the table).
    #[arg(long, default_value = "enterprise")]
    pub enterprise_column: String,
    /// How complaints are compared.
    #[arg(long, value_enum, default_value_t = ClusterParams::default().similarity)]
    pub similarity: Similarity,
    /// Complaints at least this similar are the same problem (0–1).
    #[arg(long, default_value_t = ClusterParams::default().threshold)]
    pub threshold: f32,
    /// A complaint left alone joins a group when its words carry this share of the group's centre (0–1; above 1:
    /// never).
    #[arg(long, default_value_t = ClusterParams::default().lone_coverage)]
    pub lone_coverage: f32,
    /// Two neighbouring words also count as a term.
    #[arg(long)]
    pub word_pairs: bool,
    /// IDF from the batch alone, without the built-in corpus's counts.
    #[arg(long)]
    pub no_background: bool,
    /// Score the grouping against this column of gold groups (empty: a complaint alone): pairwise precision and
    /// recall, B-cubed precision, recall and F1.
    #[arg(long, value_name = "GOLD_COLUMN")]
    pub evaluate: Option<String>,
    /// The evaluation as JSON.
    #[arg(long)]
    pub json: bool,
    /// No summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: ClustersArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.threshold),
        "--threshold must be within 0..1, got {}",
        args.threshold
    );
    anyhow::ensure!(
        args.lone_coverage >= 0.0,
        "--lone-coverage must not be negative, got {}",
        args.lone_coverage
    );
    let options = args.table.read_options()?;
    let columns = ComplaintColumns {
        text: args.table.text_column.clone(),
        id: args.table.id_column.clone(),
        date: args.date_column.clone(),
        enterprise: args.enterprise_column.clone(),
        gold: args.evaluate.clone(),
    };
    let current = read_complaints(&args.input, &columns, &options, 0)?;
    let mut batch_names = vec![file_name(&args.input)];
    let mut complaints: Vec<Complaint> = current.complaints.clone();
    let previous_columns = ComplaintColumns {
        gold: None,
        ..columns.clone()
    };
    let mut warnings = current.warnings.clone();
    for (i, path) in args.previous.iter().enumerate() {
        let earlier = read_complaints(path, &previous_columns, &options, i + 1)?;
        for error in &earlier.unreadable {
            warnings.push(format!(
                "{}, row {} (line {}): {} (not used)",
                path.display(),
                error.number,
                error.line,
                error.message
            ));
        }
        warnings.extend(earlier.warnings);
        complaints.extend(earlier.complaints);
        batch_names.push(file_name(path));
    }
    let params = ClusterParams {
        similarity: args.similarity,
        threshold: args.threshold,
        word_pairs: args.word_pairs,
        background: !args.no_background,
        lone_coverage: args.lone_coverage,
        ..Default::default()
    };
    let clustering = cluster(&complaints, &params);

    if args.evaluate.is_none() || args.output.as_os_str() != "-" {
        let mut sink = open_sink(&args.output, args.format, &CLUSTER_COLUMNS)?;
        let mut unreadable = current
            .unreadable
            .iter()
            .zip(&current.unreadable_at)
            .peekable();
        for index in 0..current.complaints.len() {
            while let Some((error, _)) = unreadable.next_if(|(_, at)| **at == index) {
                sink.write_row(&unreadable_cluster_fields(error))?;
            }
            sink.write_row(&cluster_fields(
                &clustering,
                &complaints,
                index,
                &batch_names,
            ))?;
        }
        for (error, _) in unreadable {
            sink.write_row(&unreadable_cluster_fields(error))?;
        }
        sink.finish()?;
    }
    if !args.quiet {
        for warning in &warnings {
            eprintln!("warning: {warning}");
        }
        for error in &current.unreadable {
            eprintln!(
                "error: {}, row {} (line {}): {} (written without a group)",
                args.input.display(),
                error.number,
                error.line,
                error.message
            );
        }
        let groups: Vec<_> = clustering
            .clusters
            .iter()
            .filter(|c| c.current_size > 0 && c.members.len() > 1)
            .collect();
        eprintln!(
            "{} complaints in {:.1} s: {} problems raised more than once, covering {} complaints; {} recurring \
             from earlier batches",
            current.complaints.len(),
            started.elapsed().as_secs_f64(),
            groups.iter().filter(|c| c.current_size > 1).count(),
            groups
                .iter()
                .filter(|c| c.current_size > 1)
                .map(|c| c.current_size)
                .sum::<usize>(),
            groups.iter().filter(|c| c.recurs()).count(),
        );
    }
    if args.evaluate.is_some() {
        let n = current.complaints.len();
        let gold: Vec<Option<&str>> = current.gold.iter().map(|g| g.as_deref()).collect();
        let scores = score_clustering(&clustering.cluster_of[..n], &gold);
        if args.json {
            println!("{}", serde_json::to_string_pretty(&scores)?);
        } else {
            println!(
                "{} complaints: {} gold groups, {} found\npairwise precision {:.3}  recall {:.3}  F1 {:.3}\n\
                 B-cubed precision {:.3}  recall {:.3}  F1 {:.3}",
                scores.complaints,
                scores.gold_groups,
                scores.predicted_groups,
                scores.pairwise_precision,
                scores.pairwise_recall,
                scores.pairwise_f1,
                scores.bcubed_precision,
                scores.bcubed_recall,
                scores.bcubed_f1
            );
        }
    }
    Ok(if current.unreadable.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
