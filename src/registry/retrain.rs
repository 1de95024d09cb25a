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

/// Fewest held-out cases a comparison is judged on by default: with fewer, one case more or less right moves
/// macro-F1 and a category's recall by more than the rule allows, and the signal test cannot reach p ≤ 0.01.
pub const MIN_HELD_OUT: usize = 30;

/// Refused candidates kept after a refusal; older refused versions' files are pruned.
pub const KEEP_REFUSED: usize = 3;

#[derive(Debug, Clone)]
pub struct RetrainSettings {
    pub params: TrainParams,
    pub rule: PromotionRule,
    /// 1 in this many new cases is held out, by a hash of the text (default 5: 20%).
    pub held_out_folds: usize,
    /// Fewest held-out cases to judge a candidate on; with fewer no candidate is made.
    pub min_held_out: usize,
    /// Record the candidate as pending whatever the rule says, for a person to promote or decline after
    /// seeing the comparison (the desk); the rule's verdict is still reported.
    pub hold_for_decision: bool,
}

impl Default for RetrainSettings {
    fn default() -> Self {
        RetrainSettings {
            params: TrainParams::default(),
            rule: PromotionRule::default(),
            held_out_folds: 5,
            min_held_out: MIN_HELD_OUT,
            hold_for_decision: false,
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
    /// The candidate's version number; `None` when there was nothing new to learn or too few cases to judge.
    pub candidate_version: Option<u32>,
    pub comparison: Option<Comparison>,
    /// Set when there were new cases to learn but too few held out to judge a candidate on.
    pub too_few_held_out: Option<TooFewHeldOut>,
    /// Refused versions whose files were pruned after this retrain.
    pub pruned: Vec<u32>,
    /// The candidate waits for a person's decision ([`RetrainSettings::hold_for_decision`]); the comparison's
    /// `promoted` is then the rule's advice.
    pub pending: bool,
}

/// Too few held-out cases to compare two models: how many there were and how many are needed.
#[derive(Debug, Clone, Serialize)]
pub struct TooFewHeldOut {
    pub held_out: usize,
    pub needed: usize,
    /// About how many new closed cases give that many held-out ones.
    pub new_cases_needed: usize,
}

impl RetrainReport {
    /// Whether a candidate was judged and promoted.
    pub fn promoted(&self) -> bool {
        !self.pending && self.comparison.as_ref().is_some_and(|c| c.promoted)
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

    let new = select_new(&base, closed, settings.held_out_folds);
    let mut report = RetrainReport {
        active_version,
        base_rows: base.len(),
        selection: new.selection.clone(),
        candidate_version: None,
        comparison: None,
        too_few_held_out: None,
        pruned: Vec::new(),
        pending: false,
    };
    // A file submitted again has nothing new to learn: its held-out cases were held out before too.
    if new.learn.is_empty() {
        return Ok(report);
    }
    if new.held_out.len() < settings.min_held_out.max(1) {
        report.too_few_held_out = Some(TooFewHeldOut {
            held_out: new.held_out.len(),
            needed: settings.min_held_out.max(1),
            new_cases_needed: settings.min_held_out.max(1) * settings.held_out_folds.max(2),
        });
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
    let decision = if settings.hold_for_decision {
        Decision::Hold {
            reason: format!(
                "waiting for a decision against version {active_version}: macro-F1 {:.4} vs {:.4} on {} held-out \
                 closed cases; the rule {}",
                comparison.candidate.macro_f1,
                comparison.active.macro_f1,
                new.held_out.len(),
                if comparison.promoted {
                    "would promote it".to_string()
                } else {
                    format!("would refuse it: {}", comparison.refusals.join("; "))
                }
            ),
        }
    } else if comparison.promoted {
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
    if !comparison.promoted && !settings.hold_for_decision {
        report.pruned = writer.prune_refused(KEEP_REFUSED)?;
    }
    report.candidate_version = Some(number);
    report.pending = settings.hold_for_decision;
    report.comparison = Some(comparison);
    Ok(report)
}
