//! The same batch through the Python scikit-learn baseline and through `triage classify`, side by side in one
//! run, with the ratio of their throughputs. Run with `cargo bench --bench python_comparison` after
//! `pip install scikit-learn jieba`; see docs/bulk.md.
//!
//! Both sides are trained on the same labelled file (`$TRIAGE_BENCH_DATA`, default the teddy2020c messages at
//! `../shared/data/teddy2020c/train.csv`), and both classify the same batch of `$TRIAGE_BENCH_ROWS` rows
//! (default 50,000) made by repeating its texts. Timed end to end from the CSV file to the CSV of decisions:
//! for Python, reading, vectorising, predicting and writing (`benches/python_baseline.py`; training not
//! timed); for `triage`, the whole process, start-up and model loading included, best of three runs.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn main() {
    let data = common::data_path();
    let rows: usize = std::env::var("TRIAGE_BENCH_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50_000);
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let has_sklearn = Command::new(&python)
        .args(["-c", "import sklearn"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_sklearn {
        eprintln!(
            "python_comparison: needs {python} with scikit-learn: pip install scikit-learn jieba"
        );
        return;
    }
    let triage = env!("CARGO_BIN_EXE_triage");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let batch = dir.path().join("batch.csv");
    let texts = common::all_texts(&data);
    let batch_bytes = write_batch(&batch, &texts, rows);
    println!(
        "batch: {rows} rows, {:.1} MB of text, from {}",
        batch_bytes as f64 / 1e6,
        data.display()
    );

    let model = dir.path().join("bench.model");
    run(Command::new(triage)
        .args(["train", "--input"])
        .arg(&data)
        .arg("--output")
        .arg(&model));

    let python_out = dir.path().join("python.csv");
    let script = common::repo().join("benches/python_baseline.py");
    let report = run(Command::new(&python)
        .arg(&script)
        .arg("--train")
        .arg(&data)
        .arg("--batch")
        .arg(&batch)
        .arg("--output")
        .arg(&python_out));
    let report: serde_json::Value =
        serde_json::from_str(report.trim()).expect("the baseline's JSON");
    let python_rate = report["docs_per_second"].as_f64().expect("docs_per_second");

    let triage_out = dir.path().join("triage.csv");
    let mut seconds = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        run(Command::new(triage)
            .args(["classify", "--quiet", "--model"])
            .arg(&model)
            .arg("--input")
            .arg(&batch)
            .arg("--output")
            .arg(&triage_out));
        seconds.push(started.elapsed().as_secs_f64());
    }
    let best = seconds.iter().copied().fold(f64::INFINITY, f64::min);
    let triage_rate = rows as f64 / best;

    println!(
        "python  {:<40} {:>9.0} docs/s  {:>6.2} MB/s  ({} s)",
        report["pipeline"].as_str().unwrap_or("?"),
        python_rate,
        report["mb_per_second"].as_f64().unwrap_or(0.0),
        report["seconds"]
    );
    println!(
        "triage  {:<40} {:>9.0} docs/s  {:>6.2} MB/s  (runs: {})",
        "triage classify (end to end)",
        triage_rate,
        batch_bytes as f64 / best / 1e6,
        seconds
            .iter()
            .map(|s| format!("{s:.2} s"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "ratio   {:.1}x  (goal: 20x, and 26,000 docs/s)",
        triage_rate / python_rate
    );
    println!(
        "labels agree on {:.1}% of rows",
        100.0 * agreement(&python_out, &triage_out)
    );
}

/// Writes `rows` rows cycling through `texts`; returns the bytes of text written.
fn write_batch(path: &Path, texts: &[String], rows: usize) -> usize {
    let mut writer = csv::Writer::from_path(path).expect("write the batch");
    writer.write_record(["id", "text"]).unwrap();
    let mut bytes = 0;
    for (i, text) in texts.iter().cycle().take(rows).enumerate() {
        writer
            .write_record([format!("B{i}").as_str(), text])
            .unwrap();
        bytes += text.len();
    }
    writer.flush().unwrap();
    bytes
}

fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The share of rows on which both outputs give the same label.
fn agreement(python: &Path, triage: &Path) -> f64 {
    let labels = |path: &Path| -> Vec<String> {
        let mut reader = csv::Reader::from_path(path).unwrap();
        let label = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "label")
            .unwrap();
        reader
            .records()
            .map(|r| r.unwrap()[label].to_string())
            .collect()
    };
    let (a, b) = (labels(python), labels(triage));
    a.iter().zip(&b).filter(|(x, y)| x == y).count() as f64 / a.len().max(1) as f64
}
