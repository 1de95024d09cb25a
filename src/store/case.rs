//! A case and the events that make it: the case is never written directly, it is the fold of its events.
//!
//! Every change is an [`Event`] (who, when, what, the changed fields before → after). [`Case::apply`] folds one
//! event into a case; the store writes the event and the case it yields in one transaction, and
//! [`Case::replay`] rebuilds a case from its history alone (a test checks the two agree). The rules of which
//! change is allowed in which state live here, in [`Case::assign`], [`Case::return_to_dispatch`] and
//! [`Case::close`]; this module knows neither SQL nor HTTP.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Where a case is in the office's loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseState {
    /// 待交办: taken in, waiting for a dispatcher.
    New,
    /// 已交办: handed to a department with a deadline.
    Assigned,
    /// 已退单: the department said it is not theirs; back with the dispatcher.
    Returned,
    /// 已销号: handled and closed.
    Closed,
}

impl CaseState {
    pub const ALL: [CaseState; 4] = [
        CaseState::New,
        CaseState::Assigned,
        CaseState::Returned,
        CaseState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::New => "new",
            CaseState::Assigned => "assigned",
            CaseState::Returned => "returned",
            CaseState::Closed => "closed",
        }
    }

    /// The office's word for the state.
    pub fn chinese(self) -> &'static str {
        match self {
            CaseState::New => "待交办",
            CaseState::Assigned => "已交办",
            CaseState::Returned => "已退单",
            CaseState::Closed => "已销号",
        }
    }

    pub fn parse(text: &str) -> Option<CaseState> {
        CaseState::ALL
            .into_iter()
            .find(|s| s.as_str() == text || s.chinese() == text)
    }
}

impl std::fmt::Display for CaseState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One case as the store holds it. Times are milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: String,
    /// Order of intake, unique across the store.
    pub seq: i64,
    pub text: String,
    pub enterprise: Option<String>,
    pub source: Option<String>,
    pub received_at: i64,
    pub state: CaseState,
    /// The model's suggestion at intake.
    pub suggested_label: String,
    pub suggested_department_id: String,
    pub confidence: f64,
    /// Whether the model asked for a person to decide.
    pub review: bool,
    /// The model version that made the suggestion.
    pub model_version: String,
    /// The whole intake decision, as the triage endpoint returns it.
    pub decision: Value,
    /// The working label: the suggestion, the dispatcher's correction, the final label once closed.
    pub label: Option<String>,
    /// The department holding the case (the final one once closed); none while with the dispatcher.
    pub department_id: Option<String>,
    pub deadline: Option<i64>,
    pub assigned_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub resolution: Option<String>,
    /// How many times a department returned it (退单).
    pub returns: i64,
    /// Number of events so far; the last event's `seq`.
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Intake,
    Assign,
    Return,
    Close,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Intake => "intake",
            EventKind::Assign => "assign",
            EventKind::Return => "return",
            EventKind::Close => "close",
        }
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        [
            EventKind::Intake,
            EventKind::Assign,
            EventKind::Return,
            EventKind::Close,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// One entry of a case's history: who did what when, and the changed fields before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// 1 for the intake, then one more per change.
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub kind: EventKind,
    /// The department concerned: the one assigned, the one returning, the final one.
    pub department_id: Option<String>,
    /// The changed fields as they were (empty for the intake).
    pub before: Map<String, Value>,
    /// The changed fields as they are now (the whole case for the intake).
    pub after: Map<String, Value>,
    /// The reason of a return, a correction of the suggested label, and the like.
    pub note: Option<String>,
}

/// A change refused by the case's rules.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChangeError {
    /// The change does not fit the case's state (409).
    #[error("{0}")]
    Conflict(String),
    /// A field is missing or wrong (400).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
}

fn invalid(field: &str, message: &str) -> ChangeError {
    ChangeError::Invalid {
        field: field.to_string(),
        message: message.to_string(),
    }
}

/// A 交办: to which department, by when, and the dispatcher's label when it corrects the suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub department_id: String,
    pub deadline: i64,
    pub label: Option<String>,
    pub note: Option<String>,
}

/// A 销号: how it was resolved and, when they differ from the assignment, who finally handled it and under
/// which label.
#[derive(Debug, Clone, PartialEq)]
pub struct Closing {
    pub resolution: String,
    pub department_id: Option<String>,
    pub label: Option<String>,
}

/// Field values as JSON, for events' before/after maps.
fn fields(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn non_empty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl Case {
    /// The event that creates a case.
    pub fn intake_event(case: &Case, actor: &str) -> Event {
        let after = match serde_json::to_value(case) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        Event {
            seq: 1,
            at: case.created_at,
            actor: actor.to_string(),
            kind: EventKind::Intake,
            department_id: None,
            before: Map::new(),
            after,
            note: None,
        }
    }

    /// The case after `event`: its `after` fields replace the case's, and the version becomes the event's.
    pub fn apply(case: Option<&Case>, event: &Event) -> Result<Case, serde_json::Error> {
        let mut map = match case {
            Some(case) => match serde_json::to_value(case)? {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            None => Map::new(),
        };
        for (key, value) in &event.after {
            map.insert(key.clone(), value.clone());
        }
        map.insert("version".into(), event.seq.into());
        map.insert("updated_at".into(), event.at.into());
        serde_json::from_value(Value::Object(map))
    }

    /// A case rebuilt from its history alone.
    pub fn replay(events: &[Event]) -> Result<Option<Case>, serde_json::Error> {
        let mut case = None;
        for event in events {
            case = Some(Case::apply(case.as_ref(), event)?);
        }
        Ok(case)
    }

    /// Whether the deadline has passed and the case is still with a department.
    pub fn overdue(&self, now: i64) -> bool {
        self.state == CaseState::Assigned && self.deadline.is_some_and(|d| d < now)
    }

    fn event(
        &self,
        kind: EventKind,
        at: i64,
        actor: &str,
        department_id: Option<String>,
        after: Map<String, Value>,
        note: Option<String>,
    ) -> Event {
        let current = serde_json::to_value(self).unwrap_or(Value::Null);
        let before = after
            .keys()
            .map(|k| (k.clone(), current.get(k).cloned().unwrap_or(Value::Null)))
            .collect();
        Event {
            seq: self.version + 1,
            at,
            actor: actor.to_string(),
            kind,
            department_id,
            before,
            after,
            note,
        }
    }

    /// 交办 (or a new 交办 of an assigned case). A label other than the suggestion is recorded as a correction.
    pub fn assign(&self, change: &Assignment, actor: &str, at: i64) -> Result<Event, ChangeError> {
        if self.state == CaseState::Closed {
            return Err(ChangeError::Conflict(format!(
                "case {} is closed (销号); a closed case cannot be assigned",
                self.id
            )));
        }
        let department = non_empty(Some(&change.department_id))
            .ok_or_else(|| invalid("department_id", "empty"))?;
        let label = non_empty(change.label.as_deref()).or_else(|| self.label.clone());
        let mut notes = Vec::new();
        if let Some(label) = &label
            && *label != self.suggested_label
        {
            notes.push(format!(
                "label corrected: {} → {label}",
                if self.suggested_label.is_empty() {
                    "(none)"
                } else {
                    &self.suggested_label
                }
            ));
        }
        notes.extend(non_empty(change.note.as_deref()));
        let after = fields(&[
            ("state", CaseState::Assigned.as_str().into()),
            ("department_id", department.clone().into()),
            ("deadline", change.deadline.into()),
            ("assigned_at", at.into()),
            ("label", label.into()),
        ]);
        Ok(self.event(
            EventKind::Assign,
            at,
            actor,
            Some(department),
            after,
            (!notes.is_empty()).then(|| notes.join("; ")),
        ))
    }

    /// 退单: the department gives the case back to dispatch, with a reason.
    pub fn return_to_dispatch(
        &self,
        reason: &str,
        actor: &str,
        at: i64,
    ) -> Result<Event, ChangeError> {
        if self.state != CaseState::Assigned {
            return Err(ChangeError::Conflict(format!(
                "case {} is {} ({}); only an assigned case can be returned",
                self.id,
                self.state,
                self.state.chinese()
            )));
        }
        let reason = non_empty(Some(reason)).ok_or_else(|| invalid("reason", "empty"))?;
        let after = fields(&[
            ("state", CaseState::Returned.as_str().into()),
            ("department_id", Value::Null),
            ("deadline", Value::Null),
            ("assigned_at", Value::Null),
            ("returns", (self.returns + 1).into()),
        ]);
        Ok(self.event(
            EventKind::Return,
            at,
            actor,
            self.department_id.clone(),
            after,
            Some(reason),
        ))
    }

    /// 销号. A case is closed once: a second close is a conflict, never a second close.
    pub fn close(&self, change: &Closing, actor: &str, at: i64) -> Result<Event, ChangeError> {
        if self.state == CaseState::Closed {
            return Err(ChangeError::Conflict(format!(
                "case {} is already closed (已销号){}",
                self.id,
                self.closed_at
                    .map(|t| format!(" since {}", super::time::format(t)))
                    .unwrap_or_default()
            )));
        }
        let resolution =
            non_empty(Some(&change.resolution)).ok_or_else(|| invalid("resolution", "empty"))?;
        let department = non_empty(change.department_id.as_deref())
            .or_else(|| self.department_id.clone())
            .ok_or_else(|| {
                invalid(
                    "department_id",
                    "the case was never assigned: name the department that handled it",
                )
            })?;
        let label = non_empty(change.label.as_deref()).or_else(|| self.label.clone());
        let after = fields(&[
            ("state", CaseState::Closed.as_str().into()),
            ("department_id", department.clone().into()),
            ("label", label.into()),
            ("closed_at", at.into()),
            ("resolution", resolution.into()),
        ]);
        Ok(self.event(EventKind::Close, at, actor, Some(department), after, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case() -> Case {
        Case {
            id: "C000001".into(),
            seq: 1,
            text: "增值税留抵退税迟迟不到账".into(),
            enterprise: Some("某公司".into()),
            source: None,
            received_at: 1_000,
            state: CaseState::New,
            suggested_label: "tax".into(),
            suggested_department_id: "tax_bureau".into(),
            confidence: 0.9,
            review: false,
            model_version: "builtin".into(),
            decision: serde_json::json!({"label": "tax"}),
            label: Some("tax".into()),
            department_id: None,
            deadline: None,
            assigned_at: None,
            closed_at: None,
            resolution: None,
            returns: 0,
            version: 1,
            created_at: 1_000,
            updated_at: 1_000,
        }
    }

    #[test]
    fn a_case_is_the_fold_of_its_events_and_closes_once() {
        let intake = Case::intake_event(&case(), "dispatcher");
        let mut events = vec![intake];
        let mut current = Case::replay(&events).unwrap().unwrap();
        assert_eq!(current, case());

        let assign = Assignment {
            department_id: "land_bureau".into(),
            deadline: 9_000,
            label: Some("land".into()),
            note: None,
        };
        let event = current.assign(&assign, "d", 2_000).unwrap();
        assert_eq!(event.note.as_deref(), Some("label corrected: tax → land"));
        assert_eq!(event.before["label"], "tax");
        current = Case::apply(Some(&current), &event).unwrap();
        events.push(event);
        assert!(current.overdue(10_000) && !current.overdue(8_000));

        let event = current
            .return_to_dispatch("不属于本单位职责", "land", 3_000)
            .unwrap();
        current = Case::apply(Some(&current), &event).unwrap();
        events.push(event);
        assert_eq!(
            (
                current.state,
                current.returns,
                current.department_id.clone()
            ),
            (CaseState::Returned, 1, None)
        );
        let error = current.return_to_dispatch("again", "x", 3_500).unwrap_err();
        assert!(matches!(error, ChangeError::Conflict(_)));

        let closing = Closing {
            resolution: "已办结".into(),
            department_id: None,
            label: None,
        };
        let error = current.close(&closing, "d", 4_000).unwrap_err();
        assert_eq!(
            error,
            invalid(
                "department_id",
                "the case was never assigned: name the department that handled it"
            )
        );
        let closing = Closing {
            department_id: Some("tax_bureau".into()),
            ..closing
        };
        let event = current.close(&closing, "d", 4_000).unwrap();
        current = Case::apply(Some(&current), &event).unwrap();
        events.push(event);
        assert_eq!(current.state, CaseState::Closed);
        assert_eq!(current.version, 4);
        assert_eq!(Case::replay(&events).unwrap().unwrap(), current);
        let error = current.close(&closing, "d", 5_000).unwrap_err();
        assert!(error.to_string().contains("already closed"), "{error}");
        assert!(current.assign(&assign, "d", 5_000).is_err());
    }

    #[test]
    fn states_parse_from_english_or_chinese() {
        assert_eq!(CaseState::parse("已销号"), Some(CaseState::Closed));
        assert_eq!(CaseState::parse("returned"), Some(CaseState::Returned));
        assert_eq!(CaseState::parse("open"), None);
    }
}
