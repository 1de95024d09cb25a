//! A triaged batch as an XLSX 交办单, ready to send: a summary sheet (汇总), one sheet per department with the
//! cases the model routed to it, and the cases still waiting for review (待复核) on a sheet of their own.
//!
//! The service's `cases export` writes stored cases by their current department; this one is for a batch just
//! triaged, grouped by the suggestion, with the confidence and the reasons a department may want to see.

use super::batches::BatchRow;
use crate::store::time;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};
use std::collections::BTreeMap;

/// The summary sheet's name.
pub const SUMMARY_SHEET: &str = "汇总";
/// The sheet of cases waiting for review.
pub const REVIEW_SHEET: &str = "待复核";

const DEPARTMENT_COLUMNS: [(&str, f64); 5] = [
    ("编号", 10.0),
    ("诉求内容", 70.0),
    ("类别", 14.0),
    ("置信度", 9.0),
    ("判断依据", 30.0),
];

const REVIEW_COLUMNS: [(&str, f64); 6] = [
    ("编号", 10.0),
    ("诉求内容", 70.0),
    ("建议类别", 14.0),
    ("建议承办部门", 24.0),
    ("置信度", 9.0),
    ("复核原因", 20.0),
];

/// A valid, unique worksheet name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(28)
        .collect();
    let mut candidate = if clean.is_empty() {
        "未定部门".to_string()
    } else {
        clean
    };
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&candidate)) {
        candidate = format!("{} {n}", candidate.chars().take(25).collect::<String>());
        n += 1;
    }
    used.push(candidate.clone());
    candidate
}

fn header(
    sheet: &mut Worksheet,
    row: u32,
    columns: &[(&str, f64)],
    bold: &Format,
) -> Result<(), XlsxError> {
    for (column, (name, width)) in columns.iter().enumerate() {
        sheet.write_string_with_format(row, column as u16, *name, bold)?;
        sheet.set_column_width(column as u16, *width)?;
    }
    sheet.set_freeze_panes(row + 1, 0)?;
    Ok(())
}

fn reasons(row: &BatchRow) -> String {
    row.decision
        .reasons
        .iter()
        .map(|r| r.term.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

/// The workbook's bytes. `names` maps department ids to names for departments the rows do not name.
pub fn workbook(
    title: &str,
    rows: &[BatchRow],
    names: &BTreeMap<String, String>,
) -> Result<Vec<u8>, XlsxError> {
    let mut by_department: BTreeMap<String, Vec<&BatchRow>> = BTreeMap::new();
    let mut review: Vec<&BatchRow> = Vec::new();
    for row in rows {
        if row.decision.review || row.decision.department_id.is_empty() {
            review.push(row);
        } else {
            by_department
                .entry(row.decision.department_id.clone())
                .or_default()
                .push(row);
        }
    }
    let name_of = |id: &str, rows: &[&BatchRow]| {
        rows.first()
            .map(|r| r.decision.department.clone())
            .filter(|n| !n.is_empty())
            .or_else(|| names.get(id).cloned())
            .unwrap_or_else(|| id.to_string())
    };
    let mut departments: Vec<(String, Vec<&BatchRow>)> = by_department
        .into_iter()
        .map(|(id, rows)| (name_of(&id, &rows), rows))
        .collect();
    departments.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));

    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let percent = Format::new().set_num_format("0.0%");
    let mut used = vec![SUMMARY_SHEET.to_string(), REVIEW_SHEET.to_string()];

    let summary = workbook.add_worksheet();
    summary.set_name(SUMMARY_SHEET)?;
    summary.write_string_with_format(
        0,
        0,
        format!("交办单：{title}（{}）", time::format_local(time::now())),
        &bold,
    )?;
    header(summary, 2, &[("承办部门", 30.0), ("交办件数", 10.0)], &bold)?;
    let mut line = 3;
    for (name, rows) in &departments {
        summary.write_string(line, 0, name)?;
        summary.write_number(line, 1, rows.len() as f64)?;
        line += 1;
    }
    summary.write_string_with_format(line, 0, "交办合计", &bold)?;
    summary.write_number_with_format(
        line,
        1,
        departments.iter().map(|(_, r)| r.len()).sum::<usize>() as f64,
        &bold,
    )?;
    summary.write_string(line + 1, 0, "待复核（未交办）")?;
    summary.write_number(line + 1, 1, review.len() as f64)?;

    for (name, rows) in &departments {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(name, &mut used))?;
        header(sheet, 0, &DEPARTMENT_COLUMNS, &bold)?;
        for (i, row) in rows.iter().enumerate() {
            let r = i as u32 + 1;
            let d = &row.decision;
            sheet.write_string(r, 0, &d.id)?;
            sheet.write_string_with_format(r, 1, &row.text, &wrap)?;
            sheet.write_string(r, 2, &d.category_name)?;
            sheet.write_number_with_format(r, 3, d.confidence as f64, &percent)?;
            sheet.write_string(r, 4, reasons(row))?;
        }
    }

    let sheet = workbook.add_worksheet();
    sheet.set_name(REVIEW_SHEET)?;
    header(sheet, 0, &REVIEW_COLUMNS, &bold)?;
    for (i, row) in review.iter().enumerate() {
        let r = i as u32 + 1;
        let d = &row.decision;
        sheet.write_string(r, 0, &d.id)?;
        sheet.write_string_with_format(r, 1, &row.text, &wrap)?;
        sheet.write_string(r, 2, &d.category_name)?;
        sheet.write_string(r, 3, &d.department)?;
        if !d.label.is_empty() {
            sheet.write_number_with_format(r, 4, d.confidence as f64, &percent)?;
        }
        sheet.write_string(r, 5, d.review_reason.as_deref().unwrap_or_default())?;
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::triage::{DecisionOut, ReasonOut};
    use calamine::{Reader, Xlsx};

    fn row(id: &str, department: &str, review: bool) -> BatchRow {
        BatchRow {
            text: format!("{id} 的诉求"),
            state: crate::store::CaseState::New,
            decision: DecisionOut {
                id: id.into(),
                label: "tax".into(),
                category_name: "税收".into(),
                confidence: 0.9,
                department: department.into(),
                department_id: department.into(),
                review,
                review_reason: review.then(|| "low confidence".into()),
                alternatives: Vec::new(),
                secondary_label: None,
                secondary_department: None,
                reasons: vec![ReasonOut {
                    term: "退税".into(),
                    weight: 1.0,
                }],
            },
        }
    }

    #[test]
    fn one_sheet_per_department_a_summary_and_the_review_sheet() {
        let rows = vec![
            row("C1", "税务局", false),
            row("C2", "税务局", false),
            row("C3", "供电/公司", false),
            row("C4", "税务局", true),
        ];
        let bytes = workbook("批次.csv", &rows, &BTreeMap::new()).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            book.sheet_names(),
            vec!["汇总", "税务局", "供电_公司", "待复核"]
        );
        let tax = book.worksheet_range("税务局").unwrap();
        assert_eq!(tax.height(), 3, "header and the two routed cases");
        assert_eq!(tax.get_value((2, 0)).unwrap().to_string(), "C2");
        assert_eq!(tax.get_value((1, 4)).unwrap().to_string(), "退税");
        let review = book.worksheet_range("待复核").unwrap();
        assert_eq!(review.height(), 2);
        assert_eq!(review.get_value((1, 0)).unwrap().to_string(), "C4");
        let summary = book.worksheet_range("汇总").unwrap();
        let cell = |r: u32, c: u32| summary.get_value((r, c)).unwrap().to_string();
        assert_eq!((cell(3, 0), cell(3, 1)), ("税务局".into(), "2".into()));
        assert_eq!(cell(5, 0), "交办合计");
        assert_eq!(cell(5, 1), "3");
        assert_eq!(cell(6, 1), "1");
    }
}
