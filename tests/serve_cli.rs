//! The case store from the command line: `cases import`, `cases export` (a 交办单 with one sheet per
//! department), and `retrain` and `drift` learning from the store's closed cases.

mod common;

use common::*;
use complaint_triage::route::RoutingTable;
use complaint_triage::store::{Assignment, CaseFilter, Closing, Store};
use std::path::Path;

const CATEGORIES: [&str; 4] = ["tax", "land", "power_cost", "financing"];

/// `text,label` (and `id`) rows of four categories from the corpus: rows `range` of each.
fn write_corpus(path: &Path, range: std::ops::Range<usize>, with_id: bool) {
    let mut reader = csv::Reader::from_path(repo().join("corpora/complaints.csv")).unwrap();
    let mut by_label: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for record in reader.records() {
        let record = record.unwrap();
        if CATEGORIES.contains(&&record[2]) {
            by_label
                .entry(record[2].to_string())
                .or_default()
                .push(record[1].to_string());
        }
    }
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer
        .write_record(if with_id {
            vec!["id", "text", "label"]
        } else {
            vec!["text", "label"]
        })
        .unwrap();
    for (label, texts) in &by_label {
        for (i, text) in texts[range.clone()].iter().enumerate() {
            let mut record = vec![text.clone(), label.clone()];
            if with_id {
                record.insert(0, format!("{label}-{i}"));
            }
            writer.write_record(&record).unwrap();
        }
    }
    writer.flush().unwrap();
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn sheet_names(path: &Path) -> Vec<String> {
    use calamine::{Reader, Xlsx, open_workbook};
    let workbook: Xlsx<_> = open_workbook(path).unwrap();
    workbook.sheet_names().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_go_in_by_table_out_as_a_jiaobandan_and_teach_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("cases.db");
    let closed_csv = dir.path().join("incoming.csv");
    write_corpus(&closed_csv, 12..32, true);
    let output = triage(&[
        "cases",
        "import",
        s(&closed_csv),
        "--store",
        s(&store_path),
        "--id-column",
        "id",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("80 cases imported"),
        "{}",
        stderr(&output)
    );

    // The office handles every case: 交办 to the department of its true category, then 销号.
    let store = Store::open(s(&store_path)).await.unwrap();
    let routing = RoutingTable::shipped();
    let truth: std::collections::HashMap<String, String> = csv::Reader::from_path(&closed_csv)
        .unwrap()
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[2].to_string())
        })
        .collect();
    let cases = store.all(&CaseFilter::default(), 0).await.unwrap();
    assert_eq!(cases.len(), 80);
    let mut right = 0;
    for case in &cases {
        let label = &truth[&case.id];
        let department = routing.route(label).id;
        right += (case.suggested_department_id == department) as usize;
        let assignment = Assignment {
            department_id: department,
            deadline: i64::MAX,
            label: Some(label.clone()),
            note: None,
        };
        store
            .assign(&case.id, "dispatcher", &assignment)
            .await
            .unwrap();
        if case.id.ends_with("-0") {
            continue; // left open, for the export
        }
        let closing = Closing {
            resolution: "已办结".into(),
            department_id: None,
            label: None,
        };
        store
            .close(&case.id, "department", &closing, None)
            .await
            .unwrap();
    }
    store.shutdown().await;

    let workbook = dir.path().join("交办单.xlsx");
    let output = triage(&[
        "cases",
        "export",
        "--store",
        s(&store_path),
        "--state",
        "已交办",
        "--output",
        s(&workbook),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut names = sheet_names(&workbook);
    assert_eq!(
        names.pop().as_deref(),
        Some("汇总"),
        "the summary sheet comes last"
    );
    names.sort();
    let mut expected: Vec<String> = CATEGORIES.iter().map(|c| routing.route(c).name).collect();
    expected.sort();
    assert_eq!(names, expected, "one sheet per department");
    let table = dir.path().join("closed.csv");
    let output = triage(&[
        "cases",
        "export",
        "--store",
        s(&store_path),
        "--state",
        "closed",
        "--output",
        s(&table),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = csv_rows(&std::fs::read_to_string(&table).unwrap());
    assert_eq!(rows.len(), 76);
    assert!(
        rows.iter()
            .all(|r| r["状态"] == "已销号" && r["办结情况"] == "已办结")
    );

    let output = triage(&["drift", "--store", s(&store_path), "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let drift: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(drift["cases"], 76);
    let right_closed = cases
        .iter()
        .filter(|c| {
            !c.id.ends_with("-0") && c.suggested_department_id == routing.route(&truth[&c.id]).id
        })
        .count();
    assert_eq!(drift["intake_right"], right_closed);
    assert!(right > 0);

    // A registry trained on a few rows learns from the store's closed cases.
    let base = dir.path().join("base.csv");
    write_corpus(&base, 0..12, false);
    let registry = dir.path().join("registry");
    let output = triage(&["train", "--input", s(&base), "--registry", s(&registry)]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = triage(&[
        "retrain",
        "--registry",
        s(&registry),
        "--store",
        s(&store_path),
        // 76 closed cases hold out about 15: fewer than the default minimum for a fair comparison.
        "--min-held-out",
        "5",
        "--json",
    ]);
    assert!(
        matches!(output.status.code(), Some(0) | Some(4)),
        "{}",
        stderr(&output)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(
        report["closed"].as_str().unwrap().starts_with("case store"),
        "{report}"
    );
    assert_eq!(report["selection"]["closed"], 76);
    assert_eq!(report["candidate_version"], 2);
    let output = triage(&[
        "retrain",
        "--registry",
        s(&registry),
        "--store",
        s(&store_path),
        "--since",
        "2999-01-01",
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["selection"]["closed"], 0, "{}", stderr(&output));
}
