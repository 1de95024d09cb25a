//! `triage cv`: stratified K-fold cross-validation of the whole training procedure.

use super::input::read_examples;
use super::train::TrainingOptions;
use crate::validation::cross_validate;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct CvArgs {
    /// Labelled table: CSV, TSV, JSONL or XLSX with a header (format by extension), UTF-8 or GBK.
    #[arg(long)]
    pub input: PathBuf,
    /// Number of folds.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub options: TrainingOptions,
}

pub fn run(args: CvArgs) -> anyhow::Result<ExitCode> {
    let params = args.options.params()?;
    let (examples, _) = read_examples(
        &args.input,
        &args.options.text_column,
        &args.options.label_column,
    )?;
    let (texts, labels): (Vec<String>, Vec<String>) =
        examples.into_iter().map(|e| (e.text, e.label)).unzip();
    let result = cross_validate(&texts, &labels, args.folds, &params)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&result)?)?;
    } else {
        writeln!(
            out,
            "{}-fold cross-validation on {} rows",
            result.folds, result.pooled.n
        )?;
        writeln!(out, "mean macro-F1  {:.4}", result.mean_macro_f1)?;
        let folds: Vec<String> = result
            .fold_macro_f1
            .iter()
            .map(|f| format!("{f:.4}"))
            .collect();
        writeln!(out, "fold macro-F1  {}", folds.join(" "))?;
        let (low, high) = result.pooled.auto_routed_precision_interval;
        writeln!(
            out,
            "promise        routed cases at precision ≥ {:.2} (each fold's thresholds: lower bound at {:.0}%); \
             reached {:.4} ({low:.4}–{high:.4}) on {:.1}% routed",
            params.target_precision,
            100.0 * params.precision_confidence,
            result.pooled.auto_routed_precision,
            100.0 * result.pooled.auto_routed_share
        )?;
        writeln!(out)?;
        super::evaluate::print_report(&mut out, &result.pooled, &params.routing)?;
    }
    Ok(ExitCode::SUCCESS)
}
