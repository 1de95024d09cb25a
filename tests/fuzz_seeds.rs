//! The fuzz targets' properties (fuzz/checks.rs) on the seeds kept in fuzz/seeds and on random bytes. The fuzzer
//! itself needs nightly; this keeps its checks compiling, and true, with the ordinary build.
#[path = "../fuzz/checks.rs"]
mod checks;

use proptest::prelude::*;
use std::path::Path;

type Check = fn(&[u8]);

const TARGETS: [(&str, Check); 5] = [
    ("csv_reader", checks::csv_reader),
    ("jsonl_reader", checks::jsonl_reader),
    ("xlsx_reader", checks::xlsx_reader),
    ("model_file", checks::model_file),
    ("registry_index", checks::registry_index),
];

#[test]
fn every_seed_passes_its_targets_check() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for (target, check) in TARGETS {
        let folder = seeds.join(target);
        let mut count = 0;
        for entry in
            std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        {
            let path = entry.expect("a directory entry").path();
            let bytes = std::fs::read(&path).expect("a seed reads");
            check(&bytes);
            count += 1;
        }
        assert!(count > 0, "{target} has no seeds in {}", folder.display());
    }
}

/// Seeds with one byte changed: the cheapest mutations the fuzzer starts from, so the checks meet inputs that
/// are nearly valid rather than only noise.
#[test]
fn seeds_with_one_byte_changed_pass_too() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for (target, check) in TARGETS {
        for entry in std::fs::read_dir(seeds.join(target)).expect("a seed folder") {
            let bytes =
                std::fs::read(entry.expect("a directory entry").path()).expect("a seed reads");
            // The workbook seeds are zip files: every position would be slow and mostly hits compressed data.
            let step = (bytes.len() / 64).max(1);
            for position in (0..bytes.len()).step_by(step) {
                for replacement in [0u8, b'"', b'\n', 0xE4, 0xFF] {
                    let mut mutated = bytes.clone();
                    mutated[position] = replacement;
                    check(&mutated);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn text_readers_hold_on_random_bytes(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        checks::csv_reader(&data);
        checks::jsonl_reader(&data);
        checks::registry_index(&data);
        checks::model_file(&data);
    }

    #[test]
    fn text_readers_hold_on_random_text(flags in any::<u8>(), text in "[a-z,\t\"\n\r{}:\\[\\]0-9 诉求电费]{0,200}") {
        let mut data = vec![flags];
        data.extend_from_slice(text.as_bytes());
        checks::csv_reader(&data);
        checks::jsonl_reader(&data);
    }
}
