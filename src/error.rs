//! The library's typed errors. Each says what went wrong and where: the file, the row, the field.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    /// The OS error is described in the message and not chained as a source, so that it is printed once.
    #[error("{path}: {}", describe_io(error))]
    Io {
        path: PathBuf,
        error: std::io::Error,
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
    pub fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        TriageError::Io {
            path: path.into(),
            error,
        }
    }

    /// The I/O error inside, if this is one (a closed pipe is not worth an error message).
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            TriageError::Io { error, .. } => Some(error.kind()),
            _ => None,
        }
    }
}

/// An OS error in a few plain words; the OS's own text for the rarer ones.
pub fn describe_io(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "no such file or folder".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::IsADirectory => "is a folder, not a file".into(),
        ErrorKind::NotADirectory => "a part of the path is not a folder".into(),
        ErrorKind::StorageFull => "the disk is full".into(),
        ErrorKind::ReadOnlyFilesystem => "the file system is read-only".into(),
        _ => error.to_string(),
    }
}
