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
        // A char starts at every byte that is not a UTF-8 continuation byte (0b10xx_xxxx); scanning bytes is
        // several times cheaper than decoding chars.
        let bytes = original.as_bytes();
        let mut origins = Vec::with_capacity(bytes.len());
        let mut start = 0u32;
        for (at, &byte) in bytes.iter().enumerate().skip(1) {
            if !is_continuation(byte) {
                origins.push(start..at as u32);
                start = at as u32;
            }
        }
        if !bytes.is_empty() {
            origins.push(start..bytes.len() as u32);
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

    /// Rebuilds the text char by char, calling `f` only for the chars `special` picks: `f` pushes any number
    /// of output chars through the [`CharSink`], and the runs of other chars between them are copied whole,
    /// text and origins alike. `f` also receives the text being rewritten and the char's byte offset in it, to
    /// look at the char's neighbours.
    ///
    /// Only chars whose first byte is in `may_start` are decoded and shown to `special`, so a rule whose
    /// chars have few distinct first bytes skips the rest of the text with one table look-up per byte.
    /// `may_start` must hold the first byte of every char `special` picks.
    pub(crate) fn rewrite_special(
        &mut self,
        may_start: &ByteSet,
        special: impl Fn(char) -> bool,
        mut f: impl FnMut(&str, usize, char, &mut CharSink),
    ) {
        let mut sink: Option<CharSink> = None;
        let bytes = self.text.as_bytes();
        let (mut run_byte, mut run_char) = (0, 0);
        for (byte, &first) in bytes.iter().enumerate() {
            if !may_start.contains(first) {
                continue;
            }
            let Some(c) = self.text[byte..].chars().next() else {
                continue;
            };
            if !special(c) {
                continue;
            }
            let char_index = run_char + char_count(&bytes[run_byte..byte]);
            let sink = sink.get_or_insert_with(|| CharSink {
                text: String::with_capacity(self.text.len()),
                origins: Vec::with_capacity(self.origins.len()),
                current: 0..0,
            });
            sink.text.push_str(&self.text[run_byte..byte]);
            sink.origins
                .extend_from_slice(&self.origins[run_char..char_index]);
            sink.current = self.origins[char_index].clone();
            f(&self.text, byte, c, sink);
            run_byte = byte + c.len_utf8();
            run_char = char_index + 1;
        }
        if let Some(mut sink) = sink {
            sink.text.push_str(&self.text[run_byte..]);
            sink.origins.extend_from_slice(&self.origins[run_char..]);
            self.text = sink.text;
            self.origins = sink.origins;
        }
    }

    /// Replaces the text by one with the same number of chars, each from the same origin as before.
    pub(crate) fn replace_chars_one_for_one(&mut self, text: String) {
        debug_assert_eq!(text.chars().count(), self.origins.len());
        self.text = text;
    }

    /// Lower-cases ASCII letters in place: same bytes per char, so the origins stay.
    pub(crate) fn make_ascii_lowercase(&mut self) {
        self.text.make_ascii_lowercase();
    }

    /// Drops a trailing space and its origin.
    pub(crate) fn trim_trailing_space(&mut self) {
        if self.text.ends_with(' ') {
            self.text.pop();
            self.origins.pop();
        }
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

/// A set of bytes, for the first bytes of the chars a rule looks at. Continuation bytes (0x80..=0xBF) are
/// never members, so a member always starts a char.
pub(crate) struct ByteSet([bool; 256]);

impl ByteSet {
    pub(crate) const fn new(members: &[u8]) -> Self {
        let mut set = [false; 256];
        let mut i = 0;
        while i < members.len() {
            set[members[i] as usize] = !is_continuation(members[i]);
            i += 1;
        }
        ByteSet(set)
    }

    /// The set extended with every byte in `first..=last`.
    pub(crate) const fn with_range(mut self, first: u8, last: u8) -> Self {
        let mut byte = first;
        loop {
            self.0[byte as usize] = !is_continuation(byte);
            if byte == last {
                return self;
            }
            byte += 1;
        }
    }

    #[inline]
    pub(crate) fn contains(&self, byte: u8) -> bool {
        self.0[byte as usize]
    }
}

const fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&byte| !is_continuation(byte)).count()
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

    /// The rules as first written, char by char: the byte-scanning versions must agree with them.
    fn reference(text: &str) -> String {
        let half: String = text
            .chars()
            .map(|c| match c {
                '\u{3000}' => ' ',
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap(),
                _ => c,
            })
            .collect();
        let chars: Vec<char> = half.chars().collect();
        let is_mask = |c: char| matches!(c, '*' | '＊' | '×');
        let mut unmasked = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let previous = i > 0 && is_mask(chars[i - 1]);
            let next = chars.get(i + 1).is_some_and(|&n| is_mask(n));
            if !is_mask(c) || (!previous && !next) {
                unmasked.push(c);
            } else if !previous {
                unmasked.push(' ');
            }
        }
        let mut clean = String::new();
        for c in unmasked.chars() {
            if c.is_whitespace() {
                if clean.chars().next_back().is_some_and(|last| last != ' ') {
                    clean.push(' ');
                }
            } else if !c.is_control()
                && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{FEFF}' | '\u{2060}')
            {
                clean.push(c);
            }
        }
        clean.trim_end_matches(' ').to_string()
    }

    proptest::proptest! {
        #[test]
        fn width_masks_and_whitespace_agree_with_the_char_by_char_rules(
            text in "[ a*＊×\u{3000}\u{00A0}\u{0085}\u{200B}\u{FEFF}\u{2028}\t\n\r\u{7}贷款稅ＡＢ１，。]{0,40}"
        ) {
            let sequence = NormalizerSequence {
                steps: vec![
                    NormalizerStep::FullWidthToHalfWidth,
                    NormalizerStep::CollapseMasks,
                    NormalizerStep::CleanWhitespace,
                ],
            };
            let normalized = sequence.apply(&text);
            proptest::prop_assert_eq!(normalized.as_str(), reference(&text));
            proptest::prop_assert_eq!(normalized.char_len(), normalized.as_str().chars().count());
            for (i, c) in normalized.as_str().chars().enumerate() {
                let span = normalized.original_span(i, i + 1).unwrap();
                let original: Vec<char> = text[span].chars().collect();
                proptest::prop_assert_eq!(original.len(), 1);
                if c != ' ' {
                    proptest::prop_assert!(reference(&original[0].to_string()) == c.to_string());
                }
            }
        }
    }
}
