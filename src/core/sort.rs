//! One sort routine for the whole app.
//!
//! Each `slice::sort_by` with its own element type or comparator is a separate
//! copy of the standard library's sort in the wasm (about 3.5 KB each; a dozen
//! of them were 46 KB). Here the standard sort is instantiated once, on `u32`
//! indices with a `dyn` comparator; sorting anything else sorts its indices and
//! then moves the elements into place.

use std::cmp::Ordering;

/// Sorts `idx` by `cmp`, stable: equal indices keep their order.
#[inline(never)]
pub fn indices(idx: &mut [u32], cmp: &mut dyn FnMut(u32, u32) -> Ordering) {
    idx.sort_by(|&a, &b| cmp(a, b));
}

/// Sorts `v` by `cmp`, stable, through [`indices`].
pub fn by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let n = u32::try_from(v.len()).unwrap_or(u32::MAX);
    if n < 2 {
        return;
    }
    let mut order: Vec<u32> = (0..n).collect();
    indices(&mut order, &mut |a, b| cmp(&v[a as usize], &v[b as usize]));
    permute(v, &mut order);
}

/// Sorts `v` by the key `key` gives, stable.
pub fn by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    by(v, |a, b| key(a).cmp(&key(b)));
}

/// Moves `v[order[k]]` to position `k` for every `k`, following each cycle of
/// the permutation once. `order` is used up (every entry ends as its own index).
fn permute<T>(v: &mut [T], order: &mut [u32]) {
    for start in 0..order.len() {
        let mut cur = start;
        while order[cur] as usize != start {
            let next = order[cur] as usize;
            v.swap(cur, next);
            order[cur] = cur as u32;
            cur = next;
        }
        order[cur] = cur as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (the test needs no randomness crate).
    fn xorshift(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn matches_the_standard_stable_sort_on_many_shapes() {
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        for len in [0usize, 1, 2, 3, 7, 16, 33, 100, 1000] {
            for range in [2u64, 10, 1_000_000] {
                let v: Vec<(u64, usize)> =
                    (0..len).map(|i| (xorshift(&mut seed) % range, i)).collect();
                let mut expected = v.clone();
                expected.sort_by_key(|a| std::cmp::Reverse(a.0));
                let mut got = v.clone();
                by(&mut got, |a, b| b.0.cmp(&a.0));
                // Same order, ties included: stable like the standard sort.
                assert_eq!(got, expected, "len {len}, range {range}");
            }
        }
    }

    #[test]
    fn sorts_owned_values_without_losing_or_duplicating_any() {
        let mut v: Vec<String> = [
            "eu-west-1",
            "us-east-1",
            "ap-south-1",
            "eu-west-1",
            "af-south-1",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        by_key(&mut v, |s| s.clone());
        assert_eq!(
            v,
            [
                "af-south-1",
                "ap-south-1",
                "eu-west-1",
                "eu-west-1",
                "us-east-1"
            ]
        );
    }

    #[test]
    fn sorting_indices_is_stable() {
        let keys = [3, 1, 3, 0, 1];
        let mut idx = [0u32, 1, 2, 3, 4];
        indices(&mut idx, &mut |a, b| {
            keys[a as usize].cmp(&keys[b as usize])
        });
        assert_eq!(idx, [3, 1, 4, 0, 2]);
    }
}
