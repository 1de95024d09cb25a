//! The batch report (the office's report upward): how many problems, of which kinds, for which departments,
//! how many a person must look at, which words mark each category, and which common problems (共性问题) many
//! enterprises raise, again and again — computed once into a [`Report`] and rendered as one self-contained
//! HTML file ([`html`], charts as inline SVG, printable on A4), JSON, or an XLSX workbook ([`xlsx`]).
//!
//! The batch is read and triaged by [`input`]; recurring problems come from [`crate::cluster`] over the same
//! words the distinctive-word counts use, so each complaint is segmented once. This module renders nothing
//! itself and knows nothing about the command line.

pub mod case_store;
pub mod html;
pub mod input;
pub mod keyness;
pub mod names;
mod svg;
pub mod xlsx;

pub use case_store::{StoreDepartment, StoreSection, batch_of_cases, store_section};
pub use input::{ReportBatch, ReportColumns, ReportRow, read_batch, triage_rows};
pub use keyness::{KeyWord, WordCounts, log_likelihood};
pub use names::category_name;

use crate::cluster::{
    ClusterParams, Complaint, TermAnalyzer, cluster_id, cluster_with_terms, seen_before,
    terms_of_words,
};
use crate::error::TriageError;
use crate::io::destination::Destination;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// What goes into a report beyond the batch.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub title: String,
    /// The batch's name as shown (its file name).
    pub source: String,
    /// The day the report is made, `YYYY-MM-DD`.
    pub date: String,
    pub examples_per_category: usize,
    pub recurring_shown: usize,
    pub words_per_category: usize,
    pub cluster: ClusterParams,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            title: "企业诉求办理情况报告".into(),
            source: String::new(),
            date: crate::pipeline::today(),
            examples_per_category: 3,
            recurring_shown: 30,
            words_per_category: 8,
            cluster: ClusterParams::default(),
        }
    }
}

/// A count under a name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Count {
    pub name: String,
    pub count: u64,
}

/// One category's line.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryLine {
    pub label: String,
    /// Chinese name.
    pub name: String,
    pub department: String,
    pub count: u64,
    pub review: u64,
    /// Most distinctive words against the other categories.
    pub key_words: Vec<KeyWord>,
    /// A few of its complaints: `(id, text)`, the most confident first.
    pub examples: Vec<(String, String)>,
}

/// One department's line.
#[derive(Debug, Clone, Serialize)]
pub struct DepartmentLine {
    pub name: String,
    pub count: u64,
    pub routed: u64,
    pub review: u64,
}

/// One recurring problem.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub cluster: String,
    /// Complaints in this batch.
    pub size: usize,
    /// Complaints about it in earlier batches.
    pub earlier: usize,
    pub enterprises: Vec<String>,
    pub representative_id: String,
    pub representative_text: String,
    pub key_words: Vec<String>,
    pub category: String,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub recurs: bool,
    pub seen_before: String,
}

/// Everything a report says.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub title: String,
    pub source: String,
    pub date: String,
    /// The office's one-paragraph summary.
    pub headline: String,
    pub total: u64,
    /// Rows of the input that could not be read (not in `total`).
    pub unreadable: u64,
    pub routed: u64,
    pub review: u64,
    /// Closed cases, when the input says which are.
    pub closed: Option<u64>,
    pub categories: Vec<CategoryLine>,
    pub departments: Vec<DepartmentLine>,
    pub review_reasons: Vec<Count>,
    /// Complaints by confidence, ten bins of 0.1 from 0.
    pub confidence_histogram: [u64; 10],
    /// Problems raised by more than one complaint or again after an earlier batch, largest first.
    pub problems: Vec<Problem>,
    /// All such problems, of which `problems` shows the first few.
    pub problems_total: usize,
    pub complaints_in_problems: usize,
    /// The case store's figures per department, when the report was made with a store.
    pub store: Option<StoreSection>,
}

/// Builds the report of `batch`; `previous` are earlier batches' complaints (batch 1…, named by
/// `batch_names[batch]`) for recurring problems.
pub fn build_report(
    batch: &ReportBatch,
    previous: &[Complaint],
    batch_names: &[String],
    options: &ReportOptions,
) -> Report {
    let rows = &batch.rows;
    let analyzer = TermAnalyzer::shared();
    let words: Vec<Vec<String>> = rows
        .par_iter()
        .map(|r| analyzer.words(&r.text))
        .chain(previous.par_iter().map(|c| analyzer.words(&c.text)))
        .collect();

    // Categories, departments, review, confidence.
    let mut by_label: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let mut by_department: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let mut reasons: BTreeMap<&str, u64> = BTreeMap::new();
    let mut histogram = [0u64; 10];
    let mut counts = WordCounts::default();
    for (row, words) in rows.iter().zip(&words) {
        let review = row.review_reason.is_some() as u64;
        let line = by_label.entry(&row.label).or_default();
        line.0 += 1;
        line.1 += review;
        let line = by_department.entry(&row.department).or_default();
        line.0 += 1;
        line.1 += review;
        if let Some(reason) = &row.review_reason {
            *reasons.entry(reason).or_default() += 1;
        }
        if let Some(confidence) = row.confidence {
            histogram[((confidence.clamp(0.0, 1.0) * 10.0) as usize).min(9)] += 1;
        }
        if !row.label.is_empty() {
            // Single characters (打, 找, 办) say little on their own in a report, nor do figures (2023, 30).
            counts.add(
                &row.label,
                words
                    .iter()
                    .filter(|w| w.chars().count() > 1 && !w.chars().all(|c| c.is_ascii_digit())),
            );
        }
    }
    let mut key_words = counts.keywords(options.words_per_category);
    let mut categories: Vec<CategoryLine> = by_label
        .iter()
        .map(|(&label, &(count, review))| CategoryLine {
            label: label.to_string(),
            name: category_name(label),
            department: rows
                .iter()
                .find(|r| r.label == label)
                .map(|r| r.department.clone())
                .unwrap_or_default(),
            count,
            review,
            key_words: key_words.remove(label).unwrap_or_default(),
            examples: examples(rows, label, options.examples_per_category),
        })
        .collect();
    categories.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
    let mut departments: Vec<DepartmentLine> = by_department
        .iter()
        .map(|(&name, &(count, review))| DepartmentLine {
            name: if name.is_empty() {
                "（无承办部门）".into()
            } else {
                name.to_string()
            },
            count,
            routed: count - review,
            review,
        })
        .collect();
    departments.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    let mut review_reasons: Vec<Count> = reasons
        .into_iter()
        .map(|(name, count)| Count {
            name: name.to_string(),
            count,
        })
        .collect();
    review_reasons.sort_by_key(|reason| std::cmp::Reverse(reason.count));

    // Recurring problems.
    let complaints: Vec<Complaint> = rows
        .iter()
        .map(|r| Complaint {
            id: r.id.clone(),
            text: r.text.clone(),
            date: r.date.clone(),
            enterprise: r.enterprise.clone(),
            batch: 0,
        })
        .chain(previous.iter().cloned())
        .collect();
    let terms = words
        .par_iter()
        .map(|w| terms_of_words(w, options.cluster.word_pairs))
        .collect();
    drop(words);
    let clustering = cluster_with_terms(&complaints, terms, &options.cluster);
    let all_problems: Vec<(usize, &crate::cluster::Cluster)> = clustering
        .clusters
        .iter()
        .enumerate()
        .filter(|(_, c)| c.current_size > 1 || (c.current_size == 1 && c.recurs()))
        .collect();
    let problems_total = all_problems.len();
    let complaints_in_problems = all_problems.iter().map(|(_, c)| c.current_size).sum();
    let problems = all_problems
        .into_iter()
        .take(options.recurring_shown)
        .map(|(index, c)| Problem {
            cluster: cluster_id(index),
            size: c.current_size,
            earlier: c.members.len() - c.current_size,
            enterprises: c.enterprises.clone(),
            representative_id: complaints[c.representative].id.clone(),
            representative_text: complaints[c.representative].text.clone(),
            key_words: c.key_words.clone(),
            category: rows
                .get(c.representative)
                .map(|r| category_name(&r.label))
                .unwrap_or_default(),
            first_seen: c.first_date.clone(),
            last_seen: c.last_date.clone(),
            recurs: c.recurs(),
            seen_before: seen_before(c, &complaints, batch_names),
        })
        .collect();

    let total = rows.len() as u64;
    let review: u64 = by_label.values().map(|v| v.1).sum();
    let closed = rows
        .iter()
        .any(|r| r.closed)
        .then(|| rows.iter().filter(|r| r.closed).count() as u64);
    let mut report = Report {
        title: options.title.clone(),
        source: options.source.clone(),
        date: options.date.clone(),
        headline: String::new(),
        total,
        unreadable: batch.unreadable.len() as u64,
        routed: total - review,
        review,
        closed,
        categories,
        departments,
        review_reasons,
        confidence_histogram: histogram,
        problems,
        problems_total,
        complaints_in_problems,
        store: None,
    };
    report.headline = headline(&report);
    report
}

impl Report {
    /// Adds the case store's section, and its figures to the headline.
    pub fn with_store(mut self, section: StoreSection) -> Report {
        self.store = Some(section);
        self.headline = headline(&self);
        self
    }
}

/// The summary in the office's own form: 共收集问题N件，涉及…个类别、…个部门；已交办…；已办结…
pub fn headline(report: &Report) -> String {
    let share = |n: u64| 100.0 * n as f64 / report.total.max(1) as f64;
    let categories = report
        .categories
        .iter()
        .filter(|c| !c.label.is_empty())
        .count();
    let departments = report
        .departments
        .iter()
        .filter(|d| d.name != "（无承办部门）")
        .count();
    let top: Vec<String> = report
        .categories
        .iter()
        .filter(|c| !c.label.is_empty())
        .take(3)
        .map(|c| format!("{}{}件", c.name, c.count))
        .collect();
    let mut text = format!(
        "共收集问题{}件，涉及{}个类别、{}个承办部门，其中{}；已交办{}件（自动分办，占{:.1}%），需人工复核{}件（占{:.1}%）",
        report.total,
        categories,
        departments,
        top.join("、"),
        report.routed,
        share(report.routed),
        report.review,
        share(report.review),
    );
    match report.closed {
        Some(closed) => text.push_str(&format!("；已办结{closed}件（占{:.1}%）", share(closed))),
        None => text.push_str("；办结情况本批数据未提供"),
    }
    if report.problems_total > 0 {
        let recurring = report.problems.iter().filter(|p| p.recurs).count();
        text.push_str(&format!(
            "。梳理出共性问题{}个，涉及诉求{}件",
            report.problems_total, report.complaints_in_problems
        ));
        if recurring > 0 {
            text.push_str(&format!("，其中{recurring}个此前批次已提出过"));
        }
    }
    text.push('。');
    if let Some(store) = &report.store {
        let total = store.total();
        text.push_str(&format!(
            "案件库截至{}：在办{}件（其中超期{}件），已办结{}件（按期{}件），退单{}次，待分办{}件。",
            store.as_of,
            total.open,
            total.overdue,
            total.closed,
            total.closed_on_time,
            total.returned,
            store.with_dispatcher
        ));
    }
    if report.unreadable > 0 {
        text.push_str(&format!("另有{}行无法读取，未计入。", report.unreadable));
    }
    text
}

/// A few complaints of a category, most confident first, routed ones before those sent to review.
fn examples(rows: &[ReportRow], label: &str, count: usize) -> Vec<(String, String)> {
    let mut of_label: Vec<&ReportRow> = rows.iter().filter(|r| r.label == label).collect();
    of_label.sort_by(|a, b| {
        a.review_reason
            .is_some()
            .cmp(&b.review_reason.is_some())
            .then(
                b.confidence
                    .unwrap_or(0.0)
                    .total_cmp(&a.confidence.unwrap_or(0.0)),
            )
    });
    of_label
        .into_iter()
        .take(count)
        .map(|r| (r.id.clone(), r.text.clone()))
        .collect()
}

/// The formats a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Html,
    Json,
    Xlsx,
}

impl ReportFormat {
    /// By extension: `.json`, `.xlsx`; anything else is HTML.
    pub fn from_path(path: &Path) -> Self {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("json") => ReportFormat::Json,
            Some("xlsx") => ReportFormat::Xlsx,
            _ => ReportFormat::Html,
        }
    }
}

/// Writes the report to `path` in `format`, atomically.
pub fn write_report(report: &Report, path: &Path, format: ReportFormat) -> Result<(), TriageError> {
    let bytes = match format {
        ReportFormat::Html => html::render(report).into_bytes(),
        ReportFormat::Json => {
            serde_json::to_vec_pretty(report).map_err(|e| TriageError::BadInput {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?
        }
        ReportFormat::Xlsx => xlsx::render(report).map_err(|e| TriageError::BadInput {
            path: path.to_path_buf(),
            message: format!("cannot write the workbook: {e}"),
        })?,
    };
    let mut destination = Destination::create(path)?;
    destination
        .write_all(&bytes)
        .map_err(|e| destination.error(e))?;
    destination.commit()
}
