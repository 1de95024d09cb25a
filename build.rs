//! Embeds the shipped default model (`models/default.model`) in the binary when it exists, so `triage
//! classify` works without `--model` wherever the binary is run. Without it the build still succeeds and the
//! command says how to make the model. Its card (`models/default.card.json`) is embedded beside it, for
//! `triage --version`.

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
    let card = Path::new("models/default.card.json");
    let card_target = Path::new(&out_dir).join("default.card.json");
    if model.exists() && card.exists() {
        std::fs::copy(card, &card_target).expect("copy the default model's card");
    } else {
        std::fs::write(&card_target, b"").expect("write an empty placeholder");
    }
}
