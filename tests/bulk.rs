//! Bulk triage with the real binary: every input and output format, encodings, rejects, odd files, order across
//! chunks and a closed pipe; and the readers fed arbitrary bytes.

mod common;

use common::*;
use complaint_triage::io::{
    Columns, EncodingChoice, InputFormat, ReadOptions, RowError, TableReader,
};
use proptest::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `triage classify` reading JSONL from standard input and writing JSONL to standard output.
const JSONL_PIPE: &[&str] = &[
    "classify",
    "--input",
    "-",
    "--input-format",
    "jsonl",
    "--format",
    "jsonl",
];

fn sample_rows() -> Vec<(String, String)> {
    let mut reader = csv::Reader::from_path(repo().join("corpora/sample.csv")).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string())
        })
        .collect()
}

fn sample_csv() -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["id", "text"]).unwrap();
    for (id, text) in sample_rows() {
        writer.write_record([id, text]).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `(id, label, review)` of every decision in a CSV output.
fn decisions(csv_text: &str) -> Vec<(String, String, String)> {
    csv_rows(csv_text)
        .into_iter()
        .map(|r| (r["id"].clone(), r["label"].clone(), r["review"].clone()))
        .collect()
}

fn reference_decisions() -> Vec<(String, String, String)> {
    let output = triage(&[
        "classify",
        "--input",
        "corpora/sample.csv",
        "--quiet",
        "--decisions-only",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    decisions(&stdout(&output))
}

#[test]
fn gbk_csv_and_tsv_give_the_same_decisions_as_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let utf8 = sample_csv();
    let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&utf8);
    assert!(!unmappable);
    let gbk_path = dir.path().join("gbk.csv");
    std::fs::write(&gbk_path, &gbk).unwrap();
    let detected = triage(&["classify", "--input", path_str(&gbk_path)]);
    assert!(detected.status.success(), "{}", stderr(&detected));
    assert!(
        stderr(&detected).contains("reading it as gb18030"),
        "{}",
        stderr(&detected)
    );
    let reference = reference_decisions();
    assert_eq!(decisions(&stdout(&detected)), reference);

    let given = triage_with_stdin(
        &["classify", "--input", "-", "--encoding", "gbk", "--quiet"],
        &gbk,
    );
    assert_eq!(decisions(&stdout(&given)), reference);

    let tsv: String = sample_rows()
        .iter()
        .map(|(id, text)| format!("{id}\t{text}\n"))
        .collect();
    let tsv_path = dir.path().join("sample.tsv");
    std::fs::write(&tsv_path, format!("\u{feff}id\ttext\n{tsv}")).unwrap();
    let output = triage(&["classify", "--input", path_str(&tsv_path), "--quiet"]);
    assert_eq!(decisions(&stdout(&output)), reference);
}

#[test]
fn jsonl_in_and_out_through_a_pipe() {
    let lines: String = sample_rows()
        .iter()
        .map(|(id, text)| serde_json::json!({"id": id, "text": text}).to_string() + "\n")
        .collect();
    let output = triage_with_stdin(&[JSONL_PIPE, &["--quiet"]].concat(), lines.as_bytes());
    assert!(output.status.success(), "{}", stderr(&output));
    let objects: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reference = reference_decisions();
    assert_eq!(objects.len(), reference.len());
    for (object, (id, label, review)) in objects.iter().zip(&reference) {
        assert_eq!(object["id"], id.as_str());
        assert_eq!(object["label"], label.as_str());
        assert_eq!(object["review"], review == "true", "review is a boolean");
        assert!(object["confidence"].is_number());
    }
}

fn read_sheet(path: &Path) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx, open_workbook};
    let mut workbook: Xlsx<_> = open_workbook(path).unwrap();
    let range = workbook.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect()
}

#[test]
fn xlsx_in_and_out() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("batch.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("说明").unwrap();
    sheet
        .write_string(0, 0, "this sheet is not the data")
        .unwrap();
    let sheet = workbook.add_worksheet();
    sheet.set_name("诉求").unwrap();
    // The header, a blank sheet row (not a row), then the complaints.
    sheet.write_string(0, 0, "id").unwrap();
    sheet.write_string(0, 1, "text").unwrap();
    for (i, (id, text)) in sample_rows().iter().enumerate() {
        let row = i as u32 + 2;
        sheet.write_string(row, 0, id).unwrap();
        sheet.write_string(row, 1, text).unwrap();
    }
    workbook.save(&input).unwrap();

    let output = dir.path().join("decisions.xlsx");
    let run = triage(&[
        "classify",
        "--input",
        path_str(&input),
        "--sheet",
        "诉求",
        "--output",
        path_str(&output),
        "--quiet",
        "--decisions-only",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let rows = read_sheet(&output);
    assert_eq!(rows[0][..4], ["id", "label", "category_name", "confidence"]);
    let reference = reference_decisions();
    assert_eq!(rows.len(), reference.len() + 1);
    for (row, (id, label, review)) in rows[1..].iter().zip(&reference) {
        assert_eq!((&row[0], &row[1], &row[6]), (id, label, review));
    }

    let missing = triage(&["classify", "--input", path_str(&input), "--sheet", "nope"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("说明, 诉求"),
        "{}",
        stderr(&missing)
    );
}

/// Rows of every kind of breakage, with `--rejects`: each input row is in exactly one of the two outputs.
#[test]
fn every_row_is_in_the_output_or_the_rejects_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = b"id,text\nG1,\xe9\x93\xb6\xe8\xa1\x8c\xe6\x8a\xbd\xe8\xb4\xb7\n".to_vec();
    input.extend_from_slice(b"B1,\xff\xfe broken bytes\n");
    input.extend_from_slice("B2,一个字段,多一个字段\nE1,\nE2,  \n".as_bytes());
    input.extend_from_slice("G2,变压器增容申请半年没批\nG3,\"带引号的,字段\"\n".as_bytes());
    input.extend_from_slice("Q1,\"这个引号没有关上\nG4,被吞掉的行\n".as_bytes());
    let path = dir.path().join("mixed.csv");
    std::fs::write(&path, &input).unwrap();
    let rejects = dir.path().join("rejects.csv");
    let output = triage(&[
        "classify",
        "--input",
        path_str(&path),
        "--rejects",
        path_str(&rejects),
        "--lang",
        "en",
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let decided: Vec<String> = csv_rows(&stdout(&output))
        .into_iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(decided, ["G1", "G2", "G3", "G4"]);
    let rejected = csv_rows(&std::fs::read_to_string(&rejects).unwrap());
    let reasons: HashMap<&str, (&str, &str, &str)> = rejected
        .iter()
        .map(|r| {
            (
                r["id"].as_str(),
                (r["row"].as_str(), r["line"].as_str(), r["reason"].as_str()),
            )
        })
        .collect();
    assert_eq!(rejected.len(), 5);
    assert!(reasons["B1"].2.contains("bad encoding"), "{reasons:?}");
    assert!(reasons["B2"].2.contains("wrong field count"), "{reasons:?}");
    assert_eq!(reasons["E1"], ("4", "5", "empty text"));
    assert_eq!(reasons["E2"].2, "empty text");
    assert!(
        reasons["Q1"].2.contains("unterminated quote"),
        "{reasons:?}"
    );
    // The row numbers of the two files together are 1..=9, each once.
    assert_eq!(
        reasons
            .values()
            .map(|r| r.0)
            .collect::<std::collections::BTreeSet<_>>(),
        ["2", "3", "4", "5", "8"].into()
    );

    let summary = stderr(&output);
    assert!(
        summary.contains("9 rows read")
            && summary.contains("5 rejected")
            && summary.contains("routed automatically"),
        "{summary}"
    );
    assert!(
        !summary.contains("ETA"),
        "no progress bar when stderr is not a terminal"
    );

    // Without --rejects the unreadable rows are output rows sent to review, and empty text is a decision; the
    // reasons are in Chinese unless --lang en.
    let output = triage(&["classify", "--input", path_str(&path), "--quiet"]);
    assert_eq!(output.status.code(), Some(3));
    let rows = csv_rows(&stdout(&output));
    assert_eq!(rows.len(), 9);
    assert_eq!(rows[3]["review_reason"], "空文本");
    assert!(rows[1]["review_reason"].starts_with("无法读取的行：bad encoding"));
    assert!(
        !stderr(&output).contains("rows read"),
        "--quiet: no summary"
    );
}

#[test]
fn empty_and_header_only_inputs_give_a_header_only_output() {
    for input in [&b""[..], b"id,text\n", b"\xef\xbb\xbfid,text\r\n"] {
        let output = triage_with_stdin(&["classify", "--input", "-"], input);
        assert!(output.status.success(), "{}", stderr(&output));
        assert_eq!(stdout(&output).lines().count(), 1, "{:?}", stdout(&output));
        assert!(
            stderr(&output).contains("共读取 0 行"),
            "{}",
            stderr(&output)
        );
    }
    let output = triage_with_stdin(JSONL_PIPE, b"\n\n");
    assert!(output.status.success());
    assert!(stdout(&output).is_empty());
}

#[test]
fn a_ten_megabyte_field_is_one_row() {
    let mut input = "id,text\nA,银行抽贷续贷要过桥资金\nHUGE,\"".to_string();
    let filler = "企业反映城镇土地使用税负担太重，希望减免，";
    while input.len() < 10 << 20 {
        input.push_str(filler);
    }
    input.push_str("\"\nZ,变压器增容申请半年没批\n");
    let output = triage_with_stdin(&["classify", "--input", "-", "--quiet"], input.as_bytes());
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = csv_rows(&stdout(&output));
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, ["A", "HUGE", "Z"]);
    assert!(!rows[1]["label"].is_empty(), "{:?}", rows[1]);
}

#[test]
fn output_keeps_input_order_across_chunks() {
    let rows = sample_rows();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["id", "text"]).unwrap();
    let n = 9000;
    for i in 0..n {
        writer
            .write_record([format!("R{i}"), rows[i % rows.len()].1.clone()])
            .unwrap();
    }
    let input = writer.into_inner().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let output = triage_with_stdin(
        &[
            "classify",
            "--input",
            "-",
            "--output",
            path_str(&out),
            "--quiet",
        ],
        &input,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(&out).unwrap();
    let ids: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, (0..n).map(|i| format!("R{i}")).collect::<Vec<_>>());
    // The same text gets the same decision wherever it falls in the batch.
    let labels: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(labels[7]["label"], labels[7 + rows.len() * 100]["label"]);
}

#[test]
fn a_closed_pipe_on_stdout_ends_quietly_with_success() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.csv");
    let body: String = sample_csv()
        .lines()
        .skip(1)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, format!("id,text\n{}", body.repeat(100))).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["classify", "--input", path_str(&path)])
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    assert!(
        first.starts_with(b"id,text,label"),
        "the input's columns, then the decision's"
    );
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stderr(&output).contains("error"), "{}", stderr(&output));
}

fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Reads a whole table; checks that row numbers run 1, 2, 3, … over rows and row errors alike.
fn read_all(path: &Path, format: InputFormat) -> Result<Vec<Result<String, RowError>>, String> {
    let columns = Columns {
        text: "text".into(),
        id: Some("id".into()),
        label: None,
        extra: Vec::new(),
    };
    let options = ReadOptions {
        format: Some(format),
        encoding: EncodingChoice::Detect,
        sheet: None,
    };
    let reader = TableReader::open_with(path, &columns, &options).map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    for (i, row) in reader.enumerate() {
        let row = row.map_err(|e| e.to_string())?;
        let number = match &row {
            Ok(r) => r.number,
            Err(e) => e.number,
        };
        assert_eq!(number, i as u64 + 1, "row numbers count every row");
        rows.push(row.map(|r| r.text));
    }
    Ok(rows)
}

/// Bytes that look like tables: headers, quotes, separators, line ends, Chinese in UTF-8 and GBK, junk.
fn table_bytes() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop_oneof![
        Just(b"id,text\n".to_vec()),
        Just(b"id\ttext\n".to_vec()),
        Just(b"{\"id\":1,\"text\":\"".to_vec()),
        Just(b"\"}\n".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\"\"".to_vec()),
        Just(b",".to_vec()),
        Just(b"\t".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just("电费太高".as_bytes().to_vec()),
        Just(vec![0xb5, 0xe7, 0xb7, 0xd1]),
        Just(vec![0xef, 0xbb, 0xbf]),
        Just(vec![0xff, 0xfe]),
        proptest::collection::vec(any::<u8>(), 0..16),
    ];
    proptest::collection::vec(pieces, 0..64).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn readers_never_panic_on_arbitrary_bytes(bytes in table_bytes()) {
        let dir = tempfile::tempdir().unwrap();
        let path = write_temp(dir.path(), "in.txt", &bytes);
        for format in [InputFormat::Csv, InputFormat::Tsv, InputFormat::Jsonl, InputFormat::Xlsx] {
            // Errors are fine; panics and lost rows are not (read_all checks the numbering).
            let _ = read_all(&path, format);
        }
    }

    #[test]
    fn every_good_csv_row_survives_a_broken_neighbour(
        texts in proptest::collection::vec("[a-z电费税贷]{1,12}", 1..20),
        broken in any::<prop::sample::Index>(),
    ) {
        let mut bytes = b"id,text\n".to_vec();
        let broken = broken.index(texts.len());
        for (i, text) in texts.iter().enumerate() {
            if i == broken {
                bytes.extend_from_slice(format!("{i},{text},extra\n").as_bytes());
                bytes.extend_from_slice(format!("{i},").as_bytes());
                bytes.extend_from_slice(&[0xff, 0xfe]);
                bytes.push(b'\n');
            } else {
                bytes.extend_from_slice(format!("{i},{text}\n").as_bytes());
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = write_temp(dir.path(), "in.csv", &bytes);
        let rows = read_all(&path, InputFormat::Csv).unwrap();
        prop_assert_eq!(rows.len(), texts.len() + 1);
        let good: Vec<String> = rows.into_iter().filter_map(Result::ok).collect();
        let expected: Vec<String> = texts
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != broken)
            .map(|(_, t)| t.clone())
            .collect();
        prop_assert_eq!(good, expected);
    }
}

#[test]
fn a_slow_pipe_gets_each_decision_before_its_input_ends() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(JSONL_PIPE)
        .args(["--encoding", "utf-8", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let mut output = BufReader::new(child.stdout.take().unwrap());
    // Read decisions on a thread, so a tool that holds rows back fails the test instead of hanging it.
    let (lines_out, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        while output.read_line(&mut line).unwrap_or(0) > 0 {
            let _ = lines_out.send(std::mem::take(&mut line));
        }
    });
    let wait = std::time::Duration::from_secs(30);
    for (id, text) in [
        ("a", "基本电费从18元/千度涨到28元/千度"),
        ("b", "银行贷款期限只有三个月，要过桥资金"),
    ] {
        writeln!(input, r#"{{"id":"{id}","text":"{text}"}}"#).unwrap();
        input.flush().unwrap();
        // The pipe stays open: the decision must come anyway.
        let line = lines
            .recv_timeout(wait)
            .expect("a decision while the input is still open");
        let decision: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(decision["id"], id);
    }
    drop(input);
    assert!(child.wait().unwrap().success());
    assert!(
        lines.recv_timeout(wait).is_err(),
        "nothing after the two decisions"
    );
}
