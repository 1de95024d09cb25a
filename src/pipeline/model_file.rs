//! The model file: a header naming the format and its version, then the pipeline encoded with bincode.
//!
//! ```text
//! complaint-triage-model\n   format name (23 bytes)
//! u32 LE                     format version
//! u64 LE                     payload length
//! u64 LE                     FNV-1a checksum of the payload
//! payload                    bincode 2 (serde) encoding of `Pipeline`
//! ```
//! Loading checks each part and says which is wrong: another kind of file, another version, a truncated or
//! corrupted payload. Saving writes a temporary file beside the target, syncs it and renames it over the
//! target, so a reader never sees half a model.

use super::Pipeline;
use crate::error::TriageError;
use crate::featurize::fingerprint;
use std::io::Write;
use std::path::Path;

pub const FORMAT_NAME: &[u8] = b"complaint-triage-model\n";
pub const FORMAT_VERSION: u32 = 2;
const HEADER_LEN: usize = FORMAT_NAME.len() + 4 + 8 + 8;

/// The default model built into this binary (empty when the build had none; see build.rs).
pub const BUILTIN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/default.model"));

/// The built-in default model, or `None` when this build has none.
pub fn builtin() -> Option<Result<Pipeline, TriageError>> {
    (!BUILTIN.is_empty()).then(|| from_bytes(BUILTIN, Path::new("<built-in default model>")))
}

/// The most a model may claim to hold once decoded. Without a limit bincode allocates whatever a length prefix
/// says before reading the bytes, so a damaged or forged length aborted the process (found by fuzzing); the
/// default model holds about 10 MB.
const DECODE_LIMIT: usize = 1 << 30;

fn config() -> bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<DECODE_LIMIT>,
> {
    bincode::config::standard().with_limit::<DECODE_LIMIT>()
}

/// Encodes a pipeline as the bytes of a model file.
pub fn to_bytes(pipeline: &Pipeline) -> Result<Vec<u8>, TriageError> {
    let payload = bincode::serde::encode_to_vec(pipeline, config())
        .map_err(|e| TriageError::InvalidParameter(format!("cannot encode model: {e}")))?;
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.extend_from_slice(FORMAT_NAME);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&fingerprint(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    Ok(bytes)
}

/// Decodes the bytes of a model file; `path` names the file in errors.
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Pipeline, TriageError> {
    let not_a_model = |reason: &str| TriageError::NotAModel {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let damaged = |reason: String| TriageError::DamagedModel {
        path: path.to_path_buf(),
        reason,
    };
    if !bytes.starts_with(FORMAT_NAME) {
        return Err(not_a_model("it does not start with the format name"));
    }
    if bytes.len() < HEADER_LEN {
        return Err(damaged(format!(
            "truncated header: {} bytes, expected at least {HEADER_LEN}",
            bytes.len()
        )));
    }
    let mut at = FORMAT_NAME.len();
    let version = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    at += 4;
    if version != FORMAT_VERSION {
        return Err(TriageError::UnsupportedModelVersion {
            path: path.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let length = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes")) as usize;
    at += 8;
    let checksum = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    at += 8;
    let payload = &bytes[at..];
    if payload.len() != length {
        return Err(damaged(format!(
            "payload is {} bytes, the header says {length} (truncated or appended to)",
            payload.len()
        )));
    }
    if fingerprint(payload) != checksum {
        return Err(damaged("checksum mismatch".into()));
    }
    let (pipeline, read) = bincode::serde::decode_from_slice::<Pipeline, _>(payload, config())
        .map_err(|e| damaged(format!("cannot decode: {e}")))?;
    if read != payload.len() {
        return Err(damaged("trailing bytes after the model".into()));
    }
    pipeline.check_shape().map_err(damaged)?;
    Ok(pipeline)
}

/// Reads a model file.
pub fn load(path: &Path) -> Result<Pipeline, TriageError> {
    let bytes = std::fs::read(path).map_err(|e| TriageError::io(path, e))?;
    from_bytes(&bytes, path)
}

/// Writes a model file atomically.
pub fn save(pipeline: &Pipeline, path: &Path) -> Result<(), TriageError> {
    write_atomically(path, &to_bytes(pipeline)?)
}

/// Writes `bytes` to `path` through a synced temporary file in the same folder and a rename, then syncs the
/// folder.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), TriageError> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder).map_err(|e| TriageError::io(&folder, e))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into());
    let temporary = folder.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        crate::io::destination::sync_folder_of(path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(TriageError::io(path, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{Example, TrainParams, train};

    fn small_pipeline() -> Pipeline {
        let examples: Vec<Example> = (0..24)
            .map(|i| Example {
                text: format!("{} 第{i}号", ["税务 发票 退税", "土地 用地 出让"][i % 2]),
                label: ["tax", "land"][i % 2].into(),
            })
            .collect();
        let params = TrainParams {
            calibration_folds: 2,
            ..TrainParams::default()
        };
        train(&examples, &params).unwrap().pipeline
    }

    /// Found by fuzzing: a payload whose string length prefix is 8 EB. It must be a damaged model, not an
    /// allocation that aborts the process.
    #[test]
    fn a_huge_length_prefix_is_a_damaged_model() {
        let input = include_bytes!("../../tests/fixtures/fuzz/model_file_huge_length");
        // The fuzz target's first byte says "wrap the rest in a valid header".
        let payload = &input[1..];
        let mut bytes = FORMAT_NAME.to_vec();
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&fingerprint(payload).to_le_bytes());
        bytes.extend_from_slice(payload);
        let error = from_bytes(&bytes, Path::new("x.model"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("damaged"), "{error}");
    }

    /// Found by fuzzing: a model that decodes with 0-character n-grams underflowed in the featurizer. Its
    /// settings are checked on load, as training checks them.
    #[test]
    fn impossible_featurizer_settings_are_a_damaged_model() {
        let input = include_bytes!("../../tests/fixtures/fuzz/model_file_zero_ngram");
        let payload = &input[1..];
        let mut bytes = FORMAT_NAME.to_vec();
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&fingerprint(payload).to_le_bytes());
        bytes.extend_from_slice(payload);
        // Loading either refuses it or gives a pipeline that triages without panicking.
        if let Ok(pipeline) = from_bytes(&bytes, Path::new("x.model")) {
            let _ = pipeline.triage("城镇土地使用税太高");
        }
    }

    /// A pipeline whose parts disagree, encoded with a valid checksum: loading must refuse it, not let triage
    /// index past a table.
    #[test]
    fn a_well_checksummed_model_whose_parts_disagree_is_damaged() {
        let pipeline = small_pipeline();
        let path = Path::new("x.model");
        assert!(from_bytes(&to_bytes(&pipeline).unwrap(), path).is_ok());
        let value = serde_json::to_value(&pipeline).unwrap();
        let mut short_bias = value.clone();
        let bias = &mut short_bias["classifier"]["bias"];
        bias["data"].as_array_mut().unwrap().pop();
        bias["dim"][0] = serde_json::json!(1);
        let mut cold = value;
        cold["calibrator"]["temperature"] = serde_json::json!(-1.0);
        for (broken, expected) in [(short_bias, "biases"), (cold, "temperature")] {
            let broken: Pipeline = serde_json::from_value(broken).unwrap();
            let error = from_bytes(&to_bytes(&broken).unwrap(), path)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("damaged") && error.contains(expected),
                "{error}"
            );
        }
    }
}
