//! Where a registry keeps its files, and the index (`registry.json`) that says which versions exist and which
//! one is active.
//!
//! ```text
//! DIR/registry.json              the index: format name + version, versions, the active one, history
//! DIR/versions/0001/model.triage the model file of version 1 (never rewritten once listed in the index)
//! DIR/versions/0001/card.json    its model card
//! DIR/training/0001.csv          the rows version 1 was trained on (`text,label`)
//! DIR/.lock                      held while a process changes the registry
//! ```
//! This module only names paths and reads/writes the index; it must not decide what becomes active.

use super::RegistryError;
use crate::error::TriageError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The index's format name, checked on load.
pub const FORMAT_NAME: &str = "complaint-triage-registry";
/// The index's format version, checked on load.
pub const FORMAT_VERSION: u32 = 1;

pub const INDEX_FILE: &str = "registry.json";
pub const LOCK_FILE: &str = ".lock";
pub const MODEL_FILE: &str = "model.triage";
pub const CARD_FILE: &str = "card.json";

/// Paths inside one registry folder.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    pub fn new(root: &Path) -> Self {
        Layout {
            root: root.to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn index(&self) -> PathBuf {
        self.root.join(INDEX_FILE)
    }

    pub fn lock(&self) -> PathBuf {
        self.root.join(LOCK_FILE)
    }

    pub fn version_dir(&self, version: u32) -> PathBuf {
        self.root.join("versions").join(format!("{version:04}"))
    }

    pub fn model(&self, version: u32) -> PathBuf {
        self.version_dir(version).join(MODEL_FILE)
    }

    pub fn card(&self, version: u32) -> PathBuf {
        self.version_dir(version).join(CARD_FILE)
    }

    pub fn training(&self, version: u32) -> PathBuf {
        self.root.join("training").join(format!("{version:04}.csv"))
    }

    /// Whether `path` is a registry folder (it holds an index).
    pub fn is_registry(path: &Path) -> bool {
        path.join(INDEX_FILE).is_file()
    }
}

/// What became of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// The model `classify --model DIR` uses.
    Active,
    /// Was active once; `rollback` can bring it back.
    Retired,
    /// A retrained candidate that did worse than the active model, or that a person declined; kept for the
    /// record.
    Refused,
    /// A retrained candidate waiting for a person to promote or decline it (the desk's 模型 view shows its
    /// comparison first); the active version stays until then.
    Pending,
}

impl std::fmt::Display for VersionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            VersionStatus::Active => "active",
            VersionStatus::Retired => "retired",
            VersionStatus::Refused => "refused",
            VersionStatus::Pending => "pending",
        })
    }
}

/// The head-to-head comparison on held-out closed cases that decided a retrained version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonSummary {
    /// The version the candidate was compared with.
    pub against: u32,
    pub held_out_rows: usize,
    pub active_macro_f1: f64,
    pub candidate_macro_f1: f64,
}

/// What the index keeps of a model card (the whole card is in `versions/NNNN/card.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardSummary {
    pub trained_on: String,
    pub training_rows: usize,
    pub data_fingerprint: String,
    pub labels: Vec<String>,
    /// Macro-F1 on the out-of-fold predictions made while training.
    pub out_of_fold_macro_f1: Option<f64>,
    /// The precision promised for automatically routed cases, on the out-of-fold predictions made while
    /// training: target, confidence level of its lower bound, share routed, precision reached and its interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promise: Option<PromiseSummary>,
}

/// The precision promise in a line of the registry's index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromiseSummary {
    pub target: f64,
    pub level: f64,
    pub auto_routed_share: f64,
    pub precision: f64,
    pub interval: (f64, f64),
    /// Labels with too few held-out cases to support any threshold: all their cases go to review.
    pub unsupported_labels: Vec<String>,
}

impl PromiseSummary {
    /// From a model card's held-out evaluation; `None` for models trained before the promise was recorded.
    pub fn from_card(card: &crate::pipeline::ModelCard) -> Option<Self> {
        let held_out = card.held_out()?;
        let promise: crate::metrics::PrecisionPromise =
            serde_json::from_value(held_out.get("promise")?.clone()).ok()?;
        let number = |key: &str| held_out.get(key).and_then(|v| v.as_f64());
        let interval = held_out
            .get("auto_routed_precision_interval")
            .and_then(|v| serde_json::from_value::<(f64, f64)>(v.clone()).ok())
            .unwrap_or((0.0, 1.0));
        Some(PromiseSummary {
            target: promise
                .labels
                .iter()
                .map(|l| l.target)
                .fold(f64::INFINITY, f64::min),
            level: promise.level,
            auto_routed_share: number("auto_routed_share")?,
            precision: number("auto_routed_precision")?,
            interval,
            unsupported_labels: promise
                .labels
                .iter()
                .filter(|l| !l.supported)
                .map(|l| l.label.clone())
                .collect(),
        })
    }
}

/// One version in the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub number: u32,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub created_at: String,
    pub status: VersionStatus,
    /// Why it has its status, in words.
    pub reason: String,
    /// `train` or `retrain`, with the input file.
    pub origin: String,
    /// FNV-1a of the model file's bytes (hex): loading refuses a model file that does not match.
    pub model_fingerprint: String,
    pub card: CardSummary,
    /// Set for retrained versions.
    pub comparison: Option<ComparisonSummary>,
    /// When the files of this refused version were deleted (`registry prune`, or after a refusal beyond the
    /// last few); the record stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pruned_at: Option<String>,
}

/// One change of the active version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub at: String,
    /// `train`, `activate`, `refuse`, `rollback` or `prune`.
    pub action: String,
    pub version: u32,
    /// The active version after the event.
    pub active: Option<u32>,
    pub note: String,
}

/// The contents of `registry.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryIndex {
    pub format: String,
    pub format_version: u32,
    pub active: Option<u32>,
    pub versions: Vec<VersionRecord>,
    pub history: Vec<HistoryEvent>,
}

impl Default for RegistryIndex {
    fn default() -> Self {
        RegistryIndex {
            format: FORMAT_NAME.to_string(),
            format_version: FORMAT_VERSION,
            active: None,
            versions: Vec::new(),
            history: Vec::new(),
        }
    }
}

impl RegistryIndex {
    pub fn version(&self, number: u32) -> Option<&VersionRecord> {
        self.versions.iter().find(|v| v.number == number)
    }

    pub fn version_mut(&mut self, number: u32) -> Option<&mut VersionRecord> {
        self.versions.iter_mut().find(|v| v.number == number)
    }

    /// The number the next version gets.
    pub fn next_number(&self) -> u32 {
        self.versions.iter().map(|v| v.number).max().unwrap_or(0) + 1
    }

    /// Parses an index and checks its format name, version and consistency; `path` names it in errors.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Self, RegistryError> {
        let bad = |message: String| RegistryError::BadIndex {
            path: path.to_path_buf(),
            message,
        };
        // Check the format before the shape, so another kind of JSON file gets a clear message.
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
        let format = value.get("format").and_then(|f| f.as_str());
        if format != Some(FORMAT_NAME) {
            return Err(bad(format!(
                "not a model registry index (format is {format:?}, expected \"{FORMAT_NAME}\")"
            )));
        }
        let found = value
            .get("format_version")
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        if found != u64::from(FORMAT_VERSION) {
            return Err(RegistryError::UnsupportedIndexVersion {
                path: path.to_path_buf(),
                found,
                supported: FORMAT_VERSION,
            });
        }
        let index: RegistryIndex =
            serde_json::from_value(value).map_err(|e| bad(format!("unexpected shape: {e}")))?;
        let active: Vec<u32> = index
            .versions
            .iter()
            .filter(|v| v.status == VersionStatus::Active)
            .map(|v| v.number)
            .collect();
        let expected: Vec<u32> = index.active.into_iter().collect();
        if active != expected {
            return Err(bad(format!(
                "the active version is {:?} but versions marked active are {active:?}",
                index.active
            )));
        }
        Ok(index)
    }

    /// Reads and checks `registry.json` in `layout`.
    pub fn read(layout: &Layout) -> Result<Self, RegistryError> {
        let path = layout.index();
        let bytes = std::fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                RegistryError::NotARegistry {
                    path: layout.root().to_path_buf(),
                }
            } else {
                TriageError::io(&path, e).into()
            }
        })?;
        Self::parse(&bytes, &path)
    }

    /// Replaces `registry.json` atomically: a reader sees the old index or the new one, never a mix.
    pub fn write(&self, layout: &Layout) -> Result<(), RegistryError> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| RegistryError::BadIndex {
            path: layout.index(),
            message: format!("cannot encode: {e}"),
        })?;
        crate::pipeline::model_file::write_atomically(&layout.index(), &json)?;
        Ok(())
    }
}

/// Now in UTC as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_utc() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let of_day = seconds % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        crate::pipeline::today(),
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(number: u32, status: VersionStatus) -> VersionRecord {
        VersionRecord {
            number,
            created_at: "2026-01-01T00:00:00Z".into(),
            status,
            reason: String::new(),
            origin: "train".into(),
            model_fingerprint: "0".into(),
            card: CardSummary {
                trained_on: "2026-01-01".into(),
                training_rows: 1,
                data_fingerprint: "0".into(),
                labels: vec!["a".into()],
                out_of_fold_macro_f1: None,
                promise: None,
            },
            comparison: None,
            pruned_at: None,
        }
    }

    #[test]
    fn an_index_round_trips_and_numbers_continue_after_the_highest() {
        let mut index = RegistryIndex::default();
        index.versions.push(record(1, VersionStatus::Retired));
        index.versions.push(record(3, VersionStatus::Active));
        index.active = Some(3);
        let bytes = serde_json::to_vec(&index).unwrap();
        let parsed = RegistryIndex::parse(&bytes, Path::new("r.json")).unwrap();
        assert_eq!(parsed, index);
        assert_eq!(parsed.next_number(), 4);
    }

    #[test]
    fn another_format_or_version_is_refused_with_the_reason() {
        let error = RegistryIndex::parse(br#"{"format":"x"}"#, Path::new("r.json")).unwrap_err();
        assert!(
            error.to_string().contains("not a model registry index"),
            "{error}"
        );
        let json = format!(r#"{{"format":"{FORMAT_NAME}","format_version":9}}"#);
        let error = RegistryIndex::parse(json.as_bytes(), Path::new("r.json")).unwrap_err();
        assert!(error.to_string().contains("version 9"), "{error}");
    }

    #[test]
    fn an_active_pointer_that_disagrees_with_the_statuses_is_refused() {
        let mut index = RegistryIndex::default();
        index.versions.push(record(1, VersionStatus::Active));
        index.active = Some(2);
        let bytes = serde_json::to_vec(&index).unwrap();
        assert!(RegistryIndex::parse(&bytes, Path::new("r.json")).is_err());
    }
}
