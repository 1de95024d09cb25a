//! Deterministic shuffling: every permutation the tool uses comes from a fixed seed, so training and
//! cross-validation give the same result on every run and machine.

/// A permutation of `0..n` from `seed` (xorshift64 Fisher–Yates).
pub fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state = seed ^ 0x9e37_79b9_7f4a_7c15;
    for i in (1..n).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        order.swap(i, (state % (i as u64 + 1)) as usize);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_a_permutation_and_repeatable() {
        let order = shuffled(100, 7);
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_eq!(order, shuffled(100, 7));
        assert_ne!(order, shuffled(100, 8));
    }
}
