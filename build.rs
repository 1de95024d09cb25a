//! Embeds the shipped default model (`models/default.model`) in the binary when it exists, so `triage
//! classify` works without `--model` wherever the binary is run. Without it the build still succeeds and the
//! command says how to make the model.

use std::path::Path;

fn main() {
    let model = Path::new("models/default.model");
    println!("cargo:rerun-if-changed=models/default.model");
    println!("cargo:rerun-if-changed=models");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let target = Path::new(&out_dir).join("default.model");
    if model.exists() {
        std::fs::copy(model, &target).expect("copy the default model");
    } else {
        std::fs::write(&target, b"").expect("write an empty placeholder");
    }
}
