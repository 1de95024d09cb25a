//! Stage 6 — routing.
//!
//! Hands a label to the department that owns it through a [`RoutingTable`], a plain CSV file a dispatch office
//! can edit without recompiling (`category,department_id,department_name`). A label the table does not know —
//! a model trained on department names, or on another label set — is its own department. Routing never
//! changes the label or the confidence.

mod categories;
mod routing_table;

pub use categories::{CATEGORY_NAMES, category_name};
pub use routing_table::{DEFAULT_ROUTING_TABLE, Department, RoutingTable};
