//! The vocabulary's lookup table: term hash → feature index.
//!
//! Classification time is dominated by ~1,500 vocabulary lookups per complaint, each a likely cache miss in a
//! table of a megabyte or more. This open-addressing table keeps one 8-byte slot per entry (a 40-bit tag from the
//! hash's high bits and a 24-bit feature index), places entries by the hash's low bits (the key is already a
//! hash: no rehashing), and lets callers prefetch a slot before they need it, so many misses overlap.
//! A term outside the vocabulary is taken for a vocabulary term only if it shares both the slot's position bits
//! and the 40-bit tag: about one lookup in 2⁴⁰ per probe.

/// Slots per entry: at least 2, so probe chains stay short.
const SLOTS_PER_ENTRY: usize = 2;

/// Bits of a slot that hold the feature index; the other 40 hold the tag.
const INDEX_BITS: u32 = 24;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;

/// Most features a table can hold.
pub const MAX_FEATURES: usize = 1 << INDEX_BITS;

/// Open addressing over 8-byte slots, `tag << 24 | index` (0 is an empty slot: tags are never 0). Half the size
/// of the 16-byte slots that once carried the feature's IDF too: a 50,000-term vocabulary takes 1 MB, which
/// stays in a core's L2 cache beside jieba's dictionary walks more often than 2 MB did. Callers read a
/// feature's IDF once per distinct feature, after all lookups, where those loads overlap instead of stalling
/// each probe.
#[derive(Debug, Clone, Default)]
pub struct FeatureTable {
    slots: Vec<u64>,
    mask: usize,
}

#[inline]
fn tag(hash: u64) -> u64 {
    (hash >> INDEX_BITS).max(1)
}

impl FeatureTable {
    /// Builds the table; feature `i` is `hashes[i]`. Entries are placed in index order,
    /// so when the first features are the most frequent, they sit at the head of their probe chains.
    ///
    /// # Panics
    /// With more than [`MAX_FEATURES`] features: training keeps at most that many, and loading refuses more.
    pub fn new(hashes: &[u64]) -> Self {
        assert!(
            hashes.len() <= MAX_FEATURES,
            "at most {MAX_FEATURES} features"
        );
        let capacity = (hashes.len() * SLOTS_PER_ENTRY).next_power_of_two().max(16);
        let mask = capacity - 1;
        let mut slots = vec![0u64; capacity];
        for (index, &hash) in hashes.iter().enumerate() {
            let mut position = hash as usize & mask;
            while slots[position] != 0 {
                position = (position + 1) & mask;
            }
            slots[position] = tag(hash) << INDEX_BITS | index as u64;
        }
        FeatureTable { slots, mask }
    }

    /// The feature index of a term hash, if the term is in the vocabulary.
    #[inline]
    pub fn get(&self, hash: u64) -> Option<u32> {
        let wanted = tag(hash);
        let mut position = hash as usize & self.mask;
        loop {
            let slot = self.slots[position];
            if slot == 0 {
                return None;
            }
            if slot >> INDEX_BITS == wanted {
                return Some((slot & INDEX_MASK) as u32);
            }
            position = (position + 1) & self.mask;
        }
    }

    /// Asks the CPU to start loading the slot of `hash`.
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        prefetch(&self.slots[hash as usize & self.mask]);
    }
}

/// A hint to load the cache line holding `value`; a no-op where unsupported.
#[inline]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: prefetching never faults and `value` is a valid reference.
        #[allow(unused_unsafe)]
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(value as *const T as *const i8)
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::featurize::fingerprint;

    #[test]
    fn finds_every_entry_and_rejects_others() {
        let hashes: Vec<u64> = (0..10_000u32)
            .map(|i| fingerprint(&i.to_le_bytes()))
            .collect();
        let table = FeatureTable::new(&hashes);
        for (i, &h) in hashes.iter().enumerate() {
            assert_eq!(table.get(h), Some(i as u32));
        }
        let missing = (10_000..20_000u32)
            .filter(|i| table.get(fingerprint(&i.to_le_bytes())).is_some())
            .count();
        assert_eq!(missing, 0);
    }

    #[test]
    fn colliding_positions_are_probed() {
        // Same low bits, different tags.
        let hashes = [5u64 | 1 << 40, 5 | 2 << 40, 5 | 3 << 40];
        let table = FeatureTable::new(&hashes);
        assert_eq!(table.get(5 | 3 << 40), Some(2));
        assert_eq!(table.get(5 | 1 << 40), Some(0));
        assert_eq!(table.get(5 | 4 << 40), None);
        assert_eq!(FeatureTable::new(&[]).get(5), None);
    }
}
