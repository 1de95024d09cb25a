//! What an office's next closed cases buy: `cargo bench --bench learning_curve`.
//!
//! For the Teddy Cup 2020 (problem C) citizen messages (`../shared/data/teddy2020c/train.csv`, or `TEDDY_CSV`;
//! third-party, read only) and for the team's corpus (`corpora/complaints.csv`), five stratified folds each
//! serve once as held-out data; the model is trained on the first N rows, in file order, of the other four
//! folds, for N = 400, 800, 1,600, 3,200 and all of them. Held-out predictions are pooled over the folds and
//! give, per N: macro-F1, the share routed automatically and the precision those routed cases reached, for the
//! review thresholds chosen at each confidence level in `LEVELS` (default `0.5,0.8,0.9,0.95`; 0.5 is the
//! point estimate). The team corpus is shuffled first (fixed seed), since it is written category by category;
//! `SKIP_TEDDY` or `SKIP_CORPUS` leave one out; `MAX_SIZE` stops the curve early. The promise is that precision reached stays at or above the 0.95 target less 0.01.

use complaint_triage::metrics::{Evaluation, Outcome, wilson_interval};
use complaint_triage::pipeline::{Example, TrainParams, train};
use complaint_triage::review::ReviewPolicy;
use complaint_triage::shuffle::shuffled;
use complaint_triage::validation::stratified_folds;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

const SIZES: [usize; 4] = [400, 800, 1600, 3200];
fn max_size() -> usize {
    std::env::var("MAX_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX)
}
const TARGET: f64 = 0.95;

fn read(path: &Path) -> Option<Vec<Example>> {
    let mut reader = csv::Reader::from_path(path).ok()?;
    let headers = reader.headers().ok()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (text, label) = (column("text")?, column("label")?);
    Some(
        reader
            .records()
            .filter_map(Result::ok)
            .map(|r| Example {
                text: r[text].to_string(),
                label: r[label].to_string(),
            })
            .collect(),
    )
}

fn levels() -> Vec<f64> {
    std::env::var("LEVELS")
        .unwrap_or_else(|_| "0.5,0.8,0.9,0.95".into())
        .split(',')
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

fn curve(name: &str, examples: &[Example]) {
    let levels = levels();
    let labels: Vec<String> = examples.iter().map(|e| e.label.clone()).collect();
    let folds = stratified_folds(&labels, 5, 7);
    let pool_size = examples.len() - examples.len() / 5;
    let mut sizes: Vec<usize> = SIZES.iter().copied().filter(|&n| n < pool_size).collect();
    sizes.push(usize::MAX);
    sizes.retain(|&n| n <= max_size());
    println!("\n{name}: {} rows, 5 held-out folds pooled", examples.len());
    println!(
        "| training rows | macro-F1 | {} |",
        levels
            .iter()
            .map(|l| format!("level {l}: auto-routed / precision reached [95% interval]"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|---|{}", "---|".repeat(levels.len()));
    for size in sizes {
        let started = Instant::now();
        // Per level, the pooled outcomes; macro-F1 does not depend on the level.
        let mut outcomes: Vec<Vec<Outcome>> = vec![Vec::new(); levels.len()];
        let mut trained_rows = 0;
        for fold in 0..5 {
            let pool: Vec<&Example> = (0..examples.len())
                .filter(|&i| folds[i] != fold)
                .map(|i| &examples[i])
                .collect();
            let training: Vec<Example> = pool.iter().take(size).map(|e| (*e).clone()).collect();
            trained_rows = training.len();
            let trained = train(&training, &TrainParams::default()).expect("training");
            let held_out: Vec<&Example> = (0..examples.len())
                .filter(|&i| folds[i] == fold)
                .map(|i| &examples[i])
                .collect();
            let decisions: Vec<_> = held_out
                .par_iter()
                .map(|e| trained.pipeline.triage(&e.text))
                .collect();
            for (l, &level) in levels.iter().enumerate() {
                let (policy, _) = ReviewPolicy::fit(
                    trained.pipeline.labels(),
                    &trained.held_out_predictions,
                    |_| TARGET,
                    level,
                );
                for (example, decision) in held_out.iter().zip(&decisions) {
                    // Reasons other than the threshold (unfamiliar, not a complaint, empty) stand as decided.
                    let other_reason = decision.review_reason.as_ref().is_some_and(|r| {
                        !matches!(
                            r,
                            complaint_triage::review::ReviewReason::BelowThreshold { .. }
                        )
                    });
                    let routed = !other_reason
                        && policy.check(&decision.label, decision.confidence).is_none();
                    outcomes[l].push(Outcome {
                        truth: example.label.clone(),
                        predicted: decision.label.clone(),
                        confidence: decision.confidence,
                        auto_routed: routed,
                    });
                }
            }
        }
        let cells: Vec<String> = outcomes
            .iter()
            .map(|o| {
                let e = Evaluation::compute(o);
                let (low, high) = wilson_interval(e.auto_routed_correct, e.auto_routed, 1.96);
                format!(
                    "{:.1}% / {:.3} [{low:.3}–{high:.3}]",
                    100.0 * e.auto_routed_share,
                    e.auto_routed_precision
                )
            })
            .collect();
        let macro_f1 = Evaluation::compute(&outcomes[0]).macro_f1;
        println!(
            "| {trained_rows} | {macro_f1:.3} | {} |  ({:.0} s)",
            cells.join(" | "),
            started.elapsed().as_secs_f64()
        );
    }
}

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let teddy = std::env::var_os("TEDDY_CSV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("../shared/data/teddy2020c/train.csv"));
    if std::env::var_os("SKIP_TEDDY").is_none() {
        match read(&teddy) {
            Some(examples) => curve("Teddy 2020 C (file order)", &examples),
            None => eprintln!(
                "learning_curve: {} not found; set TEDDY_CSV",
                teddy.display()
            ),
        }
    }
    if std::env::var_os("SKIP_CORPUS").is_none() {
        let corpus = read(&repo.join("corpora/complaints.csv")).expect("corpora/complaints.csv");
        // The corpus is written category by category: its first rows would hold only a few labels. An office's
        // closed cases come mixed, so the order is shuffled (fixed seed).
        let shuffled: Vec<Example> = shuffled(corpus.len(), 42)
            .into_iter()
            .map(|i| corpus[i].clone())
            .collect();
        curve("team corpus (shuffled order)", &shuffled);
    }
}
