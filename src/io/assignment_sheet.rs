//! Decisions as a workbook people work from: the 交办单.
//!
//! Every data sheet has a bold header frozen in place with a filter on it, columns as wide as their content (the
//! complaint's text wrapped, its column capped), the rows that need review filled in a light orange, and the
//! confidence as a number shown as a percentage. A summary sheet (汇总) counts the rows by department and by
//! category with the share sent to review. Split by department or label, each value gets a sheet of its own;
//! with a title, each sheet starts with a title row (交办单 · the department · the date) above the header.
//!
//! [`DecisionWorkbook`] is streamed: rows go to disk as they come (rust_xlsxwriter's constant-memory sheets),
//! and past Excel's 1,048,576 rows a sheet goes on in a new sheet under the same header. The command line's
//! XLSX output, its folder of 交办单 files, `triage cases export` and the desk page's download all write
//! through it: [`assignment_workbook`] is the one-call form for rows held in memory, [`case_workbook`] and
//! [`write_cases`] the form for stored cases (their state, deadline, 退单 count and resolution besides the
//! decision), grouped by the department holding them or by the one the model suggested.

use super::destination::Destination;
use super::output::OutputLayout;
use super::sink::{SplitBy, Typed, typed_field};
use crate::error::TriageError;
use crate::io::{Row, decision_fields, decision_header};
use crate::pipeline::Triage;
use crate::route::{RoutingTable, category_name};
use crate::store::{Case, time};
use rust_xlsxwriter::{Color, Format, FormatAlign, Workbook, XlsxError};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::Path;

/// Excel's rows per sheet.
const SHEET_ROWS: u32 = 1_048_576;
/// Widths are fitted to the first rows of each sheet only, so that a long output costs nothing more.
const WIDTH_SAMPLE_ROWS: u32 = 5_000;
/// The widest a column gets (Excel's width units, about one Latin character); the text column is wrapped at
/// its cap.
const MAX_WIDTH: f64 = 40.0;
const MAX_TEXT_WIDTH: f64 = 60.0;
/// The name of rows with an empty split value (nothing to route on, unreadable rows).
pub const UNASSIGNED: &str = "未分派";
/// The summary sheet's name.
pub const SUMMARY_SHEET: &str = "汇总";

/// How a decision workbook is laid out.
#[derive(Debug, Clone, Default)]
pub struct WorkbookOptions {
    /// One sheet per value of this decision column.
    pub split_by: Option<SplitBy>,
    /// A title row above each sheet's header (with the sheet's split value added when split), e.g.
    /// `交办单　市税务局　2026-11-30`.
    pub title: Option<String>,
    /// Add the summary sheet (汇总).
    pub summary: bool,
    /// Rows that need review go to a sheet of this name rather than their split value's: a 交办单 sends a
    /// department only what is decided.
    pub review_sheet: Option<String>,
}

/// Counts for the summary sheet.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    rows: u64,
    review: u64,
}

/// One data sheet being written.
struct SheetState {
    /// The worksheet's index in the workbook.
    index: usize,
    /// The split value ("" when not split).
    key: String,
    /// The header's row.
    header_row: u32,
    /// The next row to write.
    row: u32,
    widths: Vec<f64>,
}

/// Formats of a data sheet: plain and review-highlighted variants.
struct Formats {
    header: Format,
    title: Format,
    text: [Format; 2],
    wrapped: [Format; 2],
    percent: [Format; 2],
}

/// A decision workbook being written, one row at a time.
pub struct DecisionWorkbook {
    workbook: Workbook,
    names: Vec<String>,
    decisions: Vec<Option<&'static str>>,
    text: Option<usize>,
    review: Option<usize>,
    split: Option<usize>,
    department: Option<usize>,
    category: Option<usize>,
    options: WorkbookOptions,
    formats: Formats,
    sheets: Vec<SheetState>,
    /// The sheet now written for each split value.
    current: HashMap<String, usize>,
    sheet_names: Vec<String>,
    by_department: BTreeMap<String, Counts>,
    by_category: BTreeMap<String, Counts>,
    total: Counts,
}

impl DecisionWorkbook {
    pub fn new(layout: &OutputLayout, options: WorkbookOptions) -> Result<Self, XlsxError> {
        let mut workbook = Workbook::new();
        // The sheets are zipped when the file is saved, after every row is triaged, so it adds to the wall
        // time. Measured on 100,000 decisions: level 3 instead of the default 6 saves ~0.7 s for an 11% larger
        // file (level 1: 71% larger).
        workbook.set_zip_compression_level(3);
        let review_fill = Color::RGB(0xFCE4D6);
        let both = |format: Format| [format.clone(), format.set_background_color(review_fill)];
        let formats = Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xD9E1F2)),
            title: Format::new().set_bold().set_font_size(14),
            text: both(Format::new()),
            wrapped: both(Format::new().set_text_wrap().set_align(FormatAlign::Top)),
            percent: both(Format::new().set_num_format("0.0%")),
        };
        let category = layout
            .decision_position("category_name")
            .or_else(|| layout.decision_position("label"));
        Ok(DecisionWorkbook {
            workbook,
            names: layout.names().iter().map(|n| n.to_string()).collect(),
            decisions: layout.decision_names(),
            text: layout.text_position(),
            review: layout.decision_position("review"),
            split: options
                .split_by
                .and_then(|s| layout.decision_position(s.column())),
            department: layout.decision_position("department"),
            category,
            options,
            formats,
            sheets: Vec::new(),
            current: HashMap::new(),
            sheet_names: Vec::new(),
            by_department: BTreeMap::new(),
            by_category: BTreeMap::new(),
            total: Counts::default(),
        })
    }

    /// Writes one row, its fields in the layout's order.
    pub fn write_row(&mut self, fields: &[String]) -> Result<(), XlsxError> {
        let review = self
            .review
            .and_then(|p| fields.get(p))
            .is_some_and(|v| v == "true");
        let key = match (self.split, &self.options.review_sheet) {
            (Some(_), Some(sheet)) if review => sheet.clone(),
            (Some(position), _) => fields.get(position).cloned().unwrap_or_default(),
            (None, _) => String::new(),
        };
        self.count(fields, review);
        let sheet = match self.current.get(&key) {
            Some(&sheet) if self.sheets[sheet].row < SHEET_ROWS => sheet,
            _ => self.new_sheet(&key)?,
        };
        let highlight = usize::from(review);
        let state = &mut self.sheets[sheet];
        let (row, sample) = (state.row, state.row - state.header_row <= WIDTH_SAMPLE_ROWS);
        let worksheet = self.workbook.worksheet_from_index(state.index)?;
        for (column, (value, decision)) in fields.iter().zip(&self.decisions).enumerate() {
            let col = column as u16;
            let is_text = Some(column) == self.text;
            match typed_field(*decision, value) {
                Typed::Text(text) if is_text => worksheet.write_string_with_format(
                    row,
                    col,
                    text,
                    &self.formats.wrapped[highlight],
                )?,
                Typed::Text(text) => worksheet.write_string_with_format(
                    row,
                    col,
                    text,
                    &self.formats.text[highlight],
                )?,
                Typed::Number(number) if *decision == Some("confidence") => worksheet
                    .write_number_with_format(row, col, number, &self.formats.percent[highlight])?,
                Typed::Number(number) => worksheet.write_number_with_format(
                    row,
                    col,
                    number,
                    &self.formats.text[highlight],
                )?,
                Typed::Bool(flag) => worksheet.write_boolean_with_format(
                    row,
                    col,
                    flag,
                    &self.formats.text[highlight],
                )?,
                Typed::Missing => worksheet.write_blank(row, col, &self.formats.text[highlight])?,
            };
            if sample {
                let cap = if is_text { MAX_TEXT_WIDTH } else { MAX_WIDTH };
                let width = &mut state.widths[column];
                if *width < cap {
                    let needed = match decision {
                        Some("confidence") => 7.0,
                        _ => display_width(value),
                    };
                    *width = width.max(needed.min(cap));
                }
            }
        }
        state.row += 1;
        Ok(())
    }

    fn count(&mut self, fields: &[String], review: bool) {
        let value = |position: Option<usize>| {
            position
                .and_then(|p| fields.get(p))
                .filter(|v| !v.is_empty())
                .map_or(UNASSIGNED, String::as_str)
                .to_string()
        };
        for (counts, key) in [
            (&mut self.by_department, value(self.department)),
            (&mut self.by_category, value(self.category)),
        ] {
            let counts = counts.entry(key).or_default();
            counts.rows += 1;
            counts.review += u64::from(review);
        }
        self.total.rows += 1;
        self.total.review += u64::from(review);
    }

    /// Starts a data sheet for a split value (again, when its last one is full).
    fn new_sheet(&mut self, key: &str) -> Result<usize, XlsxError> {
        let base = match (&self.split, key) {
            (None, _) => "decisions".to_string(),
            (Some(_), "") => UNASSIGNED.to_string(),
            (Some(_), key) => sheet_name(key),
        };
        let name = unique_name(&base, &self.sheet_names);
        self.sheet_names.push(name.clone());
        let index = self.sheets.len();
        let worksheet = self.workbook.add_worksheet_with_constant_memory()?;
        worksheet.set_name(&name)?;
        let mut header_row = 0;
        if let Some(title) = &self.options.title {
            let value = if key.is_empty() { UNASSIGNED } else { key };
            let last = self.names.len().saturating_sub(1) as u16;
            let text = match self.split {
                Some(_) => format!("{title}　{value}"),
                None => title.clone(),
            };
            if last > 0 {
                worksheet.merge_range(0, 0, 0, last, &text, &self.formats.title)?;
            } else {
                worksheet.write_string_with_format(0, 0, &text, &self.formats.title)?;
            }
            worksheet.set_row_height(0, 24)?;
            header_row = 1;
        }
        for (column, name) in self.names.iter().enumerate() {
            worksheet.write_string_with_format(
                header_row,
                column as u16,
                name,
                &self.formats.header,
            )?;
        }
        worksheet.set_freeze_panes(header_row + 1, 0)?;
        let widths = self.names.iter().map(|n| display_width(n) + 2.0).collect();
        self.sheets.push(SheetState {
            index,
            key: key.to_string(),
            header_row,
            row: header_row + 1,
            widths,
        });
        self.current.insert(key.to_string(), index);
        Ok(index)
    }

    /// Puts the filters and widths on the sheets and adds the summary; the workbook is then ready to save.
    fn complete(&mut self) -> Result<(), XlsxError> {
        if self.sheets.is_empty() {
            self.new_sheet("")?;
        }
        let last_column = self.names.len().saturating_sub(1) as u16;
        for state in &self.sheets {
            let worksheet = self.workbook.worksheet_from_index(state.index)?;
            worksheet.autofilter(state.header_row, 0, state.row - 1, last_column)?;
            for (column, width) in state.widths.iter().enumerate() {
                // Room for the filter's drop-down button.
                worksheet.set_column_width(column as u16, width + 2.0)?;
            }
        }
        if self.options.summary {
            self.write_summary()?;
        }
        Ok(())
    }

    fn write_summary(&mut self) -> Result<(), XlsxError> {
        let bold = Format::new().set_bold();
        let header = self.formats.header.clone();
        let percent = Format::new().set_num_format("0.0%");
        let share = |c: &Counts| {
            if c.rows == 0 {
                0.0
            } else {
                c.review as f64 / c.rows as f64
            }
        };
        let category_title = match self.category.map(|p| self.decisions[p]) {
            Some(Some("category_name")) => "类别",
            _ => "类别（label）",
        };
        let total = self.total;
        let tables = [
            ("部门", self.by_department.clone()),
            (category_title, self.by_category.clone()),
        ];
        let name = unique_name(SUMMARY_SHEET, &self.sheet_names);
        let sheet = self.workbook.add_worksheet();
        sheet.set_name(name)?;
        sheet.write_string_with_format(0, 0, "分诊汇总", &self.formats.title)?;
        for (row, (label, value)) in [
            ("总件数", total.rows as f64),
            ("自动分派", (total.rows - total.review) as f64),
            ("需人工复核", total.review as f64),
        ]
        .into_iter()
        .enumerate()
        {
            sheet.write_string_with_format(row as u32 + 1, 0, label, &bold)?;
            sheet.write_number(row as u32 + 1, 1, value)?;
        }
        sheet.write_string_with_format(4, 0, "复核占比", &bold)?;
        sheet.write_number_with_format(4, 1, share(&total), &percent)?;
        let mut row = 6;
        for (title, counts) in tables {
            for (column, name) in [title, "件数", "需复核", "复核占比"].iter().enumerate()
            {
                sheet.write_string_with_format(row, column as u16, *name, &header)?;
            }
            let mut counts: Vec<(String, Counts)> = counts.into_iter().collect();
            counts.sort_by(|a, b| b.1.rows.cmp(&a.1.rows).then_with(|| a.0.cmp(&b.0)));
            for (name, c) in &counts {
                row += 1;
                sheet.write_string(row, 0, name)?;
                sheet.write_number(row, 1, c.rows as f64)?;
                sheet.write_number(row, 2, c.review as f64)?;
                sheet.write_number_with_format(row, 3, share(c), &percent)?;
            }
            row += 2;
        }
        sheet.set_column_width(0, 28)?;
        sheet.set_column_width(1, 10)?;
        sheet.set_column_width(2, 10)?;
        sheet.set_column_width(3, 10)?;
        Ok(())
    }

    /// Completes the workbook and writes it to `writer`.
    pub fn save_to_writer<W: std::io::Write + Send>(mut self, writer: W) -> Result<(), XlsxError> {
        self.complete()?;
        self.workbook.save_to_writer(writer)
    }

    /// Completes the workbook and returns its bytes.
    pub fn save_to_buffer(mut self) -> Result<Vec<u8>, XlsxError> {
        self.complete()?;
        self.workbook.save_to_buffer()
    }

    /// The split values that have a sheet, in the order they first came.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        for state in &self.sheets {
            if !keys.contains(&state.key.as_str()) {
                keys.push(&state.key);
            }
        }
        keys
    }
}

/// Roughly how wide text shows in Excel's units: a CJK character takes two.
fn display_width(text: &str) -> f64 {
    unicode_width::UnicodeWidthStr::width(text) as f64 * 1.1
}

/// A split value as a sheet name: Excel forbids `[]:*?/\` and allows 31 characters.
fn sheet_name(value: &str) -> String {
    let cleaned: String = value
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    let cleaned = cleaned.trim_matches('\'').to_string();
    if cleaned.is_empty() {
        UNASSIGNED.to_string()
    } else {
        cleaned
    }
}

/// `base`, or `base (2)`, … : sheet names are unique regardless of case.
fn unique_name(base: &str, taken: &[String]) -> String {
    let free = |name: &str| {
        !taken
            .iter()
            .any(|t| t.to_lowercase() == name.to_lowercase())
    };
    if free(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| {
            let suffix = format!(" ({n})");
            let room = 31 - suffix.chars().count();
            format!("{}{suffix}", base.chars().take(room).collect::<String>())
        })
        .find(|name| free(name))
        .expect("some suffix is free")
}

/// A decision workbook in memory, from the rows as read and their decisions (in the same order): the input's
/// columns (`input_columns`, the text in `text_column`) then the decision's, as `triage classify` writes them.
/// What the service's export and the desk page's download call.
pub fn assignment_workbook(
    input_columns: &[String],
    text_column: &str,
    rows: &[Row],
    decisions: &[Triage],
    options: WorkbookOptions,
) -> Result<Vec<u8>, TriageError> {
    let header = decision_header(false);
    let layout = OutputLayout::keeping_input(input_columns, text_column, Some("id"), &header);
    let xlsx =
        |e: XlsxError| TriageError::InvalidParameter(format!("cannot write the workbook: {e}"));
    let mut workbook = DecisionWorkbook::new(&layout, options).map_err(xlsx)?;
    for (row, decision) in rows.iter().zip(decisions) {
        let fields = layout.row(&row.fields, decision_fields(&row.id, decision, false));
        workbook.write_row(&fields).map_err(xlsx)?;
    }
    workbook.save_to_buffer().map_err(xlsx)
}

/// The columns a stored case brings to a 交办单 before its decision's ([`CASE_DECISION_COLUMNS`]).
pub const CASE_COLUMNS: [&str; 12] = [
    "编号",
    "收到时间",
    "企业",
    "来源",
    "诉求内容",
    "状态",
    "办理时限",
    "是否超期",
    "退单次数",
    "办结情况",
    "销号时间",
    "判断依据",
];

/// The decision's columns of a case row, each with its Chinese header.
pub const CASE_DECISION_COLUMNS: [(&str, &str); 5] = [
    ("category_name", "类别"),
    ("confidence", "置信度"),
    ("department", "承办单位"),
    ("review", "需复核"),
    ("review_reason", "复核原因"),
];

/// The sheet of cases still with the dispatcher (grouped by holder).
pub const DISPATCH_SHEET: &str = "待交办";
/// The sheet of cases the model sent to review (grouped by suggestion).
pub const REVIEW_SHEET: &str = "待复核";

/// Which department's sheet a stored case goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseGrouping {
    /// The department holding it now (the final one once closed); cases with the dispatcher on
    /// [`DISPATCH_SHEET`]. What `triage cases export` writes.
    Holder,
    /// The department the model suggested at intake; cases it sent to review on [`REVIEW_SHEET`]. What the
    /// desk's download of a batch just triaged writes.
    Suggestion,
}

fn case_layout() -> OutputLayout {
    let input: Vec<String> = CASE_COLUMNS.iter().map(|c| c.to_string()).collect();
    let decisions: Vec<&'static str> = CASE_DECISION_COLUMNS.iter().map(|(d, _)| *d).collect();
    OutputLayout::keeping_input(&input, "诉求内容", Some("编号"), &decisions)
        .with_decision_names(&CASE_DECISION_COLUMNS)
}

/// One case as a row of [`case_layout`]. `names` maps department ids to names.
fn case_row(
    layout: &OutputLayout,
    case: &Case,
    names: &BTreeMap<String, String>,
    now: i64,
    grouping: CaseGrouping,
) -> Vec<String> {
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let optional = |value: &Option<String>| value.clone().unwrap_or_default();
    let shown = |key: &str| {
        case.decision
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let reasons = case
        .decision
        .get("reasons")
        .and_then(|r| r.as_array())
        .map(|reasons| {
            reasons
                .iter()
                .filter_map(|r| r.get("term").and_then(|t| t.as_str()))
                .collect::<Vec<_>>()
                .join("、")
        })
        .unwrap_or_default();
    let input = vec![
        case.id.clone(),
        time::format_local(case.received_at),
        optional(&case.enterprise),
        optional(&case.source),
        case.text.clone(),
        case.state.chinese().to_string(),
        case.deadline.map(time::format_local).unwrap_or_default(),
        if case.overdue(now) { "是" } else { "否" }.to_string(),
        case.returns.to_string(),
        optional(&case.resolution),
        case.closed_at.map(time::format_local).unwrap_or_default(),
        reasons,
    ];
    let label = case.label.as_deref().unwrap_or(&case.suggested_label);
    let department = match grouping {
        CaseGrouping::Holder => case
            .department_id
            .as_deref()
            .map_or_else(|| DISPATCH_SHEET.to_string(), name),
        CaseGrouping::Suggestion => name(&case.suggested_department_id),
    };
    let decision = vec![
        if label.is_empty() {
            String::new()
        } else {
            category_name(label).to_string()
        },
        if case.suggested_label.is_empty() {
            String::new()
        } else {
            format!("{:.3}", case.confidence)
        },
        department,
        case.review.to_string(),
        shown("review_reason"),
    ];
    layout.row(&input, decision)
}

/// Stored cases as an XLSX 交办单: one sheet per department as `grouping` says, a summary sheet (汇总), the
/// header frozen and filtered, review rows filled. `names` maps department ids to names.
pub fn case_workbook(
    cases: &[Case],
    names: &BTreeMap<String, String>,
    now: i64,
    grouping: CaseGrouping,
    title: Option<String>,
) -> Result<Vec<u8>, XlsxError> {
    let layout = case_layout();
    let options = WorkbookOptions {
        split_by: Some(SplitBy::Department),
        title,
        summary: true,
        review_sheet: (grouping == CaseGrouping::Suggestion).then(|| REVIEW_SHEET.to_string()),
    };
    let mut workbook = DecisionWorkbook::new(&layout, options)?;
    for case in cases {
        workbook.write_row(&case_row(&layout, case, names, now, grouping))?;
    }
    workbook.save_to_buffer()
}

/// A department id's official name from the routing table, or the id.
fn department_names(routing: &RoutingTable) -> BTreeMap<String, String> {
    routing
        .categories()
        .map(|c| routing.route(c))
        .map(|d| (d.id, d.name))
        .collect()
}

/// Writes stored `cases` to `path`, by the department holding each: an XLSX 交办单 ([`case_workbook`]) or
/// one CSV file with the same columns, by the extension; the file appears only when complete. Returns the
/// number of department sheets (1 for CSV).
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
    let layout = case_layout();
    let mut destination = match extension.as_deref() {
        Some("xlsx" | "csv") => Destination::create(path)?,
        _ => {
            return Err(TriageError::BadInput {
                path: path.to_path_buf(),
                message: "the output must end in .xlsx or .csv".into(),
            });
        }
    };
    let sheets = if extension.as_deref() == Some("xlsx") {
        let bytes = case_workbook(cases, &names, now, CaseGrouping::Holder, None)
            .map_err(|e| TriageError::io(path, std::io::Error::other(e)))?;
        destination
            .write_all(&bytes)
            .map_err(|e| destination.error(e))?;
        let holders: BTreeSet<Option<&str>> =
            cases.iter().map(|c| c.department_id.as_deref()).collect();
        holders.len().max(1)
    } else {
        let mut writer = csv::Writer::from_writer(&mut destination);
        let error = |e: csv::Error| TriageError::io(path, super::destination::csv_io_error(e));
        writer.write_record(layout.names()).map_err(error)?;
        for case in cases {
            writer
                .write_record(case_row(&layout, case, &names, now, CaseGrouping::Holder))
                .map_err(error)?;
        }
        writer.flush().map_err(|e| TriageError::io(path, e))?;
        drop(writer);
        1
    };
    destination.commit()?;
    Ok(sheets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::CaseState;
    use calamine::{Reader, Xlsx};

    fn case(id: &str, suggested: &str, holder: Option<&str>, review: bool) -> Case {
        Case {
            id: id.into(),
            seq: 1,
            text: format!("{id} 的诉求"),
            enterprise: None,
            source: Some("批次.csv".into()),
            received_at: 0,
            state: if holder.is_some() {
                CaseState::Assigned
            } else {
                CaseState::New
            },
            suggested_label: "tax".into(),
            suggested_department_id: suggested.into(),
            confidence: 0.9,
            review,
            model_version: "1".into(),
            decision: serde_json::json!({"reasons": [{"term": "退税", "weight": 1.0}],
                "review_reason": if review { "置信度低" } else { "" }}),
            label: Some("tax".into()),
            department_id: holder.map(str::to_string),
            deadline: holder.map(|_| 1_000),
            assigned_at: None,
            closed_at: None,
            resolution: None,
            returns: 0,
            version: 1,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn names() -> BTreeMap<String, String> {
        [("tax_bureau", "税务局"), ("power", "供电/公司")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_batch_goes_to_the_suggested_departments_with_review_cases_kept_back() {
        let cases = vec![
            case("C1", "tax_bureau", None, false),
            case("C2", "tax_bureau", None, false),
            case("C3", "power", None, false),
            case("C4", "tax_bureau", None, true),
        ];
        let bytes = case_workbook(&cases, &names(), 0, CaseGrouping::Suggestion, None).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            book.sheet_names(),
            vec!["税务局", "供电_公司", "待复核", "汇总"]
        );
        let tax = book.worksheet_range("税务局").unwrap();
        assert_eq!(tax.height(), 3, "header and the two routed cases");
        let header: Vec<String> = (0..tax.width())
            .map(|c| tax.get_value((0, c as u32)).unwrap().to_string())
            .collect();
        let column = |name: &str| header.iter().position(|h| h == name).unwrap() as u32;
        assert_eq!(
            tax.get_value((2, column("编号"))).unwrap().to_string(),
            "C2"
        );
        assert_eq!(
            tax.get_value((1, column("判断依据"))).unwrap().to_string(),
            "退税"
        );
        assert_eq!(
            tax.get_value((1, column("承办单位"))).unwrap().to_string(),
            "税务局"
        );
        assert_eq!(
            tax.get_value((1, column("类别"))).unwrap().to_string(),
            "税收"
        );
        let review = book.worksheet_range("待复核").unwrap();
        assert_eq!(review.height(), 2);
        assert_eq!(
            review
                .get_value((1, column("复核原因")))
                .unwrap()
                .to_string(),
            "置信度低"
        );
    }

    #[test]
    fn stored_cases_go_to_the_department_holding_them() {
        let cases = vec![
            case("C1", "tax_bureau", Some("power"), false),
            case("C2", "tax_bureau", None, false),
        ];
        let bytes = case_workbook(&cases, &names(), 5_000, CaseGrouping::Holder, None).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), vec!["供电_公司", "待交办", "汇总"]);
        let power = book.worksheet_range("供电_公司").unwrap();
        assert_eq!(power.get_value((1, 0)).unwrap().to_string(), "C1");
        assert_eq!(
            power.get_value((1, 7)).unwrap().to_string(),
            "是",
            "overdue"
        );
    }

    #[test]
    fn sheet_names_are_cleaned_and_unique() {
        assert_eq!(sheet_name("a/b:c"), "a_b_c");
        assert_eq!(sheet_name(&"长".repeat(40)).chars().count(), 31);
        let taken = vec!["税务局".to_string(), "Decisions".to_string()];
        assert_eq!(unique_name("税务局", &taken), "税务局 (2)");
        assert_eq!(unique_name("decisions", &taken), "decisions (2)");
        assert_eq!(unique_name("人社局", &taken), "人社局");
    }
}
