//! `triage classify`: triage every row of a table (CSV, TSV, JSONL or XLSX) and write one decision per row, in
//! input order, as CSV, TSV, JSONL or XLSX.
//!
//! Three stages run at once so that reading and writing overlap with triage: a reader thread cuts the input
//! into bounded chunks, this thread triages a chunk at a time (in parallel within it), and a writer thread
//! writes decisions and rejects. Channels between them hold at most [`CHUNKS_IN_FLIGHT`] chunks, so memory
//! stays flat whatever the input's size.
//!
//! Every row is accounted for: it yields an output row, or, with `--rejects FILE`, a line there with its row
//! number and reason. Without `--rejects` an unreadable row is an output row sent to review with the reason,
//! and empty text is an output row sent to review ("empty text"); with `--rejects` both go to the rejects file,
//! so that the output holds only decisions. The exit status is 3 when any row was rejected or unreadable.

use super::input::load_model;
use crate::error::TriageError;
use crate::io::{
    Columns, DecisionSink, EncodingChoice, InputFormat, OutputFormat, ReadOptions, RejectsFile,
    Row, RowError, TableReader, decision_fields, decision_header, open_sink, unreadable_fields,
};
use crate::pipeline::{Pipeline, Triage};
use crate::review::ReviewReason;
use crate::route::RoutingTable;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};

/// A chunk ends at this many rows …
const CHUNK_ROWS: usize = 4096;
/// … or this much text, whichever comes first, so that a few huge rows cannot fill memory.
const CHUNK_TEXT_BYTES: usize = 16 << 20;
/// Chunks waiting between two stages.
const CHUNKS_IN_FLIGHT: usize = 2;
/// How long a partly filled chunk waits for more rows before it is triaged anyway.
const CHUNK_WAIT: Duration = Duration::from_millis(50);

/// One row as read: readable, or why not.
type RowRead = Result<Row, RowError>;
/// Unreadable rows reported one by one on stderr when there is no rejects file; the rest are counted.
const ERRORS_SHOWN: u64 = 20;

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Model file or model registry folder (default: the shipped model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Table of complaints (CSV, TSV, JSONL or XLSX), or `-` for standard input.
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the decisions, `-` for standard output.
    #[arg(long, default_value = "-")]
    pub output: PathBuf,
    /// Format of the input (default: from its extension; CSV for `-` or an unknown extension).
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Format of the output (default: from its extension; CSV for `-` or an unknown extension).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Encoding of a CSV, TSV or JSONL input: `auto` (UTF-8; GB18030 when the bytes are not UTF-8) or a name
    /// such as utf-8, gbk, gb18030, big5, utf-16le.
    #[arg(long, default_value = "auto")]
    pub encoding: String,
    /// Worksheet of an XLSX input (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Write rows that get no decision (unreadable rows, empty text) to this CSV file, with their row number and
    /// the reason, instead of to the output.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// No progress bar and no summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    #[arg(long, default_value = "text")]
    pub text_column: String,
    /// Column carried to the output as the row's id (the row number when absent).
    #[arg(long, default_value = "id")]
    pub id_column: String,
    /// Routing table CSV that overrides the one saved in the model.
    #[arg(long)]
    pub routing: Option<PathBuf>,
    /// Add a `reasons` column: the terms that pushed the chosen category most, as written in the input.
    #[arg(long)]
    pub explain: bool,
    /// Report a runner-up category at least this probable as `secondary_label` (default: the model's).
    #[arg(long)]
    pub secondary_threshold: Option<f32>,
}

pub fn run(args: ClassifyArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let mut pipeline = load_model(args.model.as_deref())?;
    if let Some(path) = &args.routing {
        pipeline.routing = RoutingTable::from_path(path)?;
    }
    if let Some(threshold) = args.secondary_threshold {
        anyhow::ensure!(
            (0.0..=1.0).contains(&threshold),
            "--secondary-threshold must be within 0..1, got {threshold}"
        );
        pipeline.review.secondary_threshold = threshold;
    }
    let options = ReadOptions {
        format: args.input_format,
        encoding: EncodingChoice::parse(&args.encoding).map_err(anyhow::Error::msg)?,
        sheet: args.sheet.clone(),
    };
    let columns = Columns {
        text: args.text_column.clone(),
        id: Some(args.id_column.clone()),
        label: None,
    };
    let reader = TableReader::open_with(&args.input, &columns, &options)?;
    if let Some(encoding) = reader.detected_encoding()
        && !args.quiet
    {
        eprintln!(
            "note: {} is not UTF-8; reading it as {encoding} (--encoding chooses another)",
            args.input.display()
        );
    }
    let sink = open_sink(&args.output, args.format, &decision_header(args.explain))?;
    let rejects = args
        .rejects
        .as_deref()
        .map(RejectsFile::create)
        .transpose()?;
    let progress = progress_bar(reader.progress().1, args.quiet);
    let writer = Writer {
        sink,
        rejects,
        explain: args.explain,
        input: args.input.clone(),
        progress: progress.clone(),
        tally: Tally::default(),
    };
    let outcome = run_stages(reader, &pipeline, args.explain, writer);
    progress.finish_and_clear();
    let Writer {
        sink,
        rejects,
        tally,
        ..
    } = outcome?;
    sink.finish()?;
    if let Some(rejects) = rejects {
        rejects.finish()?;
    }
    if !args.quiet {
        eprint!(
            "{}",
            tally.summary(started.elapsed().as_secs_f64(), args.rejects.as_deref())
        );
    }
    Ok(if tally.rejected > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
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

/// Reads, triages and writes; returns the writer for its files and tally once every row is written. On an error
/// nothing more is read and no file is put in place.
fn run_stages(
    mut reader: TableReader,
    pipeline: &Pipeline,
    explain: bool,
    mut writer: Writer,
) -> Result<Writer, TriageError> {
    std::thread::scope(|scope| {
        let (chunks, chunks_in) = sync_channel::<Result<Chunk, TriageError>>(CHUNKS_IN_FLIGHT);
        let (decided, decided_in) = sync_channel::<Decided>(CHUNKS_IN_FLIGHT);
        scope.spawn(move || read_chunks(&mut reader, &chunks));
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
    })
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
    sink: Box<dyn DecisionSink>,
    rejects: Option<RejectsFile>,
    explain: bool,
    input: PathBuf,
    progress: ProgressBar,
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
                        self.write_decision(&row, &decision)?;
                    }
                    Err(error) => self.write_unreadable(&error)?,
                }
            }
            // Rows of a slow pipe come out as soon as their chunk is triaged.
            self.sink.flush()?;
            self.progress.set_position(chunk.read_so_far);
            self.progress
                .set_message(format!("{} rows", self.tally.rows));
        }
        Ok(())
    }

    fn write_decision(&mut self, row: &Row, decision: &Triage) -> Result<(), TriageError> {
        self.tally.rows += 1;
        if let Some(rejects) = &mut self.rejects
            && decision.review_reason == Some(ReviewReason::EmptyText)
        {
            self.tally.rejected += 1;
            return rejects.write(row.number, row.line, &row.id, "empty text");
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
        self.sink
            .write_row(&decision_fields(&row.id, decision, self.explain))
    }

    fn write_unreadable(&mut self, error: &RowError) -> Result<(), TriageError> {
        self.tally.rows += 1;
        self.tally.rejected += 1;
        if let Some(rejects) = &mut self.rejects {
            return rejects.write(error.number, error.line, &error.id, &error.message);
        }
        if self.tally.rejected <= ERRORS_SHOWN {
            self.progress.suspend(|| {
                eprintln!(
                    "error: {}, row {} (line {}): {}",
                    self.input.display(),
                    error.number,
                    error.line,
                    error.message
                )
            });
        }
        self.sink
            .write_row(&unreadable_fields(&error.id, &error.message, self.explain))
    }
}

/// A progress bar on stderr when it is a terminal, hidden otherwise.
fn progress_bar(total: Option<u64>, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let target = ProgressDrawTarget::stderr();
    match total {
        Some(total) => ProgressBar::with_draw_target(Some(total), target).with_style(
            ProgressStyle::with_template("{bar:40} {percent:>3}%  {msg}  {elapsed} (ETA {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::with_draw_target(None, target).with_style(
            ProgressStyle::with_template("{spinner} {msg}  {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct DepartmentCounts {
    routed: u64,
    review: u64,
}

/// What happened to the rows: the end-of-run summary.
#[derive(Debug, Default)]
struct Tally {
    rows: u64,
    routed: u64,
    review: u64,
    rejected: u64,
    /// By department name; the empty name is "no department" (nothing to route on).
    departments: BTreeMap<String, DepartmentCounts>,
}

impl Tally {
    fn summary(&self, seconds: f64, rejects: Option<&Path>) -> String {
        let rate = self.rows as f64 / seconds.max(1e-9);
        let rejected_to = match rejects {
            _ if self.rejected == 0 => String::new(),
            Some(path) => format!(" (written to {})", path.display()),
            None => " (in the output, sent to review)".into(),
        };
        let mut summary = format!(
            "{} rows read in {seconds:.1} s ({rate:.0} rows/s): {} routed automatically, {} sent to review, \
             {} rejected{rejected_to}\n",
            self.rows, self.routed, self.review, self.rejected
        );
        let mut departments: Vec<(&String, &DepartmentCounts)> = self.departments.iter().collect();
        departments.sort_by_key(|(_, c)| std::cmp::Reverse(c.routed + c.review));
        if !departments.is_empty() {
            summary.push_str(&format!("  {:>9} {:>9}  department\n", "routed", "review"));
        }
        for (name, counts) in departments {
            let name = if name.is_empty() {
                "(none: nothing to route on)"
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
