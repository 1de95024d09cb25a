//! The model registry: numbered model versions in one folder, which one is active, and the rows each was
//! trained on, so that the tool can learn from closed cases without ever losing a model.
//!
//! - [`Registry`] reads: the index, the active model, a version's card or training rows. It takes no lock.
//! - [`RegistryWriter`] changes: it holds the registry's lock ([`lock`]) for as long as it lives, adds versions
//!   and moves the active pointer.
//! - [`retrain`] trains a candidate on the active version's rows plus new closed cases and promotes it only if
//!   [`promotion::compare`] finds it no worse on held-out closed cases.
//!
//! A version's files are written before the index names them, and the index (`registry.json`) is replaced
//! atomically, so a process killed at any point leaves the previous active model in use. A version's model
//! file is never rewritten once the index names it. See `docs/registry.md`.

pub mod cases;
pub mod layout;
pub mod lock;
pub mod promotion;
mod retrain;

pub use cases::{LabelledRows, NewCases, Selection, read_labelled, select_new};
pub use layout::{
    CardSummary, ComparisonSummary, HistoryEvent, Layout, RegistryIndex, VersionRecord,
    VersionStatus,
};
pub use lock::RegistryLock;
pub use promotion::{CategoryChange, Comparison, PromotionRule, SignalTest, compare};
pub use retrain::{
    KEEP_REFUSED, MIN_HELD_OUT, RetrainReport, RetrainSettings, TooFewHeldOut, retrain,
};

use crate::error::TriageError;
use crate::featurize::fingerprint;
use crate::pipeline::{Example, Pipeline, model_file};
use layout::now_utc;
use std::path::{Path, PathBuf};

/// Names the environment variable that makes a registry change abort at a named step; the kill tests use it
/// to stop the process between two writes deterministically. Unset, it costs one lookup per step.
pub const CRASH_AT_VARIABLE: &str = "COMPLAINT_TRIAGE_CRASH_AT";

/// Steps of [`RegistryWriter::add_version`] at which [`CRASH_AT_VARIABLE`] can stop the process, in order.
pub const CRASH_POINTS: [&str; 5] = [
    "model-written",
    "card-written",
    "training-written",
    "before-index",
    "index-written",
];

fn crash_point(step: &str) {
    if std::env::var(CRASH_AT_VARIABLE).is_ok_and(|v| v == step) {
        eprintln!("{CRASH_AT_VARIABLE}={step}: aborting");
        std::process::abort();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Triage(#[from] TriageError),
    #[error(
        "{path}: not a model registry (no registry.json); create one with `triage train --input FILE --registry DIR`"
    )]
    NotARegistry { path: PathBuf },
    #[error(
        "{path}: the folder holds other files and no registry.json; a new registry needs an empty or new folder"
    )]
    NotEmpty { path: PathBuf },
    #[error("{path}: damaged registry index ({message})")]
    BadIndex { path: PathBuf, message: String },
    #[error(
        "{path}: registry format version {found} is not supported (this build reads version {supported})"
    )]
    UnsupportedIndexVersion {
        path: PathBuf,
        found: u64,
        supported: u32,
    },
    #[error("{path}: the registry has no active version")]
    NoActiveVersion { path: PathBuf },
    #[error("{path}: no version {version}; the versions are {available}")]
    NoSuchVersion {
        path: PathBuf,
        version: u32,
        available: String,
    },
    #[error(
        "{path}: the model file of version {version} does not match the registry (fingerprint {found}, the index says {expected})"
    )]
    ModelMismatch {
        path: PathBuf,
        version: u32,
        found: String,
        expected: String,
    },
    #[error("{path}: the files of version {version} were pruned on {at} (it was refused)")]
    Pruned {
        path: PathBuf,
        version: u32,
        at: String,
    },
    #[error("{path}: cannot roll back: {reason}")]
    CannotRollBack { path: PathBuf, reason: String },
    #[error("{path}: no decision to take: {reason}")]
    NotPending { path: PathBuf, reason: String },
    #[error(
        "{path}: none of the closed cases' labels ({closed}) is known to the active model ({known}); are these departments while the registry learnt categories? Train a new registry for another label set"
    )]
    DisjointLabels {
        path: PathBuf,
        closed: String,
        known: String,
    },
}

fn list(labels: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut shown = labels
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if labels.len() > SHOWN {
        shown.push_str(&format!(", … {} in all", labels.len()));
    }
    shown
}

/// A registry as read from its index; reading takes no lock.
#[derive(Debug, Clone)]
pub struct Registry {
    layout: Layout,
    index: RegistryIndex,
}

impl Registry {
    /// Opens an existing registry folder.
    pub fn open(dir: &Path) -> Result<Self, RegistryError> {
        let layout = Layout::new(dir);
        let index = RegistryIndex::read(&layout)?;
        Ok(Registry { layout, index })
    }

    /// Whether `dir` holds a registry.
    pub fn exists(dir: &Path) -> bool {
        Layout::is_registry(dir)
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn index(&self) -> &RegistryIndex {
        &self.index
    }

    pub fn active_version(&self) -> Result<u32, RegistryError> {
        self.index
            .active
            .ok_or_else(|| RegistryError::NoActiveVersion {
                path: self.layout.root().to_path_buf(),
            })
    }

    pub fn version(&self, number: u32) -> Result<&VersionRecord, RegistryError> {
        self.index
            .version(number)
            .ok_or_else(|| RegistryError::NoSuchVersion {
                path: self.layout.root().to_path_buf(),
                version: number,
                available: self
                    .index
                    .versions
                    .iter()
                    .map(|v| v.number.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The model file's bytes of a version, checked against the fingerprint the index recorded.
    pub fn model_bytes(&self, number: u32) -> Result<Vec<u8>, RegistryError> {
        let record = self.version(number)?;
        if let Some(at) = &record.pruned_at {
            return Err(RegistryError::Pruned {
                path: self.layout.root().to_path_buf(),
                version: number,
                at: at.clone(),
            });
        }
        let path = self.layout.model(number);
        let bytes = std::fs::read(&path).map_err(|e| TriageError::io(&path, e))?;
        let found = format!("{:016x}", fingerprint(&bytes));
        if found != record.model_fingerprint {
            return Err(RegistryError::ModelMismatch {
                path,
                version: number,
                found,
                expected: record.model_fingerprint.clone(),
            });
        }
        Ok(bytes)
    }

    /// Loads a version's model.
    pub fn load_version(&self, number: u32) -> Result<Pipeline, RegistryError> {
        let bytes = self.model_bytes(number)?;
        Ok(model_file::from_bytes(&bytes, &self.layout.model(number))?)
    }

    /// Loads the active model.
    pub fn load_active(&self) -> Result<Pipeline, RegistryError> {
        self.load_version(self.active_version()?)
    }

    /// The rows a version was trained on.
    pub fn training_examples(&self, number: u32) -> Result<Vec<Example>, RegistryError> {
        self.version(number)?;
        Ok(cases::read_training(&self.layout.training(number))?)
    }

    /// A version's full model card (`versions/NNNN/card.json`).
    pub fn card(&self, number: u32) -> Result<serde_json::Value, RegistryError> {
        self.version(number)?;
        let path = self.layout.card(number);
        let text = std::fs::read(&path).map_err(|e| TriageError::io(&path, e))?;
        serde_json::from_slice(&text).map_err(|e| {
            TriageError::BadInput {
                path,
                message: format!("not a model card: {e}"),
            }
            .into()
        })
    }
}

/// Whether a new version becomes active.
#[derive(Debug, Clone)]
pub enum Decision {
    /// It becomes active; the version active before is retired.
    Activate { reason: String },
    /// It is recorded as refused; the active version stays.
    Refuse { reason: String },
    /// It waits for a person's decision ([`RegistryWriter::decide`]); the active version stays.
    Hold { reason: String },
}

/// A version to add.
#[derive(Debug)]
pub struct NewVersion<'a> {
    pub pipeline: &'a Pipeline,
    /// The rows it was trained on.
    pub training: &'a [Example],
    /// `train FILE` or `retrain FILE`.
    pub origin: String,
    pub decision: Decision,
    pub comparison: Option<ComparisonSummary>,
}

/// A registry held under its lock; the only way to change one.
#[derive(Debug)]
pub struct RegistryWriter {
    registry: Registry,
    _lock: RegistryLock,
}

impl RegistryWriter {
    /// Locks an existing registry, waiting for another process that holds it (`on_wait` is called first).
    pub fn open(dir: &Path, on_wait: impl FnOnce()) -> Result<Self, RegistryError> {
        let layout = Layout::new(dir);
        if !Layout::is_registry(dir) {
            return Err(RegistryError::NotARegistry {
                path: dir.to_path_buf(),
            });
        }
        let lock = RegistryLock::acquire(&layout, on_wait)?;
        // Read the index only once the lock is held: the process we waited for may have changed it.
        let index = RegistryIndex::read(&layout)?;
        Ok(RegistryWriter {
            registry: Registry { layout, index },
            _lock: lock,
        })
    }

    /// Locks a registry, creating an empty one when `dir` is new or empty.
    pub fn open_or_create(dir: &Path, on_wait: impl FnOnce()) -> Result<Self, RegistryError> {
        let layout = Layout::new(dir);
        // Never turn a folder of other files (`models/`) into a registry by a slip of the argument.
        if !Layout::is_registry(dir) && dir.is_dir() {
            let other = std::fs::read_dir(dir)
                .map_err(|e| TriageError::io(dir, e))?
                .filter_map(Result::ok)
                .any(|entry| entry.file_name() != layout::LOCK_FILE);
            if other {
                return Err(RegistryError::NotEmpty {
                    path: dir.to_path_buf(),
                });
            }
        }
        let lock = RegistryLock::acquire(&layout, on_wait)?;
        let index = if Layout::is_registry(dir) {
            RegistryIndex::read(&layout)?
        } else {
            let index = RegistryIndex::default();
            index.write(&layout)?;
            index
        };
        Ok(RegistryWriter {
            registry: Registry { layout, index },
            _lock: lock,
        })
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Adds a version: its model, card and training rows first, then the index that names it.
    pub fn add_version(&mut self, new: NewVersion<'_>) -> Result<u32, RegistryError> {
        let layout = self.registry.layout.clone();
        let number = self.registry.index.next_number();
        let folder = layout.version_dir(number);
        // A folder the index does not name is left from a process killed mid-way: nothing refers to it.
        if folder.exists() {
            std::fs::remove_dir_all(&folder).map_err(|e| TriageError::io(&folder, e))?;
        }
        let model = model_file::to_bytes(new.pipeline)?;
        model_file::write_atomically(&layout.model(number), &model)?;
        crash_point(CRASH_POINTS[0]);
        let card = serde_json::to_vec_pretty(&new.pipeline.card.to_json()).map_err(|e| {
            TriageError::InvalidParameter(format!("cannot encode the model card: {e}"))
        })?;
        model_file::write_atomically(&layout.card(number), &card)?;
        crash_point(CRASH_POINTS[1]);
        model_file::write_atomically(
            &layout.training(number),
            &cases::training_csv(new.training)?,
        )?;
        crash_point(CRASH_POINTS[2]);

        let now = now_utc();
        let mut index = self.registry.index.clone();
        let card = &new.pipeline.card;
        let (status, reason, action) = match new.decision {
            Decision::Activate { reason } => (VersionStatus::Active, reason, "activate"),
            Decision::Refuse { reason } => (VersionStatus::Refused, reason, "refuse"),
            Decision::Hold { reason } => (VersionStatus::Pending, reason, "hold"),
        };
        if status == VersionStatus::Active {
            if let Some(previous) = index.active.and_then(|a| index.version_mut(a)) {
                previous.status = VersionStatus::Retired;
                previous.reason = format!("replaced by version {number} on {now}");
            }
            index.active = Some(number);
        }
        index.versions.push(VersionRecord {
            number,
            created_at: now.clone(),
            status,
            reason: reason.clone(),
            origin: new.origin,
            model_fingerprint: format!("{:016x}", fingerprint(&model)),
            card: CardSummary {
                trained_on: card.trained_on.clone(),
                training_rows: card.training_rows,
                data_fingerprint: card.data_fingerprint.clone(),
                labels: new.pipeline.labels().to_vec(),
                out_of_fold_macro_f1: card
                    .held_out()
                    .and_then(|h| h.get("macro_f1").and_then(|f| f.as_f64())),
                promise: layout::PromiseSummary::from_card(card),
            },
            comparison: new.comparison,
            pruned_at: None,
        });
        index.history.push(HistoryEvent {
            at: now,
            action: action.to_string(),
            version: number,
            active: index.active,
            note: reason,
        });
        crash_point(CRASH_POINTS[3]);
        index.write(&layout)?;
        crash_point(CRASH_POINTS[4]);
        self.registry.index = index;
        Ok(number)
    }

    /// Deletes the files of refused versions but the newest `keep` of them (their records stay in the index,
    /// marked pruned). Active and retired versions, the targets of a rollback, are never pruned. Returns the
    /// versions pruned now.
    pub fn prune_refused(&mut self, keep: usize) -> Result<Vec<u32>, RegistryError> {
        let mut refused: Vec<u32> = self
            .registry
            .index
            .versions
            .iter()
            .filter(|v| v.status == VersionStatus::Refused && v.pruned_at.is_none())
            .map(|v| v.number)
            .collect();
        refused.sort_unstable();
        let prune: Vec<u32> = refused[..refused.len().saturating_sub(keep)].to_vec();
        if prune.is_empty() {
            return Ok(prune);
        }
        // The index says "pruned" first: a process killed half-way leaves a folder nothing refers to, which the
        // next prune removes, never an index naming files that are gone.
        let now = now_utc();
        let mut index = self.registry.index.clone();
        for number in &prune {
            if let Some(record) = index.version_mut(*number) {
                record.pruned_at = Some(now.clone());
            }
        }
        index.history.push(HistoryEvent {
            at: now,
            action: "prune".into(),
            version: *prune.last().expect("not empty"),
            active: index.active,
            note: format!(
                "files of refused versions {} deleted",
                prune
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
        index.write(&self.registry.layout)?;
        self.registry.index = index;
        for record in self
            .registry
            .index
            .versions
            .iter()
            .filter(|v| v.pruned_at.is_some())
        {
            let folder = self.registry.layout.version_dir(record.number);
            if folder.exists() {
                std::fs::remove_dir_all(&folder).map_err(|e| TriageError::io(&folder, e))?;
            }
        }
        Ok(prune)
    }

    /// Re-activates `to`, or else the latest retired version before the active one. Refused versions are
    /// re-activated only with `allow_refused`. The target's model is loaded and checked before anything
    /// changes. Returns (the version that was active, the version now active).
    pub fn rollback(
        &mut self,
        to: Option<u32>,
        allow_refused: bool,
    ) -> Result<(u32, u32), RegistryError> {
        let root = self.registry.layout.root().to_path_buf();
        let refuse = |reason: String| RegistryError::CannotRollBack {
            path: root.clone(),
            reason,
        };
        let active = self.registry.active_version()?;
        let target = match to {
            Some(number) => self.registry.version(number)?.number,
            None => self
                .registry
                .index
                .versions
                .iter()
                .filter(|v| v.number < active && v.status == VersionStatus::Retired)
                .map(|v| v.number)
                .max()
                .ok_or_else(|| {
                    refuse(format!(
                        "no retired version before the active version {active}"
                    ))
                })?,
        };
        if target == active {
            return Err(refuse(format!("version {target} is already active")));
        }
        if self.registry.version(target)?.pruned_at.is_some() {
            return Err(refuse(format!(
                "version {target} was refused and its files were pruned"
            )));
        }
        if self.registry.version(target)?.status == VersionStatus::Pending {
            return Err(refuse(format!(
                "version {target} waits for a decision: promote or decline it"
            )));
        }
        if self.registry.version(target)?.status == VersionStatus::Refused && !allow_refused {
            return Err(refuse(format!(
                "version {target} was refused at promotion; pass --force to activate it anyway"
            )));
        }
        // Never point the index at a model that does not load.
        self.registry.load_version(target)?;
        let now = now_utc();
        let mut index = self.registry.index.clone();
        if let Some(previous) = index.version_mut(active) {
            previous.status = VersionStatus::Retired;
            previous.reason = format!("rolled back to version {target} on {now}");
        }
        if let Some(record) = index.version_mut(target) {
            record.status = VersionStatus::Active;
            record.reason = format!("re-activated by rollback from version {active} on {now}");
        }
        index.active = Some(target);
        index.history.push(HistoryEvent {
            at: now,
            action: "rollback".into(),
            version: target,
            active: Some(target),
            note: format!("from version {active}"),
        });
        index.write(&self.registry.layout)?;
        self.registry.index = index;
        Ok((active, target))
    }
}

impl RegistryWriter {
    /// A person's decision on a pending candidate: `promote` makes it active (the active version is retired),
    /// otherwise it is recorded as refused. `note` says who decided and why. Returns the version active after.
    pub fn decide(&mut self, number: u32, promote: bool, note: &str) -> Result<u32, RegistryError> {
        let root = self.registry.layout.root().to_path_buf();
        let record = self.registry.version(number)?;
        if record.status != VersionStatus::Pending {
            return Err(RegistryError::NotPending {
                path: root,
                reason: format!(
                    "version {number} is {}, not waiting for a decision",
                    record.status
                ),
            });
        }
        if promote {
            // Never point the index at a model that does not load.
            self.registry.load_version(number)?;
        }
        let now = now_utc();
        let mut index = self.registry.index.clone();
        if promote {
            if let Some(previous) = index.active.and_then(|a| index.version_mut(a)) {
                previous.status = VersionStatus::Retired;
                previous.reason = format!("replaced by version {number} on {now}");
            }
            index.active = Some(number);
        }
        if let Some(record) = index.version_mut(number) {
            record.status = if promote {
                VersionStatus::Active
            } else {
                VersionStatus::Refused
            };
            record.reason = format!("{}: {note}", if promote { "promoted" } else { "declined" });
        }
        index.history.push(HistoryEvent {
            at: now,
            action: if promote { "promote" } else { "decline" }.into(),
            version: number,
            active: index.active,
            note: note.to_string(),
        });
        index.write(&self.registry.layout)?;
        self.registry.index = index;
        let active = self.registry.active_version()?;
        if !promote {
            self.prune_refused(retrain::KEEP_REFUSED)?;
        }
        Ok(active)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{TrainParams, train};

    fn examples(shift: usize) -> Vec<Example> {
        let topics = [("tax", "税务 发票 退税"), ("land", "土地 用地 出让")];
        (0..24)
            .map(|i| {
                let (label, words) = topics[i % 2];
                Example {
                    text: format!("{words} 第{}号 企业{}", i + shift, i % 5),
                    label: label.into(),
                }
            })
            .collect()
    }

    fn pipeline(shift: usize) -> Pipeline {
        let params = TrainParams {
            calibration_folds: 2,
            ..TrainParams::default()
        };
        train(&examples(shift), &params).unwrap().pipeline
    }

    fn add(writer: &mut RegistryWriter, model: &Pipeline, activate: bool) -> u32 {
        let reason = "test".to_string();
        writer
            .add_version(NewVersion {
                pipeline: model,
                training: &examples(0),
                origin: "train test".into(),
                decision: if activate {
                    Decision::Activate { reason }
                } else {
                    Decision::Refuse { reason }
                },
                comparison: None,
            })
            .unwrap()
    }

    #[test]
    fn versions_activate_refuse_and_roll_back_to_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (pipeline(0), pipeline(100));
        let mut writer = RegistryWriter::open_or_create(dir.path(), || {}).unwrap();
        assert_eq!(add(&mut writer, &first, true), 1);
        let v1_bytes = Registry::open(dir.path()).unwrap().model_bytes(1).unwrap();
        assert_eq!(add(&mut writer, &second, true), 2);
        assert_eq!(add(&mut writer, &first, false), 3);
        let registry = Registry::open(dir.path()).unwrap();
        assert_eq!(registry.active_version().unwrap(), 2);
        let statuses: Vec<VersionStatus> =
            registry.index().versions.iter().map(|v| v.status).collect();
        assert_eq!(
            statuses,
            [
                VersionStatus::Retired,
                VersionStatus::Active,
                VersionStatus::Refused
            ]
        );
        assert_eq!(registry.training_examples(3).unwrap(), examples(0));

        // Without --to: the latest retired version before the active one, skipping the refused one.
        assert_eq!(writer.rollback(None, false).unwrap(), (2, 1));
        let registry = Registry::open(dir.path()).unwrap();
        assert_eq!(registry.model_bytes(1).unwrap(), v1_bytes);
        assert_eq!(
            registry.load_active().unwrap().card.data_fingerprint,
            first.card.data_fingerprint
        );
        let error = writer.rollback(Some(3), false).unwrap_err().to_string();
        assert!(error.contains("refused at promotion"), "{error}");
        assert_eq!(writer.rollback(Some(3), true).unwrap(), (1, 3));
        assert_eq!(writer.rollback(Some(2), false).unwrap(), (3, 2));
        assert_eq!(Registry::open(dir.path()).unwrap().index().history.len(), 6);
    }

    fn hold(writer: &mut RegistryWriter, model: &Pipeline) -> u32 {
        writer
            .add_version(NewVersion {
                pipeline: model,
                training: &examples(0),
                origin: "retrain test".into(),
                decision: Decision::Hold {
                    reason: "waiting".into(),
                },
                comparison: None,
            })
            .unwrap()
    }

    #[test]
    fn a_pending_candidate_waits_for_a_person_to_promote_or_decline_it() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (pipeline(0), pipeline(100));
        let mut writer = RegistryWriter::open_or_create(dir.path(), || {}).unwrap();
        add(&mut writer, &first, true);
        assert_eq!(hold(&mut writer, &second), 2);
        let registry = Registry::open(dir.path()).unwrap();
        assert_eq!(registry.active_version().unwrap(), 1, "held, not active");
        assert_eq!(registry.version(2).unwrap().status, VersionStatus::Pending);
        let error = writer.rollback(Some(2), true).unwrap_err().to_string();
        assert!(error.contains("waits for a decision"), "{error}");

        assert_eq!(writer.decide(2, true, "promoted by admin").unwrap(), 2);
        let registry = Registry::open(dir.path()).unwrap();
        assert_eq!(registry.active_version().unwrap(), 2);
        assert_eq!(registry.version(1).unwrap().status, VersionStatus::Retired);
        assert_eq!(registry.index().history.last().unwrap().action, "promote");
        let error = writer.decide(2, false, "again").unwrap_err().to_string();
        assert!(error.contains("not waiting for a decision"), "{error}");

        assert_eq!(hold(&mut writer, &first), 3);
        assert_eq!(writer.decide(3, false, "declined by admin").unwrap(), 2);
        let registry = Registry::open(dir.path()).unwrap();
        assert_eq!(registry.active_version().unwrap(), 2);
        assert_eq!(registry.version(3).unwrap().status, VersionStatus::Refused);
        assert_eq!(registry.index().history.last().unwrap().action, "decline");
    }

    #[test]
    fn pruning_keeps_the_newest_refused_and_never_touches_active_or_retired_versions() {
        let dir = tempfile::tempdir().unwrap();
        let model = pipeline(0);
        let mut writer = RegistryWriter::open_or_create(dir.path(), || {}).unwrap();
        for activate in [true, false, true, false, false, false] {
            add(&mut writer, &model, activate);
        }
        // 1 retired, 3 active, 2 4 5 6 refused.
        assert_eq!(writer.prune_refused(2).unwrap(), [2, 4]);
        let layout = writer.registry().layout().clone();
        for (number, kept) in [
            (1, true),
            (2, false),
            (3, true),
            (4, false),
            (5, true),
            (6, true),
        ] {
            assert_eq!(
                layout.version_dir(number).exists(),
                kept,
                "version {number}"
            );
        }
        assert!(writer.prune_refused(2).unwrap().is_empty());
        let registry = Registry::open(dir.path()).unwrap();
        assert_eq!(registry.index().versions.len(), 6, "records stay");
        assert!(registry.version(2).unwrap().pruned_at.is_some());
        let error = registry.load_version(2).unwrap_err().to_string();
        assert!(error.contains("pruned"), "{error}");
        assert_eq!(registry.active_version().unwrap(), 3);
        registry.load_version(1).unwrap();
        let error = writer.rollback(Some(4), true).unwrap_err().to_string();
        assert!(error.contains("pruned"), "{error}");
        assert_eq!(writer.rollback(None, false).unwrap(), (3, 1));
    }

    #[test]
    fn a_changed_model_file_is_refused_and_an_orphan_folder_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let model = pipeline(0);
        let mut writer = RegistryWriter::open_or_create(dir.path(), || {}).unwrap();
        // A folder left by a process killed before it updated the index.
        let orphan = writer.registry().layout().model(1);
        std::fs::create_dir_all(orphan.parent().unwrap()).unwrap();
        std::fs::write(&orphan, b"half a model").unwrap();
        assert_eq!(add(&mut writer, &model, true), 1);
        let registry = Registry::open(dir.path()).unwrap();
        registry.load_active().unwrap();
        drop(writer);

        let mut bytes = std::fs::read(registry.layout().model(1)).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(registry.layout().model(1), bytes).unwrap();
        let error = registry.load_active().unwrap_err().to_string();
        assert!(error.contains("does not match the registry"), "{error}");
    }

    #[test]
    fn a_folder_without_an_index_is_not_a_registry_nor_made_one_when_it_holds_files() {
        let dir = tempfile::tempdir().unwrap();
        let error = Registry::open(dir.path()).unwrap_err().to_string();
        assert!(error.contains("not a model registry"), "{error}");
        assert!(!Registry::exists(dir.path()));
        std::fs::write(dir.path().join("default.model"), b"x").unwrap();
        let error = RegistryWriter::open_or_create(dir.path(), || {})
            .unwrap_err()
            .to_string();
        assert!(error.contains("holds other files"), "{error}");
        assert!(!Registry::exists(dir.path()));
    }
}
