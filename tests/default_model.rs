//! The shipped default model: its card matches the corpus, and script does not change a decision.

mod common;

use common::*;
use complaint_triage::pipeline::{Example, data_fingerprint, model_file};

fn corpus() -> Vec<Example> {
    let mut reader = csv::Reader::from_path(repo().join("corpora/complaints.csv")).unwrap();
    reader
        .deserialize::<std::collections::HashMap<String, String>>()
        .map(|r| {
            let r = r.unwrap();
            Example {
                text: r["text"].clone(),
                label: r["label"].clone(),
            }
        })
        .collect()
}

#[test]
fn the_model_card_matches_the_corpus() {
    let card: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("models/default.card.json")).unwrap(),
    )
    .unwrap();
    let examples = corpus();
    assert_eq!(
        card["data_fingerprint"].as_str().unwrap(),
        format!("{:016x}", data_fingerprint(&examples)),
        "corpora/complaints.csv changed: rebuild the default model (see README)"
    );
    assert_eq!(
        card["training_rows"].as_u64().unwrap() as usize,
        examples.len()
    );
    let model = model_file::load(&repo().join("models/default.model")).unwrap();
    assert_eq!(
        model.card.data_fingerprint,
        card["data_fingerprint"].as_str().unwrap()
    );
    assert!(card["held_out"]["macro_f1"].as_f64().unwrap() > 0.8);
}

#[test]
fn traditional_twins_classify_like_their_simplified_originals() {
    let model = model_file::load(&repo().join("models/default.model")).unwrap();
    let mut reader = csv::Reader::from_path(repo().join("corpora/sample.csv")).unwrap();
    let mut compared = 0;
    for record in reader.records() {
        let text = record.unwrap()[1].to_string();
        let simplified = hanconv::t2s(&text);
        let traditional = hanconv::s2t(&simplified);
        let a = model.triage(&simplified);
        let b = model.triage(&traditional);
        assert_eq!(a.label, b.label, "{simplified} / {traditional}");
        assert!((a.confidence - b.confidence).abs() < 0.05, "{simplified}");
        compared += 1;
    }
    assert_eq!(compared, 50);
}

#[test]
fn gibberish_and_greetings_are_not_routed() {
    let model = model_file::load(&repo().join("models/default.model")).unwrap();
    for text in [
        "",
        "   ",
        "qwxzv plmkj",
        "!!!???",
        "你好，在吗",
        "好的谢谢",
        "今天天氣不錯",
        "测试123",
    ] {
        let decision = model.triage(text);
        assert!(
            decision.needs_review(),
            "{text:?} was routed to {}",
            decision.label
        );
    }
}

#[test]
fn the_default_model_routes_complaints_written_by_other_hands() {
    let output = triage(&["evaluate", "--input", "corpora/holdout.csv", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let accuracy = json["accuracy"].as_f64().unwrap();
    assert!(accuracy >= 0.85, "holdout accuracy {accuracy}");
    assert!(json["auto_routed_precision"].as_f64().unwrap() >= 0.9);
}

/// The open set, measured on the holdout's out-of-scope complaints (written by another hand, never trained on):
/// at least 80% go to review, while complaints in scope are still mostly routed.
#[test]
fn the_default_model_sends_out_of_scope_complaints_to_review() {
    let model = model_file::load(&repo().join("models/default.model")).unwrap();
    let mut reader = csv::Reader::from_path(repo().join("corpora/holdout.csv")).unwrap();
    let (mut out_of_scope, mut reviewed, mut in_scope, mut routed) = (0, 0, 0, 0);
    for record in reader.records() {
        let record = record.unwrap();
        let decision = model.triage(&record[1]);
        if &record[2] == complaint_triage::pipeline::OUT_OF_SCOPE {
            out_of_scope += 1;
            reviewed += decision.needs_review() as usize;
        } else {
            in_scope += 1;
            routed += !decision.needs_review() as usize;
        }
    }
    assert!(out_of_scope >= 80);
    assert!(
        reviewed * 10 >= out_of_scope * 8,
        "{reviewed} of {out_of_scope} reviewed"
    );
    assert!(routed * 10 >= in_scope * 8, "{routed} of {in_scope} routed");
}

#[test]
fn the_default_model_segments_with_the_domain_dictionary() {
    let model = model_file::load(&repo().join("models/default.model")).unwrap();
    let words = model.words("企业反映城镇土地使用税和基本电费过高，投标保证金迟迟不退");
    for term in ["城镇土地使用税", "基本电费", "投标保证金"] {
        assert!(words.contains(&term), "{term}: {words:?}");
    }
}

#[test]
fn version_names_the_program_and_the_built_in_model() {
    let output = triage(&["--version"]);
    assert!(output.status.success());
    let text = stdout(&output);
    let model = model_file::load(&repo().join("models/default.model")).unwrap();
    let first_line = text.lines().next().unwrap_or_default();
    assert_eq!(first_line, format!("triage {}", env!("CARGO_PKG_VERSION")));
    assert!(
        text.contains(&format!("trained {}", model.card.trained_on)),
        "{text}"
    );
    assert!(
        text.contains(&format!("data fingerprint {}", model.card.data_fingerprint)),
        "{text}"
    );
    assert!(
        text.contains(&format!("on {} rows", model.card.training_rows)),
        "{text}"
    );
}
