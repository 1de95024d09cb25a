//! The precision promise: thresholds chosen by a lower confidence bound, stated in the card, `evaluate` and
//! `registry list`, and a category with too few cases sends everything to review.

mod common;

use common::*;
use std::path::Path;

/// The four-category training file plus only `few` rows of `education`.
fn training_with_a_rare_category(dir: &Path, few: usize) -> std::path::PathBuf {
    let base = small_training_file(dir);
    let mut text = std::fs::read_to_string(&base).unwrap();
    let mut reader = csv::Reader::from_path(repo().join("corpora/complaints.csv")).unwrap();
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in reader
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[2] == "education")
        .take(few)
    {
        writer
            .write_record([&record[0], &record[1], &record[2]])
            .unwrap();
    }
    text.push_str(&String::from_utf8(writer.into_inner().unwrap()).unwrap());
    let path = dir.join("with_rare.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_card_states_each_labels_threshold_with_its_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let training = training_with_a_rare_category(dir.path(), 8);
    let model = dir.path().join("m.model");
    train_model(&training, &model, &[]);
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("m.card.json")).unwrap())
            .unwrap();
    let promise = &card["held_out"]["promise"];
    assert_eq!(promise["level"].as_f64(), Some(0.8));
    let labels = promise["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 5);
    for label in labels {
        let name = label["label"].as_str().unwrap();
        if label["supported"].as_bool().unwrap() {
            assert!(
                label["lower_bound"].as_f64().unwrap() >= 0.95,
                "{name}: {label}"
            );
            assert!(label["threshold"].as_f64().unwrap() <= 1.0);
        } else {
            assert!(label["threshold"].as_f64().unwrap() > 1.0, "{name}");
        }
    }
    // Eight rows cannot support a 0.95 promise: every education case goes to a person, and says so.
    let education = labels.iter().find(|l| l["label"] == "education").unwrap();
    assert_eq!(education["supported"], false);
    assert!(education["cases_needed"].as_u64().unwrap() > 8);
    let rows = classify_csv(
        Some(&model),
        "id,text\n1,外来务工人员子女入学难，积分不够进不了公办小学\n",
        &[],
    );
    if rows[0]["label"] == "education" {
        assert_eq!(rows[0]["review"], "true", "{:?}", rows[0]);
    }

    let evaluate = triage(&[
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--input",
        training.to_str().unwrap(),
    ]);
    let text = stdout(&evaluate);
    assert!(text.contains("precision promised"), "{text}");
    assert!(text.contains("all to review"), "{text}");
    assert!(text.contains("95% interval"), "{text}");
}

#[test]
fn registry_list_shows_the_promise() {
    let dir = tempfile::tempdir().unwrap();
    let training = small_training_file(dir.path());
    let registry = dir.path().join("registry");
    let output = triage(&[
        "train",
        "--input",
        training.to_str().unwrap(),
        "--registry",
        registry.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let list = triage(&["registry", "list", registry.to_str().unwrap()]);
    let text = stdout(&list);
    assert!(
        text.contains("promise: precision ≥ 0.95 (lower bound at 80%)"),
        "{text}"
    );
}

#[test]
fn a_stricter_level_routes_less() {
    let dir = tempfile::tempdir().unwrap();
    let training = small_training_file(dir.path());
    let share = |level: &str| {
        let model = dir.path().join(format!("m{level}.model"));
        train_model(&training, &model, &["--precision-confidence", level]);
        let card: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(format!("m{level}.card.json"))).unwrap(),
        )
        .unwrap();
        card["held_out"]["auto_routed_share"].as_f64().unwrap()
    };
    let (loose, strict) = (share("0.5"), share("0.99"));
    assert!(strict < loose, "0.99: {strict}, 0.5: {loose}");
    let refused = triage(&[
        "train",
        "--input",
        training.to_str().unwrap(),
        "--output",
        dir.path().join("x.model").to_str().unwrap(),
        "--precision-confidence",
        "1.5",
    ]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("precision confidence"));
}
