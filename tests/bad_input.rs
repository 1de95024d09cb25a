//! Bad input a new user meets: every data line ends up in the output or the rejects, and every message says in
//! one line which file is wrong and how.
mod common;

use common::*;
use complaint_triage::batch::{NoProgress, triage_table};
use complaint_triage::io::{Columns, RejectsFile, TableReader, decision_header, open_sink};
use complaint_triage::pipeline::{Pipeline, model_file};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `classify --input INPUT --rejects DIR/rejects.csv --lang en`: (exit code, output rows, reject rows, stderr).
type Run = (
    Option<i32>,
    Vec<std::collections::HashMap<String, String>>,
    Vec<std::collections::HashMap<String, String>>,
    String,
);

fn classify_with_rejects(dir: &Path, input: &Path) -> Run {
    let rejects = dir.join("rejects.csv");
    let output = triage(&[
        "classify",
        "--input",
        s(input),
        "--rejects",
        s(&rejects),
        "--lang",
        "en",
    ]);
    let rejected = std::fs::read_to_string(&rejects)
        .map(|text| csv_rows(&text))
        .unwrap_or_default();
    (
        output.status.code(),
        csv_rows(&stdout(&output)),
        rejected,
        stderr(&output),
    )
}

#[test]
fn an_unterminated_quote_loses_only_its_own_row() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "quote.csv",
        "id,text\n1,电费太高\n2,\"银行抽贷\n3,税务发票开不出来\n4,环保检查太频繁\n5,土地证办不下来\n".as_bytes(),
    );
    let (code, decided, rejected, summary) = classify_with_rejects(dir.path(), &input);
    assert_eq!(code, Some(3), "{summary}");
    let ids: Vec<&str> = decided.iter().map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, ["1", "3", "4", "5"], "{summary}");
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        (rejected[0]["row"].as_str(), rejected[0]["line"].as_str()),
        ("2", "3")
    );
    let reason = &rejected[0]["reason"];
    assert!(reason.contains("unterminated quote"), "{reason}");
    assert!(reason.contains("resumes at line 4"), "{reason}");
    assert!(summary.contains("5 rows read"), "{summary}");

    // Lines that cannot start a row are named as swallowed by the broken one.
    let input = write(
        dir.path(),
        "swallow.csv",
        "id,text\n1,\"没关上的引号\n接着写的一行\n2,电费太高\n".as_bytes(),
    );
    let (_, decided, rejected, _) = classify_with_rejects(dir.path(), &input);
    assert_eq!(decided.len(), 1);
    assert!(
        rejected[0]["reason"].contains("it swallowed line 3"),
        "{:?}",
        rejected[0]
    );
}

#[test]
fn a_rejected_jsonl_line_keeps_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "broken.jsonl",
        "{\"id\":\"J1\",\"text\":\"电费太高\"}\n{\"id\":\"J4\", \"text\": \"银行抽贷\n".as_bytes(),
    );
    let (code, _, rejected, _) = classify_with_rejects(dir.path(), &input);
    assert_eq!(code, Some(3));
    assert_eq!(rejected[0]["id"], "J4");
}

#[test]
fn blank_lines_never_shift_ids_and_are_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    // One column: a blank line is a row of empty text, so the ids follow the lines.
    let input = write(
        dir.path(),
        "one.csv",
        "text\n电费太高\n\n银行抽贷\n".as_bytes(),
    );
    let output = triage(&["classify", "--input", s(&input)]);
    let rows = csv_rows(&stdout(&output));
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"], "{}", stderr(&output));
    assert_eq!(rows[1]["review_reason"], "空文本");
    let (_, decided, rejected, _) = classify_with_rejects(dir.path(), &input);
    assert_eq!(decided.len(), 2);
    assert_eq!(
        (rejected[0]["id"].as_str(), rejected[0]["reason"].as_str()),
        ("2", "empty text")
    );

    // Wider tables: a blank line is no row, and the summary says it was skipped.
    let input = write(
        dir.path(),
        "two.csv",
        "id,text\nA,电费太高\n\nB,银行抽贷\n".as_bytes(),
    );
    let output = triage(&["classify", "--input", s(&input), "--lang", "en"]);
    assert_eq!(csv_rows(&stdout(&output)).len(), 2);
    assert!(
        stderr(&output).contains("1 blank line skipped"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_binary_file_is_not_a_text_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec();
    bytes.extend_from_slice(&[0u8, 1, 2, 3, 200, 255].repeat(50));
    let input = write(dir.path(), "program.csv", &bytes);
    let output = triage(&["classify", "--input", s(&input)]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("not a text table"), "{message}");
    assert!(message.contains("ELF"), "{message}");
    assert!(!message.contains("columns are"), "{message}");
    // An XLSX workbook under a .csv name is told apart too.
    let input = write(
        dir.path(),
        "book.csv",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00",
    );
    let message = stderr(&triage(&["classify", "--input", s(&input)]));
    assert!(message.contains("XLSX"), "{message}");
}

#[test]
fn missing_files_and_folders_get_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.csv");
    let message = stderr(&triage(&["classify", "--input", s(&missing)]));
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("nope.csv: no such file or folder"),
        "{message}"
    );
    assert!(!message.contains("os error"), "{message}");

    let input = write(dir.path(), "in.csv", "id,text\n1,电费太高\n".as_bytes());
    let output_path = dir.path().join("no_folder").join("out.csv");
    let message = stderr(&triage(&[
        "classify",
        "--input",
        s(&input),
        "--output",
        s(&output_path),
    ]));
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("out.csv"), "{message}");
    assert!(message.contains("does not exist"), "{message}");
    assert!(
        !message.contains(".out.csv."),
        "no temporary file name: {message}"
    );
}

#[test]
fn an_empty_file_says_so_and_the_summary_speaks_english() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "empty.csv", b"");
    let output = triage(&["classify", "--input", s(&input), "--lang", "en"]);
    assert!(output.status.success());
    assert!(
        stderr(&output).contains("no header and no rows"),
        "{}",
        stderr(&output)
    );
    // Chinese by default.
    let output = triage(&["classify", "--input", s(&input)]);
    assert!(stderr(&output).contains("输入为空"), "{}", stderr(&output));
    let input = write(dir.path(), "one.csv", "id,text\n1,电费太高\n".as_bytes());
    let summary = stderr(&triage(&["classify", "--input", s(&input), "--lang", "en"]));
    assert!(summary.contains("1 row read in"), "{summary}");
    assert!(
        !summary.contains("rows/s"),
        "no rate for one row: {summary}"
    );
}

#[test]
fn help_texts_describe_what_the_options_do() {
    let train = stdout(&triage(&["train", "--help"]));
    assert!(train.contains("XLSX") && train.contains("JSONL"), "{train}");
    assert!(train.contains("x.card.json"), "{train}");
    assert!(train.contains("first model weighs most"), "{train}");
    assert!(
        !train.contains("(the most frequent by document frequency)"),
        "{train}"
    );
    let classify = stdout(&triage(&["classify", "--help"]));
    assert!(
        classify.contains("Column holding the complaint text"),
        "{classify}"
    );
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(!readme.contains("MODEL.card.json"));
}

fn default_pipeline() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| model_file::load(&repo().join("models/default.model")).unwrap())
}

/// One data line of a generated CSV table.
#[derive(Debug, Clone)]
enum Line {
    Good(String),
    Empty,
    BadEncoding,
    WrongFieldCount,
    /// A quote that is never closed; later lines hold no quotes, so it runs to the end.
    OpenQuote(String),
    Blank,
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        6 => "[a-z电费税贷土地环保]{1,12}".prop_map(Line::Good),
        1 => Just(Line::Empty),
        1 => Just(Line::BadEncoding),
        1 => Just(Line::WrongFieldCount),
        1 => "[a-z电费]{0,5}".prop_map(Line::OpenQuote),
        1 => Just(Line::Blank),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Outputs + rejects = data rows: every data row of the file is one output row or one reject, whatever
    /// breaks. Blank lines are not data rows in a two-column table; the lines right after an unterminated quote
    /// that cannot start a row belong to the broken row, whose reason counts them.
    #[test]
    fn outputs_and_rejects_add_up_to_the_data_rows(
        lines in proptest::collection::vec(line(), 0..30),
        crlf in any::<bool>(),
    ) {
        let end = if crlf { "\r\n" } else { "\n" };
        let mut bytes = format!("id,text{end}").into_bytes();
        let mut data_rows = 0;
        let mut open_quote_seen = false;
        let mut swallowing = false;
        let mut swallowed = 0;
        for (i, line) in lines.iter().enumerate() {
            match line {
                Line::Blank => {}
                Line::WrongFieldCount if swallowing => swallowed += 1,
                _ => swallowing = false,
            }
            let text = match line {
                Line::Blank => {
                    bytes.extend_from_slice(end.as_bytes());
                    continue;
                }
                Line::OpenQuote(_) if open_quote_seen => format!("{i},plain"),
                Line::OpenQuote(text) => {
                    open_quote_seen = true;
                    swallowing = true;
                    format!("{i},\"{text}")
                }
                Line::Good(text) => format!("{i},{text}"),
                Line::Empty => format!("{i},"),
                Line::WrongFieldCount => format!("{i},a,b"),
                Line::BadEncoding => {
                    bytes.extend_from_slice(format!("{i},").as_bytes());
                    bytes.extend_from_slice(&[0xff, 0xfe]);
                    String::new()
                }
            };
            bytes.extend_from_slice(text.as_bytes());
            bytes.extend_from_slice(end.as_bytes());
            data_rows += 1;
        }
        let dir = tempfile::tempdir().unwrap();
        let input = write(dir.path(), "in.csv", &bytes);
        let columns = Columns { text: "text".into(), id: Some("id".into()), label: None, extra: Vec::new() };
        let reader = TableReader::open(&input, &columns).unwrap();
        let (output, rejects) = (dir.path().join("out.csv"), dir.path().join("rejects.csv"));
        let sink = open_sink(&output, None, &decision_header(false)).unwrap();
        let rejects_file = RejectsFile::create(&rejects).unwrap();
        let tally = triage_table(
            reader, default_pipeline(), false, sink, Some(rejects_file), Box::new(NoProgress),
        ).unwrap();
        let written = csv_rows(&std::fs::read_to_string(&output).unwrap()).len();
        let rejected = csv_rows(&std::fs::read_to_string(&rejects).unwrap()).len();
        let data_rows = data_rows - swallowed;
        prop_assert_eq!(written + rejected, data_rows, "{}", String::from_utf8_lossy(&bytes));
        prop_assert_eq!(tally.rows as usize, data_rows);
        if swallowed > 0 {
            let reasons = std::fs::read_to_string(&rejects).unwrap();
            prop_assert!(reasons.contains("swallowed"), "{}", reasons);
        }
        prop_assert_eq!(tally.rejected as usize, rejected);
    }
}
