//! A fast hasher for the maps the views rebuild on every change (counts by
//! table name, status, type). The standard SipHash resists hash flooding,
//! which a few hundred short names from the user's own account do not need,
//! and it dominated the chart and facet passes over 100,000 rows.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a, 64 bits.
#[derive(Clone, Copy, Debug)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A `HashMap` with [`Fnv`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_like_a_standard_map() {
        let mut m: FastMap<&str, usize> = FastMap::default();
        for t in ["orders", "payments", "orders", "", "orders"] {
            *m.entry(t).or_default() += 1;
        }
        assert_eq!((m["orders"], m["payments"], m[""]), (3, 1, 1));
        let (mut a, mut b) = (Fnv::default(), Fnv::default());
        a.write(b"orders");
        b.write(b"ordert");
        assert_ne!(a.finish(), b.finish());
    }
}
