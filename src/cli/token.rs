//! `triage token`: a new bearer token for `triage serve --tokens`. The token is printed once; the file keeps
//! only its SHA-256.

use crate::serve::auth::{Role, new_token, token_line};
use anyhow::Context;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// admin, dispatcher, department:<department_id> or reader.
    #[arg(long)]
    pub role: String,
    /// Who holds the token (no spaces); recorded as the actor of every change made with it.
    #[arg(long)]
    pub name: String,
    /// The tokens file to append the token's line to (created when missing); without it the line is printed
    /// on stderr.
    #[arg(long)]
    pub tokens: Option<PathBuf>,
}

pub fn run(args: TokenArgs) -> anyhow::Result<ExitCode> {
    let role = Role::parse(&args.role).with_context(|| {
        format!(
            "unknown role '{}' (admin, dispatcher, department:<id>, reader)",
            args.role
        )
    })?;
    if args.name.is_empty() || args.name.contains(char::is_whitespace) {
        anyhow::bail!("--name must be one word without spaces");
    }
    let token = new_token().map_err(|e| anyhow::anyhow!("no randomness for a token: {e}"))?;
    let line = token_line(&role, &args.name, &token);
    match &args.tokens {
        Some(path) => {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            writeln!(file, "{line}").with_context(|| format!("cannot write {}", path.display()))?;
            file.sync_all()?;
            eprintln!(
                "added {} ({role}) to {}; give them the token below, it is not kept anywhere",
                args.name,
                path.display()
            );
        }
        None => eprintln!("tokens file line: {line}"),
    }
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}
