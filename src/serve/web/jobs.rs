//! Background work the page started and polls: batch uploads and retrains. Kept in memory, per service
//! process, the latest few of each; a restart forgets them (the cases they stored stay in the store).

use super::batches::BatchRow;
use crate::registry::RetrainReport;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Finished jobs kept for the page to read; the oldest finished one goes first.
const KEPT: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    #[default]
    Running,
    Done,
    Failed,
}

/// One row that could not be read, with its data-row number.
#[derive(Debug, Clone, Serialize)]
pub struct Reject {
    pub row: u64,
    pub message: String,
}

/// Where a batch upload has got.
#[derive(Debug, Default)]
pub struct BatchStatus {
    pub state: JobState,
    /// Rows read and handled (stored or rejected).
    pub rows: u64,
    /// Bytes (or worksheet rows) read, and the total when known.
    pub read: u64,
    pub total: Option<u64>,
    /// The encoding found when it is not UTF-8 (GBK and the like).
    pub encoding: Option<String>,
    pub error: Option<String>,
    pub rejects: Vec<Reject>,
    /// Every stored row with its decision, in file order.
    pub kept: Vec<BatchRow>,
}

#[derive(Debug)]
pub struct BatchJob {
    pub id: String,
    /// The uploaded file's name.
    pub name: String,
    pub status: Mutex<BatchStatus>,
}

impl BatchJob {
    pub fn status(&self) -> MutexGuard<'_, BatchStatus> {
        self.status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[derive(Debug, Default)]
pub struct RetrainStatus {
    pub state: JobState,
    pub error: Option<String>,
    pub report: Option<RetrainReport>,
}

#[derive(Debug)]
pub struct RetrainJob {
    pub id: String,
    pub status: Mutex<RetrainStatus>,
}

impl RetrainJob {
    pub fn status(&self) -> MutexGuard<'_, RetrainStatus> {
        self.status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[derive(Debug, Default)]
pub struct Jobs {
    next: AtomicU64,
    batches: Mutex<VecDeque<Arc<BatchJob>>>,
    retrains: Mutex<VecDeque<Arc<RetrainJob>>>,
}

/// Adds a job, forgetting the oldest finished one when too many are kept.
fn keep<T>(list: &Mutex<VecDeque<Arc<T>>>, job: Arc<T>, finished: impl Fn(&T) -> bool) {
    let mut list = list.lock().unwrap_or_else(|p| p.into_inner());
    if list.len() >= KEPT
        && let Some(oldest) = list.iter().position(|j| finished(j))
    {
        list.remove(oldest);
    }
    list.push_back(job);
}

fn find<T>(list: &Mutex<VecDeque<Arc<T>>>, id: &str, id_of: impl Fn(&T) -> &str) -> Option<Arc<T>> {
    let list = list.lock().unwrap_or_else(|p| p.into_inner());
    list.iter().find(|j| id_of(j) == id).cloned()
}

impl Jobs {
    fn new_id(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.next.fetch_add(1, Ordering::Relaxed) + 1)
    }

    pub fn new_batch(&self, name: &str) -> Arc<BatchJob> {
        let job = Arc::new(BatchJob {
            id: self.new_id("b"),
            name: name.to_string(),
            status: Mutex::default(),
        });
        keep(&self.batches, Arc::clone(&job), |j| {
            j.status().state != JobState::Running
        });
        job
    }

    pub fn batch(&self, id: &str) -> Option<Arc<BatchJob>> {
        find(&self.batches, id, |j| &j.id)
    }

    pub fn new_retrain(&self) -> Arc<RetrainJob> {
        let job = Arc::new(RetrainJob {
            id: self.new_id("r"),
            status: Mutex::default(),
        });
        keep(&self.retrains, Arc::clone(&job), |j| {
            j.status().state != JobState::Running
        });
        job
    }

    pub fn retrain(&self, id: &str) -> Option<Arc<RetrainJob>> {
        find(&self.retrains, id, |j| &j.id)
    }
}
