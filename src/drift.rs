//! Drift: how often intake routing agreed with the department that finally handled a case, by month and by
//! department, and where cases were re-routed (退单).
//!
//! Each closed case carries the label predicted at intake, the final label and a date. Both labels go through
//! the routing table, so two categories owned by one department agree, and department labels (unknown to the
//! table) are compared as they are. Every row that cannot be used is reported with its row number (data rows
//! count from 1). This module reads and counts; it must not print or decide anything about models.

use crate::error::TriageError;
use crate::io::open_input;
use crate::route::RoutingTable;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Date columns tried, in order, when none is named.
pub const DEFAULT_DATE_COLUMNS: [&str; 2] = ["closed_at", "date"];
/// Column grouped by, when present and none is named.
pub const DEFAULT_DEPARTMENT_COLUMN: &str = "department";

/// Which columns hold what.
#[derive(Debug, Clone)]
pub struct DriftColumns {
    /// The label predicted at intake (default `intake_label`).
    pub intake: String,
    /// The label of who finally handled the case (default `final_label`).
    pub final_label: String,
    /// `None`: the first of [`DEFAULT_DATE_COLUMNS`] that exists.
    pub date: Option<String>,
    /// The final department's name, to group by; `None`: [`DEFAULT_DEPARTMENT_COLUMN`] when it exists, else the
    /// final label's department.
    pub department: Option<String>,
}

impl Default for DriftColumns {
    fn default() -> Self {
        DriftColumns {
            intake: "intake_label".into(),
            final_label: "final_label".into(),
            date: None,
            department: None,
        }
    }
}

/// Agreement within one month or one department.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftGroup {
    /// `YYYY-MM`, or a department name.
    pub key: String,
    pub cases: usize,
    /// Cases intake sent to the department that finally handled them.
    pub intake_right: usize,
    /// Cases that had to be re-routed.
    pub rerouted: usize,
    pub agreement: f64,
}

/// One re-routing path and how often it was taken.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reroute {
    /// Department intake sent the case to.
    pub from: String,
    /// Department that finally handled it.
    pub to: String,
    pub cases: usize,
}

/// A row that could not be used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BadRow {
    pub row: u64,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    /// Usable cases.
    pub cases: usize,
    /// Same department at intake and at the end.
    pub intake_right: usize,
    pub agreement: f64,
    /// Same label at intake and at the end (stricter: two categories of one department differ here).
    pub label_agreement: f64,
    pub rerouted: usize,
    /// Chronological.
    pub by_month: Vec<DriftGroup>,
    /// By final department, most cases first.
    pub by_department: Vec<DriftGroup>,
    /// Most frequent first.
    pub reroutes: Vec<Reroute>,
    pub bad_rows: Vec<BadRow>,
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[derive(Default)]
struct Tally {
    cases: usize,
    right: usize,
}

impl Tally {
    fn add(&mut self, right: bool) {
        self.cases += 1;
        self.right += right as usize;
    }

    fn group(&self, key: String) -> DriftGroup {
        DriftGroup {
            key,
            cases: self.cases,
            intake_right: self.right,
            rerouted: self.cases - self.right,
            agreement: share(self.right, self.cases),
        }
    }
}

/// Reads a closed-cases file (`-` for standard input) and reports drift.
pub fn drift_report(
    path: &Path,
    columns: &DriftColumns,
    routing: &RoutingTable,
) -> Result<DriftReport, TriageError> {
    drift_from_reader(open_input(path)?, path, columns, routing)
}

/// As [`drift_report`], from any reader; `path` names the source in errors.
pub fn drift_from_reader(
    input: Box<dyn Read>,
    path: &Path,
    columns: &DriftColumns,
    routing: &RoutingTable,
) -> Result<DriftReport, TriageError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let names: Vec<String> = reader
        .byte_headers()
        .map_err(|e| TriageError::BadInput {
            path: path.to_path_buf(),
            message: format!("cannot read the header: {e}"),
        })?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let find = |column: &str| names.iter().position(|n| n == column);
    let missing = |column: &str| TriageError::MissingColumn {
        path: path.to_path_buf(),
        column: column.to_string(),
        available: names.clone(),
    };
    let require = |column: &str| find(column).ok_or_else(|| missing(column));
    let intake = require(&columns.intake)?;
    let final_label = require(&columns.final_label)?;
    let date = match &columns.date {
        Some(column) => require(column)?,
        None => DEFAULT_DATE_COLUMNS
            .iter()
            .find_map(|c| find(c))
            .ok_or_else(|| missing(&DEFAULT_DATE_COLUMNS.join("' or '")))?,
    };
    let department = match &columns.department {
        Some(column) => Some(require(column)?),
        None => find(DEFAULT_DEPARTMENT_COLUMN),
    };

    let mut months: BTreeMap<String, Tally> = BTreeMap::new();
    let mut departments: BTreeMap<String, Tally> = BTreeMap::new();
    let mut reroutes: BTreeMap<(String, String), usize> = BTreeMap::new();
    let (mut total, mut same_label) = (Tally::default(), 0usize);
    let mut bad_rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut number = 0u64;
    loop {
        let read = reader.read_byte_record(&mut record);
        if matches!(read, Ok(false)) {
            break;
        }
        number += 1;
        let mut bad = |message: String| {
            bad_rows.push(BadRow {
                row: number,
                message,
            })
        };
        match read {
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                return Err(TriageError::BadInput {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                });
            }
            Err(e) => {
                bad(e.to_string());
                continue;
            }
            Ok(_) => {}
        }
        if record.len() != names.len() {
            bad(format!(
                "has {} fields, the header has {}",
                record.len(),
                names.len()
            ));
            continue;
        }
        let field = |index: usize| -> Result<&str, String> {
            let bytes = record.get(index).unwrap_or_default();
            let value = std::str::from_utf8(bytes).map_err(|e| {
                format!(
                    "field '{}' is not valid UTF-8 (byte {})",
                    names[index],
                    e.valid_up_to()
                )
            })?;
            let value = value.trim();
            if value.is_empty() {
                Err(format!("empty field '{}'", names[index]))
            } else {
                Ok(value)
            }
        };
        let case = (|| {
            let month = field(date).and_then(|d| {
                month_of(d).ok_or_else(|| {
                    format!(
                        "field '{}': '{d}' is not a date (YYYY-MM-DD or YYYY-MM)",
                        names[date]
                    )
                })
            })?;
            Ok::<_, String>((
                field(intake)?,
                field(final_label)?,
                month,
                department.map(field).transpose()?,
            ))
        })();
        let (intake_label, final_label, month, department) = match case {
            Ok(case) => case,
            Err(message) => {
                bad(message);
                continue;
            }
        };
        let from = routing.route(intake_label);
        let to = routing.route(final_label);
        let right = from.id == to.id;
        total.add(right);
        same_label += (intake_label == final_label) as usize;
        months.entry(month).or_default().add(right);
        let key = department.map(str::to_string).unwrap_or(to.name.clone());
        departments.entry(key).or_default().add(right);
        if !right {
            *reroutes.entry((from.name, to.name)).or_default() += 1;
        }
    }
    let mut by_department: Vec<DriftGroup> = departments
        .into_iter()
        .map(|(key, tally)| tally.group(key))
        .collect();
    by_department.sort_by(|a, b| b.cases.cmp(&a.cases).then_with(|| a.key.cmp(&b.key)));
    let mut reroutes: Vec<Reroute> = reroutes
        .into_iter()
        .map(|((from, to), cases)| Reroute { from, to, cases })
        .collect();
    reroutes.sort_by_key(|r| std::cmp::Reverse(r.cases));
    Ok(DriftReport {
        cases: total.cases,
        intake_right: total.right,
        agreement: share(total.right, total.cases),
        label_agreement: share(same_label, total.cases),
        rerouted: total.cases - total.right,
        by_month: months
            .into_iter()
            .map(|(key, tally)| tally.group(key))
            .collect(),
        by_department,
        reroutes,
        bad_rows,
    })
}

/// `YYYY-MM` of a date written `YYYY-MM`, `YYYY-MM-DD` or `YYYY/MM/DD`, optionally followed by a time.
pub fn month_of(date: &str) -> Option<String> {
    let date = date.split([' ', 'T']).next()?;
    let parts: Vec<&str> = date.split(['-', '/']).collect();
    let number = |s: &str, max_len: usize| -> Option<u32> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())?
    };
    let (year, month) = match parts.as_slice() {
        [y, m] | [y, m, _] if y.len() == 4 => (number(y, 4)?, number(m, 2)?),
        _ => return None,
    };
    if !(1..=12).contains(&month) {
        return None;
    }
    if let [_, _, d] = parts.as_slice() {
        let day = number(d, 2)?;
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if !(1..=days).contains(&day) {
            return None;
        }
    }
    Some(format!("{year:04}-{month:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_read_from_the_usual_date_forms() {
        assert_eq!(month_of("2024-03-15").as_deref(), Some("2024-03"));
        assert_eq!(month_of("2024/3/5").as_deref(), Some("2024-03"));
        assert_eq!(month_of("2024-03").as_deref(), Some("2024-03"));
        assert_eq!(month_of("2024-02-29 08:30:00").as_deref(), Some("2024-02"));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "24-03-01",
            "March",
            "2024-03-1x",
            "",
        ] {
            assert_eq!(month_of(bad), None, "{bad}");
        }
    }

    fn report(csv: &'static str) -> DriftReport {
        drift_from_reader(
            Box::new(csv.as_bytes()),
            Path::new("closed.csv"),
            &DriftColumns::default(),
            &RoutingTable::shipped(),
        )
        .unwrap()
    }

    #[test]
    fn categories_of_one_department_agree_and_reroutes_are_counted() {
        let report = report(
            "intake_label,final_label,closed_at\n\
             tax,tax,2024-01-03\n\
             training,labor,2024-01-09\n\
             tax,land,2024-01-20\n\
             land,land,2024-02-01\n\
             tax,land,2024-02-11\n\
             land,tax,bad-date\n",
        );
        assert_eq!(
            (report.cases, report.intake_right, report.rerouted),
            (5, 3, 2)
        );
        assert!((report.label_agreement - 0.4).abs() < 1e-9);
        let months: Vec<(&str, usize, usize)> = report
            .by_month
            .iter()
            .map(|g| (g.key.as_str(), g.cases, g.intake_right))
            .collect();
        assert_eq!(months, [("2024-01", 3, 2), ("2024-02", 2, 1)]);
        assert_eq!(report.by_department[0].key, "市自然资源和规划局");
        assert_eq!(
            (
                report.by_department[0].cases,
                report.by_department[0].rerouted
            ),
            (3, 2)
        );
        assert_eq!(
            report.reroutes,
            [Reroute {
                from: "国家税务总局市税务局".into(),
                to: "市自然资源和规划局".into(),
                cases: 2
            }]
        );
        assert_eq!(report.bad_rows.len(), 1);
        assert_eq!(report.bad_rows[0].row, 6);
        assert!(report.bad_rows[0].message.contains("'bad-date'"));
    }

    #[test]
    fn a_department_column_groups_and_a_missing_date_column_is_named() {
        let report = report(
            "intake_label,final_label,date,department\n\
             住建局,住建局,2024-05-01,住建局\n\
             住建局,交通局,2024-05-02,交通局\n\
             交通局,交通局,2024-05-03,交通局\n",
        );
        let departments: Vec<(&str, usize, usize)> = report
            .by_department
            .iter()
            .map(|g| (g.key.as_str(), g.cases, g.rerouted))
            .collect();
        assert_eq!(departments, [("交通局", 2, 1), ("住建局", 1, 0)]);
        let error = drift_from_reader(
            Box::new(&b"intake_label,final_label\na,b\n"[..]),
            Path::new("c.csv"),
            &DriftColumns::default(),
            &RoutingTable::shipped(),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("'closed_at' or 'date'"), "{error}");
    }
}
