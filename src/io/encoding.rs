//! Character encodings of text inputs: choosing one (given, or detected from the first bytes) and decoding the
//! fields of a row with it.
//!
//! Detection follows one simple rule so that its result can be predicted: a byte-order mark decides; otherwise
//! the first bytes are UTF-8 unless fewer of their lines fail to decode as GB18030, the superset of GBK that
//! Chinese office software writes ([`detect`]). Big5 or other encodings must be named with `--encoding`.
//!
//! Decoding is strict and per field: a field that is not valid in the encoding makes its row a "bad encoding"
//! row; nothing is replaced with U+FFFD behind the user's back. This module does not read files.

use encoding_rs::{Encoding, GB18030, UTF_8};
use std::borrow::Cow;

/// How the encoding of a text input is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncodingChoice {
    /// From a byte-order mark or the first bytes of the input.
    #[default]
    Detect,
    Given(&'static Encoding),
}

impl EncodingChoice {
    /// Parses `auto` or an encoding label (`utf-8`, `gbk`, `gb18030`, `big5`, `utf-16le`, … as in the WHATWG
    /// Encoding Standard).
    pub fn parse(label: &str) -> Result<Self, String> {
        if label.eq_ignore_ascii_case("auto") {
            return Ok(EncodingChoice::Detect);
        }
        Encoding::for_label(label.trim().as_bytes())
            .map(EncodingChoice::Given)
            .ok_or_else(|| {
                format!(
                    "unknown encoding '{label}' (try auto, utf-8, gbk, gb18030, big5, utf-16le)"
                )
            })
    }
}

/// The encoding of a text whose first bytes are `sample`; `complete` says the sample is the whole input.
/// Returns the encoding and the length of its byte-order mark, if any.
///
/// Without a byte-order mark, the encoding in which fewer lines of the sample fail to decode wins, UTF-8 on a
/// tie: GBK read as UTF-8 fails on almost every line, while UTF-8 read as GB18030 fails on most lines (wherever
/// an odd number of bytes meets punctuation), so a few damaged bytes in a UTF-8 file do not make it GB18030;
/// the rows holding them are rejected instead.
pub fn detect(sample: &[u8], complete: bool) -> (&'static Encoding, usize) {
    if let Some((encoding, bom_length)) = Encoding::for_bom(sample) {
        return (encoding, bom_length);
    }
    // A line end is a character boundary in both encodings: a sample cut inside a character is not an error.
    let sample = match complete {
        true => sample,
        false => match memchr::memrchr(b'\n', sample) {
            Some(end) => &sample[..=end],
            None => sample,
        },
    };
    let failing = |decodes: &dyn Fn(&[u8]) -> bool| {
        sample
            .split(|&b| b == b'\n')
            .filter(|line| !decodes(line))
            .count()
    };
    let utf8_failures = failing(&|line| std::str::from_utf8(line).is_ok());
    if utf8_failures == 0 {
        return (UTF_8, 0);
    }
    let gb18030_failures = failing(&|line| {
        GB18030
            .decode_without_bom_handling_and_without_replacement(line)
            .is_some()
    });
    if utf8_failures <= gb18030_failures {
        (UTF_8, 0)
    } else {
        (GB18030, 0)
    }
}

/// Decodes fields of an ASCII-compatible encoding, in which the bytes of `,`, `"`, tab and newline only ever
/// stand for themselves: a CSV or JSONL parser can split the raw bytes before they are decoded.
#[derive(Debug, Clone, Copy)]
pub struct FieldDecoder {
    encoding: &'static Encoding,
}

impl FieldDecoder {
    /// `None` for an encoding that is not ASCII-compatible (UTF-16): such input must be converted to UTF-8
    /// before it is split.
    pub fn new(encoding: &'static Encoding) -> Option<Self> {
        encoding
            .is_ascii_compatible()
            .then_some(FieldDecoder { encoding })
    }

    pub fn utf8() -> Self {
        FieldDecoder { encoding: UTF_8 }
    }

    pub fn encoding(&self) -> &'static Encoding {
        self.encoding
    }

    /// The text of a field, or why it is not valid in the encoding.
    pub fn decode<'a>(&self, bytes: &'a [u8]) -> Result<Cow<'a, str>, String> {
        if self.encoding == UTF_8 {
            // simdutf8 checks 16–32 bytes at a time where std goes char by char through Chinese text (3% of a
            // batch's instructions); std's error says where a bad field goes wrong.
            if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
                return Ok(Cow::Borrowed(text));
            }
            return std::str::from_utf8(bytes)
                .map(Cow::Borrowed)
                .map_err(|e| format!("not valid UTF-8 (byte {})", e.valid_up_to()));
        }
        self.encoding
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| format!("not valid {}", self.encoding.name()))
    }

    /// The text of a field with anything invalid replaced: for names in a header, never for data.
    pub fn decode_lossy<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
        self.encoding.decode_without_bom_handling(bytes).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boms_decide() {
        assert_eq!(detect(b"\xef\xbb\xbfid,text\n", false), (UTF_8, 3));
        assert_eq!(
            detect(b"\xff\xfei\x00d\x00", false).0,
            encoding_rs::UTF_16LE
        );
    }

    #[test]
    fn utf8_and_gbk_are_told_apart() {
        let text = "id,text\n1,我公司城镇土地使用税负担太重，希望减免\n";
        assert_eq!(detect(text.as_bytes(), true).0, UTF_8);
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(detect(&gbk, true).0, GB18030);
        // A sample cut inside a character is still UTF-8.
        let cut = &text.as_bytes()[..text.len() - 2];
        assert_eq!(detect(cut, false).0, UTF_8);
        assert_eq!(detect(b"id,text\n1,plain ascii\n", true).0, UTF_8);
    }

    #[test]
    fn a_damaged_byte_in_long_utf8_text_stays_utf8() {
        let mut bytes = "银行贷款只给三个月期限，续贷要过桥资金"
            .repeat(5)
            .into_bytes();
        bytes.insert(30, 0xff);
        assert_eq!(detect(&bytes, true).0, UTF_8);
        // Short, too: the row that holds the damaged byte is rejected, the others read.
        let short = b"id,text\n1,\n2,\xff\xfe\xfd\n3,\xe4\xbc\x81\xe4\xb8\x9a\xe8\xb4\xb7\n";
        assert_eq!(detect(short, true).0, UTF_8);
    }

    #[test]
    fn decoding_is_strict() {
        let utf8 = FieldDecoder::utf8();
        assert_eq!(utf8.decode("电费".as_bytes()).unwrap(), "电费");
        assert!(utf8.decode(b"ab\xff").unwrap_err().contains("byte 2"));
        let gb = FieldDecoder::new(GB18030).unwrap();
        let (bytes, _, _) = GB18030.encode("电费太高");
        assert_eq!(gb.decode(&bytes).unwrap(), "电费太高");
        assert!(gb.decode(b"\x81").unwrap_err().contains("gb18030"));
        assert!(FieldDecoder::new(encoding_rs::UTF_16LE).is_none());
    }

    #[test]
    fn labels_parse() {
        assert_eq!(EncodingChoice::parse("auto"), Ok(EncodingChoice::Detect));
        assert_eq!(
            EncodingChoice::parse("GBK"),
            Ok(EncodingChoice::Given(encoding_rs::GBK))
        );
        assert!(EncodingChoice::parse("klingon").is_err());
    }
}
