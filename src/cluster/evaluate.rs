//! How well a grouping matches a gold one: pairwise precision and recall (of the pairs put together, how many
//! belong together; of those that belong together, how many were put together) and B-cubed precision, recall
//! and F1 (the same per complaint, averaged, so a large group does not outweigh many small ones).

use rustc_hash::FxHashMap;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClusterScores {
    pub complaints: usize,
    pub gold_groups: usize,
    pub predicted_groups: usize,
    pub pairwise_precision: f64,
    pub pairwise_recall: f64,
    pub pairwise_f1: f64,
    pub bcubed_precision: f64,
    pub bcubed_recall: f64,
    pub bcubed_f1: f64,
}

/// Scores `predicted` group labels against `gold` ones, one each per complaint. A complaint whose gold label is
/// `None` is alone in its gold group.
pub fn score_clustering(predicted: &[usize], gold: &[Option<&str>]) -> ClusterScores {
    assert_eq!(
        predicted.len(),
        gold.len(),
        "one label of each per complaint"
    );
    let mut gold_ids: FxHashMap<&str, usize> = FxHashMap::default();
    let gold: Vec<usize> = gold
        .iter()
        .enumerate()
        .map(|(i, g)| match g {
            Some(g) => {
                let next = gold_ids.len();
                *gold_ids.entry(g).or_insert(next)
            }
            None => usize::MAX - i,
        })
        .collect();
    let count = |labels: &mut dyn Iterator<Item = (usize, usize)>| {
        let mut sizes: FxHashMap<(usize, usize), u64> = FxHashMap::default();
        for key in labels {
            *sizes.entry(key).or_default() += 1;
        }
        sizes
    };
    let both = count(&mut predicted.iter().copied().zip(gold.iter().copied()));
    let predicted_sizes = count(&mut predicted.iter().map(|&p| (p, 0)));
    let gold_sizes = count(&mut gold.iter().map(|&g| (g, 0)));
    let pairs = |n: u64| n * n.saturating_sub(1) / 2;
    let together: u64 = both.values().map(|&n| pairs(n)).sum();
    let predicted_pairs: u64 = predicted_sizes.values().map(|&n| pairs(n)).sum();
    let gold_pairs: u64 = gold_sizes.values().map(|&n| pairs(n)).sum();
    let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let pairwise_precision = ratio(together, predicted_pairs);
    let pairwise_recall = ratio(together, gold_pairs);
    // B-cubed: for a complaint in predicted group P and gold group G, precision |P∩G|/|P|, recall |P∩G|/|G|;
    // summing over the |P∩G| complaints of each cell gives |P∩G|²/|P|.
    let (mut precision, mut recall) = (0.0, 0.0);
    for (&(p, g), &n) in &both {
        let n = n as f64;
        precision += n * n / predicted_sizes[&(p, 0)] as f64;
        recall += n * n / gold_sizes[&(g, 0)] as f64;
    }
    let total = predicted.len().max(1) as f64;
    let (bcubed_precision, bcubed_recall) = (precision / total, recall / total);
    let f1 = |p: f64, r: f64| {
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    };
    ClusterScores {
        complaints: predicted.len(),
        gold_groups: gold_sizes.len(),
        predicted_groups: predicted_sizes.len(),
        pairwise_precision,
        pairwise_recall,
        pairwise_f1: f1(pairwise_precision, pairwise_recall),
        bcubed_precision,
        bcubed_recall,
        bcubed_f1: f1(bcubed_precision, bcubed_recall),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_grouping_scores_one() {
        let scores = score_clustering(&[0, 0, 1, 2], &[Some("a"), Some("a"), Some("b"), None]);
        assert_eq!(scores.pairwise_precision, 1.0);
        assert_eq!(scores.pairwise_recall, 1.0);
        assert_eq!(scores.bcubed_f1, 1.0);
    }

    #[test]
    fn figures_match_a_hand_count() {
        // Gold {0,1,2} {3,4}; predicted {0,1} {2,3,4}.
        let gold = [Some("a"), Some("a"), Some("a"), Some("b"), Some("b")];
        let scores = score_clustering(&[0, 0, 1, 1, 1], &gold);
        // Predicted pairs: 1 + 3 = 4, of which right: (0,1), (3,4) = 2; gold pairs 3 + 1 = 4.
        assert_eq!(scores.pairwise_precision, 0.5);
        assert_eq!(scores.pairwise_recall, 0.5);
        // B-cubed precision: (1 + 1 + 1/3 + 2/3 + 2/3) / 5 = 11/15; recall: (2/3 + 2/3 + 1/3 + 1 + 1) / 5 = 11/15.
        assert!((scores.bcubed_precision - 11.0 / 15.0).abs() < 1e-12);
        assert!((scores.bcubed_recall - 11.0 / 15.0).abs() < 1e-12);
        assert_eq!(scores.gold_groups, 2);
        assert_eq!(scores.predicted_groups, 2);
    }
}
