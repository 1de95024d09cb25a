//! `triage train`: learn a model from a labelled CSV file and save it atomically.

use super::input::read_examples;
use crate::classify::ClassWeighting;
use crate::pipeline::{FeatureSelection, TrainParams, model_file, train};
use crate::registry::{Decision, NewVersion, RegistryWriter};
use crate::route::RoutingTable;
use clap::Args;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Settings shared by `train` and `cv`.
#[derive(Debug, Clone, Args)]
pub struct TrainingOptions {
    /// Column holding the complaint text.
    #[arg(long, default_value = "text")]
    pub text_column: String,
    /// Column holding the label (a category id, a department, or any label set).
    #[arg(long, default_value = "label")]
    pub label_column: String,
    /// SVM regularisation: larger fits the training data more closely.
    #[arg(long, default_value_t = 1.0)]
    pub c: f64,
    /// Weight every row the same instead of balancing the classes.
    #[arg(long)]
    pub no_class_weights: bool,
    /// Longest word n-gram from jieba segmentation used as features: 1 words, 2 words and word bigrams, 0 none
    /// (char n-grams only; every model still segments, for its reasons).
    #[arg(long, default_value_t = 1)]
    pub word_ngrams: usize,
    /// Char n-gram lengths, `MIN-MAX` (`0-0` turns char features off).
    #[arg(long, default_value = "1-2")]
    pub char_ngrams: String,
    /// How the vocabulary is cut to --max-features terms: the terms a first model weighs most, or the most
    /// frequent.
    #[arg(long, value_enum, default_value = "weight")]
    pub select: FeatureSelection,
    /// Minimum number of documents a term must occur in.
    #[arg(long, default_value_t = 2)]
    pub min_df: usize,
    /// Keep at most this many terms, chosen as --select says (by default the terms a first model weighs most);
    /// 0 keeps all.
    #[arg(long, default_value_t = 50_000)]
    pub max_features: usize,
    /// Folds for the out-of-fold scores behind calibration and review thresholds.
    #[arg(long, default_value_t = 5)]
    pub calibration_folds: usize,
    /// Precision the automatically routed cases must reach; the rest go to review.
    #[arg(long, default_value_t = 0.95)]
    pub target_precision: f64,
    /// One-sided confidence with which each category's held-out precision must reach its target (a Wilson
    /// lower bound, not the point estimate): higher routes less but keeps the promise on small data.
    #[arg(long, default_value_t = crate::review::DEFAULT_PRECISION_CONFIDENCE)]
    pub precision_confidence: f64,
    /// A runner-up category at least this probable is reported as `secondary_label` (联办/协办).
    #[arg(long, default_value_t = crate::review::DEFAULT_SECONDARY_THRESHOLD)]
    pub secondary_threshold: f32,
    /// CSV `label,precision` with per-category targets that override --target-precision.
    #[arg(long)]
    pub precision_file: Option<PathBuf>,
    /// jieba user dictionary (`word [freq] [tag]` per line) instead of the shipped domain dictionary: its terms
    /// stay whole in the words reasons are made of (and in word features, with --word-ngrams 1 or 2).
    #[arg(long)]
    pub dictionary: Option<PathBuf>,
    /// Routing table CSV (`category,department_id,department_name`, optionally `category_name`) to save with the
    /// model.
    #[arg(long)]
    pub routing: Option<PathBuf>,
}

impl TrainingOptions {
    pub fn params(&self) -> anyhow::Result<TrainParams> {
        let mut params = TrainParams::default();
        params.svm.c = self.c;
        if self.no_class_weights {
            params.svm.class_weighting = ClassWeighting::Uniform;
        }
        params.tfidf.min_df = self.min_df;
        params.feature_selection = self.select;
        params.tfidf.max_features = (self.max_features > 0).then_some(self.max_features);
        params.tfidf.word_ngram_max = self.word_ngrams;
        let (low, high) = self
            .char_ngrams
            .split_once('-')
            .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "--char-ngrams must look like 1-3, got '{}'",
                    self.char_ngrams
                )
            })?;
        params.tfidf.char_ngram_min = low;
        params.tfidf.char_ngram_max = high;
        params.calibration_folds = self.calibration_folds;
        params.target_precision = self.target_precision;
        params.precision_confidence = self.precision_confidence;
        params.secondary_threshold = self.secondary_threshold;
        if let Some(path) = &self.precision_file {
            params.label_precision = read_precision_file(path)?;
        }
        if let Some(path) = &self.dictionary {
            params.user_dictionary = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        if let Some(path) = &self.routing {
            params.routing = RoutingTable::from_path(path)?;
        }
        params.check()?;
        Ok(params)
    }
}

fn read_precision_file(path: &Path) -> anyhow::Result<BTreeMap<String, f64>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut targets = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || (i == 0 && line.starts_with("label")) {
            continue;
        }
        let (label, precision) = line.split_once(',').ok_or_else(|| {
            anyhow::anyhow!(
                "{}, line {}: expected `label,precision`",
                path.display(),
                i + 1
            )
        })?;
        let precision: f64 = precision.trim().parse().map_err(|_| {
            anyhow::anyhow!(
                "{}, line {}: '{}' is not a number",
                path.display(),
                i + 1,
                precision.trim()
            )
        })?;
        targets.insert(label.trim().to_string(), precision);
    }
    Ok(targets)
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Labelled table: CSV, TSV, JSONL or XLSX with a header (format by extension), UTF-8 or GBK.
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the model file; its card goes beside it (`x.model` → `x.card.json`).
    #[arg(long, required_unless_present = "registry")]
    pub output: Option<PathBuf>,
    /// Model registry folder to add the model to as a new, active version (created when missing).
    #[arg(long)]
    pub registry: Option<PathBuf>,
    #[command(flatten)]
    pub options: TrainingOptions,
}

pub fn run(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let params = args.options.params()?;
    let started = Instant::now();
    let (examples, skipped) = read_examples(
        &args.input,
        &args.options.text_column,
        &args.options.label_column,
    )?;
    let trained = train(&examples, &params)?;
    eprintln!(
        "trained on {} rows ({} skipped), {} labels, in {:.1} s",
        examples.len(),
        skipped,
        trained.pipeline.labels().len(),
        started.elapsed().as_secs_f64(),
    );
    if let Some(output) = &args.output {
        model_file::save(&trained.pipeline, output)?;
        let card_path = card_path(output);
        model_file::write_atomically(
            &card_path,
            serde_json::to_string_pretty(&trained.pipeline.card.to_json())?.as_bytes(),
        )?;
        eprintln!(
            "model → {}, card → {}",
            output.display(),
            card_path.display()
        );
    }
    if let Some(dir) = &args.registry {
        let mut writer = RegistryWriter::open_or_create(dir, || {
            eprintln!(
                "waiting for another triage process to finish with {} …",
                dir.display()
            )
        })?;
        let origin = format!("train {}", args.input.display());
        let version = writer.add_version(NewVersion {
            pipeline: &trained.pipeline,
            training: &examples,
            decision: Decision::Activate {
                reason: "made active by `triage train`".into(),
            },
            origin,
            comparison: None,
        })?;
        eprintln!("registry {} → version {version}, active", dir.display());
    }
    let held_out = &trained.held_out;
    eprintln!(
        "out-of-fold: accuracy {:.4}, macro-F1 {:.4}, ECE {:.4}; auto-routed {:.1}% at precision {:.4}",
        held_out.accuracy,
        held_out.macro_f1,
        held_out.ece,
        100.0 * held_out.auto_routed_share,
        held_out.auto_routed_precision
    );
    let band = &trained.pipeline.card.top_band;
    eprintln!(
        "confidence shown at most {:.3}: of {} held-out cases at {:.2} or above, {:.1}% were right",
        band.ceiling(),
        band.rows,
        band.lower,
        100.0 * band.accuracy
    );
    Ok(if skipped > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// The model card's path beside a model file: `default.model` → `default.card.json`.
pub fn card_path(model: &Path) -> PathBuf {
    model.with_extension("card.json")
}
