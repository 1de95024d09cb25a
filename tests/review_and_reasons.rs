//! Confidence a dispatcher can act on: reasons quoted from the input, secondary labels, review of non-complaints.

mod common;

use common::*;
use complaint_triage::pipeline::model_file;

fn default_model() -> complaint_triage::Pipeline {
    model_file::load(&repo().join("models/default.model")).unwrap()
}

#[test]
fn reasons_are_terms_of_the_input_and_traditional_input_gives_traditional_reasons() {
    let model = default_model();
    let traditional = "我公司廠房竣工驗收後，房產證辦理了兩年還沒下來，銀行貸款也因此批不了";
    let decision = model.triage_explained(traditional);
    assert!(!decision.reasons.is_empty());
    assert!(decision.reasons.len() <= 5);
    for reason in &decision.reasons {
        assert!(
            traditional.contains(&reason.term),
            "{} not in the input",
            reason.term
        );
        assert!(reason.weight > 0.0);
    }
    // At least one reason carries Traditional characters that the Simplified twin does not have.
    let simplified = hanconv::t2s(traditional);
    assert!(
        decision
            .reasons
            .iter()
            .any(|r| !simplified.contains(&r.term)),
        "{:?}",
        decision.reasons
    );
}

#[test]
fn every_routed_row_of_the_sample_has_a_reason() {
    let output = triage(&["classify", "--input", "corpora/sample.csv", "--explain"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = csv_rows(&stdout(&output));
    let mut sample = csv::Reader::from_path(repo().join("corpora/sample.csv")).unwrap();
    let texts: Vec<String> = sample
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    for (row, text) in rows.iter().zip(&texts) {
        if row["review"] == "false" {
            assert!(!row["reasons"].is_empty(), "no reason for {}", row["id"]);
        }
        for reason in row["reasons"].split('|').filter(|r| !r.is_empty()) {
            let (term, weight) = reason.rsplit_once(':').unwrap();
            assert!(text.contains(term), "{term} not in {text}");
            assert!(weight.parse::<f32>().unwrap() > 0.0);
        }
    }
}

#[test]
fn a_complaint_spanning_two_departments_gets_a_secondary_label() {
    let output = triage_with_stdin(
        &[
            "classify",
            "--input",
            "-",
            "--secondary-threshold",
            "0.0001",
        ],
        "id,text\n1,银行抽贷导致资金链紧张，同时厂房房产证一直办不下来无法抵押\n".as_bytes(),
    );
    let rows = csv_rows(&stdout(&output));
    assert!(!rows[0]["secondary_label"].is_empty());
    assert_ne!(rows[0]["secondary_label"], rows[0]["label"]);
    assert!(!rows[0]["secondary_department"].is_empty());
    // With the threshold at 1, nothing is secondary.
    let output = triage_with_stdin(
        &["classify", "--input", "-", "--secondary-threshold", "1"],
        "id,text\n1,银行抽贷导致资金链紧张，同时厂房房产证一直办不下来无法抵押\n".as_bytes(),
    );
    assert_eq!(csv_rows(&stdout(&output))[0]["secondary_label"], "");
}

#[test]
fn evaluate_reports_coverage_precision_and_reliability() {
    let output = triage(&["evaluate", "--input", "corpora/sample.csv", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let share = json["auto_routed_share"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&share));
    assert!(json["auto_routed_precision"].as_f64().is_some());
    assert_eq!(json["reliability"].as_array().unwrap().len(), 10);
    let table = json["precision_coverage"].as_array().unwrap();
    assert!(table.len() >= 5);
    // Coverage cannot grow as the target rises.
    let coverages: Vec<f64> = table
        .iter()
        .map(|r| r["coverage"].as_f64().unwrap())
        .collect();
    assert!(coverages.windows(2).all(|w| w[0] >= w[1]), "{coverages:?}");
    assert!(
        json["per_class"][0]["auto_routed_precision"]
            .as_f64()
            .is_some()
    );
    let text = triage(&["evaluate", "--input", "corpora/sample.csv"]);
    assert!(stdout(&text).contains("precision–coverage"));
}

#[test]
fn thresholds_saved_in_the_model_meet_the_target_on_held_out_folds() {
    let dir = tempfile::tempdir().unwrap();
    let training = small_training_file(dir.path());
    let model = dir.path().join("strict.model");
    train_model(&training, &model, &["--target-precision", "0.99"]);
    let card: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("strict.card.json")).unwrap(),
    )
    .unwrap();
    for class in card["held_out"]["per_class"].as_array().unwrap() {
        let precision = class["auto_routed_precision"].as_f64().unwrap();
        let share = class["auto_routed_share"].as_f64().unwrap();
        assert!(share == 0.0 || precision >= 0.99, "{class}");
    }
}
