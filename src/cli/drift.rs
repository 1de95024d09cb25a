//! `triage drift`: how often intake routing was right, by month and by department, and the commonest
//! re-routes (退单), from closed cases.
//!
//! Exit status 3 when some rows could not be used (each is listed on stderr with its row number).

use super::retrain::padded;
use crate::drift::{DriftColumns, DriftGroup, drift_report};
use crate::route::RoutingTable;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use unicode_width::UnicodeWidthStr;

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// CSV file of closed cases (`-` for standard input).
    #[arg(long)]
    pub closed: PathBuf,
    /// Column with the category or department predicted at intake.
    #[arg(long, default_value = "intake_label")]
    pub intake_column: String,
    /// Column with the category or department that finally handled the case.
    #[arg(long, default_value = "final_label")]
    pub final_column: String,
    /// Date column, `YYYY-MM-DD` or `YYYY-MM` (default: `closed_at`, else `date`).
    #[arg(long)]
    pub date_column: Option<String>,
    /// Column naming the final department, to group by (default: `department` when present, else the final
    /// label's department in the routing table).
    #[arg(long)]
    pub department_column: Option<String>,
    /// Routing table CSV mapping categories to departments (default: the shipped one).
    #[arg(long)]
    pub routing: Option<PathBuf>,
    /// How many re-routes to list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DriftArgs) -> anyhow::Result<ExitCode> {
    let routing = match &args.routing {
        Some(path) => RoutingTable::from_path(path)?,
        None => RoutingTable::shipped(),
    };
    let columns = DriftColumns {
        intake: args.intake_column.clone(),
        final_label: args.final_column.clone(),
        date: args.date_column.clone(),
        department: args.department_column.clone(),
    };
    let mut report = drift_report(&args.closed, &columns, &routing)?;
    super::input::warn_unusable_rows(
        &args.closed,
        report.bad_rows.iter().map(|b| (b.row, b.message.as_str())),
    );
    report.reroutes.truncate(args.top);
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        writeln!(
            out,
            "closed cases        {} ({} rows not used)",
            report.cases,
            report.bad_rows.len()
        )?;
        writeln!(
            out,
            "intake routing      {} right ({:.1}%), {} re-routed (退单); same label {:.1}%",
            report.intake_right,
            100.0 * report.agreement,
            report.rerouted,
            100.0 * report.label_agreement
        )?;
        writeln!(out)?;
        print_groups(&mut out, "month", &report.by_month)?;
        writeln!(out)?;
        print_groups(&mut out, "final department", &report.by_department)?;
        writeln!(out)?;
        writeln!(out, "commonest re-routes (intake → final)")?;
        for reroute in &report.reroutes {
            writeln!(
                out,
                "  {:>6}  {} → {}",
                reroute.cases, reroute.from, reroute.to
            )?;
        }
    }
    Ok(if report.bad_rows.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

fn print_groups(out: &mut dyn Write, name: &str, groups: &[DriftGroup]) -> std::io::Result<()> {
    let width = groups
        .iter()
        .map(|g| g.key.width())
        .max()
        .unwrap_or(0)
        .max(name.len());
    writeln!(
        out,
        "{}  {:>6}  {:>6}  {:>9}  {:>9}",
        padded(name, width),
        "cases",
        "right",
        "agreement",
        "re-routed"
    )?;
    for g in groups {
        writeln!(
            out,
            "{}  {:>6}  {:>6}  {:>8.1}%  {:>9}",
            padded(&g.key, width),
            g.cases,
            g.intake_right,
            100.0 * g.agreement,
            g.rerouted
        )?;
    }
    Ok(())
}
