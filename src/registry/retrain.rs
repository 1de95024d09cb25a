//! Retraining from closed cases: train a candidate on the active version's rows plus the new closed cases,
//! evaluate it and the active model on the same held-out closed cases, and promote it or record it as refused.
//!
//! The held-out slice is new to both models (cases either had learned are excluded first), so the comparison is
//! fair. The caller holds the registry lock for the whole retrain: a second retrain waits and then builds on
//! whatever the first one left active. This module must not print.

use super::cases::{Selection, select_new};
use super::promotion::{Comparison, PromotionRule, compare};
use super::{ComparisonSummary, Decision, NewVersion, RegistryError, RegistryWriter, list};
use crate::featurize::AnalyzedText;
use crate::metrics::Outcome;
use crate::normalize::NormalizerSequence;
use crate::pipeline::{
    Example, Pipeline, TrainParams, Triage, analyze_with, data_fingerprint, fit_analyzed,
};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeSet;

/// Fewest new cases worth a candidate: one to learn and one to judge on.
const MIN_NEW_CASES: usize = 2;

#[derive(Debug, Clone)]
pub struct RetrainSettings {
    pub params: TrainParams,
    pub rule: PromotionRule,
    /// The new cases are split into this many stratified folds and one is held out (default 5: 20%).
    pub held_out_folds: usize,
}

impl Default for RetrainSettings {
    fn default() -> Self {
        RetrainSettings {
            params: TrainParams::default(),
            rule: PromotionRule::default(),
            held_out_folds: 5,
        }
    }
}

/// What a retrain did.
#[derive(Debug, Clone, Serialize)]
pub struct RetrainReport {
    /// The version active when the retrain started.
    pub active_version: u32,
    /// Rows the active version was trained on, which the candidate learns too.
    pub base_rows: usize,
    pub selection: Selection,
    /// The candidate's version number; `None` when there was nothing new to learn.
    pub candidate_version: Option<u32>,
    pub comparison: Option<Comparison>,
}

impl RetrainReport {
    pub fn promoted(&self) -> bool {
        self.comparison.as_ref().is_some_and(|c| c.promoted)
    }
}

/// A model's predictions on labelled cases, as `triage evaluate` makes them.
pub fn outcomes(pipeline: &Pipeline, cases: &[Example]) -> Vec<Outcome> {
    let texts: Vec<&str> = cases.iter().map(|e| e.text.as_str()).collect();
    pipeline
        .triage_batch(&texts, false)
        .into_iter()
        .zip(cases)
        .map(|(decision, case)| outcome(case, decision))
        .collect()
}

fn outcome(case: &Example, decision: Triage) -> Outcome {
    Outcome {
        truth: case.label.clone(),
        auto_routed: !decision.needs_review(),
        predicted: decision.label,
        confidence: decision.confidence,
    }
}

/// Retrains the registry held by `writer` on `closed` cases read from `origin`.
pub fn retrain(
    writer: &mut RegistryWriter,
    closed: Vec<Example>,
    origin: &str,
    settings: &RetrainSettings,
) -> Result<RetrainReport, RegistryError> {
    settings.rule.check()?;
    let registry = writer.registry();
    let active_version = registry.active_version()?;
    let active = registry.load_active()?;
    let base = registry.training_examples(active_version)?;

    let known: BTreeSet<&str> = active.labels().iter().map(String::as_str).collect();
    if !closed.is_empty() && !closed.iter().any(|e| known.contains(e.label.as_str())) {
        let closed_labels: BTreeSet<String> = closed.iter().map(|e| e.label.clone()).collect();
        return Err(RegistryError::DisjointLabels {
            path: registry.layout().root().to_path_buf(),
            closed: list(&closed_labels.into_iter().collect::<Vec<_>>()),
            known: list(active.labels()),
        });
    }

    let new = select_new(&base, closed, settings.held_out_folds, settings.params.seed);
    let mut report = RetrainReport {
        active_version,
        base_rows: base.len(),
        selection: new.selection.clone(),
        candidate_version: None,
        comparison: None,
    };
    if new.learn.len() + new.held_out.len() < MIN_NEW_CASES {
        return Ok(report);
    }

    let mut training = base;
    training.extend(new.learn);
    // As `pipeline::train` does, but the held-out cases are analysed by the same segmenter instance, which
    // saves building jieba's dictionary once more.
    let params = &settings.params;
    let normalizer = NormalizerSequence::complaint_preset();
    let segmenter = params.segmenter()?;
    let analyze = |cases: &[Example]| -> Vec<AnalyzedText> {
        cases
            .par_iter()
            .map(|e| analyze_with(&normalizer, &segmenter, &e.text))
            .collect()
    };
    let labels: Vec<String> = training.iter().map(|e| e.label.clone()).collect();
    let candidate = fit_analyzed(
        &normalizer,
        &segmenter,
        &analyze(&training),
        &labels,
        params,
        data_fingerprint(&training),
    )?
    .pipeline;
    let candidate_outcomes: Vec<Outcome> = new
        .held_out
        .par_iter()
        .zip(analyze(&new.held_out))
        .map(|(case, analyzed)| outcome(case, candidate.decide(&case.text, &analyzed, false)))
        .collect();
    let comparison = compare(
        &outcomes(&active, &new.held_out),
        &candidate_outcomes,
        settings.rule,
    );
    let decision = if comparison.promoted {
        Decision::Activate {
            reason: format!(
                "promoted over version {active_version}: macro-F1 {:.4} vs {:.4} on {} held-out closed cases",
                comparison.candidate.macro_f1,
                comparison.active.macro_f1,
                new.held_out.len()
            ),
        }
    } else {
        Decision::Refuse {
            reason: format!(
                "refused against version {active_version}: {}",
                comparison.refusals.join("; ")
            ),
        }
    };
    let number = writer.add_version(NewVersion {
        pipeline: &candidate,
        training: &training,
        origin: format!("retrain {origin}"),
        decision,
        comparison: Some(ComparisonSummary {
            against: active_version,
            held_out_rows: new.held_out.len(),
            active_macro_f1: comparison.active.macro_f1,
            candidate_macro_f1: comparison.candidate.macro_f1,
        }),
    })?;
    report.candidate_version = Some(number);
    report.comparison = Some(comparison);
    Ok(report)
}
