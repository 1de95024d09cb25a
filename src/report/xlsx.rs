//! The report as an XLSX workbook, for those who rework the figures: one sheet each for the summary,
//! categories (with distinctive words), departments, review reasons and recurring problems.

use super::Report;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// The workbook's bytes.
pub fn render(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();

    let sheet = workbook.add_worksheet().set_name("概况")?;
    sheet.write_string_with_format(0, 0, &report.title, &bold)?;
    sheet.write_string(
        1,
        0,
        format!("数据：{}  生成日期：{}", report.source, report.date),
    )?;
    sheet.write_string_with_format(2, 0, &report.headline, &wrap)?;
    sheet.set_column_width(0, 100)?;
    let mut figures = vec![
        ("收集问题", report.total),
        ("自动交办", report.routed),
        ("人工复核", report.review),
        ("共性问题", report.problems_total as u64),
        ("共性问题涉及诉求", report.complaints_in_problems as u64),
    ];
    if let Some(closed) = report.closed {
        figures.push(("已办结", closed));
    }
    for (i, (name, n)) in figures.into_iter().enumerate() {
        let row = 4 + i as u32;
        sheet.write_string(row, 0, name)?;
        sheet.write_number(row, 1, n as f64)?;
    }

    let sheet = workbook.add_worksheet().set_name("类别")?;
    header(
        sheet,
        &["类别", "类别代码", "承办部门", "件数", "人工复核", "特征词"],
        &bold,
    )?;
    for (i, c) in report.categories.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string(row, 0, &c.name)?;
        sheet.write_string(row, 1, &c.label)?;
        sheet.write_string(row, 2, &c.department)?;
        sheet.write_number(row, 3, c.count as f64)?;
        sheet.write_number(row, 4, c.review as f64)?;
        let words: Vec<&str> = c.key_words.iter().map(|k| k.word.as_str()).collect();
        sheet.write_string(row, 5, words.join("、"))?;
    }

    let sheet = workbook.add_worksheet().set_name("部门")?;
    header(sheet, &["承办部门", "件数", "自动交办", "人工复核"], &bold)?;
    for (i, d) in report.departments.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string(row, 0, &d.name)?;
        sheet.write_number(row, 1, d.count as f64)?;
        sheet.write_number(row, 2, d.routed as f64)?;
        sheet.write_number(row, 3, d.review as f64)?;
    }

    if let Some(store) = &report.store {
        let sheet = workbook.add_worksheet().set_name("案件库")?;
        header(
            sheet,
            &[
                "承办部门",
                "部门代码",
                "在办",
                "超期",
                "已办结",
                "按期办结",
                "退单",
                "办结天数中位数",
            ],
            &bold,
        )?;
        for (i, d) in store.departments.iter().enumerate() {
            let row = 1 + i as u32;
            sheet.write_string(row, 0, &d.name)?;
            sheet.write_string(row, 1, &d.department_id)?;
            for (column, n) in [d.open, d.overdue, d.closed, d.closed_on_time, d.returned]
                .into_iter()
                .enumerate()
            {
                sheet.write_number(row, 2 + column as u16, n as f64)?;
            }
            if let Some(days) = d.median_days_to_close {
                sheet.write_number(row, 7, days)?;
            }
        }
        let row = 2 + store.departments.len() as u32;
        sheet.write_string(
            row,
            0,
            format!(
                "截至{}，案件库共{}件，待分办{}件",
                store.as_of, store.cases, store.with_dispatcher
            ),
        )?;
    }

    let sheet = workbook.add_worksheet().set_name("复核原因")?;
    header(sheet, &["原因", "件数"], &bold)?;
    for (i, reason) in report.review_reasons.iter().enumerate() {
        sheet.write_string(1 + i as u32, 0, &reason.name)?;
        sheet.write_number(1 + i as u32, 1, reason.count as f64)?;
    }

    let sheet = workbook.add_worksheet().set_name("共性问题")?;
    header(
        sheet,
        &[
            "编号",
            "件数",
            "此前件数",
            "企业数",
            "涉及企业",
            "类别",
            "代表诉求编号",
            "代表性诉求",
            "关键词",
            "首次",
            "最近",
            "往批次提出",
            "此前见于",
        ],
        &bold,
    )?;
    for (i, p) in report.problems.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string(row, 0, &p.cluster)?;
        sheet.write_number(row, 1, p.size as f64)?;
        sheet.write_number(row, 2, p.earlier as f64)?;
        sheet.write_number(row, 3, p.enterprises.len() as f64)?;
        sheet.write_string(row, 4, p.enterprises.join("、"))?;
        sheet.write_string(row, 5, &p.category)?;
        sheet.write_string(row, 6, &p.representative_id)?;
        sheet.write_string(row, 7, &p.representative_text)?;
        sheet.write_string(row, 8, p.key_words.join("、"))?;
        sheet.write_string(row, 9, p.first_seen.as_deref().unwrap_or_default())?;
        sheet.write_string(row, 10, p.last_seen.as_deref().unwrap_or_default())?;
        sheet.write_string(row, 11, if p.recurs { "是" } else { "否" })?;
        sheet.write_string(row, 12, &p.seen_before)?;
    }
    workbook.save_to_buffer()
}

fn header(sheet: &mut Worksheet, names: &[&str], bold: &Format) -> Result<(), XlsxError> {
    for (i, name) in names.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *name, bold)?;
        sheet.set_column_width(i as u16, 14)?;
    }
    Ok(())
}
