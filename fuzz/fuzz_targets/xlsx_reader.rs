//! XLSX reader on arbitrary bytes (written to a file, as the reader opens workbooks by path): never a panic,
//! rows numbered without gaps.
#![no_main]

use complaint_triage::io::xlsx_source::XlsxSource;
use complaint_triage::io::{Columns, RecordSource};
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let mut file = tempfile::Builder::new()
        .suffix(".xlsx")
        .tempfile()
        .expect("a temporary file");
    file.write_all(data).expect("write");
    file.flush().expect("flush");
    let columns = Columns {
        text: "text".into(),
        id: Some("id".into()),
        label: None,
        extra: vec!["date".into()],
    };
    let Ok(mut source) = XlsxSource::open(file.path(), None, &columns) else {
        return;
    };
    let mut expected = 1;
    while let Ok(Some(row)) = source.next_row() {
        let number = match &row {
            Ok(row) => row.number,
            Err(error) => error.number,
        };
        assert_eq!(number, expected, "rows are numbered without gaps");
        expected += 1;
    }
});
