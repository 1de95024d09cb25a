//! The `triage` command line: one file per subcommand. Arguments are parsed by clap here, validated into the
//! library's parameter types in each subcommand, and errors are returned to `main` as `anyhow` errors.

mod cases;
mod classify;
mod cv;
mod drift;
mod evaluate;
mod input;
mod registry;
mod retrain;
mod serve;
mod token;
mod train;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "triage",
    version = input::version_text(),
    about = "Classify enterprise complaints and route them to the responsible department"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model from a labelled table (CSV, TSV, JSONL or XLSX).
    Train(train::TrainArgs),
    /// Classify complaints and route them to departments.
    Classify(classify::ClassifyArgs),
    /// Evaluate a model on a labelled table.
    Evaluate(evaluate::EvaluateArgs),
    /// Stratified K-fold cross-validation with the same settings as `train`.
    Cv(cv::CvArgs),
    /// Learn from closed cases: retrain, compare with the active model, promote or refuse.
    Retrain(retrain::RetrainArgs),
    /// List a model registry's versions or roll back to an earlier one.
    Registry(registry::RegistryArgs),
    /// How often intake routing was right, by month and department, from closed cases.
    Drift(drift::DriftArgs),
    /// Take cases into the store from a table, or export them as a 交办单 (one sheet per department).
    Cases(cases::CasesArgs),
    /// Serve triage and the office's case loop (intake, 交办, 退单, 销号) over HTTP.
    Serve(serve::ServeArgs),
    /// Make a bearer token for `triage serve --tokens`.
    Token(token::TokenArgs),
}

/// Runs a parsed command line; the exit code says whether every row was handled.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Train(args) => train::run(args),
        Command::Classify(args) => classify::run(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Cv(args) => cv::run(args),
        Command::Retrain(args) => retrain::run(args),
        Command::Registry(args) => registry::run(args),
        Command::Drift(args) => drift::run(args),
        Command::Cases(args) => cases::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Token(args) => token::run(args),
    }
}
