//! The output record of one decision: the same named fields whatever the output format.

use crate::lang::Lang;
use crate::pipeline::Triage;

/// Output columns, in order; `reasons` only when explanations were asked for.
pub const DECISION_COLUMNS: [&str; 11] = [
    "id",
    "label",
    "category_name",
    "confidence",
    "department",
    "department_id",
    "review",
    "review_reason",
    "alternatives",
    "secondary_label",
    "secondary_department",
];

/// The column added by `--explain`.
pub const REASONS_COLUMN: &str = "reasons";

/// The header for an output with or without reasons.
pub fn decision_header(explain: bool) -> Vec<&'static str> {
    let mut header = DECISION_COLUMNS.to_vec();
    if explain {
        header.push(REASONS_COLUMN);
    }
    header
}

/// The fields of one decision, in [`decision_header`] order, review reasons in Chinese.
pub fn decision_fields(id: &str, decision: &Triage, explain: bool) -> Vec<String> {
    decision_fields_in(id, decision, explain, Lang::Zh)
}

/// The fields of one decision, in [`decision_header`] order, review reasons in `lang`.
///
/// Confidence has three decimals (never `1.000`: it is capped at 0.999); `alternatives` are
/// `名称(label):p` joined by `|`; reasons are `word:share%` joined by `|`.
pub fn decision_fields_in(id: &str, decision: &Triage, explain: bool, lang: Lang) -> Vec<String> {
    let confidence = if decision.label.is_empty() {
        String::new()
    } else {
        format!("{:.3}", decision.confidence)
    };
    let alternatives = decision
        .alternatives
        .iter()
        .zip(&decision.alternative_names)
        .map(|((label, p), name)| {
            if name == label {
                format!("{label}:{p:.3}")
            } else {
                format!("{name}({label}):{p:.3}")
            }
        })
        .collect::<Vec<_>>()
        .join("|");
    let mut fields = vec![
        id.to_string(),
        decision.label.clone(),
        decision.category_name.clone(),
        confidence,
        decision.department.name.clone(),
        decision.department.id.clone(),
        decision.needs_review().to_string(),
        decision
            .review_reason
            .as_ref()
            .map(|r| r.text(lang))
            .unwrap_or_default(),
        alternatives,
        decision
            .secondary
            .as_ref()
            .map(|s| s.label.clone())
            .unwrap_or_default(),
        decision
            .secondary
            .as_ref()
            .map(|s| s.department.name.clone())
            .unwrap_or_default(),
    ];
    if explain {
        fields.push(
            decision
                .reasons
                .iter()
                .map(|r| format!("{}:{:.0}%", r.term, (100.0 * r.weight).max(1.0)))
                .collect::<Vec<_>>()
                .join("|"),
        );
    }
    fields
}

/// The fields of a row that could not be read: sent to review with the reason, in Chinese.
pub fn unreadable_fields(id: &str, message: &str, explain: bool) -> Vec<String> {
    unreadable_fields_in(id, message, explain, Lang::Zh)
}

/// The fields of a row that could not be read: sent to review with the reason, in `lang`.
pub fn unreadable_fields_in(id: &str, message: &str, explain: bool, lang: Lang) -> Vec<String> {
    let column = |name: &str| {
        DECISION_COLUMNS
            .iter()
            .position(|c| *c == name)
            .expect("a decision column")
    };
    let mut fields = vec![String::new(); decision_header(explain).len()];
    fields[0] = id.to_string();
    fields[column("review")] = "true".to_string();
    fields[column("review_reason")] = format!(
        "{}{message}",
        lang.pick("无法读取的行：", "unreadable row: ")
    );
    fields
}
