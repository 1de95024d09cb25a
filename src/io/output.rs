//! Which columns an output has and where each value comes from: by default the input's own columns, as they
//! were, followed by the decision's columns ([`super::decision_header`]); or the decision's columns alone.
//!
//! A decision column whose name an input column already has is renamed `triage_<name>` (`label` →
//! `triage_label`), so that nothing of the input is overwritten and the rename is visible in the header. The
//! decision's `id` is left out when the input's id column is itself named `id`: it would repeat it.

/// Where an output column's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnSource {
    /// The input's column at this index ([`crate::io::Row::fields`]).
    Input(usize),
    /// The decision's field of this name, at this index of the decision's fields.
    Decision { name: &'static str, index: usize },
}

/// One column of an output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputColumn {
    /// The name in the output's header.
    pub name: String,
    pub source: ColumnSource,
}

/// The columns of an output, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLayout {
    columns: Vec<OutputColumn>,
    /// The output position of the input's text column, when the input's columns are kept.
    text: Option<usize>,
    /// The input's id column, when the input's columns are kept and it has one.
    id: Option<usize>,
}

impl OutputLayout {
    /// The decision's columns alone (`--decisions-only`).
    pub fn decisions_only(decision_header: &[&'static str]) -> Self {
        OutputLayout {
            columns: decision_header
                .iter()
                .enumerate()
                .map(|(index, name)| OutputColumn {
                    name: name.to_string(),
                    source: ColumnSource::Decision { name, index },
                })
                .collect(),
            text: None,
            id: None,
        }
    }

    /// The input's columns, then the decision's, clashes renamed (see the module's documentation).
    /// `text_column` and `id_column` are the input columns read as the text and the id.
    pub fn keeping_input(
        input_columns: &[String],
        text_column: &str,
        id_column: Option<&str>,
        decision_header: &[&'static str],
    ) -> Self {
        let mut columns: Vec<OutputColumn> = input_columns
            .iter()
            .enumerate()
            .map(|(index, name)| OutputColumn {
                name: name.clone(),
                source: ColumnSource::Input(index),
            })
            .collect();
        let text = input_columns.iter().position(|n| n == text_column);
        let id = id_column.and_then(|id| input_columns.iter().position(|n| n == id));
        let input_has = |name: &str| input_columns.iter().any(|n| n == name);
        for (index, &name) in decision_header.iter().enumerate() {
            if name == "id" && id_column == Some("id") && input_has("id") {
                continue;
            }
            let mut output_name = name.to_string();
            while columns.iter().any(|c| c.name == output_name) {
                output_name = format!("triage_{output_name}");
            }
            columns.push(OutputColumn {
                name: output_name,
                source: ColumnSource::Decision { name, index },
            });
        }
        OutputLayout { columns, text, id }
    }

    /// The same layout with decision columns shown under other names (Chinese headers for office readers):
    /// `names` maps a decision's name to its header.
    pub fn with_decision_names(mut self, names: &[(&str, &str)]) -> Self {
        for column in &mut self.columns {
            if let ColumnSource::Decision { name, .. } = column.source
                && let Some((_, shown)) = names.iter().find(|(n, _)| *n == name)
            {
                column.name = shown.to_string();
            }
        }
        self
    }

    pub fn columns(&self) -> &[OutputColumn] {
        &self.columns
    }

    /// The header's names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// Decision columns written under another name: (decision's name, name in the output).
    pub fn renamed(&self) -> Vec<(&'static str, &str)> {
        self.columns
            .iter()
            .filter_map(|c| match c.source {
                ColumnSource::Decision { name, .. } if name != c.name => {
                    Some((name, c.name.as_str()))
                }
                _ => None,
            })
            .collect()
    }

    /// The output position of the decision's column `name` (`review`, `department`, …), when it is written.
    pub fn decision_position(&self, wanted: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| matches!(c.source, ColumnSource::Decision { name, .. } if name == wanted))
    }

    /// The output position of the complaint's text, when the input's columns are kept.
    pub fn text_position(&self) -> Option<usize> {
        self.text
    }

    /// The decision's name of each output column (`None` for an input column): what typed formats go by.
    pub fn decision_names(&self) -> Vec<Option<&'static str>> {
        self.columns
            .iter()
            .map(|c| match c.source {
                ColumnSource::Decision { name, .. } => Some(name),
                ColumnSource::Input(_) => None,
            })
            .collect()
    }

    /// The output row of an input row that could not be read: its id (in the input's id column too), and the
    /// decision's fields.
    pub fn unreadable_row(&self, id: &str, decision: Vec<String>) -> Vec<String> {
        let mut input = Vec::new();
        if let Some(index) = self.id {
            input.resize(index + 1, String::new());
            input[index] = id.to_string();
        }
        self.row(&input, decision)
    }

    /// One output row from an input row's fields and a decision's fields (in decision-header order). A field
    /// the input row lacks is empty (an unreadable row has none).
    pub fn row(&self, input: &[String], mut decision: Vec<String>) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| match c.source {
                ColumnSource::Input(index) => input.get(index).cloned().unwrap_or_default(),
                ColumnSource::Decision { index, .. } => decision
                    .get_mut(index)
                    .map(std::mem::take)
                    .unwrap_or_default(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECISION: [&str; 4] = ["id", "label", "confidence", "review"];

    fn names(columns: &[&str]) -> Vec<String> {
        columns.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn input_columns_come_first_and_clashes_are_renamed() {
        let input = names(&["id", "企业", "text", "label"]);
        let layout = OutputLayout::keeping_input(&input, "text", Some("id"), &DECISION);
        assert_eq!(
            layout.names(),
            [
                "id",
                "企业",
                "text",
                "label",
                "triage_label",
                "confidence",
                "review"
            ]
        );
        assert_eq!(layout.renamed(), [("label", "triage_label")]);
        assert_eq!(layout.text_position(), Some(2));
        assert_eq!(layout.decision_position("review"), Some(6));
        let row = layout.row(
            &names(&["A1", "某公司", "电费高", "power"]),
            names(&["A1", "power_cost", "0.9", "false"]),
        );
        assert_eq!(
            row,
            [
                "A1",
                "某公司",
                "电费高",
                "power",
                "power_cost",
                "0.9",
                "false"
            ]
        );
    }

    #[test]
    fn the_decision_id_stays_when_the_input_has_no_id_column_or_another() {
        let layout = OutputLayout::keeping_input(&names(&["text"]), "text", Some("id"), &DECISION);
        assert_eq!(
            layout.names(),
            ["text", "id", "label", "confidence", "review"]
        );
        let layout = OutputLayout::keeping_input(
            &names(&["编号", "id", "text"]),
            "text",
            Some("编号"),
            &DECISION,
        );
        assert_eq!(layout.names()[3], "triage_id");
        // An unreadable row has no input fields but its id.
        let row = layout.unreadable_row("7", names(&["7", "", "", "true"]));
        assert_eq!(row[..4], ["7", "", "", "7"]);
    }

    #[test]
    fn decisions_only_is_the_decision_header() {
        let layout = OutputLayout::decisions_only(&DECISION);
        assert_eq!(layout.names(), DECISION);
        assert!(layout.renamed().is_empty());
        assert_eq!(layout.text_position(), None);
    }
}
