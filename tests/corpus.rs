//! The team's corpus: size, labels, distinct rows, no near-duplicates.

mod common;

use common::repo;
use std::collections::{HashMap, HashSet};

fn rows(path: &str) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(repo().join(path)).unwrap();
    reader.deserialize().map(|r| r.unwrap()).collect()
}

fn taxonomy_ids() -> Vec<String> {
    let table = complaint_triage::route::RoutingTable::shipped();
    table.categories().map(String::from).collect()
}

#[test]
fn every_category_has_enough_rows_and_labels_are_taxonomy_ids() {
    let mut ids: HashSet<String> = taxonomy_ids().into_iter().collect();
    let categories = ids.len();
    ids.insert(complaint_triage::pipeline::NOT_A_COMPLAINT.to_string());
    ids.insert(complaint_triage::pipeline::OUT_OF_SCOPE.to_string());
    let corpus = rows("corpora/complaints.csv");
    assert!(corpus.len() >= 3400);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for row in &corpus {
        assert!(
            ids.contains(&row["label"]),
            "unknown label {}",
            row["label"]
        );
        let secondary = &row["secondary"];
        assert!(secondary.is_empty() || (ids.contains(secondary) && secondary != &row["label"]));
        let chars = row["text"].chars().count();
        // Non-complaints ("在吗", "1111") are short by nature.
        let shortest = if row["label"] == complaint_triage::pipeline::NOT_A_COMPLAINT {
            1
        } else {
            8
        };
        assert!(
            (shortest..=400).contains(&chars),
            "{} has {chars} chars",
            row["id"]
        );
        *counts.entry(row["label"].as_str()).or_default() += 1;
    }
    assert_eq!(counts.len(), categories + 2);
    assert!(counts.values().all(|&n| n >= 200), "{counts:?}");
    // The open set: enough varied complaints that no category covers.
    assert!(counts[complaint_triage::pipeline::OUT_OF_SCOPE] >= 400);
}

fn five_grams(text: &str) -> HashSet<u64> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let n = 5.min(chars.len());
    chars
        .windows(n.max(1))
        .map(|w| complaint_triage::featurize::fingerprint(w.iter().collect::<String>().as_bytes()))
        .collect()
}

#[test]
fn no_two_rows_are_near_duplicates() {
    let mut texts: Vec<(String, String)> = rows("corpora/complaints.csv")
        .into_iter()
        .map(|r| (r["id"].clone(), r["text"].clone()))
        .collect();
    for extra in ["corpora/sample.csv", "corpora/holdout.csv"] {
        texts.extend(
            rows(extra)
                .into_iter()
                .map(|r| (r["id"].clone(), r["text"].clone())),
        );
    }
    let grams: Vec<HashSet<u64>> = texts.iter().map(|(_, t)| five_grams(t)).collect();
    // An inverted index keeps this to pairs that share a gram.
    let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, g) in grams.iter().enumerate() {
        for &gram in g {
            index.entry(gram).or_default().push(i);
        }
    }
    let mut shared: HashMap<(usize, usize), usize> = HashMap::new();
    for members in index.values().filter(|m| m.len() < 2000) {
        for (a, &i) in members.iter().enumerate() {
            for &j in &members[a + 1..] {
                *shared.entry((i, j)).or_default() += 1;
            }
        }
    }
    let mut near = Vec::new();
    for ((i, j), common) in shared {
        let union = grams[i].len() + grams[j].len() - common;
        if common as f64 / union as f64 >= 0.6 {
            near.push(format!("{} ~ {}", texts[i].0, texts[j].0));
        }
    }
    let distinct: HashSet<&String> = texts.iter().map(|(_, t)| t).collect();
    assert_eq!(distinct.len(), texts.len(), "exact duplicates");
    assert!(near.is_empty(), "near-duplicates: {near:?}");
}
