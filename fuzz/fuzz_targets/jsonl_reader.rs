//! Fuzz target: see `jsonl_reader` in `../checks.rs` for what it checks.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::jsonl_reader(data));
