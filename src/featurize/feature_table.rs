//! The vocabulary's lookup table: term hash → feature index.
//!
//! Classification time is dominated by ~1,500 vocabulary lookups per complaint, each a likely cache miss in a
//! table of a few megabytes. This open-addressing table keeps one 16-byte slot per entry (a 32-bit tag from the
//! hash's high bits, the 32-bit feature index and the feature's weight), places entries by the hash's low bits
//! (the key is already a hash: no rehashing), and lets callers prefetch a slot before they need it, so many
//! misses overlap.
//! A term outside the vocabulary is taken for a vocabulary term only if it shares both the slot's position bits
//! and the 32-bit tag: about one lookup in 2³² per probe, which we accept.

/// Slots per entry: at least 2, so probe chains stay short.
const SLOTS_PER_ENTRY: usize = 2;

/// One slot: the entry's tag and index, and a per-feature weight (the IDF) kept beside them so a lookup brings
/// both in one cache line instead of two.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(16))]
struct Slot {
    /// `tag << 32 | index`; 0 is an empty slot (tags are never 0).
    tagged: u64,
    weight: f32,
}

#[derive(Debug, Clone, Default)]
pub struct FeatureTable {
    slots: Vec<Slot>,
    mask: usize,
}

#[inline]
fn tag(hash: u64) -> u64 {
    (hash >> 32).max(1)
}

impl FeatureTable {
    /// Builds the table; feature `i` is `hashes[i]` with weight `weights[i]`. Entries are placed in index order,
    /// so when the first features are the most frequent, they sit at the head of their probe chains.
    pub fn new(hashes: &[u64], weights: &[f32]) -> Self {
        assert_eq!(hashes.len(), weights.len());
        let capacity = (hashes.len() * SLOTS_PER_ENTRY).next_power_of_two().max(16);
        let mask = capacity - 1;
        let mut slots = vec![Slot::default(); capacity];
        for (index, (&hash, &weight)) in hashes.iter().zip(weights).enumerate() {
            let mut position = hash as usize & mask;
            while slots[position].tagged != 0 {
                position = (position + 1) & mask;
            }
            slots[position] = Slot {
                tagged: tag(hash) << 32 | index as u64,
                weight,
            };
        }
        FeatureTable { slots, mask }
    }

    /// The feature index of a term hash, if the term is in the vocabulary.
    #[inline]
    pub fn get(&self, hash: u64) -> Option<u32> {
        self.get_weighted(hash).map(|(index, _)| index)
    }

    /// The feature index and weight of a term hash, if the term is in the vocabulary.
    #[inline]
    pub fn get_weighted(&self, hash: u64) -> Option<(u32, f32)> {
        let wanted = tag(hash);
        let mut position = hash as usize & self.mask;
        loop {
            let slot = self.slots[position];
            if slot.tagged == 0 {
                return None;
            }
            if slot.tagged >> 32 == wanted {
                return Some((slot.tagged as u32, slot.weight));
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
        let weights: Vec<f32> = (0..10_000).map(|i| i as f32 / 2.0).collect();
        let table = FeatureTable::new(&hashes, &weights);
        for (i, &h) in hashes.iter().enumerate() {
            assert_eq!(table.get_weighted(h), Some((i as u32, i as f32 / 2.0)));
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
        let table = FeatureTable::new(&hashes, &[0.5, 1.5, 2.5]);
        assert_eq!(table.get_weighted(5 | 3 << 40), Some((2, 2.5)));
        assert_eq!(table.get(5 | 4 << 40), None);
        assert_eq!(FeatureTable::new(&[], &[]).get(5), None);
    }
}
