//! Traditional → Simplified at phrase level with hanconv's OpenCC dictionaries (`TSPhrases` + `TSCharacters`):
//! phrase-level conversion avoids the per-character errors measured in other converters (资金鍊 → 资金炼).
//! We walk hanconv's trie ourselves, rather than call `hanconv::t2s`, to keep each output character's origin.

use super::{NormalizedText, Normalizer};
use hanconv::{Converters, Trie};
use std::ops::Range;
use std::sync::LazyLock;

static T2S_TRIE: LazyLock<&'static Trie<&'static str>> =
    LazyLock::new(|| Converters::T2S.dictionaries()[0]);

/// One bit per BMP char: whether some dictionary key starts with it. Most chars of Simplified text start none,
/// so a text is scanned with one bit test per char and the trie is walked only where a key can start.
static KEY_STARTS: LazyLock<Vec<u64>> = LazyLock::new(|| {
    let trie: &Trie<&str> = &T2S_TRIE;
    let mut bits = vec![0u64; BMP_CHARS / 64];
    let mut buffer = [0u8; 4];
    for (code, c) in (0..BMP_CHARS as u32).filter_map(|code| Some((code, char::from_u32(code)?))) {
        if trie.starts_with(c.encode_utf8(&mut buffer)) {
            bits[code as usize / 64] |= 1 << (code % 64);
        }
    }
    bits
});

const BMP_CHARS: usize = 0x1_0000;

fn may_start_key(c: char) -> bool {
    let code = c as usize;
    if code < BMP_CHARS {
        KEY_STARTS[code / 64] & (1 << (code % 64)) != 0
    } else {
        T2S_TRIE.starts_with(c.encode_utf8(&mut [0u8; 4]))
    }
}

/// The char and byte position of the first dictionary phrase whose replacement differs from it, walking the
/// text as the conversion does (a matched phrase is skipped whole).
/// The first char (index and byte offset) the conversion changes, if any. Most input is already Simplified, so
/// this scan is the rule's whole cost for most texts: it decodes UTF-8 by hand and tests the BMP bitmap
/// directly, and asks the trie only where a key may start.
fn first_change(trie: &Trie<&str>, text: &str) -> Option<(usize, usize)> {
    let key_starts: &[u64] = &KEY_STARTS;
    let bytes = text.as_bytes();
    let mut char_index = 0;
    let mut byte = 0;
    while byte < bytes.len() {
        let (code, width) = decode_at(bytes, byte);
        let may_start = if (code as usize) < BMP_CHARS {
            key_starts[code as usize / 64] & (1 << (code % 64)) != 0
        } else {
            T2S_TRIE.starts_with(&text[byte..byte + width])
        };
        if may_start && let Some((replacement, matched)) = trie.r#match(text[byte..].chars()) {
            let phrase_bytes: usize = text[byte..].chars().take(matched).map(char::len_utf8).sum();
            if *replacement != &text[byte..byte + phrase_bytes] {
                return Some((char_index, byte));
            }
            byte += phrase_bytes;
            char_index += matched;
        } else {
            byte += width;
            char_index += 1;
        }
    }
    None
}

/// The code point starting at `at` in valid UTF-8, and its width in bytes.
#[inline]
fn decode_at(bytes: &[u8], at: usize) -> (u32, usize) {
    let first = bytes[at] as u32;
    let continuation = |k: usize| (bytes[at + k] & 0x3F) as u32;
    match first {
        0x00..=0x7F => (first, 1),
        0xC0..=0xDF => ((first & 0x1F) << 6 | continuation(1), 2),
        0xE0..=0xEF => (
            (first & 0x0F) << 12 | continuation(1) << 6 | continuation(2),
            3,
        ),
        _ => (
            (first & 0x07) << 18 | continuation(1) << 12 | continuation(2) << 6 | continuation(3),
            4,
        ),
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct TraditionalToSimplified;

impl Normalizer for TraditionalToSimplified {
    fn normalize(&self, text: &mut NormalizedText) {
        if text.as_str().is_ascii() {
            return;
        }
        let trie: &Trie<&str> = &T2S_TRIE;
        // Most text needs no change: find the first phrase that does before building anything.
        let Some((start_char, start_byte)) = first_change(trie, text.as_str()) else {
            return;
        };
        let source: Vec<char> = text.as_str()[start_byte..].chars().collect();
        let origins = &text.origins()[start_char..];
        let mut out = String::with_capacity(text.as_str().len());
        out.push_str(&text.as_str()[..start_byte]);
        let mut out_origins: Vec<Range<u32>> = Vec::with_capacity(text.char_len());
        out_origins.extend_from_slice(&text.origins()[..start_char]);
        let mut i = 0;
        while i < source.len() {
            let found = if may_start_key(source[i]) {
                trie.r#match(source[i..].iter().copied())
            } else {
                None
            };
            match found {
                Some((replacement, matched)) => {
                    let replacement_len = replacement.chars().count();
                    for (k, c) in replacement.chars().enumerate() {
                        out.push(c);
                        // Same length: char k came from source char i+k; otherwise it came from the whole phrase.
                        out_origins.push(if replacement_len == matched {
                            origins[i + k].clone()
                        } else {
                            origins[i].start..origins[i + matched - 1].end
                        });
                    }
                    i += matched;
                }
                None => {
                    out.push(source[i]);
                    out_origins.push(origins[i].clone());
                    i += 1;
                }
            }
        }
        text.replace(out, out_origins);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalized_with;

    #[test]
    fn traditional_phrases_become_simplified() {
        for (traditional, simplified) in [
            ("土地使用稅過高", "土地使用税过高"),
            ("融資難融資貴", "融资难融资贵"),
            ("資金鏈斷裂", "资金链断裂"),
            ("廠房竣工驗收遲遲辦不下來", "厂房竣工验收迟迟办不下来"),
            ("報檢員培訓", "报检员培训"),
        ] {
            assert_eq!(
                normalized_with(&TraditionalToSimplified, traditional),
                simplified
            );
        }
    }

    #[test]
    fn the_conversion_starting_mid_text_agrees_with_hanconv_and_keeps_origins() {
        // Simplified first, so the rebuild starts at the first Traditional phrase.
        let text = "企业反映今年的土地使用稅過高，融資難";
        let mut normalized = NormalizedText::new(text);
        TraditionalToSimplified.normalize(&mut normalized);
        assert_eq!(normalized.as_str(), hanconv::t2s(text));
        assert_eq!(normalized.as_str(), "企业反映今年的土地使用税过高，融资难");
        let tax = normalized.as_str().chars().position(|c| c == '税').unwrap();
        assert_eq!(
            normalized.original_span(tax, tax + 2).map(|r| &text[r]),
            Some("稅過")
        );
        let first = normalized.original_span(0, 4).unwrap();
        assert_eq!(&text[first], "企业反映");
    }

    #[test]
    fn simplified_text_is_unchanged() {
        let text = "我公司基本电费从18元/千度涨到28元/千度";
        assert_eq!(normalized_with(&TraditionalToSimplified, text), text);
    }

    proptest::proptest! {
        #[test]
        fn any_mix_of_scripts_converts_as_hanconv_does(
            text in "[a-zA-Z0-9 ,é×\u{3000}稅過資融難貸後台干发髮後面麵了瞭企业反映土地使用税过高😀𠀀]{0,30}"
        ) {
            let mut normalized = NormalizedText::new(&text);
            TraditionalToSimplified.normalize(&mut normalized);
            proptest::prop_assert_eq!(normalized.as_str(), hanconv::t2s(&text));
            proptest::prop_assert_eq!(normalized.char_len(), normalized.as_str().chars().count());
        }
    }
}
