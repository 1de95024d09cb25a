//! `triage drift` through the real binary: agreement by month and department, re-routes, bad rows.

mod common;

use common::*;

/// Thirteen closed cases over three months, twelve usable. Intake was right 8 times; `training → labor` stays within one
/// department (人社局) and counts as right. Row 7's date is not a date.
const CLOSED: &str = "\
id,intake_label,final_label,closed_at
1,tax,tax,2024-01-05
2,tax,land,2024-01-09
3,land,land,2024-01-20
4,training,labor,2024-01-28
5,power_cost,power_cost,2024-02-02
6,tax,land,2024-02-14
7,land,land,not-a-date
8,financing,financing,2024-02-21
9,fees,tax,2024-03-01
10,land,land,2024-03-03
11,tax,tax,2024/03/15
12,tax,land,2024-03-30
13,fees,fees,2024-03
";

#[test]
fn drift_reports_agreement_by_month_and_department_and_the_reroutes() {
    let output = triage_with_stdin(&["drift", "--closed", "-", "--json"], CLOSED.as_bytes());
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("row 7: field 'closed_at': 'not-a-date' is not a date"),
        "{}",
        stderr(&output)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["cases"], 12);
    assert_eq!(report["intake_right"], 8);
    assert_eq!(report["rerouted"], 4);
    let months: Vec<(String, u64, u64)> = report["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["key"].as_str().unwrap().to_string(),
                m["cases"].as_u64().unwrap(),
                m["intake_right"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        months,
        [
            ("2024-01".to_string(), 4, 3),
            ("2024-02".to_string(), 3, 2),
            ("2024-03".to_string(), 5, 3)
        ]
    );
    // Grouped by the final department: land received 3 re-routed cases of 5.
    let land = &report["by_department"][0];
    assert_eq!(land["key"], "市自然资源和规划局");
    assert_eq!(
        (land["cases"].as_u64(), land["rerouted"].as_u64()),
        (Some(5), Some(3))
    );
    let top = &report["reroutes"][0];
    assert_eq!(top["from"], "国家税务总局市税务局");
    assert_eq!(top["to"], "市自然资源和规划局");
    assert_eq!(top["cases"], 3);
    assert_eq!(report["reroutes"].as_array().unwrap().len(), 2);
}

#[test]
fn drift_reads_named_columns_and_prints_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("closed.csv");
    std::fs::write(
        &path,
        "predicted,handled_by,date\n住建局,住建局,2024-05-01\n住建局,交通局,2024-05-09\n交通局,交通局,2024-06-03\n",
    )
    .unwrap();
    let output = triage(&[
        "drift",
        "--closed",
        path.to_str().unwrap(),
        "--intake-column",
        "predicted",
        "--final-column",
        "handled_by",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("intake routing      2 right (66.7%), 1 re-routed"),
        "{text}"
    );
    assert!(text.contains("住建局 → 交通局"), "{text}");
    let may = text.lines().find(|l| l.starts_with("2024-05")).unwrap();
    assert_eq!(
        may.split_whitespace().collect::<Vec<_>>(),
        ["2024-05", "2", "1", "50.0%", "1"]
    );
    let output = triage(&["drift", "--closed", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no column named 'intake_label'"),
        "{}",
        stderr(&output)
    );
}
