//! `triage retrain`: learn from closed cases; promote the candidate only if it is no worse than the active
//! model on held-out closed cases, and print the comparison side by side.
//!
//! Exit status: 0 promoted (or nothing new to learn), 4 refused (the active model stays), 3 when some closed
//! rows were unusable (listed on stderr with their row numbers) and the candidate was promoted, 2 on error.

use super::train::TrainingOptions;
use crate::io::RowError;
use crate::pipeline::Example;
use crate::registry::{
    Comparison, LabelledRows, PromotionRule, RegistryWriter, RetrainReport, RetrainSettings,
    read_labelled, retrain,
};
use clap::Args;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use unicode_width::UnicodeWidthStr;

/// Exit status when the candidate was refused.
const REFUSED: u8 = 4;

#[derive(Debug, Args)]
pub struct RetrainArgs {
    /// The model registry folder (see `triage train --registry`).
    #[arg(long)]
    pub registry: PathBuf,
    /// Table of closed cases (CSV, TSV, JSONL or XLSX): the text and the label of who finally handled each (`-` for standard input).
    #[arg(long, required_unless_present = "store", conflicts_with = "store")]
    pub closed: Option<PathBuf>,
    /// Learn from the closed cases of a case store instead (SQLite file or postgres:// URL): the final label,
    /// or the final department with `--label-column department`.
    #[arg(long)]
    pub store: Option<String>,
    /// With --store: only cases closed on or after this date (YYYY-MM-DD).
    #[arg(long, requires = "store")]
    pub since: Option<String>,
    /// Largest allowed fall of macro-F1 on the held-out closed cases.
    #[arg(long, default_value_t = 0.005)]
    pub max_macro_f1_drop: f64,
    /// Largest allowed fall of any category's recall on the held-out closed cases.
    #[arg(long, default_value_t = 0.10)]
    pub max_recall_drop: f64,
    /// Largest p-value of the test that the held-out labels agree with the candidate more than chance (1 turns
    /// the test off).
    #[arg(long, default_value_t = 0.01)]
    pub significance: f64,
    /// Fewest held-out closed cases to judge a candidate on (1 in 5 new cases is held out); with fewer no
    /// candidate is made.
    #[arg(long, default_value_t = crate::registry::MIN_HELD_OUT)]
    pub min_held_out: usize,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub options: TrainingOptions,
}

#[derive(Serialize)]
struct BadRow {
    row: u64,
    message: String,
}

#[derive(Serialize)]
struct Output<'a> {
    registry: String,
    closed: String,
    promoted: bool,
    unreadable_rows: Vec<BadRow>,
    #[serde(flatten)]
    report: &'a RetrainReport,
}

/// The closed cases of a store as labelled rows: the final label, or the final department when the label
/// column is `department`. A case closed without one is an unusable row, numbered in closing order.
fn store_rows(url: &str, since: Option<&str>, label_column: &str) -> anyhow::Result<LabelledRows> {
    let by_department = label_column == "department" || label_column == "department_id";
    let mut rows = LabelledRows::default();
    for (number, case) in super::cases::closed_cases(url, since)?
        .into_iter()
        .enumerate()
    {
        let label = if by_department {
            case.department_id
        } else {
            case.label
        };
        if label.is_empty() || case.text.trim().is_empty() {
            rows.bad_rows.push(RowError {
                number: number as u64 + 1,
                line: 0,
                message: format!(
                    "case {} was closed without a {label_column} or text",
                    case.id
                ),
                id: case.id,
            });
            continue;
        }
        rows.examples.push(Example {
            text: case.text,
            label,
        });
    }
    for bad in &rows.bad_rows {
        eprintln!("warning: {} (case not used)", bad.message);
    }
    Ok(rows)
}

pub fn run(args: RetrainArgs) -> anyhow::Result<ExitCode> {
    let mut params = args.options.params()?;
    let rule = PromotionRule {
        max_macro_f1_drop: args.max_macro_f1_drop,
        max_recall_drop: args.max_recall_drop,
        significance: args.significance,
        ..PromotionRule::default()
    };
    rule.check()?;
    let (rows, source) = match (&args.closed, &args.store) {
        (Some(closed), _) => {
            let rows = read_labelled(
                closed,
                &args.options.text_column,
                &args.options.label_column,
            )?;
            super::input::warn_unusable_rows(
                closed,
                rows.bad_rows.iter().map(|e| (e.number, e.message.as_str())),
            );
            (rows, closed.display().to_string())
        }
        (None, Some(store)) => (
            store_rows(store, args.since.as_deref(), &args.options.label_column)?,
            format!("case store {store}"),
        ),
        (None, None) => anyhow::bail!("give --closed FILE or --store URL"),
    };
    let mut writer = RegistryWriter::open(&args.registry, || {
        eprintln!(
            "waiting for another triage process to finish with {} …",
            args.registry.display()
        )
    })?;
    if args.options.routing.is_none() {
        // Keep the routing the active model was trained with.
        params.routing = writer.registry().load_active()?.routing;
    }
    let settings = RetrainSettings {
        params,
        rule,
        min_held_out: args.min_held_out,
        ..RetrainSettings::default()
    };
    let origin = source.clone();
    let report = retrain(&mut writer, rows.examples, &origin, &settings)?;
    drop(writer);

    let mut out = std::io::stdout().lock();
    if args.json {
        let output = Output {
            registry: args.registry.display().to_string(),
            closed: source.clone(),
            promoted: report.promoted(),
            unreadable_rows: rows
                .bad_rows
                .iter()
                .map(|r| BadRow {
                    row: r.number,
                    message: r.message.clone(),
                })
                .collect(),
            report: &report,
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&output)?)?;
    } else {
        print_report(&mut out, &args, &report, rows.bad_rows.len())?;
    }
    Ok(match &report.comparison {
        Some(c) if !c.promoted => ExitCode::from(REFUSED),
        None if report.too_few_held_out.is_some() => ExitCode::from(REFUSED),
        _ if !rows.bad_rows.is_empty() => ExitCode::from(3),
        _ => ExitCode::SUCCESS,
    })
}

fn print_report(
    out: &mut dyn Write,
    args: &RetrainArgs,
    report: &RetrainReport,
    unreadable: usize,
) -> std::io::Result<()> {
    let s = &report.selection;
    writeln!(
        out,
        "closed cases    {} usable, {unreadable} unreadable{}, {} already learned ({} with another label), {} repeated in the file",
        s.closed,
        if unreadable > 0 {
            " (listed above)"
        } else {
            ""
        },
        s.already_learned,
        s.learned_with_other_label,
        s.repeated_in_file
    )?;
    if let Some(few) = &report.too_few_held_out {
        writeln!(
            out,
            "too few to judge: {} new closed cases to learn, but only {} held out to compare the models on; at least \
             {} held-out cases are needed (1 in 5 new cases is held out, so about {} new closed cases). No version \
             was made and version {} stays active; collect more closed cases and submit them together with these.",
            s.learned, few.held_out, few.needed, few.new_cases_needed, report.active_version
        )?;
        return Ok(());
    }
    let (Some(candidate), Some(comparison)) = (report.candidate_version, &report.comparison) else {
        writeln!(
            out,
            "nothing new to learn: every usable closed case was learned before or is held out for comparison; no \
             version was made and version {} stays active",
            report.active_version
        )?;
        return Ok(());
    };
    writeln!(
        out,
        "candidate       version {candidate}: {} rows of version {} + {} new closed cases",
        report.base_rows, report.active_version, s.learned
    )?;
    writeln!(
        out,
        "held out        {} new closed cases (1 in 5, chosen by a hash of the text, the same ones every time), unseen by both models",
        s.held_out
    )?;
    writeln!(out)?;
    print_comparison(out, report.active_version, candidate, comparison)?;
    writeln!(out)?;
    if comparison.promoted {
        writeln!(
            out,
            "promoted: version {candidate} is now active in {} (version {} is kept for rollback)",
            args.registry.display(),
            report.active_version
        )?;
    } else {
        writeln!(
            out,
            "refused: version {} stays active; version {candidate} is recorded as refused because",
            report.active_version
        )?;
        for reason in &comparison.refusals {
            writeln!(out, "  - {reason}")?;
        }
        if !report.pruned.is_empty() {
            writeln!(
                out,
                "pruned the files of older refused versions {} (the last {} refused are kept)",
                report
                    .pruned
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                crate::registry::KEEP_REFUSED
            )?;
        }
    }
    Ok(())
}

/// The two models side by side on the held-out cases.
fn print_comparison(
    out: &mut dyn Write,
    active_version: u32,
    candidate_version: u32,
    c: &Comparison,
) -> std::io::Result<()> {
    let names: Vec<String> = c
        .categories
        .iter()
        .map(|c| format!("  {} ({})", c.label, c.support))
        .collect();
    let width = names.iter().map(|n| n.width()).max().unwrap_or(0).max(22);
    let active = format!("active v{active_version}");
    let candidate = format!("candidate v{candidate_version}");
    writeln!(
        out,
        "{}  {active:>12}  {candidate:>14}  {:>8}",
        padded("", width),
        "change"
    )?;
    let row = |out: &mut dyn Write, name: &str, a: f64, b: f64| {
        writeln!(
            out,
            "{}  {a:>12.4}  {b:>14.4}  {:>+8.4}",
            padded(name, width),
            b - a
        )
    };
    row(out, "macro-F1", c.active.macro_f1, c.candidate.macro_f1)?;
    row(out, "accuracy", c.active.accuracy, c.candidate.accuracy)?;
    row(
        out,
        "auto-routed share",
        c.active.auto_routed_share,
        c.candidate.auto_routed_share,
    )?;
    row(
        out,
        "auto-routed precision",
        c.active.auto_routed_precision,
        c.candidate.auto_routed_precision,
    )?;
    row(out, "ECE", c.active.ece, c.candidate.ece)?;
    writeln!(out, "recall by category (held-out cases)")?;
    for (category, name) in c.categories.iter().zip(&names) {
        row(out, name, category.active_recall, category.candidate_recall)?;
    }
    writeln!(
        out,
        "labels vs chance: the candidate's macro-F1 is {:.4} against the held-out labels, {:.4} against permuted labels (p = {:.3})",
        c.signal.macro_f1, c.signal.chance_macro_f1, c.signal.p_value
    )?;
    Ok(())
}

/// `text` padded with spaces to `width` terminal columns (a Chinese character takes two).
pub(super) fn padded(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}
