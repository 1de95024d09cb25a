//! Where an output goes: standard output for `-`, otherwise a file that appears only when it is complete.
//!
//! A file is written to a temporary file in the same folder and renamed into place by [`Destination::commit`]
//! (after a sync), the streaming counterpart of `model_file::write_atomically`: a run that fails half-way
//! leaves no half-written output behind, and an existing file is replaced only by a complete one.

use crate::error::TriageError;
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct Destination {
    path: PathBuf,
    target: Target,
}

enum Target {
    Stdout(std::io::Stdout),
    File(tempfile::NamedTempFile),
}

impl Destination {
    pub fn create(path: &Path) -> Result<Self, TriageError> {
        if path.as_os_str() == "-" {
            return Ok(Destination {
                path: PathBuf::from("<standard output>"),
                target: Target::Stdout(std::io::stdout()),
            });
        }
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // The permissions of a file made by `File::create` (umask applies), not a temporary file's 0600.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        if !folder.is_dir() {
            let message = match folder.exists() {
                true => format!("cannot write here: {} is not a folder", folder.display()),
                false => format!(
                    "cannot write here: the folder {} does not exist",
                    folder.display()
                ),
            };
            return Err(TriageError::BadInput {
                path: path.to_path_buf(),
                message,
            });
        }
        // The temporary file's name is no concern of the user's: errors name the output and the OS's reason.
        let file = builder
            .tempfile_in(folder)
            .map_err(|e| TriageError::io(path, without_temporary_name(e)))?;
        Ok(Destination {
            path: path.to_path_buf(),
            target: Target::File(file),
        })
    }

    /// The output's path (`<standard output>` for `-`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_stdout(&self) -> bool {
        matches!(self.target, Target::Stdout(_))
    }

    /// An I/O error while writing here, naming the output.
    pub fn error(&self, error: std::io::Error) -> TriageError {
        TriageError::io(&self.path, error)
    }

    /// Flushes, and puts a file in place.
    pub fn commit(mut self) -> Result<(), TriageError> {
        self.flush().map_err(|e| self.error(e))?;
        match self.target {
            Target::Stdout(_) => Ok(()),
            Target::File(file) => {
                file.as_file()
                    .sync_all()
                    .map_err(|e| TriageError::io(&self.path, e))?;
                file.persist(&self.path)
                    .map_err(|e| TriageError::io(&self.path, without_temporary_name(e.error)))?;
                sync_folder_of(&self.path).map_err(|e| TriageError::io(&self.path, e))
            }
        }
    }
}

/// An error of the `tempfile` crate without the temporary file's name it adds (`… at path "/x/.out.csv.tmp"`):
/// the user only knows the output's name, which the caller adds.
fn without_temporary_name(error: std::io::Error) -> std::io::Error {
    if error.raw_os_error().is_some() {
        return error;
    }
    let kind = error.kind();
    match error.into_inner() {
        Some(inner) => match std::error::Error::source(inner.as_ref()) {
            Some(cause) => std::io::Error::new(kind, cause.to_string()),
            None => std::io::Error::new(kind, inner.to_string()),
        },
        None => std::io::Error::from(kind),
    }
}

/// Syncs the folder holding `path`, so that a file just renamed into it is still there after a power cut (the
/// rename is an entry in the folder, which the file's own sync does not cover). Folders cannot be opened for
/// syncing on Windows, where this does nothing.
pub fn sync_folder_of(path: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => std::path::Path::new("."),
        };
        std::fs::File::open(folder)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The I/O error inside a CSV writer's error, so that callers can see its kind (a closed pipe, a full disk).
pub fn csv_io_error(error: csv::Error) -> std::io::Error {
    let message = error.to_string();
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        _ => std::io::Error::other(message),
    }
}

impl Write for Destination {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.target {
            Target::Stdout(out) => out.write(buf),
            Target::File(file) => file.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match &mut self.target {
            Target::Stdout(out) => out.write_all(buf),
            Target::File(file) => file.write_all(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.target {
            Target::Stdout(out) => out.flush(),
            Target::File(file) => file.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let mut destination = Destination::create(&path).unwrap();
        destination.write_all(b"id\n1\n").unwrap();
        assert!(!path.exists());
        destination.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"id\n1\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let plain = dir.path().join("plain");
            std::fs::File::create(&plain).unwrap();
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
            assert_eq!(
                mode(&path),
                mode(&plain),
                "permissions as File::create gives"
            );
            std::fs::remove_file(plain).unwrap();
        }

        let mut abandoned = Destination::create(&path).unwrap();
        abandoned.write_all(b"half").unwrap();
        drop(abandoned);
        assert_eq!(std::fs::read(&path).unwrap(), b"id\n1\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
