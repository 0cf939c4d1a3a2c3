//! Run-time values. Money and Decimal share one representation (their difference
//! is static); identifiers are integers; sets are hash sets keyed by integers
//! where the element type allows.

pub mod ident;
pub mod intset;
pub mod number;
pub mod text;

use crate::base::types::{Schema, Type};
use crate::value::ident::{CreditCode, IdCard, Phone};
use crate::value::intset::{IntSet, WideSet};
use crate::value::text::Text;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rustc_hash::FxHashSet;
use std::sync::Arc;

/// The unit of a duration (`6 months`, `30 days`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationUnit {
    Years,
    Months,
    Days,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// Decimal and Money.
    Dec(Decimal),
    Date(NaiveDate),
    Duration(i64, DurationUnit),
    Str(Text),
    IdCard(IdCard),
    Phone(Phone),
    CreditCode(CreditCode),
    /// Variant index within its enum.
    Enum(u32),
    /// Fields in declaration order.
    Record(Arc<[Value]>),
    List(Arc<[Value]>),
    Set(Arc<SetValue>),
}

/// A finite set, stored by the kind of key its element type has.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct SetValue {
    /// Int, Bool, Date, enum variants, IdCard and Phone keys.
    small: IntSet,
    /// CreditCode keys.
    wide: WideSet,
    /// Strings of at most 15 bytes, packed into a key (see [`short_key`]).
    short: WideSet,
    /// Decimal and Money, normalised so `1.0` and `1.00` are one key.
    decimals: FxHashSet<Decimal>,
    /// Longer strings.
    strings: FxHashSet<Box<str>>,
}

/// A string of at most 15 bytes as one 128-bit key: its bytes, then zeros,
/// its length in the last byte (so different strings have different keys).
/// Lists of device ids, account numbers and the like are short strings, and
/// a table of such keys is read without following a pointer to each string
/// (see `intset.rs`).
fn short_key(bytes: &[u8]) -> Option<u128> {
    if bytes.len() > 15 {
        return None;
    }
    // built in registers: bytes copied into an array and read back as one
    // number stall the CPU (the parts written cannot be forwarded to the read)
    let (low, high) = bytes.split_at(bytes.len().min(8));
    let word = |part: &[u8]| part.iter().rev().fold(0u64, |w, &b| w << 8 | u64::from(b));
    Some(u128::from(word(low)) | u128::from(word(high)) << 64 | (bytes.len() as u128) << 120)
}

enum Key<'a> {
    Small(u64),
    Wide(u128),
    Dec(Decimal),
    Str(&'a Text),
}

fn key(value: &Value) -> Option<Key<'_>> {
    Some(match value {
        Value::Bool(b) => Key::Small(u64::from(*b)),
        Value::Int(i) => Key::Small(*i as u64),
        Value::Date(d) => Key::Small(i64::from(chrono::Datelike::num_days_from_ce(d)) as u64),
        Value::Enum(v) => Key::Small(u64::from(*v)),
        Value::IdCard(id) => Key::Small(id.to_key()),
        Value::Phone(p) => Key::Small(p.to_key()),
        Value::CreditCode(c) => Key::Wide(c.to_key()),
        Value::Dec(d) => Key::Dec(d.normalize()),
        Value::Str(s) => Key::Str(s),
        _ => return None,
    })
}

impl SetValue {
    pub fn new() -> SetValue {
        SetValue::default()
    }

    /// Adds a value; returns false for values that cannot be set members.
    pub fn insert(&mut self, value: &Value) -> bool {
        match key(value) {
            Some(Key::Small(k)) => self.small.insert(k),
            Some(Key::Wide(k)) => self.wide.insert(k),
            Some(Key::Dec(k)) => self.decimals.insert(k),
            Some(Key::Str(k)) => match short_key(k.as_bytes()) {
                Some(short) => self.short.insert(short),
                None => self.strings.insert(k.as_str().into()),
            },
            None => return false,
        };
        true
    }

    pub fn contains(&self, value: &Value) -> bool {
        match key(value) {
            Some(Key::Small(k)) => self.small.contains(k),
            Some(Key::Wide(k)) => self.wide.contains(k),
            Some(Key::Dec(k)) => self.decimals.contains(&k),
            Some(Key::Str(k)) => match short_key(k.as_bytes()) {
                Some(short) => self.short.contains(short),
                None => self.strings.contains(k.as_str()),
            },
            None => false,
        }
    }

    /// The tag a lookup of `value` reads first, for the kinds of member kept
    /// in a table of keys (not decimals or strings of more than 15 bytes).
    /// Reading the first tags of several records' lookups together makes
    /// their cache misses overlap instead of following one another.
    #[inline]
    pub fn first_tag(&self, value: &Value) -> Option<&u8> {
        match key(value)? {
            Key::Small(k) => self.small.first_tag(k),
            Key::Wide(k) => self.wide.first_tag(k),
            Key::Str(k) => self.short.first_tag(short_key(k.as_bytes())?),
            Key::Dec(_) => None,
        }
    }

    pub fn len(&self) -> usize {
        self.small.len() + self.wide.len() + self.short.len() + self.decimals.len() + self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when every member of `self` is in `other`.
    pub fn is_subset(&self, other: &SetValue) -> bool {
        self.small.is_subset(&other.small)
            && self.wide.is_subset(&other.wide)
            && self.short.is_subset(&other.short)
            && self.decimals.is_subset(&other.decimals)
            && self.strings.is_subset(&other.strings)
    }

    /// The integer key of a value whose kind has one (Int, Bool, Date, enums,
    /// IdCard, Phone).
    pub fn small_key(value: &Value) -> Option<u64> {
        match key(value) {
            Some(Key::Small(k)) => Some(k),
            _ => None,
        }
    }

    /// A set of integer keys, built fast (see [`IntSet::from_keys`]).
    pub fn from_small_keys(keys: Vec<u64>) -> SetValue {
        SetValue { small: IntSet::from_keys(keys), ..SetValue::default() }
    }

    /// Bytes held by the integer-key table (for reports on list memory).
    pub fn small_table_bytes(&self) -> usize {
        self.small.table_bytes()
    }
}

impl Value {
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Orders two values of the same ordered type (Int, Decimal/Money, Date).
    pub fn compare(&self, other: &Value) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
            (Value::Dec(a), Value::Dec(b)) => Some(a.cmp(b)),
            (Value::Int(a), Value::Dec(b)) => Some(Decimal::from(*a).cmp(b)),
            (Value::Dec(a), Value::Int(b)) => Some(a.cmp(&Decimal::from(*b))),
            (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// Equality as the language defines it (`1.0 == 1.00`).
    pub fn equals(&self, other: &Value) -> bool {
        match self.compare(other) {
            Some(ordering) => ordering.is_eq(),
            None => self == other,
        }
    }

    /// The value as text for traces and messages, in the policy's own notation.
    pub fn display(&self, ty: &Type, schema: &Schema) -> String {
        match (self, ty.unwrap_optional()) {
            (Value::None, _) => "none".into(),
            (Value::Bool(b), _) => b.to_string(),
            (Value::Int(i), _) => i.to_string(),
            (Value::Dec(d), Type::Money) => format!("{d} CNY"),
            (Value::Dec(d), _) => d.to_string(),
            (Value::Date(d), _) => d.to_string(),
            (Value::Duration(n, unit), _) => format!("{n} {}", duration_word(*unit)),
            (Value::Str(s), _) => format!("{s:?}"),
            (Value::IdCard(v), _) => format!("\"{v}\""),
            (Value::Phone(v), _) => format!("\"{v}\""),
            (Value::CreditCode(v), _) => format!("\"{v}\""),
            (Value::Enum(v), Type::Enum(e)) => schema.variant_name(*e, *v).to_string(),
            (Value::Enum(v), _) => format!("#{v}"),
            (Value::Record(_), _) => "{…}".into(),
            (Value::List(items), _) => format!("[{} items]", items.len()),
            (Value::Set(set), _) => format!("{{{} members}}", set.len()),
        }
    }
}

pub fn duration_word(unit: DurationUnit) -> &'static str {
    match unit {
        DurationUnit::Years => "years",
        DurationUnit::Months => "months",
        DurationUnit::Days => "days",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn short_string_keys_are_distinct_for_distinct_strings() {
        let words = ["", "\0", "a", "a\0", "ab", "0fbac5e3c00d", "0fbac5e3c00e", "123456789012345", "1234567890123456"];
        let keys: Vec<Option<u128>> = words.iter().map(|w| short_key(w.as_bytes())).collect();
        let packed: Vec<u128> = keys.iter().flatten().copied().collect();
        assert_eq!(packed.len(), words.len() - 1, "all but the 16-byte word are short");
        assert_eq!(packed.iter().collect::<HashSet<_>>().len(), packed.len());
        assert_eq!(keys.last(), Some(&None));
        // the layout: bytes in order, zeros, the length in the last byte
        let mut layout = [0u8; 16];
        layout[..12].copy_from_slice(b"0fbac5e3c00d");
        layout[15] = 12;
        assert_eq!(short_key(b"0fbac5e3c00d"), Some(u128::from_le_bytes(layout)));
    }

    #[test]
    fn string_sets_behave_like_hash_sets_whatever_the_length() {
        let mut ours = SetValue::new();
        let mut reference = HashSet::new();
        let mut x: u64 = 99;
        let mut word = || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let len = (x >> 59) as usize; // 0..=31 bytes, short and long
            format!("{:032x}", x.wrapping_mul(0x9E37_79B9_7F4A_7C15)).chars().take(len).collect::<String>()
        };
        for _ in 0..5_000 {
            let w = word();
            ours.insert(&Value::Str(w.as_str().into()));
            reference.insert(w);
        }
        assert_eq!(ours.len(), reference.len());
        for _ in 0..5_000 {
            let w = word();
            assert_eq!(ours.contains(&Value::Str(w.as_str().into())), reference.contains(&w), "{w:?}");
        }
        for w in &reference {
            assert!(ours.contains(&Value::Str(w.as_str().into())), "{w:?}");
        }
        let mut same = SetValue::new();
        for w in &reference {
            same.insert(&Value::Str(w.as_str().into()));
        }
        assert!(same == ours && same.is_subset(&ours));
    }
}
