//! The model file loader. The payload is checksummed, so mutated files almost all stop at the checksum; to
//! reach the decoder, the target also wraps the bytes in a valid header (first byte odd). A model that loads
//! must triage a text without panicking.
#![no_main]

use complaint_triage::featurize::fingerprint;
use complaint_triage::pipeline::model_file::{FORMAT_NAME, FORMAT_VERSION, from_bytes};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode & 1 == 1 {
        let mut bytes = FORMAT_NAME.to_vec();
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(rest.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&fingerprint(rest).to_le_bytes());
        bytes.extend_from_slice(rest);
        bytes
    } else {
        rest.to_vec()
    };
    if let Ok(pipeline) = from_bytes(&bytes, Path::new("fuzz.model")) {
        let _ = pipeline.triage_batch(&["我公司电费太高", ""], true);
    }
});
