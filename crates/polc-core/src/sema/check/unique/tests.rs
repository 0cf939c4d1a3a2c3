//! The unique hit check against brute force: random interval tables (1–3
//! subjects of Int, Decimal and an enum, random bounds and open or closed
//! ends, random `_`), whose overlap and gap verdicts must equal what trying
//! every boundary value, a point between each two consecutive boundaries and
//! ±1 beyond the extremes finds; and every witness must be one.

use super::*;
use crate::ir::table::Bound;
use proptest::prelude::*;

const ENUM_SIZE: u32 = 4;

#[derive(Clone, Debug)]
enum Kind {
    Int,
    Decimal,
    Enum,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::Int), Just(Kind::Decimal), Just(Kind::Enum)]
}

/// A bound of a subject of `kind`: small integers, or tenths for a Decimal.
fn value(kind: &Kind, n: i64) -> Value {
    match kind {
        Kind::Decimal => Value::Dec(Decimal::new(n, 1)),
        _ => Value::Int(n),
    }
}

/// A random pattern for a subject of `kind`, from a few random numbers.
fn pattern(kind: &Kind, choice: u8, a: i64, b: i64, ends: u8, mask: u8) -> PatternTest {
    if choice % 5 == 0 {
        return PatternTest::Any;
    }
    if let Kind::Enum = kind {
        let variants: Vec<Value> = (0..ENUM_SIZE).filter(|v| mask >> v & 1 == 1).map(Value::Enum).collect();
        return if variants.is_empty() { PatternTest::Any } else { PatternTest::Values(variants) };
    }
    let (lo, hi) = (a.min(b), a.max(b));
    let bound = |n: i64, inclusive: bool| Some(Bound { value: value(kind, n), inclusive });
    match choice % 5 {
        1 => PatternTest::Interval { lo: None, hi: bound(a, ends & 1 == 1) },
        2 => PatternTest::Interval { lo: bound(a, ends & 1 == 1), hi: None },
        3 if lo < hi => PatternTest::Interval { lo: bound(lo, true), hi: bound(hi, ends & 2 == 2) },
        _ => PatternTest::Interval { lo: bound(lo, true), hi: bound(hi, true) },
    }
}

/// The values brute force tries for one subject: every bound, a point between
/// each two consecutive ones, and ±1 beyond the extremes.
fn samples(kind: &Kind, column: &[&PatternTest]) -> Vec<Value> {
    if let Kind::Enum = kind {
        return (0..ENUM_SIZE).map(Value::Enum).collect();
    }
    let mut bounds: Vec<Decimal> = Vec::new();
    for p in column {
        if let PatternTest::Interval { lo, hi } = p {
            for b in lo.iter().chain(hi) {
                bounds.push(match &b.value {
                    Value::Dec(d) => *d,
                    Value::Int(i) => Decimal::from(*i),
                    _ => Decimal::ZERO,
                });
            }
        }
    }
    bounds.sort();
    bounds.dedup();
    let mut out: Vec<Decimal> = bounds.clone();
    for pair in bounds.windows(2) {
        out.push((pair[0] + pair[1]) / Decimal::TWO);
    }
    if let (Some(first), Some(last)) = (bounds.first(), bounds.last()) {
        out.push(first - Decimal::ONE);
        out.push(last + Decimal::ONE);
    } else {
        out.push(Decimal::ZERO);
    }
    match kind {
        // whole numbers: a point between two bounds is rounded down, and the one above it too
        Kind::Int => {
            let mut ints: Vec<i64> = out.iter().filter_map(|d| d.floor().to_string().parse().ok()).collect();
            ints.extend(out.iter().filter_map(|d| d.ceil().to_string().parse::<i64>().ok()));
            ints.sort_unstable();
            ints.dedup();
            ints.into_iter().map(Value::Int).collect()
        }
        _ => out.into_iter().map(Value::Dec).collect(),
    }
}

/// How many arms match each combination of sample values.
fn brute_force(kinds: &[Kind], arms: &[Vec<PatternTest>]) -> (bool, bool) {
    let columns: Vec<Vec<Value>> = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| samples(k, &arms.iter().filter_map(|a| a.get(i)).collect::<Vec<_>>()))
        .collect();
    let (mut overlap, mut gap) = (false, false);
    let mut index = vec![0usize; kinds.len()];
    loop {
        let values: Vec<&Value> = index.iter().zip(&columns).map(|(&i, c)| &c[i]).collect();
        let hits = arms.iter().filter(|a| a.iter().zip(&values).all(|(p, v)| p.matches(v))).count();
        overlap |= hits > 1;
        gap |= hits == 0;
        // the next combination
        let mut d = 0;
        loop {
            if d == index.len() {
                return (overlap, gap);
            }
            index[d] += 1;
            if index[d] < columns[d].len() {
                break;
            }
            index[d] = 0;
            d += 1;
        }
    }
}

fn cell_value(cell: &Cell) -> Value {
    match cell {
        Cell::Value(v) => v.clone(),
        Cell::Other => Value::None,
    }
}

fn table() -> impl Strategy<Value = (Vec<Kind>, Vec<Vec<PatternTest>>)> {
    prop::collection::vec(kind(), 1..=3).prop_flat_map(|kinds| {
        let n = kinds.len();
        let raw = (any::<u8>(), -6i64..=6, -6i64..=6, any::<u8>(), any::<u8>());
        let arms = prop::collection::vec(prop::collection::vec(raw, n), 1..=6);
        (Just(kinds), arms).prop_map(|(kinds, arms)| {
            let arms = arms
                .into_iter()
                .map(|arm| {
                    arm.into_iter()
                        .zip(&kinds)
                        .map(|((choice, a, b, ends, mask), k)| pattern(k, choice, a, b, ends, mask))
                        .collect()
                })
                .collect();
            (kinds, arms)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    #[test]
    fn overlaps_and_gaps_agree_with_brute_force((kinds, arms) in table()) {
        let subjects: Vec<Subject> = kinds
            .iter()
            .map(|k| Subject {
                domain: match k {
                    Kind::Int => Domain::Int,
                    Kind::Decimal => Domain::Dense,
                    Kind::Enum => Domain::Enum(ENUM_SIZE),
                },
                optional: false,
            })
            .collect();
        let verdict = analyse(&subjects, &arms);
        prop_assert!(!verdict.too_large);
        let (overlap, gap) = brute_force(&kinds, &arms);
        prop_assert_eq!(!verdict.overlaps.is_empty(), overlap, "overlap of {:?}", arms);
        prop_assert_eq!(verdict.gap.is_some(), gap, "gap of {:?}", arms);
        for (earlier, later, witness) in &verdict.overlaps {
            let values: Vec<Value> = witness.iter().map(cell_value).collect();
            for arm in [earlier, later] {
                prop_assert!(arms[*arm].iter().zip(&values).all(|(p, v)| p.matches(v)), "{:?} {:?}", arm, values);
            }
            prop_assert!(earlier < later);
        }
        if let Some(witness) = &verdict.gap {
            let values: Vec<Value> = witness.iter().map(cell_value).collect();
            prop_assert!(arms.iter().all(|a| !a.iter().zip(&values).all(|(p, v)| p.matches(v))), "{:?}", values);
        }
    }
}

#[test]
fn dense_and_discrete_domains_differ_at_a_bound() {
    let below = PatternTest::Interval { lo: None, hi: Some(Bound { value: Value::Int(5), inclusive: false }) };
    let above = PatternTest::Interval { lo: Some(Bound { value: Value::Int(5), inclusive: false }), hi: None };
    let arms = vec![vec![below.clone()], vec![above.clone()]];
    // whole numbers: 5 itself is left
    let int = analyse(&[Subject { domain: Domain::Int, optional: false }], &arms);
    assert_eq!(int.gap, Some(vec![Cell::Value(Value::Int(5))]));
    // `< 5` and `>= 5` cover Int; `<= 4` and `>= 5` too, with no overlap
    let at_least = PatternTest::Interval { lo: Some(Bound { value: Value::Int(5), inclusive: true }), hi: None };
    let at_most = PatternTest::Interval { lo: None, hi: Some(Bound { value: Value::Int(4), inclusive: true }) };
    let covered = analyse(&[Subject { domain: Domain::Int, optional: false }], &[vec![at_most], vec![at_least]]);
    assert!(covered.gap.is_none() && covered.overlaps.is_empty());
    // an optional subject leaves `none`
    let optional = analyse(
        &[Subject { domain: Domain::Int, optional: true }],
        &[vec![PatternTest::Interval { lo: None, hi: None }]],
    );
    assert_eq!(optional.gap, Some(vec![Cell::Value(Value::None)]));
    let _ = (below, above);
}

#[test]
fn the_work_is_bounded() {
    // 3 subjects with 200 distinct bounds each: 401³ cells, far beyond the bound
    let column = |n: i64| PatternTest::Interval { lo: None, hi: Some(Bound { value: Value::Int(n), inclusive: true }) };
    let arms: Vec<Vec<PatternTest>> = (0..200).map(|n| vec![column(n), column(n), column(n)]).collect();
    let subject = Subject { domain: Domain::Int, optional: false };
    let verdict = analyse(&[subject.clone(), subject.clone(), subject], &arms);
    assert!(verdict.too_large);
}
