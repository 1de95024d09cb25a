//! CSV and TSV reader on arbitrary bytes: never a panic, rows numbered 1, 2, 3 … whatever the input, and line
//! numbers that never go back.
#![no_main]

use complaint_triage::io::csv_source::CsvSource;
use complaint_triage::io::{Columns, EncodingChoice, RecordSource, TextInput};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the delimiter and whether a label column is wanted.
    let Some((&flags, bytes)) = data.split_first() else {
        return;
    };
    let delimiter = if flags & 1 == 0 { b',' } else { b'\t' };
    let columns = Columns {
        text: "text".into(),
        id: Some("id".into()),
        label: (flags & 2 != 0).then(|| "label".into()),
        // Optional carried columns (a date, an enterprise) when the flag asks for them.
        extra: if flags & 4 != 0 {
            vec!["date".into(), "enterprise".into()]
        } else {
            Vec::new()
        },
    };
    let path = Path::new("fuzz.csv");
    let Ok(input) = TextInput::from_reader(
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        path,
        EncodingChoice::Detect,
        None,
    ) else {
        // Binary input is refused as a whole ("not a text table"), before any row.
        return;
    };
    let Ok(mut source) = CsvSource::open(input, path, &columns, delimiter) else {
        return;
    };
    let (mut expected, mut last_line) = (1, 0);
    while let Ok(Some(row)) = source.next_row() {
        let (number, line) = match &row {
            Ok(row) => (row.number, row.line),
            Err(error) => (error.number, error.line),
        };
        assert_eq!(number, expected, "rows are numbered without gaps");
        assert!(line >= last_line, "line numbers never go back");
        expected += 1;
        last_line = line;
    }
});
