//! Cases as a 交办单 for offices that move work by spreadsheet: an XLSX workbook with one sheet per department
//! (cases still with the dispatcher on a sheet of their own), or one CSV file with the department as a column.
//! Column names are Chinese, for the office's readers. Files appear only when complete.

use super::destination::Destination;
use crate::error::TriageError;
use crate::route::{RoutingTable, category_name};
use crate::store::{Case, time};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The columns of a 交办单, in order.
pub const CASE_SHEET_COLUMNS: [&str; 14] = [
    "编号",
    "收到时间",
    "企业",
    "来源",
    "诉求内容",
    "类别",
    "建议承办单位",
    "承办单位",
    "办理时限",
    "状态",
    "是否超期",
    "退单次数",
    "办结情况",
    "销号时间",
];

/// Where cases not with any department go in a workbook.
pub const DISPATCH_SHEET: &str = "待交办";

/// A department id's official name from the routing table, or the id.
fn department_names(routing: &RoutingTable) -> BTreeMap<String, String> {
    routing
        .categories()
        .map(|c| routing.route(c))
        .map(|d| (d.id, d.name))
        .collect()
}

/// One case's fields in [`CASE_SHEET_COLUMNS`] order.
pub fn case_fields(case: &Case, names: &BTreeMap<String, String>, now: i64) -> Vec<String> {
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let optional = |value: &Option<String>| value.clone().unwrap_or_default();
    vec![
        case.id.clone(),
        time::format_local(case.received_at),
        optional(&case.enterprise),
        optional(&case.source),
        case.text.clone(),
        case.label
            .as_deref()
            .map(|l| category_name(l).to_string())
            .unwrap_or_default(),
        name(&case.suggested_department_id),
        case.department_id.as_deref().map(name).unwrap_or_default(),
        case.deadline.map(time::format_local).unwrap_or_default(),
        case.state.chinese().to_string(),
        if case.overdue(now) { "是" } else { "否" }.to_string(),
        case.returns.to_string(),
        optional(&case.resolution),
        case.closed_at.map(time::format_local).unwrap_or_default(),
    ]
}

/// A valid, unique worksheet name (at most 31 characters, none of `[]:*?/\`).
fn sheet_name(name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(28)
        .collect();
    let mut candidate = if clean.is_empty() {
        "sheet".to_string()
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

/// Writes `cases` to `path`: XLSX (one sheet per department) or CSV, by the extension. Returns the number of
/// sheets (1 for CSV).
pub fn write_cases(
    path: &Path,
    cases: &[Case],
    routing: &RoutingTable,
    now: i64,
) -> Result<usize, TriageError> {
    let names = department_names(routing);
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("xlsx") => write_workbook(path, cases, &names, now),
        Some("csv") => {
            let mut destination = Destination::create(path)?;
            {
                let mut writer = csv::Writer::from_writer(&mut destination);
                let error =
                    |e: csv::Error| TriageError::io(path, super::destination::csv_io_error(e));
                writer.write_record(CASE_SHEET_COLUMNS).map_err(error)?;
                for case in cases {
                    writer
                        .write_record(case_fields(case, &names, now))
                        .map_err(error)?;
                }
                writer.flush().map_err(|e| TriageError::io(path, e))?;
            }
            destination.commit()?;
            Ok(1)
        }
        _ => Err(TriageError::BadInput {
            path: path.to_path_buf(),
            message: "the output must end in .xlsx or .csv".into(),
        }),
    }
}

fn write_workbook(
    path: &Path,
    cases: &[Case],
    names: &BTreeMap<String, String>,
    now: i64,
) -> Result<usize, TriageError> {
    let xlsx = |e: XlsxError| TriageError::io(path, std::io::Error::other(e));
    let mut by_sheet: BTreeMap<String, Vec<&Case>> = BTreeMap::new();
    for case in cases {
        let sheet = match &case.department_id {
            Some(id) => names.get(id).cloned().unwrap_or_else(|| id.clone()),
            None => DISPATCH_SHEET.to_string(),
        };
        by_sheet.entry(sheet).or_default().push(case);
    }
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let mut used = Vec::new();
    if by_sheet.is_empty() {
        by_sheet.insert(DISPATCH_SHEET.to_string(), Vec::new());
    }
    for (sheet_title, sheet_cases) in &by_sheet {
        let sheet = workbook.add_worksheet();
        sheet
            .set_name(sheet_name(sheet_title, &mut used))
            .map_err(xlsx)?;
        for (column, name) in CASE_SHEET_COLUMNS.iter().enumerate() {
            sheet
                .write_string_with_format(0, column as u16, *name, &bold)
                .map_err(xlsx)?;
        }
        sheet.set_column_width(4, 60).map_err(xlsx)?;
        sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
        for (row, case) in sheet_cases.iter().enumerate() {
            for (column, value) in case_fields(case, names, now).iter().enumerate() {
                let (row, column) = (row as u32 + 1, column as u16);
                if column == 4 {
                    sheet
                        .write_string_with_format(row, column, value, &wrap)
                        .map_err(xlsx)?;
                } else {
                    sheet.write_string(row, column, value).map_err(xlsx)?;
                }
            }
        }
    }
    let bytes = workbook.save_to_buffer().map_err(xlsx)?;
    let mut destination = Destination::create(path)?;
    destination
        .write_all(&bytes)
        .map_err(|e| destination.error(e))?;
    destination.commit()?;
    Ok(by_sheet.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut used = Vec::new();
        assert_eq!(sheet_name("a/b", &mut used), "a_b");
        assert_eq!(sheet_name("a/b", &mut used), "a_b 2");
        let long = "很".repeat(40);
        assert_eq!(sheet_name(&long, &mut used).chars().count(), 28);
    }
}
