//! Reading complaints to group from a table (any format [`TableReader`] reads), with their optional date,
//! enterprise and gold-group columns. Every row is accounted for: an unreadable row comes back as a
//! [`RowError`] naming it, and a date that is not a date is reported with its row and field and then left out.

use super::{Complaint, dates::parse_date};
use crate::error::TriageError;
use crate::io::{Columns, ReadOptions, RowError, TableReader};
use std::path::Path;

/// Which columns hold what.
#[derive(Debug, Clone)]
pub struct ComplaintColumns {
    pub text: String,
    pub id: String,
    /// Optional in the table.
    pub date: String,
    /// Optional in the table.
    pub enterprise: String,
    /// A gold group per row, to evaluate against; required when set.
    pub gold: Option<String>,
}

impl Default for ComplaintColumns {
    fn default() -> Self {
        ComplaintColumns {
            text: "text".into(),
            id: "id".into(),
            date: "date".into(),
            enterprise: "enterprise".into(),
            gold: None,
        }
    }
}

/// A table's complaints, in order, and what could not be used.
#[derive(Debug, Default)]
pub struct ComplaintTable {
    pub complaints: Vec<Complaint>,
    /// For each complaint, its gold group (empty: alone), when asked for.
    pub gold: Vec<Option<String>>,
    /// Rows that could not be read, in order; each is still a row of the table.
    pub unreadable: Vec<RowError>,
    /// Index in `complaints` before which each unreadable row came, to keep one output row per input row.
    pub unreadable_at: Vec<usize>,
    /// Problems that did not stop a row from being used (a date that is not one), naming the row and field.
    pub warnings: Vec<String>,
}

/// Reads `path`; the complaints get `batch` (0 for the batch at hand).
pub fn read_complaints(
    path: &Path,
    columns: &ComplaintColumns,
    options: &ReadOptions,
    batch: usize,
) -> Result<ComplaintTable, TriageError> {
    let mut extra = vec![columns.date.clone(), columns.enterprise.clone()];
    extra.extend(columns.gold.clone());
    let table_columns = Columns {
        text: columns.text.clone(),
        id: Some(columns.id.clone()),
        label: None,
        extra,
    };
    let reader = TableReader::open_with(path, &table_columns, options)?;
    let mut table = ComplaintTable::default();
    let mut gold_seen = false;
    for row in reader {
        let mut row = match row? {
            Ok(row) => row,
            Err(error) => {
                table.unreadable_at.push(table.complaints.len());
                table.unreadable.push(error);
                continue;
            }
        };
        let gold = columns
            .gold
            .as_ref()
            .and_then(|_| row.extra.pop().flatten());
        if columns.gold.is_some() {
            gold_seen |= gold.is_some();
            table.gold.push(gold.filter(|g| !g.trim().is_empty()));
        }
        let enterprise = row.extra.pop().flatten().filter(|e| !e.trim().is_empty());
        let date = row.extra.pop().flatten().filter(|d| !d.trim().is_empty());
        if let Some(date) = &date
            && parse_date(date).is_none()
        {
            table.warnings.push(format!(
                "{}, row {} (line {}): field '{}' is not a date: {date:?} (left out)",
                path.display(),
                row.number,
                row.line,
                columns.date
            ));
        }
        table.complaints.push(Complaint {
            id: row.id,
            text: row.text,
            date: date.filter(|d| parse_date(d).is_some()),
            enterprise,
            batch,
        });
    }
    if let Some(gold) = &columns.gold
        && !gold_seen
        && !table.complaints.is_empty()
    {
        return Err(TriageError::BadInput {
            path: path.to_path_buf(),
            message: format!("no gold group in column '{gold}' on any row (is the column there?)"),
        });
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn optional_columns_are_read_when_present_and_bad_dates_are_named() {
        let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        writeln!(file, "id,text,date,enterprise,group").unwrap();
        writeln!(file, "a,路灯不亮,2024/3/5,甲公司,g1").unwrap();
        writeln!(file, "b,路灯坏了,明天,,g1").unwrap();
        writeln!(file, "c,\"bad,row").unwrap();
        let columns = ComplaintColumns {
            gold: Some("group".into()),
            ..Default::default()
        };
        let table = read_complaints(file.path(), &columns, &ReadOptions::default(), 0).unwrap();
        assert_eq!(table.complaints.len(), 2);
        assert_eq!(table.complaints[0].date.as_deref(), Some("2024/3/5"));
        assert_eq!(table.complaints[0].enterprise.as_deref(), Some("甲公司"));
        assert_eq!(table.complaints[1].date, None);
        assert_eq!(table.complaints[1].enterprise, None);
        assert_eq!(
            table.gold,
            vec![Some("g1".to_string()), Some("g1".to_string())]
        );
        assert_eq!(table.warnings.len(), 1);
        assert!(table.warnings[0].contains("row 2"), "{}", table.warnings[0]);
        assert_eq!(table.unreadable.len(), 1);
        assert_eq!(table.unreadable_at, vec![2]);
    }

    #[test]
    fn a_table_without_dates_or_enterprises_is_fine() {
        let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        writeln!(file, "id,text").unwrap();
        writeln!(file, "a,路灯不亮").unwrap();
        let table = read_complaints(
            file.path(),
            &ComplaintColumns::default(),
            &ReadOptions::default(),
            2,
        )
        .unwrap();
        assert_eq!(table.complaints[0].batch, 2);
        assert_eq!(table.complaints[0].date, None);
    }
}
