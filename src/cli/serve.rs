//! `triage serve`: the triage service and the case store over HTTP. Arguments only; the service is
//! `crate::serve`, the store `crate::store`.

use crate::serve::auth::TokenTable;
use crate::serve::model::{ModelHandle, ModelSource};
use crate::serve::{AppState, Limits, check_exposure, serve, shutdown_signal};
use crate::store::{Store, time};
use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on; without --tokens only a loopback address is allowed.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// A model file, or a registry folder whose active version is served and followed (default: the built-in
    /// model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The case store: a SQLite file (`cases.db`, `sqlite:cases.db`) or `postgres://user:password@host/db`.
    #[arg(long, default_value = "triage-cases.db")]
    pub store: String,
    /// Tokens file (`ROLE NAME sha256:HEX` lines; make them with `triage token`).
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    /// How often to look for a promotion or rollback in the registry, in seconds.
    #[arg(long, default_value_t = 2.0)]
    pub follow_seconds: f64,
    /// Most complaints or cases in one request.
    #[arg(long, default_value_t = 1000)]
    pub max_batch: usize,
    /// Largest request body, in MiB.
    #[arg(long, default_value_t = 8)]
    pub max_body_mib: usize,
    /// Longest a request may take, in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout_seconds: u64,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    check_exposure(&args.listen, args.tokens.is_some()).map_err(anyhow::Error::msg)?;
    let tokens = args
        .tokens
        .as_deref()
        .map(TokenTable::read)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let model = Arc::new(ModelHandle::load(ModelSource::from_argument(
            args.model.as_deref(),
        ))?);
        let store = Store::open(&args.store).await?;
        // A SQLite store is served by this process alone: a job still running there was cut off by a restart.
        let interrupted = store.interrupt_running_jobs(time::now()).await?;
        if interrupted > 0 {
            tracing::warn!("{interrupted} desk jobs were cut off by the last stop; shown as interrupted");
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let address = listener.local_addr()?;
        let token_count = tokens.as_ref().map(TokenTable::len);
        let mut state = AppState::new(Arc::clone(&model), store.clone(), tokens);
        state.limits = Limits {
            body_bytes: args.max_body_mib << 20,
            batch: args.max_batch,
            timeout: Duration::from_secs(args.timeout_seconds),
            ..Limits::default()
        };
        let follower = model.follow(Duration::from_secs_f64(args.follow_seconds.max(0.1)));
        let current = model.current();
        eprintln!("triage serve: listening on http://{address}");
        eprintln!(
            "  model {} ({}){}",
            current.version,
            current.source,
            if follower.is_some() {
                ", following the registry's promotions and rollbacks"
            } else {
                ""
            }
        );
        eprintln!("  case store {}", store.url());
        match token_count {
            Some(n) => eprintln!("  {n} tokens accepted"),
            None => eprintln!(
                "  no --tokens: loopback only, and every request acts as 'local' with the admin role"
            ),
        }
        drop(current);
        serve(listener, state, shutdown_signal()).await?;
        store.shutdown().await;
        eprintln!("triage serve: stopped");
        Ok(ExitCode::SUCCESS)
    })
}
