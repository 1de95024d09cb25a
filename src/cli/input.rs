//! What several subcommands share: reading labelled rows and finding the model to use.

use crate::error::TriageError;

use crate::io::{EncodingChoice, InputFormat, ReadOptions};
use crate::pipeline::{Example, Pipeline, model_file};
use crate::registry::{Registry, read_labelled};
use clap::Args;
use std::path::Path;

/// How an input table is read, the same for `classify`, `clusters` and `report`: its format, encoding and sheet,
/// and the text and id columns.
#[derive(Debug, Clone, Args)]
pub struct TableArgs {
    /// Format of the input (default: from its extension; CSV for `-` or an unknown extension).
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Encoding of a CSV, TSV or JSONL input: `auto` (UTF-8; GB18030 when the bytes are not UTF-8) or a name
    /// such as utf-8, gbk, gb18030, big5, utf-16le.
    #[arg(long, default_value = "auto")]
    pub encoding: String,
    /// Worksheet of an XLSX input (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Column holding the complaint text.
    #[arg(long, default_value = "text")]
    pub text_column: String,
    /// Column with the row's id (the row number when absent).
    #[arg(long, default_value = "id")]
    pub id_column: String,
}

impl TableArgs {
    /// The reader's options; an unknown encoding name is an error.
    pub fn read_options(&self) -> anyhow::Result<ReadOptions> {
        Ok(ReadOptions {
            format: self.input_format,
            encoding: EncodingChoice::parse(&self.encoding).map_err(anyhow::Error::msg)?,
            sheet: self.sheet.clone(),
        })
    }
}

/// The built-in model's card (`models/default.card.json`; empty when the build had no model).
const DEFAULT_MODEL_CARD: &str = include_str!(concat!(env!("OUT_DIR"), "/default.card.json"));

/// What `triage --version` prints after the program's name: the program's version, then the built-in model's
/// identity and training date, read from its card (a test checks them against the model file itself).
pub fn version_text() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let program = env!("CARGO_PKG_VERSION");
        let card: Option<serde_json::Value> = serde_json::from_str(DEFAULT_MODEL_CARD).ok();
        let model = match card {
            Some(card) => format!(
                "built-in model: trained {} on {} rows, data fingerprint {}, model file format {}",
                card["trained_on"].as_str().unwrap_or("?"),
                card["training_rows"],
                card["data_fingerprint"].as_str().unwrap_or("?"),
                card["model_format_version"],
            ),
            None => "no built-in model (pass --model)".to_string(),
        };
        format!("{program}\n{model}")
    })
}

/// Loads `--model` (a model file, or a registry folder's active version), or the shipped default model.
pub fn load_model(path: Option<&Path>) -> anyhow::Result<Pipeline> {
    // Every model segments with jieba: its dictionary builds while the model file is read.
    crate::segment::prebuild_default_dictionary();
    match path {
        Some(path) if path.is_dir() => Ok(Registry::open(path)?.load_active()?),
        Some(path) => Ok(model_file::load(path)?),
        None => match model_file::builtin() {
            Some(model) => Ok(model?),
            None => anyhow::bail!(
                "this build has no default model: build it with `cargo run --release -- train --input corpora/complaints.csv --output models/default.model`, then rebuild, or pass --model"
            ),
        },
    }
}

/// Reads labelled rows. Broken rows (unreadable, empty text or label) are reported on stderr with their row
/// numbers and skipped; the count of skipped rows is returned with the examples.
pub fn read_examples(
    path: &Path,
    text_column: &str,
    label_column: &str,
) -> Result<(Vec<Example>, usize), TriageError> {
    let rows = read_labelled(path, text_column, label_column)?;
    warn_unusable_rows(
        path,
        rows.bad_rows.iter().map(|e| (e.number, e.message.as_str())),
    );
    if rows.examples.is_empty() {
        return Err(TriageError::BadInput {
            path: path.to_path_buf(),
            message: "no usable rows".into(),
        });
    }
    Ok((rows.examples, rows.bad_rows.len()))
}

/// Reports rows that were read but cannot be used, one warning each, naming the file and row.
pub fn warn_unusable_rows<'a>(path: &Path, rows: impl Iterator<Item = (u64, &'a str)>) {
    for (row, message) in rows {
        eprintln!(
            "warning: {}, row {row}: {message} (row not used)",
            path.display()
        );
    }
}

/// A file's name without its folder, as reports name their sources (the whole path when it has no name).
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
