//! The library's typed errors. Each says what went wrong and where: the file, the row, the field.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: no column named '{column}'; the columns are: {}", available.join(", "))]
    MissingColumn {
        path: PathBuf,
        column: String,
        available: Vec<String>,
    },
    #[error("{path}, row {row}: {message}")]
    BadRow {
        path: PathBuf,
        row: u64,
        message: String,
    },
    #[error("{path}: {message}")]
    BadInput { path: PathBuf, message: String },
    #[error("{path}: not a complaint-triage model file ({reason})")]
    NotAModel { path: PathBuf, reason: String },
    #[error(
        "{path}: model format version {found} is not supported (this build reads version {supported}); retrain or use a matching build"
    )]
    UnsupportedModelVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{path}: model file is damaged ({reason})")]
    DamagedModel { path: PathBuf, reason: String },
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    #[error("user dictionary: {0}")]
    Dictionary(String),
    #[error("{path}, line {line}: {message}")]
    BadRoutingTable {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("training data: {0}")]
    Training(String),
}

impl TriageError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TriageError::Io {
            path: path.into(),
            source,
        }
    }
}
