//! The output record of one decision: the same named fields whatever the output format.

use crate::pipeline::Triage;

/// Output columns, in order; `reasons` only when explanations were asked for.
pub const DECISION_COLUMNS: [&str; 10] = [
    "id",
    "label",
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

/// The fields of one decision, in [`decision_header`] order.
pub fn decision_fields(id: &str, decision: &Triage, explain: bool) -> Vec<String> {
    let joined = |pairs: &mut dyn Iterator<Item = (&str, f32)>| {
        pairs
            .map(|(label, p)| format!("{label}:{p:.4}"))
            .collect::<Vec<_>>()
            .join("|")
    };
    let confidence = if decision.label.is_empty() {
        String::new()
    } else {
        format!("{:.4}", decision.confidence)
    };
    let mut fields = vec![
        id.to_string(),
        decision.label.clone(),
        confidence,
        decision.department.name.clone(),
        decision.department.id.clone(),
        decision.needs_review().to_string(),
        decision
            .review_reason
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_default(),
        joined(&mut decision.alternatives.iter().map(|(l, p)| (l.as_str(), *p))),
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
        fields.push(joined(
            &mut decision.reasons.iter().map(|r| (r.term.as_str(), r.weight)),
        ));
    }
    fields
}

/// The fields of a row that could not be read: sent to review with the reason.
pub fn unreadable_fields(id: &str, message: &str, explain: bool) -> Vec<String> {
    let mut fields = vec![String::new(); decision_header(explain).len()];
    fields[0] = id.to_string();
    fields[5] = "true".to_string();
    fields[6] = format!("unreadable row: {message}");
    fields
}
