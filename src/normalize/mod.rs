//! Stage 1 — normalisation.
//!
//! Turns raw complaint text into the canonical form every later stage sees: Simplified script, half-width
//! letters and digits, single spaces, no control characters, masked runs (`****`) collapsed. Traditional and
//! Simplified input must come out identical, because jieba segments Traditional text badly.
//!
//! Each rule is a [`Normalizer`] in its own file; a [`NormalizerSequence`] applies them in order. Every rule
//! keeps, for each output character, the byte range of the original text it came from, so a decision can be
//! explained in the words the user actually wrote. A normaliser must not drop meaning: it only rewrites form.

mod fullwidth;
mod lowercase;
mod masks;
mod traditional;
mod whitespace;

pub use fullwidth::FullWidthToHalfWidth;
pub use lowercase::LowercaseAscii;
pub use masks::CollapseMasks;
pub use traditional::TraditionalToSimplified;
pub use whitespace::CleanWhitespace;

use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Text being normalised, with the origin of every character in the original input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedText {
    text: String,
    /// For the i-th char of `text`, the byte range in the original input it came from.
    origins: Vec<Range<u32>>,
}

impl NormalizedText {
    /// Wraps an original text; every character is its own origin.
    pub fn new(original: &str) -> Self {
        let mut origins = Vec::with_capacity(original.len());
        for (start, c) in original.char_indices() {
            origins.push(start as u32..(start + c.len_utf8()) as u32);
        }
        NormalizedText {
            text: original.to_string(),
            origins,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn char_len(&self) -> usize {
        self.origins.len()
    }

    /// Byte range in the original input covered by the normalised chars `[char_start, char_end)`.
    pub fn original_span(&self, char_start: usize, char_end: usize) -> Option<Range<usize>> {
        if char_start >= char_end || char_end > self.origins.len() {
            return None;
        }
        let start = self.origins[char_start].start as usize;
        let end = self.origins[char_end - 1].end as usize;
        Some(start..end.max(start))
    }

    /// Rebuilds the text char by char: `f` receives each char with its origin and pushes any number of
    /// output chars through the [`CharSink`].
    pub(crate) fn rewrite(&mut self, mut f: impl FnMut(char, &mut CharSink)) {
        let mut sink = CharSink {
            text: String::with_capacity(self.text.len()),
            origins: Vec::with_capacity(self.origins.len()),
            current: 0..0,
        };
        for (c, origin) in self.text.chars().zip(self.origins.iter()) {
            sink.current = origin.clone();
            f(c, &mut sink);
        }
        self.text = sink.text;
        self.origins = sink.origins;
    }

    /// Maps every char to exactly one char: the origins stay as they are, so only the text is rebuilt.
    pub(crate) fn map_chars(&mut self, f: impl Fn(char) -> char) {
        // Few chars change: copy the unchanged runs whole.
        let mut out = String::with_capacity(self.text.len());
        let mut run_start = 0;
        for (byte, c) in self.text.char_indices() {
            let mapped = f(c);
            if mapped != c {
                out.push_str(&self.text[run_start..byte]);
                out.push(mapped);
                run_start = byte + c.len_utf8();
            }
        }
        out.push_str(&self.text[run_start..]);
        self.text = out;
    }

    pub(crate) fn replace(&mut self, text: String, origins: Vec<Range<u32>>) {
        debug_assert_eq!(text.chars().count(), origins.len());
        self.text = text;
        self.origins = origins;
    }

    pub(crate) fn origins(&self) -> &[Range<u32>] {
        &self.origins
    }
}

/// Receives the output chars of one input char during [`NormalizedText::rewrite`].
pub(crate) struct CharSink {
    text: String,
    origins: Vec<Range<u32>>,
    current: Range<u32>,
}

impl CharSink {
    pub(crate) fn push(&mut self, c: char) {
        self.text.push(c);
        self.origins.push(self.current.clone());
    }

    pub(crate) fn last(&self) -> Option<char> {
        self.text.chars().next_back()
    }
}

/// One normalisation rule.
pub trait Normalizer {
    fn normalize(&self, text: &mut NormalizedText);
}

/// The normalisation rules, as saved in a model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NormalizerStep {
    FullWidthToHalfWidth,
    CleanWhitespace,
    CollapseMasks,
    TraditionalToSimplified,
    LowercaseAscii,
}

impl Normalizer for NormalizerStep {
    fn normalize(&self, text: &mut NormalizedText) {
        match self {
            NormalizerStep::FullWidthToHalfWidth => FullWidthToHalfWidth.normalize(text),
            NormalizerStep::CleanWhitespace => CleanWhitespace.normalize(text),
            NormalizerStep::CollapseMasks => CollapseMasks.normalize(text),
            NormalizerStep::TraditionalToSimplified => TraditionalToSimplified.normalize(text),
            NormalizerStep::LowercaseAscii => LowercaseAscii.normalize(text),
        }
    }
}

/// Rules applied in order; itself a [`Normalizer`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizerSequence {
    pub steps: Vec<NormalizerStep>,
}

impl NormalizerSequence {
    /// The preset used for complaints: width, masks, whitespace, script, case.
    pub fn complaint_preset() -> Self {
        NormalizerSequence {
            steps: vec![
                NormalizerStep::FullWidthToHalfWidth,
                NormalizerStep::CollapseMasks,
                NormalizerStep::CleanWhitespace,
                NormalizerStep::TraditionalToSimplified,
                NormalizerStep::LowercaseAscii,
            ],
        }
    }

    /// Normalises an original text.
    pub fn apply(&self, original: &str) -> NormalizedText {
        let mut text = NormalizedText::new(original);
        self.normalize(&mut text);
        text
    }
}

impl Normalizer for NormalizerSequence {
    fn normalize(&self, text: &mut NormalizedText) {
        for step in &self.steps {
            step.normalize(text);
        }
    }
}

#[cfg(test)]
pub(crate) fn normalized_with(rule: &dyn Normalizer, input: &str) -> String {
    let mut text = NormalizedText::new(input);
    rule.normalize(&mut text);
    assert_eq!(text.char_len(), text.as_str().chars().count());
    text.as_str().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_and_simplified_twins_normalise_identically() {
        let preset = NormalizerSequence::complaint_preset();
        let traditional = preset.apply("我公司土地使用稅過高，融資難融資貴！ＡＢＣ１２３");
        let simplified = preset.apply("我公司土地使用税过高，融资难融资贵!abc123");
        assert_eq!(traditional.as_str(), simplified.as_str());
    }

    #[test]
    fn origins_point_back_into_the_original_text() {
        let original = "  聯繫電話：＊＊＊＊ 銀行貸款\t難";
        let normalized = NormalizerSequence::complaint_preset().apply(original);
        let found = normalized.as_str().find("贷款").unwrap();
        let char_start = normalized.as_str()[..found].chars().count();
        let span = normalized
            .original_span(char_start, char_start + 2)
            .unwrap();
        assert_eq!(&original[span], "貸款");
    }
}
