//! The office's names of the categories (`models/categories.csv`: `category,name`), for people reading a
//! decision; a label without a name shows as itself.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The names shipped with the tool.
pub const CATEGORY_NAMES: &str = include_str!("../../models/categories.csv");

fn names() -> &'static BTreeMap<String, String> {
    static NAMES: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        CATEGORY_NAMES
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(','))
            .map(|(id, name)| (id.trim().to_string(), name.trim().to_string()))
            .collect()
    })
}

/// The name of a category, or the label itself when it has none (an empty label has an empty name).
pub fn category_name(label: &str) -> &str {
    names().get(label).map(String::as_str).unwrap_or(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_have_chinese_names_and_unknown_labels_show_as_themselves() {
        assert_eq!(category_name("tax"), "税收");
        assert_eq!(category_name("住建局"), "住建局");
        assert_eq!(category_name(""), "");
    }
}
