//! `triage registry list|rollback`: show a model registry's versions with their cards; re-activate an earlier
//! version.

use crate::registry::{Registry, RegistryWriter, VersionRecord};
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct RegistryArgs {
    #[command(subcommand)]
    pub command: RegistryCommand,
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// List the versions, newest first, with their status, cards and comparisons.
    List {
        /// The registry folder.
        dir: PathBuf,
        /// Print one JSON object (the index, with each version's full card) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Re-activate an earlier version (default: the latest retired version before the active one).
    Rollback {
        /// The registry folder.
        dir: PathBuf,
        /// The version to activate.
        #[arg(long)]
        to: Option<u32>,
        /// Allow activating a version that was refused at promotion.
        #[arg(long)]
        force: bool,
    },
}

pub fn run(args: RegistryArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        RegistryCommand::List { dir, json } => list(&Registry::open(&dir)?, json),
        RegistryCommand::Rollback { dir, to, force } => {
            let mut writer = RegistryWriter::open(&dir, || {
                eprintln!(
                    "waiting for another triage process to finish with {} …",
                    dir.display()
                )
            })?;
            let (from, to) = writer.rollback(to, force)?;
            println!(
                "version {to} is active in {} (was version {from})",
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn list(registry: &Registry, json: bool) -> anyhow::Result<ExitCode> {
    let index = registry.index();
    let mut out = std::io::stdout().lock();
    if json {
        let mut value = serde_json::to_value(index)?;
        if let Some(versions) = value["versions"].as_array_mut() {
            for (entry, record) in versions.iter_mut().zip(&index.versions) {
                entry["model_card"] = registry.card(record.number)?;
            }
        }
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    match index.active {
        Some(active) => writeln!(
            out,
            "{}: {} versions, version {active} active",
            registry.layout().root().display(),
            index.versions.len()
        )?,
        None => writeln!(
            out,
            "{}: no versions yet",
            registry.layout().root().display()
        )?,
    }
    for record in index.versions.iter().rev() {
        writeln!(out)?;
        print_version(&mut out, record)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_version(out: &mut dyn Write, v: &VersionRecord) -> std::io::Result<()> {
    writeln!(
        out,
        "version {}  {}  created {}  from {}",
        v.number, v.status, v.created_at, v.origin
    )?;
    let card = &v.card;
    let f1 = card
        .out_of_fold_macro_f1
        .map(|f| format!("{f:.4}"))
        .unwrap_or_else(|| "?".into());
    writeln!(
        out,
        "  card: trained {}, {} rows, {} labels, data {}, out-of-fold macro-F1 {f1}, model {}",
        card.trained_on,
        card.training_rows,
        card.labels.len(),
        card.data_fingerprint,
        v.model_fingerprint
    )?;
    if let Some(p) = &card.promise {
        writeln!(
            out,
            "  promise: precision ≥ {:.2} (lower bound at {:.0}%); held-out: {:.1}% routed at {:.4} ({:.4}–{:.4}){}",
            p.target,
            100.0 * p.level,
            100.0 * p.auto_routed_share,
            p.precision,
            p.interval.0,
            p.interval.1,
            if p.unsupported_labels.is_empty() {
                String::new()
            } else {
                format!(
                    "; too few cases, all to review: {}",
                    p.unsupported_labels.join(", ")
                )
            }
        )?;
    }
    if let Some(c) = &v.comparison {
        writeln!(
            out,
            "  compared with version {} on {} held-out closed cases: macro-F1 {:.4} (active) vs {:.4} (this)",
            c.against, c.held_out_rows, c.active_macro_f1, c.candidate_macro_f1
        )?;
    }
    writeln!(out, "  {}", v.reason)
}
