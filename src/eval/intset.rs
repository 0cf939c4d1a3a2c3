//! A set of 64-bit keys (identifiers, integers, dates, enum variants) built for
//! lookups in large lists: open addressing with linear probing and the keys
//! stored in the table itself, so a lookup usually touches one cache line
//! (a general hash set reads a control byte and then the key: two lines, two
//! cache misses when the list is larger than the cache). The key 0 marks an
//! empty slot, so a 0 member is kept in a flag beside the table.
//!
//! The table is at most 5/8 full, which keeps probes short and costs at most
//! 8 / (5/8 … 5/16) ≈ 13–26 bytes per entry.

/// Multiplicative (Fibonacci) hashing: the top bits of `key × φ·2⁶⁴` pick the slot.
const PHI: u64 = 0x9E37_79B9_7F4A_7C15;

#[derive(Clone, Debug, Default)]
pub struct IntSet {
    /// A power of two of slots; 0 is empty.
    slots: Box<[u64]>,
    /// `64 - log2(slots.len())`.
    shift: u32,
    /// Non-zero members.
    filled: usize,
    has_zero: bool,
}

impl IntSet {
    /// An empty set with room for `n` members without growing.
    pub fn with_capacity(n: usize) -> IntSet {
        let slots = (n.saturating_mul(8) / 5 + 1).next_power_of_two().max(8);
        IntSet {
            slots: vec![0; slots].into_boxed_slice(),
            shift: 64 - slots.trailing_zeros(),
            filled: 0,
            has_zero: false,
        }
    }

    /// A set of `keys` (duplicates allowed), built fast: keys are inserted in
    /// the order of the slot they hash to, so the table fills front to back
    /// instead of at random (which is what makes big lists slow to load).
    pub fn from_keys(mut keys: Vec<u64>) -> IntSet {
        let mut set = IntSet::with_capacity(keys.len());
        let shift = set.shift;
        keys.sort_unstable_by_key(|&k| k.wrapping_mul(PHI) >> shift);
        for k in keys {
            set.insert(k);
        }
        set
    }

    pub fn len(&self) -> usize {
        self.filled + usize::from(self.has_zero)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(PHI) >> self.shift) as usize
    }

    #[inline]
    pub fn contains(&self, key: u64) -> bool {
        if key == 0 {
            return self.has_zero;
        }
        let mask = self.slots.len().wrapping_sub(1);
        if self.slots.is_empty() {
            return false;
        }
        let mut i = self.home(key);
        // the table is never full, so an empty slot ends every probe
        loop {
            match self.slots.get(i) {
                Some(&k) if k == key => return true,
                Some(&0) | None => return false,
                Some(_) => i = (i + 1) & mask,
            }
        }
    }

    /// Reads the slot `key` hashes to (what [`IntSet::contains`] reads first),
    /// so that a lookup soon after finds it in the cache.
    #[inline]
    pub fn touch(&self, key: u64) -> u64 {
        self.slots.get(self.home(key)).copied().unwrap_or(0)
    }

    /// Adds `key`; false when it was already a member.
    pub fn insert(&mut self, key: u64) -> bool {
        if key == 0 {
            return !std::mem::replace(&mut self.has_zero, true);
        }
        if (self.filled + 1) * 8 > self.slots.len() * 5 {
            self.grow(self.filled + 1);
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            match self.slots.get_mut(i) {
                Some(slot) if *slot == key => return false,
                Some(slot) if *slot == 0 => {
                    *slot = key;
                    self.filled += 1;
                    return true;
                }
                Some(_) => i = (i + 1) & mask,
                None => return false,
            }
        }
    }

    fn grow(&mut self, members: usize) {
        let old = std::mem::replace(self, IntSet::with_capacity(members.max(self.filled * 2)));
        self.has_zero = old.has_zero;
        for k in old.keys() {
            self.insert(k);
        }
    }

    /// The members, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.has_zero.then_some(0).into_iter().chain(self.slots.iter().copied().filter(|&k| k != 0))
    }

    /// True when every member of `self` is in `other`.
    pub fn is_subset(&self, other: &IntSet) -> bool {
        self.keys().all(|k| other.contains(k))
    }

    /// Bytes the table occupies.
    pub fn table_bytes(&self) -> usize {
        self.slots.len() * std::mem::size_of::<u64>()
    }
}

impl PartialEq for IntSet {
    fn eq(&self, other: &IntSet) -> bool {
        self.len() == other.len() && self.is_subset(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn behaves_like_a_hash_set() {
        let mut ours = IntSet::default();
        let mut reference = HashSet::new();
        let mut x: u64 = 12345;
        for round in 0..20_000u64 {
            // a mix of small, repeated and spread-out keys, including 0
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let key = match round % 4 {
                0 => x % 64,
                1 => x >> 3,
                2 => round,
                _ => x,
            };
            assert_eq!(ours.insert(key), reference.insert(key), "insert {key}");
        }
        assert_eq!(ours.len(), reference.len());
        for probe in 0..5_000u64 {
            let key = probe.wrapping_mul(0x9E37_79B9);
            assert_eq!(ours.contains(key), reference.contains(&key), "contains {key}");
        }
        for &key in reference.iter().take(2000) {
            assert!(ours.contains(key));
        }
        let built = IntSet::from_keys(reference.iter().copied().chain(reference.iter().copied().take(100)).collect());
        assert_eq!(built, ours);
        assert!(built.table_bytes() <= 16 * reference.len().next_power_of_two());
        assert!(!IntSet::default().contains(7) && !IntSet::default().contains(0));
    }
}
