//! The README's first screen: its two commands exist and the triage one works.

mod common;

use common::*;

#[test]
fn the_readme_commands_work() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let first_screen: Vec<&str> = readme.lines().take(30).collect();
    let classify = first_screen
        .iter()
        .find(|l| l.starts_with("cargo run --release -- classify"))
        .expect("the first screen shows the classify command");
    assert!(
        first_screen
            .iter()
            .any(|l| l.trim() == "cargo test --release")
    );
    let ci = std::fs::read_to_string(repo().join(".ci/run")).unwrap();
    assert!(
        ci.contains("cargo test --release"),
        ".ci/run runs the README's test command"
    );
    let args: Vec<&str> = classify
        .trim_start_matches("cargo run --release --")
        .split_whitespace()
        .collect();
    let output = triage(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(csv_rows(&stdout(&output)).len(), 50);
}
