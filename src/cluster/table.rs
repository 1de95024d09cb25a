//! The grouping as a table: one row per input row, with its group and the group's description.

use super::{Cluster, Clustering, Complaint, dates::parse_date};
use crate::io::RowError;

/// Columns of `triage clusters`' output.
pub const CLUSTER_COLUMNS: [&str; 10] = [
    "id",
    "cluster",
    "cluster_size",
    "representative",
    "enterprises",
    "key_words",
    "first_date",
    "last_date",
    "recurring",
    "seen_before",
];

/// A group's id: its rank by size in the batch at hand, from 1.
pub fn cluster_id(index: usize) -> String {
    format!("C{:05}", index + 1)
}

/// Where an earlier batch raised a recurring group's problem: each earlier batch's name with the earliest date
/// of its members there, when dated (`2023.csv 2023-04-02; 2022.csv`).
pub fn seen_before(cluster: &Cluster, complaints: &[Complaint], batch_names: &[String]) -> String {
    cluster
        .batches
        .iter()
        .filter(|&&b| b > 0)
        .map(|&batch| {
            let earliest = cluster
                .members
                .iter()
                .filter(|&&i| complaints[i].batch == batch)
                .filter_map(|&i| complaints[i].date.as_deref().and_then(parse_date))
                .min();
            let name = batch_names.get(batch).map_or("?", String::as_str);
            match earliest {
                Some(date) => format!("{name} {date}"),
                None => name.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The output row of the complaint at `index` (of the batch at hand).
pub fn cluster_fields(
    clustering: &Clustering,
    complaints: &[Complaint],
    index: usize,
    batch_names: &[String],
) -> Vec<String> {
    let group = clustering.cluster_of[index];
    let cluster = &clustering.clusters[group];
    vec![
        complaints[index].id.clone(),
        cluster_id(group),
        cluster.current_size.to_string(),
        complaints[cluster.representative].id.clone(),
        cluster.enterprises.len().to_string(),
        cluster.key_words.join(" "),
        cluster.first_date.clone().unwrap_or_default(),
        cluster.last_date.clone().unwrap_or_default(),
        cluster.recurs().to_string(),
        seen_before(cluster, complaints, batch_names),
    ]
}

/// The output row of a row that could not be read: its id, no group.
pub fn unreadable_cluster_fields(error: &RowError) -> Vec<String> {
    let mut fields = vec![String::new(); CLUSTER_COLUMNS.len()];
    fields[0] = error.id.clone();
    fields
}
