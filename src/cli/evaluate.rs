//! `triage evaluate`: how a model does on a labelled file.

use super::input::{load_model, read_examples};
use crate::lang::{display_width, pad_to_width};
use crate::metrics::{Evaluation, Outcome, PrecisionPromise};
use crate::pipeline::Pipeline;
use crate::route::RoutingTable;
use clap::Args;
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Model file or model registry folder (default: the shipped model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Labelled table: CSV, TSV, JSONL or XLSX with a header (format by extension), UTF-8 or GBK.
    #[arg(long)]
    pub input: PathBuf,
    #[arg(long, default_value = "text")]
    pub text_column: String,
    #[arg(long, default_value = "label")]
    pub label_column: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    let pipeline = load_model(args.model.as_deref())?;
    let (examples, skipped) = read_examples(&args.input, &args.text_column, &args.label_column)?;
    let outcomes: Vec<Outcome> = examples
        .par_iter()
        .map(|example| {
            let decision = pipeline.triage(&example.text);
            Outcome {
                truth: example.label.clone(),
                predicted: decision.label.clone(),
                confidence: decision.confidence,
                auto_routed: !decision.needs_review(),
            }
        })
        .collect();
    let mut evaluation = Evaluation::compute(&outcomes);
    evaluation.promise = promise_of(&pipeline);
    if args.json {
        writeln!(
            std::io::stdout().lock(),
            "{}",
            serde_json::to_string_pretty(&evaluation)?
        )?;
    } else {
        let mut out = std::io::stdout().lock();
        print_report(&mut out, &evaluation, &pipeline.routing)?;
        if let Some(promise) = &evaluation.promise {
            writeln!(out)?;
            print_promise(&mut out, promise, Some(&evaluation))?;
        }
    }
    Ok(if skipped > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// The plain-text report: summary, per-class table (with each label's Chinese name from `routing`), confusion
/// matrix, precision–coverage, reliability bins. Columns align by display width: a Chinese character takes two.
pub fn print_report(
    out: &mut dyn Write,
    e: &Evaluation,
    routing: &RoutingTable,
) -> std::io::Result<()> {
    writeln!(out, "rows            {}", e.n)?;
    writeln!(out, "accuracy        {:.4}", e.accuracy)?;
    writeln!(out, "macro-F1        {:.4}", e.macro_f1)?;
    writeln!(out, "ECE (10 bins)   {:.4}", e.ece)?;
    writeln!(
        out,
        "auto-routed     {:.1}% of rows, precision {:.4} (95% interval {:.4}–{:.4}, {} of {} right)",
        100.0 * e.auto_routed_share,
        e.auto_routed_precision,
        e.auto_routed_precision_interval.0,
        e.auto_routed_precision_interval.1,
        e.auto_routed_correct,
        e.auto_routed
    )?;
    writeln!(out)?;
    let with_name = |l: &String| match routing.category_name(l) {
        name if name == l => l.clone(),
        name => format!("{l} {name}"),
    };
    let named: Vec<String> = e.labels.iter().map(with_name).collect();
    let width = display_width(named.iter().map(String::as_str)).max(5);
    writeln!(
        out,
        "{}  precision  recall      f1  support  auto-share  auto-precision",
        pad_to_width("label", width)
    )?;
    for c in &e.per_class {
        writeln!(
            out,
            "{}  {:>9.4}  {:>6.4}  {:>6.4}  {:>7}  {:>10.3}  {:>14.4}",
            pad_to_width(&with_name(&c.label), width),
            c.precision,
            c.recall,
            c.f1,
            c.support,
            c.auto_routed_share,
            c.auto_routed_precision
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "confusion matrix (rows: true label, columns: predicted, in the order above)"
    )?;
    for (label, row) in named.iter().zip(&e.confusion) {
        let cells: Vec<String> = row.iter().map(|n| format!("{n:>5}")).collect();
        writeln!(out, "{} {}", pad_to_width(label, width), cells.join(""))?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "precision–coverage with one global confidence threshold"
    )?;
    writeln!(out, "  target  threshold  coverage  precision")?;
    for row in &e.precision_coverage {
        writeln!(
            out,
            "  {:>6.2}  {:>9.4}  {:>8.3}  {:>9.4}",
            row.target, row.threshold, row.coverage, row.precision
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "reliability (confidence bin: rows, mean confidence, accuracy)"
    )?;
    for bin in e.reliability.iter().filter(|b| b.count > 0) {
        writeln!(
            out,
            "  {:.1}–{:.1}: {:>6}  {:.3}  {:.3}",
            bin.lower, bin.upper, bin.count, bin.mean_confidence, bin.accuracy
        )?;
    }
    Ok(())
}

/// The precision promise a model's training made, from its card (models trained before it was recorded have
/// none).
pub fn promise_of(pipeline: &Pipeline) -> Option<PrecisionPromise> {
    let held_out = pipeline.card.held_out()?;
    serde_json::from_value(held_out.get("promise")?.clone()).ok()
}

/// The promise label by label — target, threshold and the out-of-fold evidence behind it — and, when `realized`
/// is given (labelled data), the precision its automatically routed cases actually reached.
pub fn print_promise(
    out: &mut dyn Write,
    promise: &PrecisionPromise,
    realized: Option<&Evaluation>,
) -> std::io::Result<()> {
    writeln!(
        out,
        "precision promised for automatically routed cases (threshold where the held-out precision's {} at \
         {:.0}% reaches the target)",
        promise.method,
        100.0 * promise.level
    )?;
    let width = promise
        .labels
        .iter()
        .map(|l| unicode_width::UnicodeWidthStr::width(l.label.as_str()))
        .max()
        .unwrap_or(5)
        .max(5);
    write!(
        out,
        "{:<width$}  target  threshold  held-out routed  precision  lower bound",
        "label"
    )?;
    if realized.is_some() {
        write!(out, "  realized (routed)")?;
    }
    writeln!(out)?;
    for label in &promise.labels {
        let pad = width - unicode_width::UnicodeWidthStr::width(label.label.as_str()).min(width);
        write!(
            out,
            "{}{}  {:>6.3}",
            label.label,
            " ".repeat(pad),
            label.target
        )?;
        if label.supported {
            write!(
                out,
                "  {:>9.3}  {:>7} of {:>5}  {:>9.3}  {:>11.3}",
                label.threshold, label.routed, label.predicted, label.precision, label.lower_bound
            )?;
        } else {
            write!(
                out,
                "  all to review: {} held-out cases, {} right needed at least",
                label.predicted, label.cases_needed
            )?;
        }
        if let Some(c) = realized.and_then(|e| e.per_class.iter().find(|c| c.label == label.label))
            && c.auto_routed_share > 0.0
        {
            write!(
                out,
                "  {:.3} ({:.0}%)",
                c.auto_routed_precision,
                100.0 * c.auto_routed_share
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}
