//! Reading complaint tables and writing decisions.
//!
//! Every data row read yields either a [`Row`] or a [`RowError`] that names the file, the row and the field;
//! nothing is dropped silently. Row numbers count data rows from 1 (the header is not a row).

mod decision;
mod table;

pub use decision::{
    DECISION_COLUMNS, REASONS_COLUMN, decision_fields, decision_header, unreadable_fields,
};

pub use table::{Columns, Row, RowError, TableReader, open_input};
