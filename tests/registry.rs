//! The model registry through the real binary: train into a registry, retrain from closed cases (promoted or
//! refused), roll back, department labels, bad closed rows, kills at any point and two retrains at once.

mod common;

use common::*;
use complaint_triage::registry::Registry;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const CATEGORIES: [&str; 4] = ["tax", "power_cost", "financing", "land"];

/// Corpus rows of four categories, by category, in corpus order: (text, category).
fn corpus() -> BTreeMap<String, Vec<String>> {
    let mut reader = csv::Reader::from_path(repo().join("corpora/complaints.csv")).unwrap();
    let mut by_label: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        if CATEGORIES.contains(&&record[2]) {
            by_label
                .entry(record[2].to_string())
                .or_default()
                .push(record[1].to_string());
        }
    }
    by_label
}

/// Writes `text,<label_column>` rows: the corpus rows `range` of each category, labelled by `label`.
fn write_cases(
    path: &Path,
    label_column: &str,
    range: std::ops::Range<usize>,
    label: impl Fn(usize, &str) -> String,
) -> PathBuf {
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer.write_record(["text", label_column]).unwrap();
    let mut row = 0;
    for (category, texts) in corpus() {
        for text in &texts[range.clone()] {
            writer.write_record([text, &label(row, &category)]).unwrap();
            row += 1;
        }
    }
    writer.flush().unwrap();
    path.to_path_buf()
}

/// A weak base (12 rows a category) and closed cases (the next 60 a category) with their true labels.
fn base_and_closed(dir: &Path) -> (PathBuf, PathBuf) {
    (
        write_cases(&dir.join("base.csv"), "label", 0..12, |_, c| c.into()),
        write_cases(&dir.join("closed.csv"), "label", 12..72, |_, c| c.into()),
    )
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn ok(output: &Output) -> &Output {
    assert!(output.status.success(), "{}", stderr(output));
    output
}

fn new_registry(dir: &Path, base: &Path) -> PathBuf {
    let registry = dir.join("registry");
    ok(&triage(&[
        "train",
        "--input",
        s(base),
        "--registry",
        s(&registry),
    ]));
    registry
}

fn index(registry: &Path) -> serde_json::Value {
    let output = triage(&["registry", "list", s(registry), "--json"]);
    serde_json::from_str(&stdout(ok(&output))).unwrap()
}

fn statuses(registry: &Path) -> Vec<(u64, String)> {
    index(registry)["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["number"].as_u64().unwrap(),
                v["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The decisions of `model` (a file or a registry) on a few complaints.
fn decisions(model: &Path) -> String {
    let input = "id,text\n1,城镇土地使用税负担太重，希望减免\n2,银行抽贷，续贷要过桥资金\n3,变压器增容申请半年没批\n4,工业用地出让价格太高\n";
    stdout(ok(&triage_with_stdin(
        &["classify", "--model", s(model), "--input", "-"],
        input.as_bytes(),
    )))
}

fn retrain_command(registry: &Path, closed: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_triage"));
    command
        .args(["retrain", "--registry", s(registry), "--closed", s(closed)])
        // Small files, to keep the test fast: a comparison on fewer held-out cases than the default minimum.
        .args(["--min-held-out", "5"])
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn retrain_json(registry: &Path, closed: &Path) -> (Output, serde_json::Value) {
    let output = triage(&[
        "retrain",
        "--registry",
        s(registry),
        "--closed",
        s(closed),
        "--json",
    ]);
    let json = serde_json::from_str(&stdout(&output))
        .unwrap_or_else(|e| panic!("{e}: {}", stderr(&output)));
    (output, json)
}

#[test]
fn retraining_on_closed_cases_promotes_a_better_model_and_rollback_restores_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let (base, closed) = base_and_closed(dir.path());
    let registry = new_registry(dir.path(), &base);
    let v1_file = registry.join("versions/0001/model.triage");
    let v1_bytes = std::fs::read(&v1_file).unwrap();
    let v1_decisions = decisions(&registry);
    assert_eq!(v1_decisions, decisions(&v1_file));

    let (output, json) = retrain_json(&registry, &closed);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(json["promoted"], true);
    assert_eq!(json["candidate_version"], 2);
    let selection = &json["selection"];
    assert_eq!(selection["closed"], 240);
    let (held_out, learned) = (
        selection["held_out"].as_u64().unwrap(),
        selection["learned"].as_u64().unwrap(),
    );
    assert_eq!(held_out + learned, 240);
    assert!((30..=70).contains(&held_out), "about 1 in 5: {held_out}");
    let active_f1 = json["comparison"]["active"]["macro_f1"].as_f64().unwrap();
    let candidate_f1 = json["comparison"]["candidate"]["macro_f1"]
        .as_f64()
        .unwrap();
    assert!(
        candidate_f1 > active_f1,
        "candidate {candidate_f1} vs active {active_f1}"
    );
    assert_eq!(
        statuses(&registry),
        [(1, "retired".into()), (2, "active".into())]
    );
    // The candidate learnt the base rows plus the closed cases not held out.
    assert_eq!(
        index(&registry)["versions"][1]["card"]["training_rows"],
        48 + learned
    );

    // The same file again: nothing new to learn (the held-out cases are held out again), and no version.
    let (again, json) = retrain_json(&registry, &closed);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(json["candidate_version"], serde_json::Value::Null);
    assert_eq!(json["selection"]["learned"], 0);
    assert_eq!(json["selection"]["held_out"], held_out);
    assert_eq!(statuses(&registry).len(), 2);
    let text = stdout(&triage(&[
        "retrain",
        "--registry",
        s(&registry),
        "--closed",
        s(&closed),
    ]));
    assert!(text.contains("nothing new to learn"), "{text}");

    // The listing gives the comparison once.
    let listing = stdout(ok(&triage(&["registry", "list", s(&registry)])));
    assert_eq!(
        listing.matches("held-out closed cases").count(),
        1,
        "{listing}"
    );
    let evaluation = triage(&[
        "evaluate",
        "--model",
        s(&registry),
        "--input",
        s(&closed),
        "--json",
    ]);
    let evaluation: serde_json::Value = serde_json::from_str(&stdout(ok(&evaluation))).unwrap();
    assert_eq!(evaluation["n"], 240);

    let rollback = triage(&["registry", "rollback", s(&registry), "--to", "1"]);
    assert!(stdout(ok(&rollback)).contains("version 1 is active"));
    assert_eq!(index(&registry)["active"], 1);
    assert_eq!(std::fs::read(&v1_file).unwrap(), v1_bytes);
    assert_eq!(decisions(&registry), v1_decisions);
    let listing = stdout(ok(&triage(&["registry", "list", s(&registry)])));
    assert!(listing.contains("version 1  active"), "{listing}");
    assert!(listing.contains("rolled back to version 1"), "{listing}");
}

#[test]
fn closed_cases_with_shuffled_labels_are_refused_and_the_candidate_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _) = base_and_closed(dir.path());
    // Each case labelled with another category, in rotation: labels that carry no signal.
    let shuffled = write_cases(
        &dir.path().join("shuffled.csv"),
        "label",
        12..72,
        |row, _| CATEGORIES[(row * 7 + row / 3) % 4].to_string(),
    );
    let registry = new_registry(dir.path(), &base);
    let before = decisions(&registry);
    let output = triage(&[
        "retrain",
        "--registry",
        s(&registry),
        "--closed",
        s(&shuffled),
    ]);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("refused: version 1 stays active"), "{text}");
    assert!(text.contains("no more than chance"), "{text}");
    assert!(
        text.contains("active v1") && text.contains("candidate v2"),
        "{text}"
    );
    assert_eq!(
        statuses(&registry),
        [(1, "active".into()), (2, "refused".into())]
    );
    assert!(registry.join("versions/0002/card.json").is_file());
    assert_eq!(decisions(&registry), before);
    let error = triage(&["registry", "rollback", s(&registry), "--to", "2"]);
    assert!(stderr(&error).contains("--force"), "{}", stderr(&error));

    // Pruning deletes the refused version's files, keeps its record and never touches the active version.
    let pruned = stdout(ok(&triage(&[
        "registry",
        "prune",
        s(&registry),
        "--keep",
        "0",
    ])));
    assert!(pruned.contains("refused versions 2"), "{pruned}");
    assert!(!registry.join("versions/0002").exists());
    assert!(registry.join("versions/0001/model.triage").is_file());
    assert_eq!(
        statuses(&registry),
        [(1, "active".into()), (2, "refused".into())]
    );
    let listing = stdout(ok(&triage(&["registry", "list", s(&registry)])));
    assert!(listing.contains("files pruned"), "{listing}");
    let error = triage(&["registry", "rollback", s(&registry), "--to", "2", "--force"]);
    assert!(stderr(&error).contains("pruned"), "{}", stderr(&error));
    assert_eq!(decisions(&registry), before);
}

#[test]
fn a_small_closed_file_is_too_few_to_judge_and_says_how_many_are_needed() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _) = base_and_closed(dir.path());
    let registry = new_registry(dir.path(), &base);
    let small = write_cases(&dir.path().join("small.csv"), "label", 12..15, |_, c| {
        c.into()
    });
    let output = triage(&["retrain", "--registry", s(&registry), "--closed", s(&small)]);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("too few to judge"), "{text}");
    assert!(
        text.contains("at least 30 held-out cases are needed"),
        "{text}"
    );
    assert!(text.contains("about 150 new closed cases"), "{text}");
    assert!(!text.contains("chance"), "{text}");
    assert_eq!(statuses(&registry), [(1, "active".into())]);
}

#[test]
fn department_labels_train_and_classify_with_the_department_as_its_own_route() {
    let dir = tempfile::tempdir().unwrap();
    let routing = std::fs::read_to_string(repo().join("models/routing.csv")).unwrap();
    let name_column = routing
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "department_name")
        .unwrap();
    let department: BTreeMap<&str, &str> = routing
        .lines()
        .skip(1)
        .filter_map(|l| {
            let fields: Vec<&str> = l.split(',').collect();
            Some((*fields.first()?, *fields.get(name_column)?))
        })
        .collect();
    let to_department = |_: usize, category: &str| department[category].to_string();
    let base = write_cases(
        &dir.path().join("base.csv"),
        "department",
        0..12,
        to_department,
    );
    let registry = dir.path().join("registry");
    ok(&triage(&[
        "train",
        "--input",
        s(&base),
        "--label-column",
        "department",
        "--registry",
        s(&registry),
    ]));
    let rows = csv_rows(&decisions(&registry));
    assert_eq!(rows[0]["label"], "国家税务总局市税务局");
    for row in &rows {
        assert_eq!(row["department"], row["label"]);
        assert_eq!(row["department_id"], row["label"]);
    }

    // Closed cases carrying the final department retrain the same registry.
    let closed = write_cases(
        &dir.path().join("closed.csv"),
        "department",
        12..72,
        to_department,
    );
    let output = triage(&[
        "retrain",
        "--registry",
        s(&registry),
        "--closed",
        s(&closed),
        "--label-column",
        "department",
    ]);
    assert!(stdout(ok(&output)).contains("promoted"));

    // Category labels against a department registry: refused before training, saying why.
    let categories = write_cases(
        &dir.path().join("categories.csv"),
        "label",
        12..20,
        |_, c| c.into(),
    );
    let output = triage(&[
        "retrain",
        "--registry",
        s(&registry),
        "--closed",
        s(&categories),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("departments"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn bad_closed_rows_are_reported_with_their_row_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (base, closed) = base_and_closed(dir.path());
    let registry = new_registry(dir.path(), &base);
    let mut text = std::fs::read_to_string(&closed).unwrap();
    // Data rows 241, 242 and 243: a missing field, an empty label and an empty text.
    text.push_str("只有一个字段\n土地出让金太高,\n,tax\n");
    std::fs::write(&closed, text).unwrap();
    let (output, json) = retrain_json(&registry, &closed);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let rows: Vec<u64> = json["unreadable_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [241, 242, 243]);
    for row in rows {
        assert!(stderr(&output).contains(&format!("row {row}:")));
    }
    assert_eq!(json["selection"]["closed"], 240);
    assert_eq!(json["promoted"], true);
}

/// After an interrupted retrain: the index loads and its active version is complete and loads (version 1
/// byte for byte as before). Rolls back to version 1 when another version became active.
fn assert_usable(registry: &Path, v1_bytes: &[u8]) {
    let opened = Registry::open(registry).unwrap();
    opened.load_active().unwrap();
    let active = opened.active_version().unwrap();
    if active == 1 {
        assert_eq!(opened.model_bytes(1).unwrap(), v1_bytes);
        return;
    }
    for file in [
        format!("versions/{active:04}/model.triage"),
        format!("versions/{active:04}/card.json"),
        format!("training/{active:04}.csv"),
    ] {
        assert!(registry.join(&file).is_file(), "{file}");
    }
    ok(&triage(&["registry", "rollback", s(registry), "--to", "1"]));
}

#[test]
fn killing_a_retrain_at_any_point_leaves_the_active_model_usable() {
    let dir = tempfile::tempdir().unwrap();
    let (base, closed) = base_and_closed(dir.path());
    let registry = new_registry(dir.path(), &base);
    let v1_bytes = std::fs::read(registry.join("versions/0001/model.triage")).unwrap();
    let v1_decisions = decisions(&registry);

    // Stopped between every two writes of a promotion: only the index's replacement activates version 2.
    for point in [
        "model-written",
        "card-written",
        "training-written",
        "before-index",
        "index-written",
    ] {
        let output = retrain_command(&registry, &closed)
            .env("COMPLAINT_TRIAGE_CRASH_AT", point)
            .output()
            .unwrap();
        assert!(
            !output.status.success(),
            "{point}: the retrain was not stopped"
        );
        assert!(stderr(&output).contains(point), "{}", stderr(&output));
        let expected = if point == "index-written" { 2 } else { 1 };
        assert_eq!(index(&registry)["active"], expected, "{point}");
        assert_eq!(statuses(&registry).len() as u64, expected, "{point}");
        assert_usable(&registry, &v1_bytes);
    }

    // Killed after arbitrary delays: while reading, training, or writing.
    for delay in [0, 300] {
        let mut child = retrain_command(&registry, &closed).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap();
        child.wait().unwrap();
        assert_usable(&registry, &v1_bytes);
    }

    // The model in use classifies as before; a later retrain completes, numbered after the versions listed
    // (a half-written folder is reused).
    assert_eq!(decisions(&registry), v1_decisions);
    let listed = statuses(&registry).len() as u64;
    ok(&retrain_command(&registry, &closed).output().unwrap());
    assert_eq!(statuses(&registry).last().unwrap().0, listed + 1);
}

#[test]
fn two_retrains_at_once_both_finish_and_get_their_own_versions() {
    let dir = tempfile::tempdir().unwrap();
    let base = write_cases(&dir.path().join("base.csv"), "label", 0..12, |_, c| {
        c.into()
    });
    let first = write_cases(&dir.path().join("first.csv"), "label", 12..42, |_, c| {
        c.into()
    });
    let second = write_cases(&dir.path().join("second.csv"), "label", 42..72, |_, c| {
        c.into()
    });
    let registry = new_registry(dir.path(), &base);
    let a = retrain_command(&registry, &first).spawn().unwrap();
    let b = retrain_command(&registry, &second).spawn().unwrap();
    for child in [a, b] {
        let output = child.wait_with_output().unwrap();
        assert!(
            matches!(output.status.code(), Some(0 | 4)),
            "{}",
            stderr(&output)
        );
    }
    let json = index(&registry);
    let numbers: Vec<u64> = statuses(&registry).iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(json["history"].as_array().unwrap().len(), 3);
    let active = statuses(&registry)
        .into_iter()
        .filter(|(_, status)| status == "active")
        .count();
    assert_eq!(active, 1);
    // The retrain that waited built on what the first left active.
    let second_refused = json["versions"][1]["status"] == "refused";
    let expected = if second_refused { 1 } else { 2 };
    assert_eq!(json["versions"][2]["comparison"]["against"], expected);
    assert_eq!(csv_rows(&decisions(&registry)).len(), 4);
}

#[test]
fn a_pending_candidate_is_promoted_or_declined_from_the_command_line() {
    use complaint_triage::registry::{Decision, NewVersion, RegistryWriter};
    let dir = tempfile::tempdir().unwrap();
    let (base, _) = base_and_closed(dir.path());
    let registry = new_registry(dir.path(), &base);
    // Two candidates waiting for a decision, as a retrain from the desk leaves them.
    {
        let mut writer = RegistryWriter::open(&registry, || {}).unwrap();
        let model = writer.registry().load_active().unwrap();
        let training = writer.registry().training_examples(1).unwrap();
        for _ in 0..2 {
            writer
                .add_version(NewVersion {
                    pipeline: &model,
                    training: &training,
                    origin: "retrain closed cases in the case store".into(),
                    decision: Decision::Hold {
                        reason: "waiting for a decision".into(),
                    },
                    comparison: None,
                })
                .unwrap();
        }
    }
    assert_eq!(
        statuses(&registry),
        [
            (1, "active".into()),
            (2, "pending".into()),
            (3, "pending".into())
        ]
    );
    let refused = triage(&["registry", "rollback", s(&registry), "--to", "2", "--force"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("waits for a decision"),
        "{}",
        stderr(&refused)
    );
    let neither = triage(&["registry", "decide", s(&registry), "--version", "2"]);
    assert!(!neither.status.success(), "promote or decline must be said");

    ok(&triage(&[
        "registry",
        "decide",
        s(&registry),
        "--version",
        "2",
        "--decline",
    ]));
    ok(&triage(&[
        "registry",
        "decide",
        s(&registry),
        "--version",
        "3",
        "--promote",
    ]));
    assert_eq!(
        statuses(&registry),
        [
            (1, "retired".into()),
            (2, "refused".into()),
            (3, "active".into())
        ]
    );
    let again = triage(&[
        "registry",
        "decide",
        s(&registry),
        "--version",
        "3",
        "--decline",
    ]);
    assert!(
        stderr(&again).contains("not waiting for a decision"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        Registry::open(&registry).unwrap().active_version().unwrap(),
        3
    );
}
