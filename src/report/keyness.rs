//! Distinctive words: which words a category uses far more than the others, by Dunning's log-likelihood G²
//! (a word's count in the category against its count in all other categories, relative to their sizes). G² is
//! the usual keyness measure in corpus linguistics: unlike a ratio of frequencies it does not favour rare words
//! seen once or twice. Only words used more in the category than elsewhere count; stop words never do.

use rustc_hash::FxHashMap;
use serde::Serialize;

/// A word and its keyness.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyWord {
    pub word: String,
    /// Occurrences in the category.
    pub count: u64,
    /// G² against the other categories.
    pub g2: f64,
}

/// A word is distinctive only if the category uses it at least this often.
const MIN_COUNT: u64 = 2;

/// Word counts per category.
#[derive(Debug, Default)]
pub struct WordCounts {
    by_category: FxHashMap<String, FxHashMap<String, u64>>,
}

impl WordCounts {
    pub fn add<'a>(&mut self, category: &str, words: impl IntoIterator<Item = &'a String>) {
        let counts = self.by_category.entry(category.to_string()).or_default();
        for word in words {
            *counts.entry(word.clone()).or_default() += 1;
        }
    }

    /// The `count` most distinctive words of each category, most distinctive first.
    pub fn keywords(&self, count: usize) -> FxHashMap<String, Vec<KeyWord>> {
        let mut all: FxHashMap<&str, u64> = FxHashMap::default();
        for counts in self.by_category.values() {
            for (word, n) in counts {
                *all.entry(word).or_default() += n;
            }
        }
        let total: u64 = all.values().sum();
        self.by_category
            .iter()
            .map(|(category, counts)| {
                let size: u64 = counts.values().sum();
                let rest = total - size;
                let mut words: Vec<KeyWord> = counts
                    .iter()
                    .filter(|&(_, &n)| n >= MIN_COUNT)
                    .filter_map(|(word, &n)| {
                        let elsewhere = all[word.as_str()] - n;
                        // Used relatively more here than elsewhere (or the only category).
                        let more_here = rest == 0
                            || (n as f64 / size as f64) > (elsewhere as f64 / rest as f64);
                        more_here.then(|| KeyWord {
                            word: word.clone(),
                            count: n,
                            g2: log_likelihood(n, elsewhere, size, rest),
                        })
                    })
                    .collect();
                words.sort_by(|a, b| b.g2.total_cmp(&a.g2).then(a.word.cmp(&b.word)));
                words.truncate(count);
                (category.clone(), words)
            })
            .collect()
    }
}

/// Dunning's G² for a word seen `a` times in a corpus of `c` words and `b` times in one of `d` words.
pub fn log_likelihood(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (a, b, c, d) = (a as f64, b as f64, c as f64, d as f64);
    let expected_a = c * (a + b) / (c + d);
    let expected_b = d * (a + b) / (c + d);
    let term = |observed: f64, expected: f64| {
        if observed > 0.0 {
            observed * (observed / expected).ln()
        } else {
            0.0
        }
    };
    2.0 * (term(a, expected_a) + term(b, expected_b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g2_matches_a_reference_value() {
        // 10 in 1,000 words vs 20 in 10,000: expected 2.727 and 27.27, so
        // G² = 2 (10 ln(10/2.727) + 20 ln(20/27.27)) = 13.58 (worked by hand).
        let g2 = log_likelihood(10, 20, 1_000, 10_000);
        assert!((g2 - 13.58).abs() < 0.01, "{g2}");
        // Same relative frequency on both sides: nothing distinctive.
        assert!(log_likelihood(1, 10, 100, 1000) < 1e-9);
    }

    #[test]
    fn words_shared_by_every_category_are_not_distinctive() {
        let mut counts = WordCounts::default();
        let words = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        counts.add("tax", &words("退税 退税 退税 发票 发票 困难 困难"));
        counts.add("fire_safety", &words("消防 消防 验收 验收 验收 困难 困难"));
        let keywords = counts.keywords(5);
        let tax: Vec<&str> = keywords["tax"].iter().map(|k| k.word.as_str()).collect();
        assert_eq!(tax, ["退税", "发票"]);
        // 困难 is 2 in 7 words in both: distinctive of neither.
        assert!(keywords["fire_safety"].iter().all(|k| k.word != "困难"));
        assert_eq!(keywords["fire_safety"][0].word, "验收");
    }
}
