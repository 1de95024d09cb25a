//! The registry index (`registry.json`) parser: never a panic, and an index it accepts writes back to one it
//! reads the same.
#![no_main]

use complaint_triage::registry::RegistryIndex;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("registry.json");
    if let Ok(index) = RegistryIndex::parse(data, path) {
        let _ = index.next_number();
        let again = serde_json::to_vec(&index).expect("an index encodes");
        let reread = RegistryIndex::parse(&again, path).expect("a written index reads back");
        assert_eq!(reread.versions.len(), index.versions.len());
        assert_eq!(reread.active, index.active);
    }
});
