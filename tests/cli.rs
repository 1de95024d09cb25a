//! The real binary on small inputs: commands, outputs and bad input.

mod common;

use common::*;

#[test]
fn classify_with_the_default_model_yields_one_row_per_input_row() {
    let output = triage(&["classify", "--input", "corpora/sample.csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = csv_rows(&stdout(&output));
    let mut expected = csv::Reader::from_path(repo().join("corpora/sample.csv")).unwrap();
    let expected: Vec<csv::StringRecord> = expected.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), expected.len());
    let mut correct = 0;
    for (row, input) in rows.iter().zip(&expected) {
        assert_eq!(row["id"], input[0]);
        // Three decimals, never 1.000.
        let confidence: f64 = row["confidence"].parse().unwrap();
        assert!((0.0..=0.999).contains(&confidence), "{}", row["confidence"]);
        assert_eq!(row["confidence"].split_once('.').unwrap().1.len(), 3);
        // The Chinese name of the category, after the label.
        assert!(!row["category_name"].is_ascii(), "{:?}", row);
        assert!(
            !row["department"].is_empty()
                || complaint_triage::pipeline::is_reserved_label(&row["label"])
        );
        // At most two alternatives, each at least 0.01 likely, with its Chinese name.
        let alternatives: Vec<&str> = row["alternatives"]
            .split('|')
            .filter(|a| !a.is_empty())
            .collect();
        assert!(alternatives.len() <= 2);
        for alternative in alternatives {
            let (name, p) = alternative.rsplit_once(':').unwrap();
            assert!(p.parse::<f64>().unwrap() >= 0.01, "{alternative}");
            assert!(!name.is_ascii() && name.ends_with(')'), "{alternative}");
        }
        assert_eq!(row["review"] == "true", !row["review_reason"].is_empty());
        // The input's own `label` column is kept; the decision's is renamed.
        assert_eq!(row["label"], input[2]);
        correct += (row["triage_label"] == input[2]) as usize;
    }
    // The sample was written separately from the training corpus; most of it must land right.
    assert!(
        correct * 10 >= rows.len() * 7,
        "{correct} of {} correct",
        rows.len()
    );
}

#[test]
fn train_classify_evaluate_and_cv_work_together() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_small_model(dir.path());
    assert!(dir.path().join("small.card.json").exists());
    let input = "id,text\nA1,我公司城镇土地使用税负担太重，希望减免\nA2,银行抽贷，续贷要过桥资金，利息太高\nA3,变压器增容申请半年没批\n";
    let rows = classify_csv(Some(&model), input, &[]);
    let labels: Vec<&str> = rows.iter().map(|r| r["label"].as_str()).collect();
    assert_eq!(labels, ["tax", "financing", "power_cost"]);
    assert!(rows[0]["department"].contains("税务"));

    let training = small_training_file(dir.path());
    let evaluation = triage(&[
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--input",
        training.to_str().unwrap(),
        "--json",
    ]);
    assert!(evaluation.status.success(), "{}", stderr(&evaluation));
    let json: serde_json::Value = serde_json::from_str(&stdout(&evaluation)).unwrap();
    for key in ["n", "accuracy", "macro_f1", "ece", "per_class", "confusion"] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert!(
        json["accuracy"].as_f64().unwrap() > 0.9,
        "training accuracy {}",
        json["accuracy"]
    );

    let cv = triage(&[
        "cv",
        "--input",
        training.to_str().unwrap(),
        "--folds",
        "3",
        "--json",
    ]);
    assert!(cv.status.success(), "{}", stderr(&cv));
    let json: serde_json::Value = serde_json::from_str(&stdout(&cv)).unwrap();
    assert_eq!(json["fold_macro_f1"].as_array().unwrap().len(), 3);
    assert!(json["mean_macro_f1"].as_f64().unwrap() > 0.7);
}

#[test]
fn routing_override_and_labels_outside_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let training = dir.path().join("departments.csv");
    std::fs::write(
        &training,
        "text,department\n城镇土地使用税太高,税务局\n房产税和土地使用税负担重,税务局\n增值税留抵退税慢,税务局\n\
         用电基本电费上涨,供电公司\n变压器增容电费贵,供电公司\n峰谷电价调整电费高,供电公司\n",
    )
    .unwrap();
    let model = dir.path().join("dept.model");
    let department_args = [
        "--label-column",
        "department",
        "--calibration-folds",
        "2",
        "--min-df",
        "1",
    ];
    train_model(&training, &model, &department_args);
    let rows = classify_csv(Some(&model), "id,text\n1,电费太贵\n", &[]);
    // A department label is its own department.
    assert_eq!(rows[0]["label"], "供电公司");
    assert_eq!(rows[0]["department"], "供电公司");

    let routing = dir.path().join("routing.csv");
    std::fs::write(
        &routing,
        "category,department_id,department_name\n供电公司,grid_east,东区供电所\n",
    )
    .unwrap();
    let rows = classify_csv(
        Some(&model),
        "id,text\n1,电费太贵\n",
        &["--routing", routing.to_str().unwrap()],
    );
    assert_eq!(rows[0]["department"], "东区供电所");
    assert_eq!(rows[0]["department_id"], "grid_east");
}

#[test]
fn a_missing_column_names_the_columns_that_exist() {
    let output = triage_with_stdin(
        &["classify", "--input", "-"],
        "编号,内容\n1,电费高\n".as_bytes(),
    );
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("no column named 'text'"), "{message}");
    assert!(message.contains("编号, 内容"), "{message}");
}

#[test]
fn empty_text_and_invalid_utf8_rows_are_accounted_for() {
    let mut input = b"id,text\n1,\n2,\xff\xfe\xfd\n3,\xe4\xbc\x81\xe4\xb8\x9a\xe8\xb4\xb7\xe6\xac\xbe\xe9\x9a\xbe\n4,   \n".to_vec();
    input.extend_from_slice("5,银行贷款只给三个月期限\n".as_bytes());
    let output = triage_with_stdin(&["classify", "--input", "-"], &input);
    // Unreadable rows make the exit status non-zero but every row still has an output row.
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let rows = csv_rows(&stdout(&output));
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    assert_eq!(rows[0]["review"], "true");
    assert_eq!(rows[0]["review_reason"], "空文本");
    assert_eq!(rows[3]["review_reason"], "空文本");
    assert!(
        rows[1]["review_reason"].contains("not valid UTF-8"),
        "{:?}",
        rows[1]
    );
    assert!(stderr(&output).contains("row 2"), "{}", stderr(&output));
    assert_eq!(rows[2]["label"], "financing");
    assert_eq!(rows[4]["label"], "financing");
}

#[test]
fn unknown_damaged_and_foreign_model_files_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_small_model(dir.path());
    let bytes = std::fs::read(&model).unwrap();
    let run = |bytes: &[u8], name: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let output = triage_with_stdin(
            &[
                "classify",
                "--model",
                path.to_str().unwrap(),
                "--input",
                "-",
            ],
            b"id,text\n1,x\n",
        );
        assert_eq!(output.status.code(), Some(2));
        stderr(&output)
    };
    let truncated = run(&bytes[..bytes.len() / 2], "truncated.model");
    assert!(
        truncated.contains("damaged") && truncated.contains("truncated"),
        "{truncated}"
    );
    let mut flipped = bytes.clone();
    let last = flipped.len() - 10;
    flipped[last] ^= 0xff;
    assert!(run(&flipped, "flipped.model").contains("checksum"));
    let mut future = bytes.clone();
    future[23] = 99;
    let version = run(&future, "future.model");
    assert!(version.contains("version 99"), "{version}");
    assert!(run(b"id,text\n", "csv.model").contains("not a complaint-triage model"));
    let missing = triage(&[
        "classify",
        "--model",
        "no/such.model",
        "--input",
        "corpora/sample.csv",
    ]);
    assert!(stderr(&missing).contains("no/such.model"));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["classify", "--input", "corpora/sample.csv"])
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
}

#[test]
fn word_features_are_the_default_and_the_card_says_which_features_a_model_uses() {
    let dir = tempfile::tempdir().unwrap();
    let training = small_training_file(dir.path());
    let chars_only = dir.path().join("chars.model");
    let with_words = dir.path().join("words.model");
    train_model(
        &training,
        &chars_only,
        &["--word-ngrams", "0", "--char-ngrams", "1-3"],
    );
    train_model(&training, &with_words, &[]);
    let card = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(name)).unwrap()).unwrap()
    };
    assert_eq!(
        card("chars.card.json")["params"]["tfidf"]["word_ngram_max"],
        0
    );
    assert_eq!(
        card("words.card.json")["params"]["tfidf"]["word_ngram_max"],
        1
    );
    assert_eq!(
        card("words.card.json")["params"]["tfidf"]["char_ngram_max"],
        2
    );
    let input = "id,text\nA1,我公司城镇土地使用税负担太重，希望减免\nA2,銀行抽貸，續貸要過橋資金，利息太高\n";
    for model in [&chars_only, &with_words] {
        let rows = classify_csv(Some(model), input, &["--explain"]);
        let labels: Vec<&str> = rows.iter().map(|r| r["label"].as_str()).collect();
        assert_eq!(labels, ["tax", "financing"], "{}", model.display());
        // Both segment: their reasons are whole words, the dictionary term among them.
        assert!(
            rows[0]["reasons"].contains("城镇土地使用税:"),
            "{}",
            rows[0]["reasons"]
        );
    }
}

#[test]
fn a_dictionary_keeps_its_terms_whole_in_the_words_of_a_char_ngram_model() {
    let dir = tempfile::tempdir().unwrap();
    let training = small_training_file(dir.path());
    let dictionary = dir.path().join("dict.txt");
    std::fs::write(&dictionary, "退税慢难题 100000\n").unwrap();
    let model = dir.path().join("m.model");
    let output = triage(&[
        "train",
        "--input",
        training.to_str().unwrap(),
        "--output",
        model.to_str().unwrap(),
        "--dictionary",
        dictionary.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let model = complaint_triage::pipeline::model_file::load(&model).unwrap();
    let text = "企业反映退税慢难题";
    assert!(
        model.words(text).contains(&"退税慢难题"),
        "{:?}",
        model.words(text)
    );
    // Without it, jieba splits the made-up term.
    let plain = train_small_model(dir.path());
    let plain = complaint_triage::pipeline::model_file::load(&plain).unwrap();
    assert!(!plain.words(text).contains(&"退税慢难题"));
}
