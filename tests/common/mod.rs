//! Helpers for tests that run the real `triage` binary.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// Runs `triage` with arguments from the repository root.
pub fn triage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run triage")
}

/// Runs `triage` with bytes on standard input.
pub fn triage_with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run triage");
    // The process may exit before reading its input (a bad model file): that is not a test failure.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Parses CSV output into header-keyed rows.
pub fn csv_rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// Writes every third corpus row of four categories to `dir/four_categories.csv`.
pub fn small_training_file(dir: &Path) -> PathBuf {
    let mut reader = csv::Reader::from_path(repo().join("corpora/complaints.csv")).unwrap();
    let path = dir.join("four_categories.csv");
    let mut writer = csv::Writer::from_path(&path).unwrap();
    writer.write_record(["id", "text", "label"]).unwrap();
    let wanted = ["tax", "power_cost", "financing", "land"];
    let mut kept = 0;
    for record in reader.records() {
        let record = record.unwrap();
        if wanted.contains(&&record[2]) {
            if kept % 3 == 0 {
                writer
                    .write_record([&record[0], &record[1], &record[2]])
                    .unwrap();
            }
            kept += 1;
        }
    }
    writer.flush().unwrap();
    path
}

/// Runs `triage train --input INPUT --output MODEL EXTRA…` and asserts it succeeded.
pub fn train_model(input: &Path, model: &Path, extra: &[&str]) {
    let mut args = vec![
        "train",
        "--input",
        input.to_str().unwrap(),
        "--output",
        model.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = triage(&args);
    assert!(output.status.success(), "train failed: {}", stderr(&output));
}

/// Trains a model on [`small_training_file`] into `dir`.
pub fn train_small_model(dir: &Path) -> PathBuf {
    let model = dir.join("small.model");
    train_model(&small_training_file(dir), &model, &[]);
    model
}

/// Runs `triage classify --model MODEL --input - EXTRA…` on CSV text and returns the output rows.
pub fn classify_csv(
    model: Option<&Path>,
    csv: &str,
    extra: &[&str],
) -> Vec<HashMap<String, String>> {
    let mut args = vec!["classify", "--input", "-"];
    if let Some(model) = model {
        args.extend(["--model", model.to_str().unwrap()]);
    }
    args.extend_from_slice(extra);
    let output = triage_with_stdin(&args, csv.as_bytes());
    assert!(
        output.status.success(),
        "classify failed: {}",
        stderr(&output)
    );
    csv_rows(&stdout(&output))
}
