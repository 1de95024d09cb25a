//! `triage registry list|rollback|prune`: show a model registry's versions with their cards; re-activate an
//! earlier version; delete the files of old refused versions.

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
    /// Promote or decline a pending candidate (a retrain from the desk waits for a person's decision).
    Decide {
        /// The registry folder.
        dir: PathBuf,
        /// The pending version.
        #[arg(long)]
        version: u32,
        /// Make it active (the active version is retired).
        #[arg(long, conflicts_with = "decline", required_unless_present = "decline")]
        promote: bool,
        /// Record it as refused; the active version stays.
        #[arg(long)]
        decline: bool,
    },
    /// Delete the files of refused versions but the newest few (active and retired versions are never pruned;
    /// the index keeps every version's record).
    Prune {
        /// The registry folder.
        dir: PathBuf,
        /// Refused versions to keep, newest first.
        #[arg(long, default_value_t = crate::registry::KEEP_REFUSED)]
        keep: usize,
    },
}

pub fn run(args: RegistryArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        RegistryCommand::List { dir, json } => list(&Registry::open(&dir)?, json),
        RegistryCommand::Decide {
            dir,
            version,
            promote,
            decline: _,
        } => {
            let mut writer = RegistryWriter::open(&dir, || {
                eprintln!(
                    "waiting for another triage process to finish with {} …",
                    dir.display()
                )
            })?;
            let note = format!(
                "{} on the command line",
                if promote { "promoted" } else { "declined" }
            );
            let active = writer.decide(version, promote, &note)?;
            println!(
                "version {version} {}; version {active} is active in {}",
                if promote { "promoted" } else { "declined" },
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
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
        RegistryCommand::Prune { dir, keep } => {
            let mut writer = RegistryWriter::open(&dir, || {
                eprintln!(
                    "waiting for another triage process to finish with {} …",
                    dir.display()
                )
            })?;
            let pruned = writer.prune_refused(keep)?;
            if pruned.is_empty() {
                println!(
                    "nothing to prune in {}: at most {keep} refused versions have files",
                    dir.display()
                );
            } else {
                println!(
                    "pruned the files of refused versions {} in {}; the newest {keep} refused are kept",
                    pruned
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    dir.display()
                );
            }
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
                // A pruned version's card went with its files; the index keeps its summary.
                entry["model_card"] = match record.pruned_at {
                    Some(_) => serde_json::Value::Null,
                    None => registry.card(record.number)?,
                };
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
    let pruned = match &v.pruned_at {
        Some(at) => format!("  (files pruned {at})"),
        None => String::new(),
    };
    writeln!(
        out,
        "version {}  {}  created {}  from {}{pruned}",
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
    writeln!(out, "  {}", reason_without_comparison(&v.reason))
}

/// A version's reason without the figures the comparison line already gives: a promotion's reason repeats them
/// all ("promoted over version 1: macro-F1 … on N held-out closed cases"), a refusal's starts by naming the
/// version compared with.
fn reason_without_comparison(reason: &str) -> String {
    if let Some(rest) = reason.strip_prefix("refused against version ")
        && let Some((_, why)) = rest.split_once(": ")
    {
        return format!("refused: {why}");
    }
    match reason.split_once(": macro-F1 ") {
        Some((head, _)) if head.starts_with("promoted over version ") => head.to_string(),
        _ => reason.to_string(),
    }
}
