//! The model the service answers with, swapped whole when the registry's active version changes.
//!
//! A request takes one `Arc` of the current [`ServedModel`] at its start and uses it to the end, so a promotion
//! or rollback never mixes two models in one answer and never fails a request: the new model is loaded and
//! checked beside the old one, then swapped in one atomic pointer store (`arc-swap`); requests that hold the
//! old one finish with it.

use crate::pipeline::{Pipeline, model_file};
use crate::registry::{Registry, RegistryError};
use crate::store::time;
use arc_swap::ArcSwap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Where the model comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// The default model built into the binary.
    Builtin,
    File(PathBuf),
    /// A registry folder: its active version, followed.
    Registry(PathBuf),
}

impl ModelSource {
    /// `--model`: a registry folder, a model file, or nothing for the built-in model.
    pub fn from_argument(path: Option<&Path>) -> ModelSource {
        match path {
            None => ModelSource::Builtin,
            Some(path) if path.is_dir() => ModelSource::Registry(path.to_path_buf()),
            Some(path) => ModelSource::File(path.to_path_buf()),
        }
    }
}

/// A loaded model and which it is.
#[derive(Debug)]
pub struct ServedModel {
    pub pipeline: Pipeline,
    /// `builtin`, the file name, or the registry version number.
    pub version: String,
    /// Where it was loaded from.
    pub source: String,
    pub loaded_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Triage(#[from] crate::TriageError),
    #[error(
        "this build has no default model: build it with `cargo run --release -- train --input corpora/complaints.csv --output models/default.model`, then rebuild, or pass --model"
    )]
    NoBuiltin,
}

/// The model in service.
#[derive(Debug)]
pub struct ModelHandle {
    current: ArcSwap<ServedModel>,
    source: ModelSource,
}

fn load(source: &ModelSource) -> Result<ServedModel, ModelError> {
    let (pipeline, version, shown) = match source {
        ModelSource::Builtin => (
            model_file::builtin().ok_or(ModelError::NoBuiltin)??,
            "builtin".to_string(),
            "built-in default model".to_string(),
        ),
        ModelSource::File(path) => (
            model_file::load(path)?,
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            path.display().to_string(),
        ),
        ModelSource::Registry(dir) => {
            let registry = Registry::open(dir)?;
            let version = registry.active_version()?;
            (
                registry.load_version(version)?,
                version.to_string(),
                dir.display().to_string(),
            )
        }
    };
    Ok(ServedModel {
        pipeline,
        version,
        source: shown,
        loaded_at: time::now(),
    })
}

impl ModelHandle {
    pub fn load(source: ModelSource) -> Result<ModelHandle, ModelError> {
        Ok(ModelHandle {
            current: ArcSwap::from_pointee(load(&source)?),
            source,
        })
    }

    /// A handle on a model already loaded (tests, benches).
    pub fn fixed(pipeline: Pipeline, version: &str) -> ModelHandle {
        ModelHandle {
            current: ArcSwap::from_pointee(ServedModel {
                pipeline,
                version: version.to_string(),
                source: "given".into(),
                loaded_at: time::now(),
            }),
            source: ModelSource::Builtin,
        }
    }

    /// The model to answer one request with.
    pub fn current(&self) -> Arc<ServedModel> {
        self.current.load_full()
    }

    pub fn source(&self) -> &ModelSource {
        &self.source
    }

    pub fn follows_registry(&self) -> bool {
        matches!(self.source, ModelSource::Registry(_))
    }

    /// Loads the registry's active version when it is not the one in service; returns the new version.
    pub fn refresh(&self) -> Result<Option<String>, ModelError> {
        let ModelSource::Registry(dir) = &self.source else {
            return Ok(None);
        };
        let active = Registry::open(dir)?.active_version()?.to_string();
        if active == self.current.load().version {
            return Ok(None);
        }
        let model = load(&self.source)?;
        let version = model.version.clone();
        self.current.store(Arc::new(model));
        Ok(Some(version))
    }

    /// Follows the registry every `every` on a background task (nothing for a fixed model). A registry that
    /// cannot be read for a while keeps the model in service and is logged.
    pub fn follow(self: &Arc<Self>, every: Duration) -> Option<tokio::task::JoinHandle<()>> {
        if !self.follows_registry() {
            return None;
        }
        let handle = Arc::clone(self);
        Some(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let handle = Arc::clone(&handle);
                match tokio::task::spawn_blocking(move || handle.refresh()).await {
                    Ok(Ok(Some(version))) => {
                        tracing::info!("now serving model version {version} from the registry")
                    }
                    Ok(Ok(None)) => {}
                    Ok(Err(error)) => {
                        tracing::warn!(
                            "registry not followed this time (the model in service stays): {error}"
                        )
                    }
                    Err(error) => tracing::error!("registry follower failed: {error}"),
                }
            }
        }))
    }
}
