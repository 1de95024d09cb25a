//! The streaming batch engine: triage every row of a table and write one decision per row, in input order.
//!
//! Three stages run at once so that reading and writing overlap with triage: a reader thread cuts the input
//! into bounded chunks, the calling thread triages a chunk at a time (in parallel within it), and a writer thread
//! writes decisions and rejects. Channels between them hold at most [`CHUNKS_IN_FLIGHT`] chunks, so memory
//! stays flat whatever the input's size.
//!
//! Every row is accounted for: it yields an output row, or, with a [`RejectsFile`], a line there with its row
//! number and reason. Without one an unreadable row is an output row sent to review with the reason, and empty
//! text is an output row sent to review ("empty text"); with one both go to the rejects file, so that the output
//! holds only decisions. [`Tally`] counts what happened, for the summary the command line prints and the
//! service reports. The command line, the service's uploads and the report all run batches through here.

use crate::error::TriageError;
use crate::io::{
    DecisionSink, OutputLayout, RejectsFile, Row, RowError, TableReader, decision_fields_in,
    decision_header, unreadable_fields_in,
};
use crate::lang::Lang;
use crate::pipeline::{Pipeline, Triage};
use crate::review::ReviewReason;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::Duration;

/// A chunk ends at this many rows … With 1,024 rows and one chunk waiting per stage, a 50,000-row batch peaks at
/// about 140 MB instead of 190 MB (4,096 rows, two waiting), and the kernel's zeroing of fresh pages fell from
/// 4–12% of the run's CPU time to about 1% (docs/bulk.md).
const CHUNK_ROWS: usize = 1024;
/// … or this much text, whichever comes first, so that a few huge rows cannot fill memory.
const CHUNK_TEXT_BYTES: usize = 16 << 20;
/// Chunks waiting between two stages.
const CHUNKS_IN_FLIGHT: usize = 1;
/// How long a partly filled chunk waits for more rows before it is triaged anyway.
const CHUNK_WAIT: Duration = Duration::from_millis(50);

/// One row as read: readable, or why not.
type RowRead = Result<Row, RowError>;
/// Unreadable rows reported one by one through [`BatchProgress::unreadable`] when there is no rejects file;
/// the rest are counted.
const ERRORS_SHOWN: u64 = 20;

/// What a batch tells its caller while it runs: the command line draws a progress bar, the service records
/// progress for a page. Called from the writer thread.
pub trait BatchProgress: Send {
    /// A chunk was written: input bytes (or rows) read so far, and rows written so far.
    fn chunk_written(&mut self, read_so_far: u64, rows_written: u64);
    /// An unreadable row while there is no rejects file (the first few only).
    fn unreadable(&mut self, message: &str);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl BatchProgress for NoProgress {
    fn chunk_written(&mut self, _: u64, _: u64) {}
    fn unreadable(&mut self, _: &str) {}
}

/// Triages every row `reader` yields with `pipeline` and writes the decisions alone (the lean form) to `sink`
/// (and rows without a decision to `rejects`, when given). Returns the tally; the sink and rejects file are
/// finished (put in place) only when every row was written. Review reasons are in Chinese.
pub fn triage_table(
    reader: TableReader,
    pipeline: &Pipeline,
    explain: bool,
    sink: Box<dyn DecisionSink>,
    rejects: Option<RejectsFile>,
    progress: Box<dyn BatchProgress>,
) -> Result<Tally, TriageError> {
    let layout = OutputLayout::decisions_only(&decision_header(explain));
    triage_table_as(reader, pipeline, explain, &layout, sink, rejects, progress)
}

/// As [`triage_table`], each output row laid out by `layout` (e.g. the input's columns, then the decision's);
/// `sink` must have been opened for the same layout.
pub fn triage_table_as(
    reader: TableReader,
    pipeline: &Pipeline,
    explain: bool,
    layout: &OutputLayout,
    sink: Box<dyn DecisionSink>,
    rejects: Option<RejectsFile>,
    progress: Box<dyn BatchProgress>,
) -> Result<Tally, TriageError> {
    triage_table_in(
        reader,
        pipeline,
        explain,
        layout,
        Lang::Zh,
        sink,
        rejects,
        progress,
    )
}

/// As [`triage_table_as`], with review reasons in `lang`.
#[allow(clippy::too_many_arguments)]
pub fn triage_table_in(
    reader: TableReader,
    pipeline: &Pipeline,
    explain: bool,
    layout: &OutputLayout,
    lang: Lang,
    sink: Box<dyn DecisionSink>,
    rejects: Option<RejectsFile>,
    progress: Box<dyn BatchProgress>,
) -> Result<Tally, TriageError> {
    let input = reader.path().to_path_buf();
    let empty_input = reader.is_empty_input();
    let writer = Writer {
        layout: layout.clone(),
        sink,
        rejects,
        explain,
        lang,
        input,
        progress,
        tally: Tally::default(),
    };
    let (
        Writer {
            sink,
            rejects,
            mut tally,
            ..
        },
        blank_lines,
    ) = run_stages(reader, pipeline, explain, writer)?;
    tally.blank_lines = blank_lines;
    tally.empty_input = empty_input;
    sink.finish()?;
    if let Some(rejects) = rejects {
        rejects.finish()?;
    }
    Ok(tally)
}

/// Rows read together, and how far reading had got after them.
struct Chunk {
    rows: Vec<Result<Row, RowError>>,
    read_so_far: u64,
}

/// A chunk with the decisions for its readable rows, in order.
struct Decided {
    chunk: Chunk,
    decisions: Vec<Triage>,
}

/// Reads, triages and writes; returns the writer for its files and tally once every row is written, and the
/// blank lines the reader skipped. On an error nothing more is read and no file is put in place.
fn run_stages(
    mut reader: TableReader,
    pipeline: &Pipeline,
    explain: bool,
    mut writer: Writer,
) -> Result<(Writer, u64), TriageError> {
    let reading = &mut reader;
    let written = std::thread::scope(|scope| {
        let (chunks, chunks_in) = sync_channel::<Result<Chunk, TriageError>>(CHUNKS_IN_FLIGHT);
        let (decided, decided_in) = sync_channel::<Decided>(CHUNKS_IN_FLIGHT);
        scope.spawn(move || read_chunks(reading, &chunks));
        let writing = scope.spawn(move || writer.write_all(decided_in).map(|()| writer));
        let mut failure = None;
        for chunk in chunks_in.iter() {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            };
            let texts: Vec<&str> = chunk
                .rows
                .iter()
                .filter_map(|row| row.as_ref().ok().map(|r| r.text.as_str()))
                .collect();
            let decisions = pipeline.triage_batch(&texts, explain);
            // A closed channel means the writer stopped on an error, which it returns.
            if decided.send(Decided { chunk, decisions }).is_err() {
                break;
            }
        }
        // Closing both channels stops the other two stages.
        drop(decided);
        drop(chunks_in);
        let written = writing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        match failure {
            Some(error) => Err(error),
            None => written,
        }
    })?;
    Ok((written, reader.blank_lines()))
}

/// Cuts the input into chunks on a thread of its own, so that a chunk goes out when it is full or when no row
/// has come for [`CHUNK_WAIT`]: a file is read in full chunks, a slow pipe is triaged as its rows arrive.
fn read_chunks(reader: &mut TableReader, chunks: &SyncSender<Result<Chunk, TriageError>>) {
    std::thread::scope(|scope| {
        let (rows_out, rows) =
            sync_channel::<Result<Option<(RowRead, u64)>, TriageError>>(CHUNK_ROWS);
        scope.spawn(move || {
            loop {
                let next = reader
                    .next_row()
                    .map(|row| row.map(|row| (row, reader.progress().0)));
                let last = !matches!(next, Ok(Some(_)));
                if rows_out.send(next).is_err() || last {
                    return;
                }
            }
        });
        let mut pending: Vec<RowRead> = Vec::with_capacity(CHUNK_ROWS);
        let mut text_bytes = 0;
        let mut read_so_far = 0;
        let send = |pending: &mut Vec<RowRead>, text_bytes: &mut usize, read_so_far: u64| {
            *text_bytes = 0;
            let rows = std::mem::replace(pending, Vec::with_capacity(CHUNK_ROWS));
            chunks.send(Ok(Chunk { rows, read_so_far })).is_ok()
        };
        loop {
            let received = if pending.is_empty() {
                rows.recv().map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                rows.recv_timeout(CHUNK_WAIT)
            };
            match received {
                Ok(Ok(Some((row, progress)))) => {
                    text_bytes += row.as_ref().map_or(0, |r| r.text.len());
                    pending.push(row);
                    read_so_far = progress;
                    if (pending.len() >= CHUNK_ROWS || text_bytes >= CHUNK_TEXT_BYTES)
                        && !send(&mut pending, &mut text_bytes, read_so_far)
                    {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    if !send(&mut pending, &mut text_bytes, read_so_far) {
                        return;
                    }
                }
                Ok(Ok(None)) | Err(RecvTimeoutError::Disconnected) => {
                    if !pending.is_empty() {
                        send(&mut pending, &mut text_bytes, read_so_far);
                    }
                    return;
                }
                Ok(Err(error)) => {
                    let _ = chunks.send(Err(error));
                    return;
                }
            }
        }
    })
}

/// The writing stage: the outputs and what has been written to them.
struct Writer {
    layout: OutputLayout,
    sink: Box<dyn DecisionSink>,
    rejects: Option<RejectsFile>,
    explain: bool,
    lang: Lang,
    input: PathBuf,
    progress: Box<dyn BatchProgress>,
    tally: Tally,
}

impl Writer {
    fn write_all(&mut self, decided: Receiver<Decided>) -> Result<(), TriageError> {
        for Decided { chunk, decisions } in decided {
            let mut decisions = decisions.into_iter();
            for row in chunk.rows {
                match row {
                    Ok(row) => {
                        // One decision per readable row, in order (see `run_stages`).
                        let decision = decisions
                            .next()
                            .expect("triage_batch yields one decision per text");
                        self.write_decision(row, &decision)?;
                    }
                    Err(error) => self.write_unreadable(&error)?,
                }
            }
            // Rows of a slow pipe come out as soon as their chunk is triaged.
            self.sink.flush()?;
            self.progress
                .chunk_written(chunk.read_so_far, self.tally.rows);
        }
        Ok(())
    }

    fn write_decision(&mut self, row: Row, decision: &Triage) -> Result<(), TriageError> {
        self.tally.rows += 1;
        if let Some(rejects) = &mut self.rejects
            && decision.review_reason == Some(ReviewReason::EmptyText)
        {
            self.tally.rejected += 1;
            return rejects.write(
                row.number,
                row.line,
                &row.id,
                &ReviewReason::EmptyText.text(self.lang),
            );
        }
        let review = decision.needs_review();
        let counts = self
            .tally
            .departments
            .entry(decision.department.name.clone())
            .or_default();
        if review {
            counts.review += 1;
            self.tally.review += 1;
        } else {
            counts.routed += 1;
            self.tally.routed += 1;
        }
        let fields = decision_fields_in(&row.id, decision, self.explain, self.lang);
        self.sink.write_row(&self.layout.row(&row.fields, fields))
    }

    fn write_unreadable(&mut self, error: &RowError) -> Result<(), TriageError> {
        self.tally.rows += 1;
        self.tally.rejected += 1;
        if let Some(rejects) = &mut self.rejects {
            return rejects.write(error.number, error.line, &error.id, &error.message);
        }
        if self.tally.rejected <= ERRORS_SHOWN {
            self.progress.unreadable(&format!(
                "{}, row {} (line {}): {}",
                self.input.display(),
                error.number,
                error.line,
                error.message
            ));
        }
        let fields = unreadable_fields_in(&error.id, &error.message, self.explain, self.lang);
        self.sink
            .write_row(&self.layout.unreadable_row(&error.id, fields))
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct DepartmentCounts {
    pub routed: u64,
    pub review: u64,
}

/// What happened to the rows: the end-of-run summary.
#[derive(Debug, Default)]
pub struct Tally {
    pub rows: u64,
    pub routed: u64,
    pub review: u64,
    pub rejected: u64,
    /// By department name; the empty name is "no department" (nothing to route on).
    pub departments: BTreeMap<String, DepartmentCounts>,
    /// Blank lines of the input that were no rows (in a table of one column a blank line is a row).
    pub blank_lines: u64,
    /// The input held nothing: no header and no rows.
    pub empty_input: bool,
}

/// Below this many rows or seconds a rate says nothing.
const RATE_MIN_ROWS: u64 = 1000;
const RATE_MIN_SECONDS: f64 = 0.5;

/// `count` and the noun, singular for one.
fn counted(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

impl Tally {
    /// The end-of-run summary in Chinese: counts, then routed and review counts per department.
    pub fn summary(&self, seconds: f64, rejects: Option<&Path>) -> String {
        self.summary_in(seconds, rejects, Lang::Zh)
    }

    /// The end-of-run summary in `lang`; department names stay as the routing table has them.
    pub fn summary_in(&self, seconds: f64, rejects: Option<&Path>, lang: Lang) -> String {
        let rate = match lang {
            _ if self.rows < RATE_MIN_ROWS || seconds < RATE_MIN_SECONDS => String::new(),
            Lang::Zh => format!("（每秒 {:.0} 行）", self.rows as f64 / seconds),
            Lang::En => format!(" ({:.0} rows/s)", self.rows as f64 / seconds),
        };
        let rejected_to = match (rejects, lang) {
            _ if self.rejected == 0 => String::new(),
            (Some(path), Lang::Zh) => format!("（已写入 {}）", path.display()),
            (Some(path), Lang::En) => format!(" (written to {})", path.display()),
            (None, Lang::Zh) => "（在输出中，送人工审核）".into(),
            (None, Lang::En) => " (in the output, sent to review)".into(),
        };
        let mut summary = String::new();
        if self.empty_input {
            summary.push_str(lang.pick(
                "输入为空：没有表头，也没有行\n",
                "the input is empty: no header and no rows\n",
            ));
        }
        summary.push_str(&match lang {
            Lang::Zh => format!(
                "共读取 {} 行，用时 {seconds:.1} 秒{rate}：自动分派 {}，送人工审核 {}，拒收 {}{rejected_to}\n",
                self.rows, self.routed, self.review, self.rejected
            ),
            Lang::En => format!(
                "{} read in {seconds:.1} s{rate}: {} routed automatically, {} sent to review, {} rejected{rejected_to}\n",
                counted(self.rows, "row", "rows"),
                self.routed,
                self.review,
                self.rejected
            ),
        });
        if self.blank_lines > 0 {
            summary.push_str(&match lang {
                Lang::Zh => format!("跳过空行 {} 个（不算作行）\n", self.blank_lines),
                Lang::En => format!(
                    "{} skipped (not rows)\n",
                    counted(self.blank_lines, "blank line", "blank lines")
                ),
            });
        }
        let mut departments: Vec<(&String, &DepartmentCounts)> = self.departments.iter().collect();
        departments.sort_by_key(|(_, c)| std::cmp::Reverse(c.routed + c.review));
        let (routed, review, department) = match lang {
            Lang::Zh => ("自动分派", "人工审核", "部门"),
            Lang::En => ("routed", "review", "department"),
        };
        if !departments.is_empty() {
            summary.push_str(&format!(
                "  {} {}  {department}\n",
                right_aligned(routed, 9),
                right_aligned(review, 9)
            ));
        }
        for (name, counts) in departments {
            let name = if name.is_empty() {
                lang.pick("（无部门：无从分派）", "(none: nothing to route on)")
            } else {
                name
            };
            summary.push_str(&format!(
                "  {:>9} {:>9}  {name}\n",
                counts.routed, counts.review
            ));
        }
        summary
    }
}

/// `text` right-aligned in `width` terminal columns (a Chinese character takes two).
fn right_aligned(text: &str, width: usize) -> String {
    let shown = unicode_width::UnicodeWidthStr::width(text);
    format!("{}{text}", " ".repeat(width.saturating_sub(shown)))
}
