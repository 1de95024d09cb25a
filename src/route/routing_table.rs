//! The routing table: category → department, loaded from CSV.

use crate::error::TriageError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The routing table shipped with the tool (`models/routing.csv`).
pub const DEFAULT_ROUTING_TABLE: &str = include_str!("../../models/routing.csv");

/// A department cases are handed to: a stable id and its official name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RoutingTable {
    routes: BTreeMap<String, Department>,
    /// The category's Chinese name (`category_name`, the taxonomy's name_zh), for the people who read decisions.
    names: BTreeMap<String, String>,
}

impl RoutingTable {
    /// The shipped table.
    pub fn shipped() -> Self {
        Self::parse(DEFAULT_ROUTING_TABLE, Path::new("models/routing.csv"))
            .expect("the shipped routing table is valid")
    }

    /// Reads a table from a file.
    pub fn from_path(path: &Path) -> Result<Self, TriageError> {
        let text = std::fs::read_to_string(path).map_err(|e| TriageError::io(path, e))?;
        Self::parse(&text, path)
    }

    /// Parses `category,department_id,department_name` rows after a header, with an optional `category_name`
    /// column; `path` names the source in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, TriageError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let bad = |line: u64, message: String| TriageError::BadRoutingTable {
            path: path.to_path_buf(),
            line,
            message,
        };
        let headers = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
        let column = |name: &str| {
            headers.iter().position(|h| h == name).ok_or_else(|| {
                bad(
                    1,
                    format!(
                        "missing column '{name}' (expected category,department_id,department_name; found {})",
                        headers.iter().collect::<Vec<_>>().join(",")
                    ),
                )
            })
        };
        let (category, id, name) = (
            column("category")?,
            column("department_id")?,
            column("department_name")?,
        );
        let category_name = headers.iter().position(|h| h == "category_name");
        let mut routes = BTreeMap::new();
        let mut names = BTreeMap::new();
        for (i, record) in reader.records().enumerate() {
            let line = i as u64 + 2;
            let record = record.map_err(|e| bad(line, e.to_string()))?;
            let field = |index: usize, what: &str| {
                record
                    .get(index)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .ok_or_else(|| bad(line, format!("empty {what}")))
            };
            let key = field(category, "category")?;
            let department = Department {
                id: field(id, "department_id")?,
                name: field(name, "department_name")?,
            };
            if let Some(index) = category_name {
                names.insert(key.clone(), field(index, "category_name")?);
            }
            if routes.insert(key.clone(), department).is_some() {
                return Err(bad(line, format!("category '{key}' is listed twice")));
            }
        }
        Ok(RoutingTable { routes, names })
    }

    /// The department for a label; a label not in the table is its own department.
    pub fn route(&self, label: &str) -> Department {
        self.routes
            .get(label)
            .cloned()
            .unwrap_or_else(|| Department {
                id: label.to_string(),
                name: label.to_string(),
            })
    }

    /// The category's Chinese name; a label without one (another label set, an older table) is its own name.
    pub fn category_name<'a>(&'a self, label: &'a str) -> &'a str {
        self.names
            .get(label)
            .map(String::as_str)
            // Reserved labels (无匹配类别, 非诉求) route nowhere but have their shipped names all the same.
            .or_else(|| {
                crate::pipeline::is_reserved_label(label).then(|| super::category_name(label))
            })
            .unwrap_or(label)
    }

    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    pub fn categories(&self) -> impl Iterator<Item = &str> {
        self.routes.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_routes_every_taxonomy_category() {
        let table = RoutingTable::shipped();
        assert_eq!(table.len(), 20);
        assert!(table.route("tax").name.ends_with("税务局"));
        assert_eq!(table.route("land").id, "natural_resources");
        assert_eq!(table.category_name("payment_arrears"), "拖欠企业账款");
        assert_eq!(table.route("ip_protection").id, "intellectual_property");
    }

    #[test]
    fn every_category_has_the_taxonomy_name_and_others_keep_their_label() {
        let table = RoutingTable::shipped();
        assert!(
            table
                .categories()
                .all(|c| table.category_name(c) != c && !table.category_name(c).is_ascii())
        );
        assert_eq!(table.category_name("power_cost"), "用电用能成本");
        assert_eq!(table.category_name("out_of_scope"), "无匹配类别");
        assert_eq!(table.category_name("城乡建设"), "城乡建设");
        // A table without the column still routes; names fall back to the label.
        let old = RoutingTable::parse(
            "category,department_id,department_name\ntax,tax_bureau,税务局\n",
            Path::new("r.csv"),
        )
        .unwrap();
        assert_eq!(old.category_name("tax"), "tax");
        assert_eq!(old.route("tax").name, "税务局");
    }

    #[test]
    fn unknown_labels_are_their_own_department() {
        let table = RoutingTable::shipped();
        let department = table.route("城乡建设");
        assert_eq!(department.id, "城乡建设");
        assert_eq!(department.name, "城乡建设");
    }

    #[test]
    fn errors_name_the_line() {
        let text =
            "category,department_id,department_name\ntax,tax_bureau,税务局\nland,,自然资源局\n";
        let error = RoutingTable::parse(text, Path::new("r.csv")).unwrap_err();
        assert!(error.to_string().contains("r.csv, line 3"), "{error}");
        let error = RoutingTable::parse("a,b\n1,2\n", Path::new("r.csv")).unwrap_err();
        assert!(
            error.to_string().contains("missing column 'category'"),
            "{error}"
        );
    }
}
