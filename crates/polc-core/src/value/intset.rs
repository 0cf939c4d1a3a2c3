//! Sets of fixed-size keys built for lookups in large lists: 64-bit keys
//! (identifiers, integers, dates, enum variants) and 128-bit ones (credit
//! codes, short strings). Open addressing with linear probing, and beside the
//! keys a tag byte per slot: 0 for an empty slot, else seven bits of the
//! key's hash. A lookup reads tags until an empty one and reads a key only
//! where the tag matches, so a lookup of a key that is not in the list — most
//! lookups in a fraud list — reads only the tags, an eighth (a sixteenth) of
//! the table's memory, which stays in the cache when the keys do not. A hit
//! reads one key besides.
//!
//! The table is at most 5/8 full, which keeps probes short and costs
//! (size + 1) / (5/8 … 5/16) ≈ 14–29 bytes per 64-bit entry, 27–54 per 128-bit one.

/// Multiplicative (Fibonacci) hashing: the top bits of `key × φ·2⁶⁴` pick the slot.
const PHI: u64 = 0x9E37_79B9_7F4A_7C15;

/// A key stored in a slot.
pub trait SlotKey: Copy + Eq + Default + std::fmt::Debug {
    /// The key folded to 64 bits, to be hashed.
    fn fold(self) -> u64;
}

impl SlotKey for u64 {
    #[inline]
    fn fold(self) -> u64 {
        self
    }
}

impl SlotKey for u128 {
    #[inline]
    fn fold(self) -> u64 {
        (self as u64) ^ ((self >> 64) as u64).wrapping_mul(PHI).rotate_left(29)
    }
}

/// The set of 64-bit keys.
pub type IntSet = OpenSet<u64>;

/// The set of 128-bit keys.
pub type WideSet = OpenSet<u128>;

#[derive(Clone, Debug, Default)]
pub struct OpenSet<K> {
    /// A power of two of slots, parallel to `tags`.
    keys: Box<[K]>,
    /// 0: the slot is empty; else `0x80 | ` seven bits of the key's hash.
    tags: Box<[u8]>,
    /// `64 - log2(keys.len())`.
    shift: u32,
    filled: usize,
}

impl<K: SlotKey> OpenSet<K> {
    /// An empty set with room for `n` members without growing.
    pub fn with_capacity(n: usize) -> OpenSet<K> {
        let slots = (n.saturating_mul(8) / 5 + 1).next_power_of_two().max(8);
        OpenSet {
            keys: vec![K::default(); slots].into_boxed_slice(),
            tags: vec![0; slots].into_boxed_slice(),
            shift: 64 - slots.trailing_zeros(),
            filled: 0,
        }
    }

    /// A set of `keys` (duplicates allowed), built fast: keys are inserted in
    /// the order of the slot they hash to, so the table fills front to back
    /// instead of at random (which is what makes big lists slow to load).
    pub fn from_keys(mut keys: Vec<K>) -> OpenSet<K> {
        let mut set = OpenSet::with_capacity(keys.len());
        let shift = set.shift;
        keys.sort_unstable_by_key(|&k| k.fold().wrapping_mul(PHI) >> shift);
        for k in keys {
            set.insert(k);
        }
        set
    }

    pub fn len(&self) -> usize {
        self.filled
    }

    pub fn is_empty(&self) -> bool {
        self.filled == 0
    }

    /// The slot `key` hashes to, and its tag: seven bits from just below the
    /// bits that chose the slot (a multiplicative hash's low bits are weak).
    #[inline]
    fn home(&self, key: K) -> (usize, u8) {
        let hash = key.fold().wrapping_mul(PHI);
        ((hash >> self.shift) as usize, 0x80 | (hash >> (self.shift - 7)) as u8)
    }

    #[inline]
    pub fn contains(&self, key: K) -> bool {
        if self.tags.is_empty() {
            return false;
        }
        let mask = self.tags.len() - 1;
        let (mut i, tag) = self.home(key);
        // the table is never full, so an empty slot ends every probe
        loop {
            match self.tags.get(i) {
                Some(0) | None => return false,
                Some(&t) if t == tag && self.keys.get(i) == Some(&key) => return true,
                Some(_) => i = (i + 1) & mask,
            }
        }
    }

    /// The tag a lookup of `key` reads first: its place only, nothing is read.
    #[inline]
    pub fn first_tag(&self, key: K) -> Option<&u8> {
        if self.tags.is_empty() {
            return None;
        }
        self.tags.get(self.home(key).0)
    }

    /// Adds `key`; false when it was already a member.
    pub fn insert(&mut self, key: K) -> bool {
        if (self.filled + 1) * 8 > self.tags.len() * 5 {
            self.grow(self.filled + 1);
        }
        let mask = self.tags.len() - 1;
        let (mut i, tag) = self.home(key);
        loop {
            match (self.tags.get_mut(i), self.keys.get_mut(i)) {
                (Some(t), Some(k)) if *t == 0 => {
                    (*t, *k) = (tag, key);
                    self.filled += 1;
                    return true;
                }
                (Some(t), Some(k)) if *t == tag && *k == key => return false,
                (Some(_), Some(_)) => i = (i + 1) & mask,
                _ => return false,
            }
        }
    }

    fn grow(&mut self, members: usize) {
        let old = std::mem::replace(self, OpenSet::with_capacity(members.max(self.filled * 2)));
        for k in old.keys() {
            self.insert(k);
        }
    }

    /// The members, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = K> + '_ {
        self.tags.iter().zip(self.keys.iter()).filter(|(t, _)| **t != 0).map(|(_, k)| *k)
    }

    /// True when every member of `self` is in `other`.
    pub fn is_subset(&self, other: &OpenSet<K>) -> bool {
        self.keys().all(|k| other.contains(k))
    }

    /// Bytes the table occupies.
    pub fn table_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.keys) + self.tags.len()
    }
}

impl<K: SlotKey> PartialEq for OpenSet<K> {
    fn eq(&self, other: &OpenSet<K>) -> bool {
        self.len() == other.len() && self.is_subset(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Inserts 20,000 keys made by `key(round, random)` into a set and a std
    /// hash set, checking that each insert agrees; returns both.
    fn filled<K: SlotKey + std::hash::Hash>(seed: u64, key: impl Fn(u64, u64) -> K) -> (OpenSet<K>, HashSet<K>) {
        let (mut ours, mut reference) = (OpenSet::default(), HashSet::new());
        let mut x = seed;
        for round in 0..20_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let k = key(round, x);
            assert_eq!(ours.insert(k), reference.insert(k), "insert {k:?}");
        }
        assert_eq!(ours.len(), reference.len());
        (ours, reference)
    }

    #[test]
    fn behaves_like_a_hash_set() {
        // a mix of small, repeated and spread-out keys, including 0
        let (ours, reference) = filled(12345, |round, x| match round % 4 {
            0 => x % 64,
            1 => x >> 3,
            2 => round,
            _ => x,
        });
        for probe in 0..5_000u64 {
            let key = probe.wrapping_mul(0x9E37_79B9);
            assert_eq!(ours.contains(key), reference.contains(&key), "contains {key}");
        }
        for &key in reference.iter().take(2000) {
            assert!(ours.contains(key));
        }
        let built = IntSet::from_keys(reference.iter().copied().chain(reference.iter().copied().take(100)).collect());
        assert_eq!(built, ours);
        // at most 5/8 and at least 5/16 full: (8 + 1) · 16/5 bytes an entry at most
        assert!(built.table_bytes() * 5 <= 9 * 16 * reference.len(), "{} bytes", built.table_bytes());
        assert!(!IntSet::default().contains(7) && !IntSet::default().contains(0));
    }

    #[test]
    fn wide_keys_behave_like_a_hash_set() {
        // keys differing only in their high half, only in their low half, and 0
        let (ours, reference): (WideSet, _) = filled(7, |round, x| match round % 3 {
            0 => u128::from(x % 50) << 64,
            1 => u128::from(x >> 20),
            _ => u128::from(x) << 64 | u128::from(x.rotate_left(7)),
        });
        for &key in &reference {
            assert!(ours.contains(key));
        }
        assert!(!ours.contains(u128::MAX));
        assert_eq!(WideSet::from_keys(reference.iter().copied().collect()), ours);
    }
}
