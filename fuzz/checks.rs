//! The properties the fuzz targets check, one function per target. The targets (`fuzz_targets/`) are one
//! line each around these; `tests/fuzz_seeds.rs` in the main package runs them over the seeds and over random
//! bytes, so a change to the library that breaks them fails the ordinary build and tests.
#![allow(dead_code)] // each fuzz target uses one function of the five

use complaint_triage::featurize::fingerprint;
use complaint_triage::io::csv_source::CsvSource;
use complaint_triage::io::jsonl_source::JsonlSource;
use complaint_triage::io::xlsx_source::XlsxSource;
use complaint_triage::io::{Columns, EncodingChoice, RecordSource, TextInput};
use complaint_triage::pipeline::model_file::{FORMAT_NAME, FORMAT_VERSION, from_bytes};
use complaint_triage::registry::RegistryIndex;
use std::io::Write;
use std::path::Path;

/// CSV and TSV reader on arbitrary bytes: never a panic, rows numbered 1, 2, 3 … whatever the input, and line
/// numbers that never go back.
pub fn csv_reader(data: &[u8]) {
    // The first byte picks the delimiter, whether a label column is wanted and whether carried columns are.
    let Some((&flags, bytes)) = data.split_first() else {
        return;
    };
    let delimiter = if flags & 1 == 0 { b',' } else { b'\t' };
    let columns = wanted_columns(flags & 2 != 0, flags & 4 != 0);
    let path = Path::new("fuzz.csv");
    let Some(input) = text_input(bytes, path) else {
        return;
    };
    if let Ok(mut source) = CsvSource::open(input, path, &columns, delimiter) {
        check_numbering(&mut source, Lines::NeverBack);
    }
}

/// JSON Lines reader on arbitrary bytes: never a panic, rows numbered without gaps, and one row per line.
pub fn jsonl_reader(data: &[u8]) {
    let Some((&flags, bytes)) = data.split_first() else {
        return;
    };
    let columns = wanted_columns(flags & 1 != 0, flags & 2 != 0);
    let path = Path::new("fuzz.jsonl");
    let Some(input) = text_input(bytes, path) else {
        return;
    };
    if let Ok(mut source) = JsonlSource::open(input, path, &columns) {
        check_numbering(&mut source, Lines::OnePerRow);
    }
}

/// XLSX reader on arbitrary bytes (written to a file, as the reader opens workbooks by path): never a panic,
/// rows numbered without gaps.
pub fn xlsx_reader(data: &[u8]) {
    let mut file = tempfile::Builder::new()
        .suffix(".xlsx")
        .tempfile()
        .expect("a temporary file");
    file.write_all(data).expect("write");
    file.flush().expect("flush");
    let columns = Columns {
        label: None,
        extra: vec!["date".into()],
        ..wanted_columns(false, false)
    };
    if let Ok(mut source) = XlsxSource::open(file.path(), None, &columns) {
        check_numbering(&mut source, Lines::Unchecked);
    }
}

/// Text and id columns, a label column if asked, and carried columns (a date, an enterprise) if asked.
fn wanted_columns(label: bool, carried: bool) -> Columns {
    Columns {
        text: "text".into(),
        id: Some("id".into()),
        label: label.then(|| "label".into()),
        extra: if carried {
            vec!["date".into(), "enterprise".into()]
        } else {
            Vec::new()
        },
    }
}

/// The bytes as a text input of detected encoding; binary input is refused as a whole ("not a text table"),
/// before any row.
fn text_input(bytes: &[u8], path: &Path) -> Option<TextInput> {
    TextInput::from_reader(
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        path,
        EncodingChoice::Detect,
        None,
    )
    .ok()
}

/// What a reader promises about the line numbers of its rows.
#[derive(Clone, Copy)]
enum Lines {
    /// A row may span lines, but line numbers never go back.
    NeverBack,
    /// Each row is a line of its own.
    OnePerRow,
    /// Not line-based (workbooks).
    Unchecked,
}

/// Reads every row (readable or not) and checks that they are numbered 1, 2, 3 … and that their line numbers
/// keep the reader's promise.
fn check_numbering(source: &mut dyn RecordSource, lines: Lines) {
    let (mut expected, mut last_line) = (1, 0);
    while let Ok(Some(row)) = source.next_row() {
        let (number, line) = match &row {
            Ok(row) => (row.number, row.line),
            Err(error) => (error.number, error.line),
        };
        assert_eq!(number, expected, "rows are numbered without gaps");
        match lines {
            Lines::NeverBack => assert!(line >= last_line, "line numbers never go back"),
            Lines::OnePerRow => assert!(line > last_line, "one row per line"),
            Lines::Unchecked => {}
        }
        expected += 1;
        last_line = line;
    }
}

/// The model file loader. The payload is checksummed, so mutated files almost all stop at the checksum; to
/// reach the decoder, the target also wraps the bytes in a valid header (first byte odd). A model that loads
/// must triage a text without panicking.
pub fn model_file(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode & 1 == 1 {
        let mut bytes = FORMAT_NAME.to_vec();
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(rest.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&fingerprint(rest).to_le_bytes());
        bytes.extend_from_slice(rest);
        bytes
    } else {
        rest.to_vec()
    };
    if let Ok(pipeline) = from_bytes(&bytes, Path::new("fuzz.model")) {
        let _ = pipeline.triage_batch(&["我公司电费太高", ""], true);
    }
}

/// The registry index (`registry.json`) parser: never a panic, and an index it accepts writes back to one it
/// reads the same.
pub fn registry_index(data: &[u8]) {
    let path = Path::new("registry.json");
    if let Ok(index) = RegistryIndex::parse(data, path) {
        let _ = index.next_number();
        let again = serde_json::to_vec(&index).expect("an index encodes");
        let reread = RegistryIndex::parse(&again, path).expect("a written index reads back");
        assert_eq!(reread.versions.len(), index.versions.len());
        assert_eq!(reread.active, index.active);
    }
}
