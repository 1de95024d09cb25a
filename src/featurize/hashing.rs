//! Term identities are 64-bit FNV-1a hashes of the term's bytes behind a one-byte kind tag. FNV is written here
//! rather than taken from a hashing crate because a saved vocabulary depends on the hash never changing
//! between crate versions; at 64 bits collisions among a few million terms are negligible.

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// The kind of a term, fed to the hash first so `贷款` the word and `贷款` the char bigram differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum TermKind {
    Char = b'c',
    Word = b'w',
    WordBigram = b'b',
}

/// Extends a hash with more bytes: `extend_hash(term_hash(k, a), b) == term_hash(k, a + b)`.
#[inline]
pub fn extend_hash(hash: u64, bytes: &[u8]) -> u64 {
    fnv_extend(hash, bytes)
}

#[inline]
fn fnv_extend(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(PRIME);
    }
    hash
}

/// Hash of one term of the given kind.
#[inline]
pub fn term_hash(kind: TermKind, text: &str) -> u64 {
    fnv_extend(fnv_extend(OFFSET_BASIS, &[kind as u8]), text.as_bytes())
}

/// Hash of a word bigram; a separator byte keeps (`ab`,`c`) apart from (`a`,`bc`).
#[inline]
pub fn bigram_hash(first: &str, second: &str) -> u64 {
    let hash = fnv_extend(OFFSET_BASIS, &[TermKind::WordBigram as u8]);
    let hash = fnv_extend(hash, first.as_bytes());
    fnv_extend(fnv_extend(hash, &[0xff]), second.as_bytes())
}

/// FNV-1a of arbitrary bytes, used for data fingerprints in model cards.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    fnv_extend(OFFSET_BASIS, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable_reference_values() {
        // FNV-1a 64 reference: the empty input hashes to the offset basis, "a" to 0xaf63dc4c8601ec8c.
        assert_eq!(fingerprint(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fingerprint(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn extending_equals_hashing_the_whole() {
        let whole = term_hash(TermKind::Char, "贷款难");
        assert_eq!(
            extend_hash(term_hash(TermKind::Char, "贷"), "款难".as_bytes()),
            whole
        );
    }

    #[test]
    fn kinds_and_bigram_boundaries_are_distinct() {
        assert_ne!(
            term_hash(TermKind::Word, "贷款"),
            term_hash(TermKind::Char, "贷款")
        );
        assert_ne!(bigram_hash("ab", "c"), bigram_hash("a", "bc"));
    }
}
