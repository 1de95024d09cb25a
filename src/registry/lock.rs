//! The registry lock: one process at a time may change a registry.
//!
//! An exclusive OS file lock on `DIR/.lock` (`flock` on Unix, `LockFileEx` on Windows) held for as long as the
//! [`RegistryLock`] lives. The operating system drops it when the process dies, however it dies, so a killed
//! retrain never leaves a stale lock behind. Readers (`classify --model DIR`) do not take the lock: they follow
//! `registry.json`, which is only ever replaced whole.

use super::RegistryError;
use super::layout::Layout;
use crate::error::TriageError;
use std::fs::{File, OpenOptions, TryLockError};

/// Holds the registry's lock until dropped.
#[derive(Debug)]
pub struct RegistryLock {
    // Never read: holding the open, locked file is the point.
    _file: File,
}

/// Opens (creating if needed) the registry's lock file, without locking it.
fn open_lock_file(layout: &Layout) -> Result<(std::path::PathBuf, File), RegistryError> {
    let path = layout.lock();
    std::fs::create_dir_all(layout.root()).map_err(|e| TriageError::io(layout.root(), e))?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| TriageError::io(&path, e))?;
    Ok((path, file))
}

impl RegistryLock {
    /// Takes the lock, waiting for another process that holds it; `on_wait` is called once before waiting.
    pub fn acquire(layout: &Layout, on_wait: impl FnOnce()) -> Result<Self, RegistryError> {
        let (path, file) = open_lock_file(layout)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                on_wait();
                file.lock().map_err(|e| TriageError::io(&path, e))?;
            }
            Err(TryLockError::Error(e)) => return Err(TriageError::io(&path, e).into()),
        }
        Ok(RegistryLock { _file: file })
    }

    /// Takes the lock if it is free; `Ok(None)` when another process holds it.
    pub fn try_acquire(layout: &Layout) -> Result<Option<Self>, RegistryError> {
        let (path, file) = open_lock_file(layout)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(RegistryLock { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(TriageError::io(&path, e).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_refused_and_freed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        let held = RegistryLock::acquire(&layout, || panic!("the lock is free")).unwrap();
        assert!(RegistryLock::try_acquire(&layout).unwrap().is_none());
        drop(held);
        assert!(RegistryLock::try_acquire(&layout).unwrap().is_some());
    }
}
