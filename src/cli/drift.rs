//! `triage drift`: how often intake routing was right, by month and by department, and the commonest
//! re-routes (退单), from closed cases.
//!
//! Exit status 3 when some rows could not be used (each is listed on stderr with its row number).

use super::retrain::padded;
use crate::drift::{DriftColumns, DriftGroup, drift_from_reader, drift_report};
use crate::route::RoutingTable;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use unicode_width::UnicodeWidthStr;

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// CSV file of closed cases (`-` for standard input).
    #[arg(long, required_unless_present = "store", conflicts_with = "store")]
    pub closed: Option<PathBuf>,
    /// Read the closed cases of a case store instead (SQLite file or postgres:// URL): intake's suggestion vs
    /// the final label, grouped by the final department.
    #[arg(long)]
    pub store: Option<String>,
    /// With --store: only cases closed on or after this date (YYYY-MM-DD).
    #[arg(long, requires = "store")]
    pub since: Option<String>,
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

/// A store's closed cases as the CSV table drift reads: intake's label, the final label, the closing date and
/// the final department's name.
fn store_table(url: &str, since: Option<&str>, routing: &RoutingTable) -> anyhow::Result<Vec<u8>> {
    let names: std::collections::BTreeMap<String, String> = routing
        .categories()
        .map(|c| routing.route(c))
        .map(|d| (d.id, d.name))
        .collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["intake_label", "final_label", "closed_at", "department"])?;
    for case in super::cases::closed_cases(url, since)? {
        let department = names
            .get(&case.department_id)
            .cloned()
            .unwrap_or(case.department_id);
        writer.write_record([
            case.suggested_label,
            case.label,
            crate::store::time::format(case.closed_at),
            department,
        ])?;
    }
    Ok(writer.into_inner()?)
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
    let (mut report, source) = match (&args.closed, &args.store) {
        (Some(closed), _) => (drift_report(closed, &columns, &routing)?, closed.clone()),
        (None, Some(store)) => {
            let source = PathBuf::from(format!("case store {store}"));
            let table = store_table(store, args.since.as_deref(), &routing)?;
            let columns = DriftColumns {
                date: Some("closed_at".into()),
                department: Some("department".into()),
                ..DriftColumns::default()
            };
            (
                drift_from_reader(
                    Box::new(std::io::Cursor::new(table)),
                    &source,
                    &columns,
                    &routing,
                )?,
                source,
            )
        }
        (None, None) => anyhow::bail!("give --closed FILE or --store URL"),
    };
    super::input::warn_unusable_rows(
        &source,
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
