//! JSON Lines reader on arbitrary bytes: never a panic, rows numbered without gaps, and a rejected line keeps
//! its id whenever the line as a whole is a JSON object with an id.
#![no_main]

use complaint_triage::io::jsonl_source::JsonlSource;
use complaint_triage::io::{Columns, EncodingChoice, RecordSource, TextInput};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, bytes)) = data.split_first() else {
        return;
    };
    let columns = Columns {
        text: "text".into(),
        id: Some("id".into()),
        label: (flags & 1 != 0).then(|| "label".into()),
        // Optional carried columns (a date, an enterprise) when the flag asks for them.
        extra: if flags & 2 != 0 {
            vec!["date".into(), "enterprise".into()]
        } else {
            Vec::new()
        },
    };
    let path = Path::new("fuzz.jsonl");
    let Ok(input) = TextInput::from_reader(
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        path,
        EncodingChoice::Detect,
        None,
    ) else {
        // Binary input is refused as a whole ("not a text table"), before any row.
        return;
    };
    let Ok(mut source) = JsonlSource::open(input, path, &columns) else {
        return;
    };
    let (mut expected, mut last_line) = (1, 0);
    while let Ok(Some(row)) = source.next_row() {
        let (number, line) = match &row {
            Ok(row) => (row.number, row.line),
            Err(error) => (error.number, error.line),
        };
        assert_eq!(number, expected, "rows are numbered without gaps");
        assert!(line > last_line, "one row per line");
        expected += 1;
        last_line = line;
    }
});
