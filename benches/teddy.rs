//! Quality and speed on real text: `cargo bench --bench teddy`.
//!
//! Reads the Teddy Cup 2020 (problem C) citizen messages from `../shared/data/teddy2020c/train.csv` (or the file
//! named by `TEDDY_CSV`); the data is third-party and is only read, never copied into the project. Prints:
//! 5-fold cross-validation (macro-F1, ECE, auto-routed share and precision at the default 0.95 target) on the
//! Simplified messages with the default features (jieba words + char 1–2-grams), on a Traditional-script copy
//! made with hanconv, and with char 1–3-grams and no word features (the earlier default); training time on all
//! rows and in-process classification throughput for both, the second also without segmentation; and the
//! binary's start-up + model load time.

use complaint_triage::pipeline::{Example, TrainParams, model_file, train};
use complaint_triage::segment::SegmenterKind;
use complaint_triage::validation::cross_validate;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

fn data_path() -> PathBuf {
    std::env::var_os("TEDDY_CSV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/teddy2020c/train.csv")
        })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let path = data_path();
    let Ok(mut reader) = csv::Reader::from_path(&path) else {
        eprintln!("teddy bench: {} not found; set TEDDY_CSV", path.display());
        return;
    };
    let examples: Vec<Example> = reader
        .records()
        .map(|r| {
            let r = r.expect("readable row");
            Example {
                text: r[1].to_string(),
                label: r[2].to_string(),
            }
        })
        .collect();
    let params = TrainParams::default();
    let (texts, labels): (Vec<String>, Vec<String>) = examples
        .iter()
        .map(|e| (e.text.clone(), e.label.clone()))
        .unzip();
    let traditional: Vec<String> = texts.iter().map(hanconv::s2t).collect();
    let mut chars_only = params.clone();
    chars_only.tfidf.word_ngram_max = 0;
    chars_only.tfidf.char_ngram_max = 3;
    let runs = [
        ("Simplified, words + char 1-2 (default)", &texts, &params),
        (
            "Traditional, words + char 1-2 (default)",
            &traditional,
            &params,
        ),
        ("Simplified, char 1-3, no words", &texts, &chars_only),
    ];
    for (what, texts, params) in runs {
        let started = Instant::now();
        let cv = cross_validate(texts, &labels, 5, params).expect("cross-validation");
        let folds: Vec<String> = cv.fold_macro_f1.iter().map(|f| format!("{f:.4}")).collect();
        println!(
            "{what}: 5-fold CV macro-F1 {:.4} (folds {}), accuracy {:.4}, ECE {:.4}, auto-routed {:.1}% at precision {:.4} [{:.1} s]",
            cv.mean_macro_f1,
            folds.join(" "),
            cv.pooled.accuracy,
            cv.pooled.ece,
            100.0 * cv.pooled.auto_routed_share,
            cv.pooled.auto_routed_precision,
            started.elapsed().as_secs_f64()
        );
    }

    let batch: Vec<&str> = texts
        .iter()
        .cycle()
        .take(5 * texts.len())
        .map(String::as_str)
        .collect();
    let bytes: usize = batch.iter().map(|t| t.len()).sum();
    let mut default_pipeline = None;
    for (what, params, segmented) in [
        ("words + char 1-2 (default)", &params, true),
        ("char 1-3, no words, segmented", &chars_only, true),
        ("char 1-3, no words, not segmented", &chars_only, false),
    ] {
        let mut train_seconds = Vec::new();
        let mut trained = None;
        for _ in 0..3 {
            let started = Instant::now();
            trained = Some(train(&examples, params).expect("training"));
            train_seconds.push(started.elapsed().as_secs_f64());
        }
        let mut pipeline = trained.expect("trained").pipeline;
        if !segmented {
            // Valid only because this model has no word features: what segmentation costs.
            pipeline.segmenter = SegmenterKind::Unsegmented;
        }
        println!(
            "{what}: training on {} rows: median {:.2} s of {:?}",
            examples.len(),
            median(train_seconds.clone()),
            train_seconds
                .iter()
                .map(|s| format!("{s:.2}"))
                .collect::<Vec<_>>()
        );
        let mut rates = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            let decisions = pipeline.triage_batch(&batch, false);
            assert_eq!(decisions.len(), batch.len());
            rates.push(batch.len() as f64 / started.elapsed().as_secs_f64());
        }
        let rate = median(rates);
        println!(
            "{what}: classification in process ({} threads): {:.0} docs/s, {:.1} MB/s ({} docs, mean {:.0} chars)",
            rayon::current_num_threads(),
            rate,
            rate * bytes as f64 / batch.len() as f64 / 1e6,
            batch.len(),
            batch.iter().map(|t| t.chars().count()).sum::<usize>() as f64 / batch.len() as f64
        );
        default_pipeline.get_or_insert(pipeline);
    }
    let pipeline = default_pipeline.expect("the default configuration ran");

    let model = std::env::temp_dir().join(format!("teddy-bench-{}.model", std::process::id()));
    model_file::save(&pipeline, &model).expect("save");
    let one_row = std::env::temp_dir().join(format!("teddy-bench-{}.csv", std::process::id()));
    std::fs::write(&one_row, "id,text\n1,小区门口道路破损严重\n").expect("write");
    for (what, model_arg) in [
        ("teddy model", Some(&model)),
        ("built-in default model", None),
    ] {
        let mut times = Vec::new();
        for _ in 0..5 {
            let mut command = Command::new(env!("CARGO_BIN_EXE_triage"));
            command.args(["classify", "--input"]).arg(&one_row);
            if let Some(model) = model_arg {
                command.arg("--model").arg(model);
            }
            let started = Instant::now();
            let status = command
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("run");
            assert!(status.success());
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "start-up + model load + one row, {what}: median {:.0} ms",
            median(times)
        );
    }
    let _ = std::fs::remove_file(model);
    let _ = std::fs::remove_file(one_row);
}
