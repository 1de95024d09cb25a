//! The Chinese names office users read: categories (the shipped `models/categories.csv`, as everywhere) and
//! review reasons. A label the table does not know is shown as it is.

use crate::review::ReviewReason;

/// A category's Chinese name; the label itself when unknown, "未分类" when empty.
pub fn category_name(label: &str) -> String {
    if label.is_empty() {
        return "未分类".into();
    }
    crate::route::category_name(label).to_string()
}

/// A review reason as office users read it.
pub fn review_reason_name(reason: &ReviewReason) -> &'static str {
    match reason {
        ReviewReason::EmptyText => "内容为空",
        ReviewReason::NoKnownTerms => "无可识别的词语",
        ReviewReason::Unfamiliar => "与已知诉求都不相似",
        ReviewReason::NotAComplaint => "非诉求（问候、测试等）",
        ReviewReason::NoCategoryFits => "无匹配类别",
        ReviewReason::BelowThreshold { .. } => "把握不足（低于该类别的置信门槛）",
    }
}

/// A review reason written in a table (as `triage classify` writes it), read back into the same names.
pub fn review_reason_from_text(text: &str) -> String {
    let text = text.trim();
    let known = [
        ("empty text", ReviewReason::EmptyText),
        ("no word", ReviewReason::NoKnownTerms),
        ("unlike any", ReviewReason::Unfamiliar),
        // `classify` writes reasons in Chinese by default (English with --lang en).
        ("空文本", ReviewReason::EmptyText),
        ("没有模型认识的词", ReviewReason::NoKnownTerms),
        ("无匹配类别（", ReviewReason::Unfamiliar),
        ("无匹配类别", ReviewReason::NoCategoryFits),
        ("no category fits (", ReviewReason::Unfamiliar),
        ("no category fits", ReviewReason::NoCategoryFits),
        ("不是诉求", ReviewReason::NotAComplaint),
        (
            "置信度低于",
            ReviewReason::BelowThreshold { threshold: 0.0 },
        ),
        ("not a complaint", ReviewReason::NotAComplaint),
        (
            "confidence below",
            ReviewReason::BelowThreshold { threshold: 0.0 },
        ),
    ];
    known
        .iter()
        .find(|(prefix, _)| text.starts_with(prefix))
        .map_or_else(
            || text.to_string(),
            |(_, r)| review_reason_name(r).to_string(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_for_known_and_unknown_labels() {
        assert_eq!(category_name("fire_safety"), "消防");
        assert_eq!(category_name("新类别"), "新类别");
        assert_eq!(category_name(""), "未分类");
        assert_eq!(
            review_reason_from_text("confidence below the label's threshold 0.412"),
            "把握不足（低于该类别的置信门槛）"
        );
        assert_eq!(review_reason_from_text("转人工"), "转人工");
    }
}
