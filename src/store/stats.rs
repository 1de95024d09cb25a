//! Figures over the store: per department, how much is open, late, closed on time, how fast and how often it
//! was returned (退单); per category, how many cases and how often intake's suggestion was the final label.

use super::CaseState;
use serde::Serialize;
use std::collections::BTreeMap;

const DAY_MS: f64 = 86_400_000.0;

/// The fields of one case that the figures need.
#[derive(Debug, Clone)]
pub(super) struct CaseFigures {
    pub state: CaseState,
    pub suggested_label: String,
    pub label: Option<String>,
    pub department_id: Option<String>,
    pub deadline: Option<i64>,
    pub assigned_at: Option<i64>,
    pub closed_at: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DepartmentStats {
    pub department_id: String,
    /// Assigned and not closed.
    pub open: u64,
    /// Open past the deadline.
    pub overdue: u64,
    pub closed: u64,
    /// Closed by the deadline of the last assignment.
    pub closed_on_time: u64,
    /// Median days from the last assignment to closing.
    pub median_days_to_close: Option<f64>,
    /// Times a case was handed to this department.
    pub assigned: u64,
    /// Times this department returned a case (退单).
    pub returned: u64,
    /// `returned / assigned`.
    pub returned_share: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CategoryStats {
    pub label: String,
    /// Cases whose working label (final once closed) is this one.
    pub cases: u64,
    pub closed: u64,
    /// Closed cases that intake suggested this label for.
    pub suggested_and_closed: u64,
    /// Of the closed cases with this final label, how many intake suggested it.
    pub suggestion_right: u64,
    /// `suggestion_right / closed`: how often intake's suggestion was the final label.
    pub suggestion_accuracy: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    pub cases: u64,
    /// By state name.
    pub by_state: BTreeMap<String, u64>,
    pub departments: Vec<DepartmentStats>,
    pub categories: Vec<CategoryStats>,
    /// Over all closed cases: how often intake's suggestion was the final label.
    pub suggestion_accuracy: Option<f64>,
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    })
}

/// `handovers`: (department, is a return, count) from the events.
pub(super) fn compute(cases: &[CaseFigures], handovers: &[(String, bool, i64)], now: i64) -> Stats {
    let mut departments: BTreeMap<String, (DepartmentStats, Vec<f64>)> = BTreeMap::new();
    let mut categories: BTreeMap<String, CategoryStats> = BTreeMap::new();
    let mut stats = Stats {
        cases: cases.len() as u64,
        ..Stats::default()
    };
    let (mut closed, mut right) = (0u64, 0u64);
    for case in cases {
        *stats
            .by_state
            .entry(case.state.as_str().to_string())
            .or_default() += 1;
        if let Some(label) = &case.label {
            let category = categories.entry(label.clone()).or_default();
            category.cases += 1;
            if case.state == CaseState::Closed {
                category.closed += 1;
                category.suggestion_right += (case.suggested_label == *label) as u64;
                closed += 1;
                right += (case.suggested_label == *label) as u64;
            }
        }
        if case.state == CaseState::Closed && !case.suggested_label.is_empty() {
            categories
                .entry(case.suggested_label.clone())
                .or_default()
                .suggested_and_closed += 1;
        }
        let Some(department) = &case.department_id else {
            continue;
        };
        let (figures, days) = departments.entry(department.clone()).or_default();
        match case.state {
            CaseState::Assigned => {
                figures.open += 1;
                figures.overdue += case.deadline.is_some_and(|d| d < now) as u64;
            }
            CaseState::Closed => {
                figures.closed += 1;
                if let (Some(closed_at), Some(deadline)) = (case.closed_at, case.deadline) {
                    figures.closed_on_time += (closed_at <= deadline) as u64;
                }
                if let (Some(closed_at), Some(assigned_at)) = (case.closed_at, case.assigned_at) {
                    days.push((closed_at - assigned_at) as f64 / DAY_MS);
                }
            }
            CaseState::New | CaseState::Returned => {}
        }
    }
    for (department, is_return, count) in handovers {
        let (figures, _) = departments.entry(department.clone()).or_default();
        if *is_return {
            figures.returned += *count as u64;
        } else {
            figures.assigned += *count as u64;
        }
    }
    stats.departments = departments
        .into_iter()
        .map(|(id, (mut figures, mut days))| {
            figures.department_id = id;
            figures.median_days_to_close = median(&mut days);
            figures.returned_share = share(figures.returned, figures.assigned);
            figures
        })
        .collect();
    stats.categories = categories
        .into_iter()
        .map(|(label, mut figures)| {
            figures.label = label;
            figures.suggestion_accuracy = share(figures.suggestion_right, figures.closed);
            figures
        })
        .collect();
    stats.suggestion_accuracy = share(right, closed);
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(
        state: CaseState,
        suggested: &str,
        label: &str,
        department: Option<&str>,
    ) -> CaseFigures {
        CaseFigures {
            state,
            suggested_label: suggested.into(),
            label: Some(label.into()),
            department_id: department.map(Into::into),
            deadline: Some(10 * DAY_MS as i64),
            assigned_at: Some(0),
            closed_at: None,
        }
    }

    #[test]
    fn departments_and_categories_are_counted() {
        let mut on_time = case(CaseState::Closed, "tax", "tax", Some("tax_bureau"));
        on_time.closed_at = Some(2 * DAY_MS as i64);
        let mut late = case(CaseState::Closed, "land", "tax", Some("tax_bureau"));
        late.closed_at = Some(12 * DAY_MS as i64);
        let cases = [
            on_time,
            late,
            case(CaseState::Assigned, "tax", "tax", Some("tax_bureau")),
            case(CaseState::New, "land", "land", None),
        ];
        let handovers = [
            ("tax_bureau".to_string(), false, 4),
            ("tax_bureau".to_string(), true, 1),
        ];
        let stats = compute(&cases, &handovers, 11 * DAY_MS as i64);
        let tax = &stats.departments[0];
        assert_eq!(
            (tax.open, tax.overdue, tax.closed, tax.closed_on_time),
            (1, 1, 2, 1)
        );
        assert_eq!(tax.median_days_to_close, Some(7.0));
        assert_eq!(tax.returned_share, Some(0.25));
        let tax_category = stats.categories.iter().find(|c| c.label == "tax").unwrap();
        assert_eq!((tax_category.cases, tax_category.closed), (3, 2));
        assert_eq!(tax_category.suggestion_accuracy, Some(0.5));
        assert_eq!(stats.suggestion_accuracy, Some(0.5));
        assert_eq!(stats.by_state["new"], 1);
    }
}
