//! What the desk's background work shares: jobs live in the store ([`crate::store::Job`]), so a restart
//! forgets none and every replica sees them; a running job keeps saying it is alive ([`keep_alive`]) so that
//! one stopped by a restart is shown as interrupted.

use crate::store::{HEARTBEAT_MS, Job, JobKind, Store, time};
use serde_json::{Value, json};
use std::time::Duration;

/// Touches the job's heartbeat until dropped, for work that may go long without progress to write.
pub struct KeepAlive(tokio::task::JoinHandle<()>);

impl Drop for KeepAlive {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn keep_alive(store: &Store, id: &str) -> KeepAlive {
    let (store, id) = (store.clone(), id.to_string());
    KeepAlive(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_millis(HEARTBEAT_MS as u64 / 2));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(error) = store.touch_job(&id, time::now()).await {
                tracing::warn!("job {id}: cannot record that it is alive: {error}");
            }
        }
    }))
}

/// A job as the page reads it.
pub fn job_json(job: &Job) -> Value {
    let detail = |key: &str| job.detail.get(key).cloned().unwrap_or(Value::Null);
    let mut out = json!({
        "job": job.id,
        "kind": job.kind,
        "name": job.name,
        "actor": job.actor,
        "state": job.state,
        "error": job.error,
        "created_at": time::format(job.created_at),
        // On the office's clock, as the page shows it.
        "created_local": time::format_local(job.created_at),
        "updated_at": time::format(job.updated_at),
    });
    let fields = match job.kind {
        JobKind::Upload => json!({
            "rows": job.done,
            "bytes_read": job.progress,
            "bytes_total": job.total,
            "file_bytes": job.file_bytes,
            "encoding": job.encoding,
            "summary": detail("summary"),
            "rejects": detail("rejects"),
        }),
        JobKind::Assign => json!({
            "batch": job.batch_id,
            "assigned": job.done,
            "gone_through": job.progress,
            "total": job.total,
            "skipped": detail("skipped"),
            "deadline": detail("deadline"),
        }),
        JobKind::Retrain => json!({ "report": detail("report") }),
    };
    if let (Value::Object(out), Value::Object(fields)) = (&mut out, fields) {
        out.extend(fields);
    }
    out
}
