//! Who is asking, and the categories and departments a dispatcher can choose from (the served model's own).

use crate::pipeline::NOT_A_COMPLAINT;
use crate::route::{Department, category_name};
use crate::serve::AppState;
use crate::serve::auth::{Caller, Role};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use std::collections::BTreeMap;

/// The department a "not a complaint" case is closed under: the dispatch desk itself.
pub const DISPATCH_DESK: &str = "dispatch";
/// Its name on the board.
pub const DISPATCH_DESK_NAME: &str = "分诊台（非诉求）";

#[derive(Debug, Serialize)]
pub struct Me {
    pub name: String,
    pub role: String,
    /// Set for a `department:` token.
    pub department_id: Option<String>,
    /// Whether the service runs without tokens (loopback only, everyone is admin).
    pub open: bool,
}

pub async fn me(State(state): State<AppState>, caller: Caller) -> Json<Me> {
    Json(Me {
        department_id: match &caller.role {
            Role::Department(id) => Some(id.clone()),
            _ => None,
        },
        role: caller.role.to_string(),
        name: caller.name,
        open: state.tokens.is_none(),
    })
}

#[derive(Debug, Serialize)]
pub struct CategoryEntry {
    pub label: String,
    pub name: String,
    pub department_id: String,
    pub department: String,
}

#[derive(Debug, Serialize)]
pub struct DepartmentEntry {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct Catalog {
    pub categories: Vec<CategoryEntry>,
    /// Each department once, by name.
    pub departments: Vec<DepartmentEntry>,
}

/// The categories of the model in service with the departments they route to.
pub fn catalog_of(state: &AppState) -> Catalog {
    let model = state.model.current();
    let routing = &model.pipeline.routing;
    let categories: Vec<CategoryEntry> = model
        .pipeline
        .labels()
        .iter()
        .map(|label| {
            let department = if label == NOT_A_COMPLAINT {
                Department {
                    id: String::new(),
                    name: String::new(),
                }
            } else {
                routing.route(label)
            };
            CategoryEntry {
                label: label.clone(),
                name: category_name(label).to_string(),
                department_id: department.id,
                department: department.name,
            }
        })
        .collect();
    let mut departments: BTreeMap<String, String> = categories
        .iter()
        .filter(|c| !c.department_id.is_empty())
        .map(|c| (c.department_id.clone(), c.department.clone()))
        .collect();
    departments.insert(DISPATCH_DESK.into(), DISPATCH_DESK_NAME.into());
    let mut departments: Vec<DepartmentEntry> = departments
        .into_iter()
        .map(|(id, name)| DepartmentEntry { id, name })
        .collect();
    departments.sort_by(|a, b| a.name.cmp(&b.name));
    Catalog {
        categories,
        departments,
    }
}

/// Any signed-in caller may read the catalogue: it holds no cases.
pub async fn catalog(State(state): State<AppState>, _caller: Caller) -> Json<Catalog> {
    Json(catalog_of(&state))
}

/// Department names by id, for the board and the 交办单.
pub fn department_names(state: &AppState) -> BTreeMap<String, String> {
    catalog_of(state)
        .departments
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect()
}
