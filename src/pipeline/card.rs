//! The model card saved inside every model: what it was trained on, when, with which settings, and how well it
//! did on held-out folds of its own training data.

use super::MAX_CONFIDENCE;
use crate::metrics::Evaluation;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelCard {
    /// Training date, `YYYY-MM-DD` (UTC).
    pub trained_on: String,
    pub training_rows: usize,
    /// FNV-1a fingerprint of the training texts and labels, in order (hex).
    pub data_fingerprint: String,
    /// (label, number of training rows).
    pub label_counts: Vec<(String, usize)>,
    /// Settings, as JSON, for the record.
    pub params_json: String,
    /// Out-of-fold metrics from the calibration folds, as JSON.
    pub held_out_json: String,
    pub temperature: f64,
    /// How right the most confident out-of-fold predictions were.
    pub top_band: TopBand,
}

/// Calibration of the top confidence band on held-out folds: the rows predicted at least `lower` confident,
/// their mean confidence and how many of them were right. The band's accuracy is the highest confidence the
/// model reports (see [`TopBand::ceiling`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TopBand {
    pub lower: f32,
    pub rows: usize,
    pub mean_confidence: f64,
    pub accuracy: f64,
}

impl TopBand {
    /// The band's lower edge.
    pub const LOWER: f32 = 0.99;

    /// Fewest held-out rows in the band for its accuracy to be trusted as the ceiling.
    pub const MIN_ROWS_FOR_CEILING: usize = 50;

    /// The highest confidence the model reports. Temperature scaling fits the whole range and leaves the top
    /// band overconfident (the default model's held-out rows at 0.99 or above averaged 0.998 and were right
    /// 98.4% of the time), so no case is shown surer than that band was right on held-out folds, and never
    /// above [`MAX_CONFIDENCE`]. A band too small to measure leaves [`MAX_CONFIDENCE`].
    pub fn ceiling(&self) -> f32 {
        if self.rows >= Self::MIN_ROWS_FOR_CEILING && self.accuracy.is_finite() {
            (self.accuracy as f32).clamp(0.0, MAX_CONFIDENCE)
        } else {
            MAX_CONFIDENCE
        }
    }

    /// From held-out (predicted label, confidence, correct?) triples.
    pub fn from_held_out(predictions: &[(usize, f32, bool)]) -> Self {
        let band: Vec<&(usize, f32, bool)> =
            predictions.iter().filter(|p| p.1 >= Self::LOWER).collect();
        let rows = band.len();
        let mean = |f: &dyn Fn(&(usize, f32, bool)) -> f64| {
            if rows == 0 {
                0.0
            } else {
                band.iter().map(|p| f(p)).sum::<f64>() / rows as f64
            }
        };
        TopBand {
            lower: Self::LOWER,
            rows,
            mean_confidence: mean(&|p| p.1 as f64),
            accuracy: mean(&|p| if p.2 { 1.0 } else { 0.0 }),
        }
    }
}

impl ModelCard {
    pub fn held_out(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.held_out_json).ok()
    }

    /// The card as one JSON document, for the `.card.json` file written beside a model.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "format": "complaint-triage-model-card",
            "model_format_version": super::model_file::FORMAT_VERSION,
            "trained_on": self.trained_on,
            "training_rows": self.training_rows,
            "data_fingerprint": self.data_fingerprint,
            "label_counts": self.label_counts,
            "temperature": self.temperature,
            "top_band": self.top_band,
            // The highest confidence this model reports: the top band's held-out accuracy, at most 0.999.
            "confidence_ceiling": self.top_band.ceiling(),
            "params": serde_json::from_str::<serde_json::Value>(&self.params_json).unwrap_or_default(),
            "held_out": self.held_out().unwrap_or_default(),
        })
    }

    pub(crate) fn held_out_from(evaluation: &Evaluation) -> String {
        serde_json::to_string(evaluation).unwrap_or_default()
    }
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn today() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_date((seconds / 86_400) as i64)
}

/// Days since 1970-01-01 to a Gregorian date (H. Hinnant's `civil_from_days`).
pub(crate) fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + (month <= 2) as i64;
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_band_counts_only_confident_rows() {
        let band = TopBand::from_held_out(&[(0, 0.999, true), (1, 0.995, false), (0, 0.9, false)]);
        assert_eq!(
            band.ceiling(),
            MAX_CONFIDENCE,
            "two rows are too few to set a ceiling"
        );
        assert_eq!(band.rows, 2);
        assert!((band.accuracy - 0.5).abs() < 1e-9);
        assert!((band.mean_confidence - 0.997).abs() < 1e-6);
        assert_eq!(TopBand::from_held_out(&[]).rows, 0);
    }

    #[test]
    fn a_measured_band_caps_confidence_at_its_accuracy() {
        // 100 rows at 0.998, 97 right: nothing may be shown surer than 0.97.
        let rows: Vec<(usize, f32, bool)> = (0..100).map(|i| (0, 0.998, i >= 3)).collect();
        let band = TopBand::from_held_out(&rows);
        assert!((band.ceiling() - 0.97).abs() < 1e-6, "{}", band.ceiling());
        // A band right every time still stops at 0.999.
        let perfect: Vec<(usize, f32, bool)> = (0..100).map(|_| (0, 0.998, true)).collect();
        assert_eq!(TopBand::from_held_out(&perfect).ceiling(), MAX_CONFIDENCE);
    }

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(19_782), "2024-02-29");
        assert_eq!(civil_date(20_785), "2026-11-28");
    }
}
