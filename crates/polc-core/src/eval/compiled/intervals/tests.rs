//! The interval search against the in-order pattern test: random tables the
//! unique checker accepts (partitions of the line into bins with random open
//! or closed ends, `none`, in random order) and random tables it need not
//! accept (the search keeps the first arm that matches), over Int, Decimal,
//! Date and enum subjects, probed at every bound, around every bound, beyond
//! the extremes and at `none`; and two-subject tables split by an enum.

use super::*;
use crate::ir::table::Bound;
use crate::sema::check::unique::{analyse, Domain, Subject};
use proptest::prelude::*;

#[derive(Clone, Copy, Debug)]
enum Kind {
    Int,
    Decimal,
    Date,
    Enum,
}

const ENUM_SIZE: u32 = 5;

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::Int), Just(Kind::Decimal), Just(Kind::Date), Just(Kind::Enum)]
}

/// The value `n` steps from a kind's origin: whole numbers, tenths, days.
fn at(kind: Kind, n: i64) -> Value {
    match kind {
        Kind::Int => Value::Int(n),
        Kind::Decimal => Value::Dec(Decimal::new(n, 1)),
        Kind::Date => {
            let origin = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
            Value::Date(origin + chrono::Duration::days(n))
        }
        Kind::Enum => Value::Enum(n.rem_euclid(i64::from(ENUM_SIZE)) as u32),
    }
}

fn ty(kind: Kind) -> Type {
    match kind {
        Kind::Int => Type::Int,
        Kind::Decimal => Type::Decimal,
        Kind::Date => Type::Date,
        Kind::Enum => Type::Enum(crate::base::types::EnumId(0)),
    }
}

fn domain(kind: Kind) -> Domain {
    match kind {
        Kind::Int => Domain::Int,
        Kind::Decimal => Domain::Dense,
        Kind::Date => Domain::Date,
        Kind::Enum => Domain::Enum(ENUM_SIZE),
    }
}

fn bound(kind: Kind, n: i64, inclusive: bool) -> Option<Bound> {
    Some(Bound { value: at(kind, n), inclusive })
}

/// A random pattern (not necessarily disjoint from others).
fn pattern(kind: Kind, choice: u8, a: i64, b: i64, ends: u8) -> PatternTest {
    let (lo, hi) = (a.min(b), a.max(b));
    match (kind, choice % 7) {
        (_, 0) => PatternTest::Any,
        (_, 1) => PatternTest::None,
        (Kind::Enum, _) => PatternTest::Values(vec![at(kind, a), at(kind, b)]),
        (_, 2) => PatternTest::Values(vec![at(kind, a)]),
        (_, 3) => PatternTest::Interval { lo: None, hi: bound(kind, a, ends & 1 == 1) },
        (_, 4) => PatternTest::Interval { lo: bound(kind, a, ends & 1 == 1), hi: None },
        _ => PatternTest::Interval { lo: bound(kind, lo, ends & 1 == 1), hi: bound(kind, hi, ends & 2 == 2) },
    }
}

/// Bins the unique checker accepts: the line cut at sorted `cuts`, each cut
/// belonging to the bin below or above it, maybe `none` as its own arm; the
/// arms shuffled by `order`.
fn partition(kind: Kind, mut cuts: Vec<i64>, sides: u32, none: u8, order: Vec<usize>) -> Vec<PatternTest> {
    let mut arms = Vec::new();
    if let Kind::Enum = kind {
        // variants split in groups at the cuts
        let mut groups: Vec<Vec<Value>> = vec![Vec::new(); cuts.len() + 1];
        for v in 0..ENUM_SIZE {
            let group = cuts.iter().filter(|&&c| c.rem_euclid(i64::from(ENUM_SIZE)) < i64::from(v)).count();
            groups[group].push(Value::Enum(v));
        }
        arms.extend(groups.into_iter().filter(|g| !g.is_empty()).map(PatternTest::Values));
    } else {
        cuts.sort_unstable();
        cuts.dedup();
        let mut lo: Option<Bound> = None;
        for (i, &c) in cuts.iter().enumerate() {
            // the cut is in the bin below it when its side bit is set
            let below = sides >> i & 1 == 1;
            let hi = bound(kind, c, below);
            arms.push(PatternTest::Interval { lo: lo.take(), hi });
            lo = bound(kind, c, !below);
        }
        arms.push(PatternTest::Interval { lo, hi: None });
    }
    if none % 2 == 0 {
        arms.push(PatternTest::None);
    }
    for (i, &j) in order.iter().enumerate() {
        let (i, j) = (i % arms.len(), j % arms.len());
        arms.swap(i, j);
    }
    arms
}

/// The values to try: every step from beyond the lowest bound to beyond the
/// highest (for Decimal, tenths, so each bound and points between), and `none`.
fn probes(kind: Kind) -> Vec<Value> {
    let mut out: Vec<Value> = (-90..=90).map(|n| at(kind, n)).collect();
    if let Kind::Decimal = kind {
        out.extend((-90..=90).map(|n| Value::Dec(Decimal::new(n * 10 + 5, 2))));
        // a bound at a larger scale (`0.50` for `0.5`), and just off a bound at scale 20
        let tenth = 10i128.pow(19);
        for n in -90i128..=90 {
            out.push(Value::Dec(Decimal::from_i128_with_scale(n * 10, 2)));
            for off in [-1, 1] {
                out.push(Value::Dec(Decimal::from_i128_with_scale(n * tenth + off, 20)));
            }
        }
        out.push(Value::Int(3));
    }
    out.push(Value::None);
    out
}

fn in_order(arms: &[PatternTest], v: &Value) -> Option<u32> {
    arms.iter().position(|p| p.matches(v)).map(|a| a as u32)
}

fn searched(kind: Kind, arms: &[PatternTest], v: &Value) -> Result<Found, TestCaseError> {
    let column: Vec<(u32, &PatternTest)> = arms.iter().enumerate().map(|(i, p)| (i as u32, p)).collect();
    let search = Search::new(&ty(kind), &column);
    prop_assert!(search.is_some(), "no search for {:?}", arms);
    let found = search.map_or(Found::Unknown, |s| s.arm(v));
    // a decimal placed by its mantissa against the bounds at its scale (a
    // scorecard's points by region) lands in the same region
    if let (Kind::Decimal, Value::Dec(d)) = (kind, v) {
        let regions = decimal_regions(&column);
        prop_assert_eq!(Found::Arm(regions.as_ref().and_then(|r| r.at(*d)).flatten()), found, "{:?} at {}", arms, d);
    }
    Ok(found)
}

/// The decimal search over `column` with each region's arm as its value.
fn decimal_regions(column: &[(u32, &PatternTest)]) -> Option<DecimalRegions<Option<u32>>> {
    DecimalIntervals::new(column).map(|search| search.map(|arm| arm))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn accepted_bins_are_found_as_in_order(
        kind in kind(),
        cuts in prop::collection::vec(-8i64..=8, 1..=6),
        sides in any::<u32>(), none in any::<u8>(),
        order in prop::collection::vec(0usize..8, 0..=4),
    ) {
        let arms = partition(kind, cuts, sides, none, order);
        let optional = none % 2 == 0;
        let verdict = analyse(&[Subject { domain: domain(kind), optional }], &arms.iter().map(|p| vec![p.clone()]).collect::<Vec<_>>());
        prop_assert!(verdict.overlaps.is_empty() && verdict.gap.is_none() && !verdict.too_large, "{:?}: {:?}", arms, verdict.overlaps);
        for v in probes(kind) {
            let expected = in_order(&arms, &v);
            prop_assert_eq!(searched(kind, &arms, &v)?, Found::Arm(expected), "{:?} at {:?}", arms, v);
        }
    }

    #[test]
    fn any_bins_are_found_as_in_order(
        kind in kind(),
        raw in prop::collection::vec((any::<u8>(), -8i64..=8, -8i64..=8, any::<u8>()), 1..=7),
    ) {
        let arms: Vec<PatternTest> = raw.into_iter().map(|(c, a, b, e)| pattern(kind, c, a, b, e)).collect();
        for v in probes(kind) {
            let expected = in_order(&arms, &v);
            prop_assert_eq!(searched(kind, &arms, &v)?, Found::Arm(expected), "{:?} at {:?}", arms, v);
        }
    }

    /// Two subjects, one an enum: the search among the arms a variant (or
    /// `none`) matches finds the first arm matching both.
    #[test]
    fn split_tables_are_found_as_in_order(
        kind in kind(),
        raw in prop::collection::vec(((any::<u8>(), -4i64..=4, -4i64..=4, any::<u8>()), (any::<u8>(), -8i64..=8, -8i64..=8, any::<u8>())), 1..=10),
    ) {
        let arms: Vec<[PatternTest; 2]> = raw
            .into_iter()
            .map(|((c, a, b, e), (d, x, y, g))| [pattern(Kind::Enum, c, a, b, e), pattern(kind, d, x, y, g)])
            .collect();
        let keys = (0..ENUM_SIZE).map(Value::Enum).chain([Value::None]);
        for key in keys {
            let column: Vec<(u32, &PatternTest)> = arms
                .iter()
                .enumerate()
                .filter(|(_, arm)| arm[0].matches(&key))
                .map(|(i, arm)| (i as u32, &arm[1]))
                .collect();
            let search = Search::new(&ty(kind), &column);
            prop_assert!(search.is_some());
            for v in probes(kind) {
                let expected = arms.iter().position(|arm| arm[0].matches(&key) && arm[1].matches(&v)).map(|a| a as u32);
                prop_assert_eq!(search.as_ref().map(|s| s.arm(&v)), Some(Found::Arm(expected)), "{:?} at {:?}, {:?}", arms, key, v);
            }
        }
    }
}

#[test]
fn values_of_another_kind_are_left_to_the_in_order_test() {
    let arms = [PatternTest::Interval { lo: None, hi: bound(Kind::Int, 3, false) }, PatternTest::Any];
    let column: Vec<(u32, &PatternTest)> = arms.iter().enumerate().map(|(i, p)| (i as u32, p)).collect();
    let search = Search::new(&Type::Int, &column);
    assert!(matches!(search, Some(Search::Int(_))));
    assert_eq!(search.as_ref().map(|s| s.arm(&Value::Int(2))), Some(Found::Arm(Some(0))));
    assert_eq!(search.as_ref().map(|s| s.arm(&Value::Int(3))), Some(Found::Arm(Some(1))));
    assert_eq!(search.as_ref().map(|s| s.arm(&Value::Bool(true))), Some(Found::Unknown));
    // a Decimal bound on an Int subject: no search
    let mixed = [PatternTest::Interval { lo: None, hi: bound(Kind::Decimal, 25, false) }];
    let column: Vec<(u32, &PatternTest)> = mixed.iter().map(|p| (0, p)).collect();
    assert!(Search::new(&Type::Int, &column).is_none());
    assert!(Search::new(&Type::String, &column).is_none());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5_000))]

    /// A quotient placed without dividing (a scorecard's ratio subject) lands
    /// where the divided value does, whenever it is placed; money over money
    /// against rate bins always is.
    #[test]
    fn quotients_are_placed_as_their_division(
        cuts in prop::collection::vec((-3_000i64..3_000, 0u32..=4), 1..=10),
        ends in any::<u32>(),
        mx in -10i64.pow(12)..10i64.pow(12), sx in 0u32..=4,
        my in -10i64.pow(9)..10i64.pow(9), sy in 0u32..=4,
        exact in any::<bool>(),
    ) {
        let mut bounds: Vec<Decimal> = cuts.iter().map(|&(m, s)| Decimal::new(m, s)).collect();
        bounds.sort();
        bounds.dedup();
        let arms: Vec<PatternTest> = bounds
            .windows(2)
            .enumerate()
            .map(|(i, w)| PatternTest::Interval {
                lo: Some(Bound { value: Value::Dec(w[0]), inclusive: ends >> (i % 32) & 1 == 1 }),
                hi: Some(Bound { value: Value::Dec(w[1]), inclusive: ends >> ((i + 7) % 32) & 1 == 1 }),
            })
            .chain([PatternTest::Any])
            .collect();
        let column: Vec<(u32, &PatternTest)> = arms.iter().enumerate().map(|(i, p)| (i as u32, p)).collect();
        let search = Search::new(&Type::Decimal, &column);
        let regions = decimal_regions(&column);
        prop_assert!(search.is_some() && regions.is_some());
        let (x, y) = (Decimal::new(mx, sx), Decimal::new(my, sy));
        // x moved onto a bound's multiple of y, where the quotient is a bound
        let x = match (exact, bounds.first()) {
            (true, Some(b)) => (*b * y).round_dp(sx),
            _ => x,
        };
        if let (Some(search), Some(regions), Some(q)) = (&search, &regions, x.checked_div(y)) {
            if let Some(arm) = regions.quotient(x, y).flatten() {
                prop_assert_eq!(Found::Arm(arm), search.arm(&Value::Dec(q)), "{} / {} = {} in {:?}", x, y, q, arms);
                prop_assert_eq!(arm, arms.iter().position(|p| p.matches(&Value::Dec(q))).map(|a| a as u32));
            } else {
                prop_assert!(sx + sy > 6 || y.is_zero() || bounds.iter().any(|b| b.scale() > 4), "not placed: {} / {}", x, y);
            }
        }
    }
}

#[test]
fn quotients_by_zero_are_left_to_the_division() {
    let arms = [PatternTest::Interval { lo: None, hi: bound(Kind::Decimal, 5, false) }, PatternTest::Any];
    let column: Vec<(u32, &PatternTest)> = arms.iter().enumerate().map(|(i, p)| (i as u32, p)).collect();
    let search = decimal_regions(&column).unwrap();
    assert_eq!(search.quotient(Decimal::new(1, 0), Decimal::ZERO), None);
    // 1 / 2 = 0.5, on the bound: not below it
    assert_eq!(search.quotient(Decimal::new(1, 0), Decimal::new(2, 0)), Some(Some(Some(1))));
    assert_eq!(search.quotient(Decimal::new(4999, 4), Decimal::new(1, 0)), Some(Some(Some(0))));
    // a negative divisor reverses the comparison
    assert_eq!(search.quotient(Decimal::new(-1, 0), Decimal::new(-3, 0)), Some(Some(Some(0))));
    assert_eq!(search.quotient(Decimal::new(-1, 0), Decimal::new(-1, 0)), Some(Some(Some(1))));
}

/// Money against bounds pre-scaled to the value's scale: below, on and above
/// a bound at the bound's scale, at a larger scale, at a smaller one (placed
/// by the scaled search), negative, and a bound with trailing zeros.
#[test]
fn decimals_are_placed_by_their_mantissa_at_their_scale() {
    let d = |m: i64, s: u32| Decimal::new(m, s);
    let bound = |value: Decimal, inclusive: bool| Some(Bound { value: Value::Dec(value), inclusive });
    // < 5_000, 5_000 ..< 10_000.50, >= 10_000.50 (written 10_000.500)
    let arms = [
        PatternTest::Interval { lo: None, hi: bound(d(5_000, 0), false) },
        PatternTest::Interval { lo: bound(d(5_000, 0), true), hi: bound(d(10_000_500, 3), false) },
        PatternTest::Interval { lo: bound(d(10_000_500, 3), true), hi: None },
    ];
    let column: Vec<(u32, &PatternTest)> = arms.iter().enumerate().map(|(i, p)| (i as u32, p)).collect();
    let regions = decimal_regions(&column).unwrap();
    let cases = [
        (d(499_999, 2), 0),
        (d(500_000, 2), 1),
        (d(5_000, 0), 1),
        (d(4_999_999_999, 6), 0),
        (d(1_000_049, 2), 1),
        (d(1_000_050, 2), 2),
        (d(100_005, 1), 2),
        (d(1_000, 0), 0),
        (d(-1_000_000, 2), 0),
        (d(10_001, 0), 2),
        // 10_000.5 and one unit below it, at 24 places
        (Decimal::from_i128_with_scale(100_005 * 10i128.pow(23), 24), 2),
        (Decimal::from_i128_with_scale(100_005 * 10i128.pow(23) - 1, 24), 1),
    ];
    for (x, arm) in cases {
        assert_eq!(regions.at(x), Some(Some(arm)), "{x}");
        assert_eq!(arms.iter().position(|p| p.matches(&Value::Dec(x))), Some(arm as usize), "{x}");
    }
    assert_eq!(regions.none(), None, "no arm for `none`");
}
