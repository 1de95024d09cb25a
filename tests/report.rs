//! `triage report` end to end: the figures agree with the batch, the HTML stands alone, and printed to PDF by
//! headless Chromium on A4 nothing is cut off (every section title, the last row of the recurring-problem table
//! and the last example are on the pages, and no word runs past the page's right edge).

mod common;

use common::{stderr, triage};
use std::path::{Path, PathBuf};
use std::process::Command;

const SECTION_TITLES: [&str; 8] = [
    "一、总体情况",
    "二、问题类别分布",
    "三、承办部门分布",
    "四、人工复核情况",
    "五、置信度分布",
    "六、各类别特征词",
    "七、共性问题",
    "八、典型诉求示例",
];

/// Writes the report of the tuning batch (triaged on the way, with an earlier batch) in `format`.
fn report(dir: &Path, name: &str) -> PathBuf {
    let output = dir.join(name);
    let run = triage(&[
        "report",
        "--input",
        "corpora/clusters_tuning.csv",
        "--previous",
        "corpora/report_previous.csv",
        "--output",
        output.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    output
}

#[test]
fn figures_agree_with_the_batch_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report(dir.path(), "report.json")).unwrap()).unwrap();
    assert_eq!(json["total"], 193);
    let by_category: u64 = json["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(by_category, 193);
    assert_eq!(
        json["routed"].as_u64().unwrap() + json["review"].as_u64().unwrap(),
        193
    );
    let histogram: u64 = json["confidence_histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(histogram, 193);
    let headline = json["headline"].as_str().unwrap();
    assert!(headline.starts_with("共收集问题193件，涉及"), "{headline}");
    assert!(headline.contains("已交办"), "{headline}");
    // The largest problems come first; the road collapse recurs from the earlier batch.
    let problems = json["problems"].as_array().unwrap();
    let sizes: Vec<u64> = problems
        .iter()
        .map(|p| p["size"].as_u64().unwrap())
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    let road = problems
        .iter()
        .find(|p| p["key_words"].to_string().contains("长江路"))
        .expect("the road problem");
    assert_eq!(road["recurs"], true);
    assert_eq!(road["first_seen"], "2024-05-12");
    // Distinctive words are real words of their category, not stop words.
    let fire = json["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"] == "fire_safety")
        .expect("fire safety");
    let words = fire["key_words"].to_string();
    assert!(words.contains("消防"), "{words}");
    assert!(!words.contains("\"企业\""), "{words}");

    let html = std::fs::read_to_string(report(dir.path(), "report.html")).unwrap();
    for title in SECTION_TITLES {
        assert!(html.contains(title), "{title}");
    }
    assert!(html.contains("<svg"));
    // Self-contained: no script, no stylesheet, font or image from elsewhere.
    assert!(!html.contains("<script"));
    assert!(!html.contains("<link"));
    assert!(!html.contains("url("));
    let outside = html.replace("http://www.w3.org/2000/svg", "");
    assert!(!outside.contains("http://") && !outside.contains("https://"));

    let xlsx = report(dir.path(), "report.xlsx");
    let bytes = std::fs::read(&xlsx).unwrap();
    assert_eq!(&bytes[..2], b"PK");
}

#[test]
fn a_labelled_batch_is_not_triaged_again() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("r.json");
    let run = triage(&[
        "report",
        "--input",
        "corpora/sample.csv",
        "--output",
        output.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
    let sample = std::fs::read_to_string(common::repo().join("corpora/sample.csv")).unwrap();
    let rows = common::csv_rows(&sample);
    let land = rows.iter().filter(|r| r["label"] == "land").count() as u64;
    let reported = json["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"] == "land")
        .unwrap();
    assert_eq!(reported["count"].as_u64().unwrap(), land);
    assert_eq!(reported["department"], "市自然资源和规划局");
    // Labels given, no confidences: the histogram is empty.
    assert!(
        json["confidence_histogram"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n == 0)
    );
}

/// Headless Chromium, when installed (`.ci/run` installs it).
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            Command::new("which")
                .arg(name)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        })
}

#[test]
fn printed_on_a4_nothing_is_cut_off() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium and poppler-utils (.ci/run)"
        );
        eprintln!("skipped: no chromium on this machine");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let html = report(dir.path(), "report.html");
    let pdf = dir.path().join("report.pdf");
    let profile = tempfile::tempdir().unwrap();
    let printed = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    assert!(
        pdf.exists(),
        "no PDF: {}",
        String::from_utf8_lossy(&printed.stderr)
    );

    let info = Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .expect("pdfinfo (poppler-utils)");
    let info = String::from_utf8_lossy(&info.stdout);
    let page_size = info
        .lines()
        .find(|l| l.starts_with("Page size:"))
        .unwrap_or_default();
    assert!(page_size.ends_with("(A4)"), "not A4: {info}");

    // Every word's box, page by page: `pdftotext -bbox` writes <page width=..> and <word xMax=..>.
    let boxes = Command::new("pdftotext")
        .arg("-bbox")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let boxes = String::from_utf8_lossy(&boxes.stdout);
    let attribute = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    let mut words = String::new();
    let mut page_width = 0.0;
    for tag in boxes.split('<').skip(1) {
        if tag.starts_with("page ") {
            page_width = attribute(tag, "width");
        } else if tag.starts_with("word ") {
            let right = attribute(tag, "xMax");
            assert!(
                right <= page_width,
                "a word ends at {right} on a page {page_width} wide"
            );
            words.push_str(tag.split('>').nth(1).unwrap_or_default());
        }
    }
    for title in SECTION_TITLES {
        assert!(words.contains(title), "{title} missing from the PDF");
    }
    // The last recurring problem and the last example made it onto a page.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report(dir.path(), "report.json")).unwrap()).unwrap();
    let last_problem = json["problems"].as_array().unwrap().last().unwrap();
    let last_id = last_problem["representative_id"].as_str().unwrap();
    assert!(words.contains(last_id), "last problem {last_id} missing");
    let last_example = json["categories"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find_map(|c| c["examples"].as_array().and_then(|e| e.last()))
        .unwrap();
    let example_id = last_example[0].as_str().unwrap();
    assert!(
        words.contains(example_id),
        "last example {example_id} missing"
    );
}
