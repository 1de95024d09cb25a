//! Outputs for an office: the input's columns kept, CSV for Excel (BOM) and GBK systems, XLSX workbooks with
//! frozen headers, filters, a summary, one sheet per department and a folder of 交办单. Every file is opened
//! with a real reader (csv, calamine, and the workbook's own XML for what calamine does not show).

mod common;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The input's columns: an id, an enterprise, a date, the text, a label of the office's own and a field that
/// needs quoting.
const INPUT_HEADER: [&str; 6] = ["id", "企业名称", "受理日期", "text", "label", "备注"];

/// Sample complaints with every other column filled in, as a CSV file in `dir`.
fn office_input(dir: &Path) -> (PathBuf, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(repo().join("corpora/sample.csv")).unwrap();
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .take(30)
        .enumerate()
        .map(|(i, r)| {
            let r = r.unwrap();
            vec![
                format!("GD-{:04}", i + 1),
                format!("某某{}号有限公司", i + 1),
                format!("2026-11-{:02}", i % 28 + 1),
                r[1].to_string(),
                format!("office-{}", i % 3),
                format!("备注, 含逗号 \"引号\"\n第二行 {i}"),
            ]
        })
        .collect();
    // Rows that go to review: a greeting and an empty text (no department to route to).
    for (id, text) in [("GD-0031", "你好，请问在吗"), ("GD-0032", "")] {
        let other = ["某某公司", "2026-11-30", text, "office-0", ""].map(String::from);
        rows.push(std::iter::once(id.to_string()).chain(other).collect());
    }
    let path = dir.join("诉求.csv");
    let mut writer = csv::Writer::from_path(&path).unwrap();
    writer.write_record(INPUT_HEADER).unwrap();
    for row in &rows {
        writer.write_record(row).unwrap();
    }
    writer.flush().unwrap();
    (path, rows)
}

fn classify(args: &[&str]) -> std::process::Output {
    let mut all = vec!["classify", "--quiet"];
    all.extend_from_slice(args);
    let output = triage(&all);
    assert!(output.status.success(), "{}", stderr(&output));
    output
}

fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn csv_keeps_every_input_column_and_starts_with_a_bom() {
    let dir = tempfile::tempdir().unwrap();
    let (input, rows) = office_input(dir.path());
    let output = dir.path().join("out.csv");
    let run = triage(&[
        "classify",
        "--input",
        path_str(&input),
        "--output",
        path_str(&output),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("'label' is written as 'triage_label'"),
        "{}",
        stderr(&run)
    );
    let bytes = std::fs::read(&output).unwrap();
    assert!(bytes.starts_with(b"\xef\xbb\xbf"), "a UTF-8 BOM for Excel");
    let (header, out_rows) = read_csv(&bytes[3..]);
    assert_eq!(header[..6], INPUT_HEADER);
    assert_eq!(
        header[6..10],
        ["triage_label", "category_name", "confidence", "department"]
    );
    assert!(
        !header[6..].contains(&"id".to_string()),
        "the input's id is not repeated"
    );
    assert_eq!(out_rows.len(), rows.len());
    for (out, input) in out_rows.iter().zip(&rows) {
        assert_eq!(
            &out[..6],
            &input[..],
            "every input column comes back as it was"
        );
        assert!(
            !out[6].is_empty() || out[header.iter().position(|h| h == "review").unwrap()] == "true"
        );
    }

    // The lean form, and no BOM when asked or on standard output.
    let lean = dir.path().join("lean.csv");
    classify(&[
        "--input",
        path_str(&input),
        "--output",
        path_str(&lean),
        "--decisions-only",
        "--no-bom",
    ]);
    let bytes = std::fs::read(&lean).unwrap();
    assert!(bytes.starts_with("id,label,category_name,confidence,department".as_bytes()));
    let piped = classify(&["--input", path_str(&input)]);
    assert!(piped.stdout.starts_with("id,企业名称".as_bytes()));
}

#[test]
fn gb18030_and_gbk_outputs_read_back_and_an_unencodable_character_names_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let (input, rows) = office_input(dir.path());
    let output = dir.path().join("gb.csv");
    classify(&[
        "--input",
        path_str(&input),
        "--output",
        path_str(&output),
        "--output-encoding",
        "gb18030",
    ]);
    let bytes = std::fs::read(&output).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let (text, _, malformed) = encoding_rs::GB18030.decode(&bytes);
    assert!(!malformed);
    let (header, out_rows) = read_csv(text.as_bytes());
    assert_eq!(header[..6], INPUT_HEADER);
    for (out, input) in out_rows.iter().zip(&rows) {
        assert_eq!(&out[..6], &input[..]);
    }

    // GBK lacks characters GB18030 has: 𠮷 (U+20BB7) and emoji. The run fails naming the row; no file appears.
    let unusual = dir.path().join("unusual.csv");
    std::fs::write(
        &unusual,
        "id,text\nA1,营业执照办理慢\nA2,吉野家𠮷野家门店消防验收拖了三个月\n",
    )
    .unwrap();
    let gbk = dir.path().join("gbk.csv");
    let run = triage(&[
        "classify",
        "--input",
        path_str(&unusual),
        "--output",
        path_str(&gbk),
        "--output-encoding",
        "gbk",
    ]);
    assert_eq!(run.status.code(), Some(2));
    let message = stderr(&run);
    assert!(message.contains("row 2"), "{message}");
    assert!(
        message.contains("column 'text' (id A2)") && message.contains("U+20BB7"),
        "{message}"
    );
    assert!(!gbk.exists());
    // The same input in GB18030 reads back whole.
    let gb = dir.path().join("gb18030.csv");
    classify(&[
        "--input",
        path_str(&unusual),
        "--output",
        path_str(&gb),
        "--output-encoding",
        "gb18030",
    ]);
    let bytes = std::fs::read(&gb).unwrap();
    let (text, _, _) = encoding_rs::GB18030.decode(&bytes);
    assert!(text.contains("吉野家𠮷野家"));
}

/// A worksheet's cells as text, by row.
fn sheet_rows(
    workbook: &mut Xlsx<std::io::BufReader<std::fs::File>>,
    name: &str,
) -> Vec<Vec<Data>> {
    let range = workbook.worksheet_range(name).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn text(cell: &Data) -> String {
    cell.to_string()
}

/// The XML of the `n`th worksheet (1-based) of a workbook.
fn sheet_xml(path: &Path, n: usize) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    archive
        .by_name(&format!("xl/worksheets/sheet{n}.xml"))
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// The style index of cell `reference` (`"A2"`) in a worksheet's XML.
fn style_of(xml: &str, reference: &str) -> String {
    let start = xml.find(&format!("<c r=\"{reference}\"")).unwrap();
    let cell = &xml[start..start + xml[start..].find('>').unwrap()];
    cell.split("s=\"")
        .nth(1)
        .map_or("0".into(), |s| s[..s.find('"').unwrap()].to_string())
}

#[test]
fn xlsx_has_a_frozen_filtered_header_fitted_widths_review_highlight_percent_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (input, rows) = office_input(dir.path());
    let output = dir.path().join("out.xlsx");
    classify(&["--input", path_str(&input), "--output", path_str(&output)]);
    let mut workbook: Xlsx<_> = open_workbook(&output).unwrap();
    assert_eq!(workbook.sheet_names(), ["decisions", "汇总"]);
    let data = sheet_rows(&mut workbook, "decisions");
    let header: Vec<String> = data[0].iter().map(text).collect();
    assert_eq!(header[..6], INPUT_HEADER);
    assert_eq!(data.len(), rows.len() + 1);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut review_rows = Vec::new();
    let mut routed_rows = Vec::new();
    for (i, (out, input)) in data[1..].iter().zip(&rows).enumerate() {
        let out_text: Vec<String> = out[..6].iter().map(text).collect();
        assert_eq!(&out_text, input, "every input column comes back as it was");
        match &out[column("confidence")] {
            Data::Float(p) => assert!((0.0..=1.0).contains(p)),
            // Nothing decided on an empty text.
            Data::Empty if input[3].is_empty() => {}
            other => panic!("confidence is a number, got {other:?}"),
        }
        match out[column("review")] {
            Data::Bool(true) => review_rows.push(i + 2),
            Data::Bool(false) => routed_rows.push(i + 2),
            ref other => panic!("review is a boolean, got {other:?}"),
        }
    }
    assert!(
        !review_rows.is_empty() && !routed_rows.is_empty(),
        "the sample has both"
    );

    let xml = sheet_xml(&output, 1);
    assert!(
        xml.contains(
            "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"
        ),
        "frozen header"
    );
    let last_column = (b'A' + header.len() as u8 - 1) as char;
    assert!(
        xml.contains(&format!(
            "<autoFilter ref=\"A1:{last_column}{}\"/>",
            rows.len() + 1
        )),
        "a filter over the whole table"
    );
    assert!(xml.contains("<cols>"), "fitted widths");
    // Review rows are filled: the same column is styled differently in a review row and a routed one.
    let id_column = "A";
    assert_ne!(
        style_of(&xml, &format!("{id_column}{}", review_rows[0])),
        style_of(&xml, &format!("{id_column}{}", routed_rows[0]))
    );
    let styles = {
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&output).unwrap()).unwrap();
        let mut xml = String::new();
        archive
            .by_name("xl/styles.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    };
    assert!(
        styles.contains("formatCode=\"0.0%\""),
        "confidence shown as a percentage"
    );
    assert!(styles.contains("wrapText=\"1\""), "the text column wraps");

    // The summary counts every row, by department and by category, with the review share.
    let summary = sheet_rows(&mut workbook, "汇总");
    let value = |label: &str| {
        summary
            .iter()
            .find(|r| text(&r[0]) == label)
            .map(|r| r[1].clone())
            .unwrap()
    };
    assert_eq!(value("总件数"), Data::Float(rows.len() as f64));
    assert_eq!(value("需人工复核"), Data::Float(review_rows.len() as f64));
    let department_table = summary.iter().position(|r| text(&r[0]) == "部门").unwrap();
    let counted: f64 = summary[department_table + 1..]
        .iter()
        .take_while(|r| !text(&r[0]).is_empty())
        .map(|r| if let Data::Float(n) = r[1] { n } else { 0.0 })
        .sum();
    assert_eq!(counted, rows.len() as f64);
}

#[test]
fn split_by_department_gives_one_sheet_per_department_or_one_assignment_file_each() {
    let dir = tempfile::tempdir().unwrap();
    let (input, rows) = office_input(dir.path());
    let output = dir.path().join("split.xlsx");
    classify(&[
        "--input",
        path_str(&input),
        "--output",
        path_str(&output),
        "--split-by",
        "department",
    ]);
    let mut workbook: Xlsx<_> = open_workbook(&output).unwrap();
    let names = workbook.sheet_names();
    assert_eq!(names.last().map(String::as_str), Some("汇总"));
    let mut seen = 0;
    let mut departments = BTreeSet::new();
    for name in &names[..names.len() - 1] {
        let data = sheet_rows(&mut workbook, name);
        let department = data[0]
            .iter()
            .position(|h| text(h) == "department")
            .unwrap();
        for row in &data[1..] {
            let value = text(&row[department]);
            let expected = if value.is_empty() {
                "未分派"
            } else {
                value.as_str()
            };
            assert_eq!(
                expected, name,
                "each sheet holds its department's rows only"
            );
            departments.insert(value);
            seen += 1;
        }
    }
    assert_eq!(seen, rows.len());
    assert!(departments.len() >= 3, "{departments:?}");

    // Into a folder: one 交办单 per department, titled with the department and the date.
    let folder = dir.path().join("交办单");
    std::fs::create_dir(&folder).unwrap();
    classify(&[
        "--input",
        path_str(&input),
        "--output",
        path_str(&folder),
        "--split-by",
        "department",
    ]);
    let files: BTreeMap<String, PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                path,
            )
        })
        .collect();
    assert_eq!(files.len(), departments.len(), "{files:?}");
    let today = complaint_triage::pipeline::today();
    let mut total = 0;
    for (name, path) in &files {
        assert!(
            name.starts_with("交办单_") && name.ends_with(&format!("_{today}.xlsx")),
            "{name}"
        );
        let mut workbook: Xlsx<_> = open_workbook(path).unwrap();
        let data = sheet_rows(&mut workbook, "decisions");
        let title = text(&data[0][0]);
        let department = name
            .trim_start_matches("交办单_")
            .trim_end_matches(&format!("_{today}.xlsx"));
        assert!(
            title.starts_with("交办单") && title.contains(department) && title.contains(&today),
            "{title}"
        );
        assert_eq!(
            data[1][..6].iter().map(text).collect::<Vec<_>>(),
            INPUT_HEADER
        );
        total += data.len() - 2;
        let xml = sheet_xml(path, 1);
        assert!(
            xml.contains("ySplit=\"2\""),
            "frozen below the title and header"
        );
        assert!(
            xml.contains("<autoFilter ref=\"A2:"),
            "the filter sits on the header"
        );
    }
    assert_eq!(total, rows.len());
}

#[test]
fn jsonl_and_xlsx_inputs_keep_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("in.jsonl");
    std::fs::write(
        &jsonl,
        "{\"text\":\"工业园区道路坑洼，货车进出困难\",\"企业\":\"甲公司\",\"金额\":120}\n\
         {\"text\":\"增值税留抵退税迟迟没到账\",\"企业\":\"乙公司\",\"金额\":null}\n",
    )
    .unwrap();
    let out = classify(&["--input", path_str(&jsonl)]);
    let (header, rows) = read_csv(&out.stdout);
    assert_eq!(header[..4], ["text", "企业", "金额", "id"]);
    assert_eq!(rows[0][1..3], ["甲公司", "120"]);
    assert_eq!(rows[1][1..4], ["乙公司", "", "2"]);

    let xlsx = dir.path().join("in.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let date = rust_xlsxwriter::ExcelDateTime::parse_from_str("2026-11-30").unwrap();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (c, name) in ["编号", "text", "受理日期", "件数"].iter().enumerate() {
        sheet.write_string(0, c as u16, *name).unwrap();
    }
    sheet.write_string(1, 0, "X-1").unwrap();
    sheet.write_string(1, 1, "用电报装等了两个月").unwrap();
    sheet
        .write_datetime_with_format(1, 2, &date, &date_format)
        .unwrap();
    sheet.write_number(1, 3, 3).unwrap();
    workbook.save(&xlsx).unwrap();
    let out = classify(&["--input", path_str(&xlsx), "--id-column", "编号"]);
    let (header, rows) = read_csv(&out.stdout);
    assert_eq!(header[..5], ["编号", "text", "受理日期", "件数", "id"]);
    assert_eq!(
        rows[0][..5],
        ["X-1", "用电报装等了两个月", "2026-11-30", "3", "X-1"]
    );
}

#[test]
fn the_library_writes_a_split_assignment_workbook_from_rows_and_decisions() {
    use complaint_triage::io::{
        Columns, SplitBy, TableReader, WorkbookOptions, assignment_workbook,
    };
    let dir = tempfile::tempdir().unwrap();
    let (input, rows) = office_input(dir.path());
    let columns = Columns {
        extra: Vec::new(),
        text: "text".into(),
        id: Some("id".into()),
        label: None,
    };
    let reader = TableReader::open(&input, &columns).unwrap();
    let input_columns = reader.columns().to_vec();
    let read: Vec<_> = reader.map(|r| r.unwrap().unwrap()).collect();
    let pipeline =
        complaint_triage::pipeline::model_file::load(&repo().join("models/default.model")).unwrap();
    let texts: Vec<&str> = read.iter().map(|r| r.text.as_str()).collect();
    let decisions = pipeline.triage_batch(&texts, false);
    let options = WorkbookOptions {
        split_by: Some(SplitBy::Department),
        title: Some("交办单　2026-11-30".into()),
        summary: true,
        ..WorkbookOptions::default()
    };
    let bytes = assignment_workbook(&input_columns, "text", &read, &decisions, options).unwrap();
    let mut workbook = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let names = workbook.sheet_names();
    let departments: BTreeSet<String> = decisions
        .iter()
        .map(|d| {
            let name = &d.department.name;
            if name.is_empty() {
                "未分派".to_string()
            } else {
                name.clone()
            }
        })
        .collect();
    assert_eq!(names.len(), departments.len() + 1, "{names:?}");
    let mut total = 0;
    for name in &names[..names.len() - 1] {
        assert!(departments.contains(name), "{name}");
        let range = workbook.worksheet_range(name).unwrap();
        let title = range.get((0, 0)).map(|c| c.to_string()).unwrap_or_default();
        assert_eq!(title, format!("交办单　2026-11-30　{name}"));
        let header: Vec<String> = range
            .rows()
            .nth(1)
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header[..6], INPUT_HEADER);
        total += range.height() - 2;
    }
    assert_eq!(total, rows.len());
}
