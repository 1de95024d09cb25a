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
            let (term, share) = reason.rsplit_once(':').unwrap();
            assert!(text.contains(term), "{term} not in {text}");
            let percent: u32 = share.strip_suffix('%').unwrap().parse().unwrap();
            assert!((1..=100).contains(&percent), "{reason}");
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
    let text = stdout(&text);
    assert!(text.contains("precision–coverage"));
    // The per-class table names each category in Chinese and its columns line up on screen.
    let table: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("label "))
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(table.len() > 10);
    assert!(table.iter().any(|l| l.starts_with("tax 税收 ")));
    let widths: Vec<usize> = table
        .iter()
        .map(|l| unicode_width::UnicodeWidthStr::width(*l))
        .collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "{table:#?}");
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

/// Every reason the default model gives on the holdout and the sample is a whole word of its text's
/// segmentation, as written, with a letter or Han character in it; no two reasons share characters; shares of
/// the positive push add up to at most 100%.
#[test]
fn every_reason_is_a_whole_word_of_the_segmented_input() {
    let model = default_model();
    let (mut checked, mut routed, mut at_least_three) = (0, 0, 0);
    for file in ["corpora/holdout.csv", "corpora/sample.csv"] {
        let mut reader = csv::Reader::from_path(repo().join(file)).unwrap();
        for record in reader.records() {
            let text = record.unwrap()[1].to_string();
            let decision = model.triage_explained(&text);
            let words = model.words(&text);
            assert!(decision.reasons.len() <= 5, "{text}");
            if !decision.needs_review() {
                // A short text may have fewer than three words pushing towards its label.
                assert!(!decision.reasons.is_empty(), "{text}");
                routed += 1;
                at_least_three += (decision.reasons.len() >= 3) as usize;
            }
            // Where each word starts in the text, to place each reason on a word of its own.
            let word_starts: Vec<(usize, &str)> = words
                .iter()
                .map(|w| (w.as_ptr() as usize - text.as_ptr() as usize, *w))
                .collect();
            let mut starts = std::collections::HashSet::new();
            for reason in &decision.reasons {
                let at = word_starts
                    .iter()
                    .find(|(_, w)| *w == reason.term)
                    .map(|(start, _)| *start);
                assert!(
                    at.is_some(),
                    "{} is not a word of {text}: {words:?}",
                    reason.term
                );
                assert!(
                    reason
                        .term
                        .chars()
                        .any(|c| c.is_alphanumeric() && !c.is_numeric()),
                    "{}",
                    reason.term
                );
                // Distinct words of one segmentation never share characters.
                assert!(starts.insert(at), "{} given twice in {text}", reason.term);
                assert!(reason.weight > 0.0 && reason.weight <= 1.0);
                checked += 1;
            }
            let total: f32 = decision.reasons.iter().map(|r| r.weight).sum();
            assert!(total <= 1.0 + 1e-4, "{text}: {total}");
        }
    }
    assert!(checked > 1000, "only {checked} reasons checked");
    assert!(
        at_least_three * 10 >= routed * 9,
        "{at_least_three} of {routed} routed rows have three reasons or more"
    );
}

#[test]
fn domain_terms_are_whole_reasons_and_traditional_words_stay_traditional() {
    let model = default_model();
    let decision = model.triage_explained("我公司城镇土地使用税负担太重，房产税也高，希望减免");
    assert!(
        decision.reasons.iter().any(|r| r.term == "城镇土地使用税"),
        "{:?}",
        decision.reasons
    );
    let words = model.words("廠房竣工驗收後房產證辦不下來");
    assert!(words.contains(&"竣工驗收"), "{words:?}");
    assert_eq!(words.concat(), "廠房竣工驗收後房產證辦不下來");
}

#[test]
fn complaints_no_category_covers_go_to_review_saying_so() {
    let input = "id,text\n1,我想把户口从老家迁过来，派出所说要房产证，我是租房住的怎么办\n\
                 2,医保报销比例太低，住院花了三万只报了一半\n3,邻居家装修天天砸墙，物业也不管\n\
                 4,公积金提取要跑三趟，能不能网上办\n";
    for (lang, reason) in [("zh", "无匹配类别"), ("en", "no category fits")] {
        let output = triage_with_stdin(
            &["classify", "--input", "-", "--lang", lang],
            input.as_bytes(),
        );
        assert!(output.status.success(), "{}", stderr(&output));
        for row in csv_rows(&stdout(&output)) {
            assert_eq!(row["review"], "true", "{row:?}");
            assert!(row["review_reason"].starts_with(reason), "{row:?}");
            assert_eq!(row["department"], "");
        }
    }
}
