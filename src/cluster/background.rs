//! Background document frequencies: how common each term is in the team's corpus of complaints
//! (`corpora/complaints.csv`, 4,561 complaints of every category, built into the binary).
//!
//! IDF computed on a small batch alone cannot tell a filler word seen once (好久, 根本) from a road's name seen
//! once: both get the highest weight, and two complaints about one problem in different words look unlike.
//! Adding the corpus's counts to the batch's gives filler words the weight their commonness deserves, while a
//! large batch outweighs the corpus by itself.

use super::terms::{Term, TermAnalyzer, terms_of_words};
use rustc_hash::FxHashMap;
use std::sync::OnceLock;

const CORPUS: &str = include_str!("../../corpora/complaints.csv");

/// Term counts of the corpus, with and without word pairs.
pub struct Background {
    pub documents: u32,
    pub frequency: FxHashMap<Term, u32>,
}

/// The corpus's counts, computed once (about 0.2 s).
pub fn background(pairs: bool) -> &'static Background {
    static WITH_PAIRS: OnceLock<Background> = OnceLock::new();
    static WORDS_ONLY: OnceLock<Background> = OnceLock::new();
    let cell = if pairs { &WITH_PAIRS } else { &WORDS_ONLY };
    cell.get_or_init(|| count(pairs))
}

fn count(pairs: bool) -> Background {
    use rayon::prelude::*;
    let mut reader = csv::Reader::from_reader(CORPUS.as_bytes());
    let text_column = reader
        .headers()
        .ok()
        .and_then(|h| h.iter().position(|name| name == "text"));
    let texts: Vec<String> = match text_column {
        Some(column) => reader
            .records()
            .filter_map(Result::ok)
            .filter_map(|r| r.get(column).map(str::to_string))
            .collect(),
        None => Vec::new(),
    };
    let analyzer = TermAnalyzer::shared();
    let terms: Vec<Vec<Term>> = texts
        .par_iter()
        .map(|t| terms_of_words(&analyzer.words(t), pairs))
        .collect();
    let mut frequency = FxHashMap::default();
    for term in terms.iter().flatten() {
        *frequency.entry(*term).or_default() += 1;
    }
    Background {
        documents: texts.len() as u32,
        frequency,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::term_of;

    #[test]
    fn the_corpus_is_counted() {
        let counts = background(false);
        assert!(counts.documents > 4000, "{}", counts.documents);
        // A word of many complaints is common; a made-up one is absent.
        let loans = counts.frequency.get(&term_of("贷款")).copied().unwrap_or(0);
        assert!(loans > 20, "贷款 in {loans} complaints");
        assert!(!counts.frequency.contains_key(&term_of("长江路塌陷")));
    }
}
