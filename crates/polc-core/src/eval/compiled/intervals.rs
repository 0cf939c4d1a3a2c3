//! A table's arms over one ordered subject (Int, Date, Decimal, Money, a rate,
//! an enum) as a sorted array of the bounds its patterns name and a binary
//! search: the arm of every value is the arm of the elementary region
//! (below the first bound, a bound, between two bounds, above the last) it
//! falls in, found once when the table is compiled.
//!
//! INVARIANT: [`Intervals::arm`] gives exactly the first arm whose pattern
//! [`PatternTest::matches`] the value — what testing the arms in order gives.
//! Between two consecutive bounds no pattern changes its answer (every bound
//! of every pattern is in the array), and on a bound the patterns are tested
//! with the bound itself. `intervals/tests.rs` holds it to the in-order test.

use super::Scalar;
use crate::base::types::Type;
use crate::ir::table::PatternTest;
use crate::value::Value;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A subject's value as the key of a search: what it is read as, and back.
pub(crate) trait Key: Copy + Ord {
    fn from_value(v: &Value) -> Option<Self>;
    fn to_value(self) -> Value;
}

/// The scalar subjects are read as the typed closures read them ([`Scalar`]).
macro_rules! scalar_key {
    ($($t:ty),*) => {$(
        impl Key for $t {
            #[inline]
            fn from_value(v: &Value) -> Option<$t> {
                <$t as Scalar>::from_value(v)
            }

            fn to_value(self) -> Value {
                <$t as Scalar>::into_value(Some(self))
            }
        }
    )*};
}

// an Int compares with a Decimal as the Decimal it is (as `Value::compare` does)
scalar_key!(i64, Decimal, NaiveDate);

/// An enum's variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Variant(pub(crate) u32);

impl Key for Variant {
    #[inline]
    fn from_value(v: &Value) -> Option<Variant> {
        match v {
            Value::Enum(v) => Some(Variant(*v)),
            _ => None,
        }
    }

    fn to_value(self) -> Value {
        Value::Enum(self.0)
    }
}

/// The arms of one subject as regions between sorted bounds.
#[derive(Debug)]
pub(crate) struct Intervals<K> {
    /// Every bound any pattern names, sorted, each once.
    bounds: Vec<K>,
    /// `2·bounds.len() + 1` regions: below `bounds[0]`, `bounds[0]`, between
    /// `bounds[0]` and `bounds[1]`, … above the last; each region's arm.
    regions: Vec<Option<u32>>,
    /// The arm of `none`.
    none: Option<u32>,
}

/// What a search found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// The arm (or no arm) the value selects.
    Arm(Option<u32>),
    /// A value of another kind than the subject's: test the arms in order.
    Unknown,
}

impl<K: Key> Intervals<K> {
    /// The search over `arms` (each an arm's index and its pattern for this
    /// subject, in the table's order); `None` when a pattern names a value
    /// that is not a `K` (the arms are then tested in order).
    pub(crate) fn new(arms: &[(u32, &PatternTest)]) -> Option<Intervals<K>> {
        let mut bounds: Vec<K> = Vec::new();
        for (_, pattern) in arms {
            match pattern {
                PatternTest::Any | PatternTest::None => {}
                PatternTest::Values(values) => {
                    for v in values {
                        bounds.push(K::from_value(v)?);
                    }
                }
                PatternTest::Interval { lo, hi } => {
                    for b in lo.iter().chain(hi) {
                        bounds.push(K::from_value(&b.value)?);
                    }
                }
            }
        }
        bounds.sort_unstable();
        bounds.dedup();
        let first = |covers: &dyn Fn(&PatternTest) -> bool| arms.iter().find(|(_, p)| covers(p)).map(|(arm, _)| *arm);
        let mut regions = Vec::with_capacity(2 * bounds.len() + 1);
        for i in 0..=bounds.len() {
            // the open region below bounds[i] (above bounds[i - 1])
            let (below, above) = (i.checked_sub(1).and_then(|j| bounds.get(j)).copied(), bounds.get(i).copied());
            regions.push(first(&|p| covers_between(p, below, above)));
            if let Some(b) = above {
                let at = b.to_value();
                regions.push(first(&|p| p.matches(&at)));
            }
        }
        Some(Intervals { bounds, regions, none: first(&|p| p.matches(&Value::None)) })
    }

    /// The arm `value` selects.
    #[inline]
    pub(crate) fn arm(&self, value: &Value) -> Found {
        if let Value::None = value {
            return Found::Arm(self.none);
        }
        match K::from_value(value) {
            Some(key) => Found::Arm(self.arm_of(key)),
            None => Found::Unknown,
        }
    }

    /// The arm of a value of the subject's kind.
    #[inline]
    pub(crate) fn arm_of(&self, key: K) -> Option<u32> {
        self.regions.get(region(&self.bounds, &key)).copied().flatten()
    }

    /// The same bounds with `value(arm)` for each region's arm (a
    /// characteristic's points instead of its arm).
    pub(crate) fn map<T: Copy>(&self, value: impl Fn(Option<u32>) -> T) -> Regions<K, T> {
        Regions {
            bounds: self.bounds.clone().into_boxed_slice(),
            values: self.regions.iter().map(|arm| value(*arm)).collect(),
            none: value(self.none),
        }
    }
}

/// Sorted bounds and a value for each region below, on and between them
/// ([`Intervals::map`]): what the region's arm gives, found without the arm.
#[derive(Debug)]
pub(crate) struct Regions<K, T> {
    bounds: Box<[K]>,
    /// `2·bounds.len() + 1` values, as [`Intervals`]'s regions.
    values: Box<[T]>,
    none: T,
}

impl<K: Ord, T: Copy> Regions<K, T> {
    /// The value of the region `key` falls in.
    #[inline]
    pub(crate) fn at(&self, key: &K) -> Option<T> {
        self.values.get(region(&self.bounds, key)).copied()
    }

    /// The value of `none`.
    #[inline]
    pub(crate) fn none(&self) -> T {
        self.none
    }
}

/// The region of `key` among sorted, distinct `bounds`: `2·i` below
/// `bounds[i]` (and above the one before), `2·i + 1` on it. A scorecard's
/// bins have a few bounds: up to 8 are scanned, more searched.
#[inline]
fn region<K: Ord>(bounds: &[K], key: &K) -> usize {
    if bounds.len() <= 8 {
        let below = bounds.iter().take_while(|b| *b < key).count();
        let on = bounds.get(below).is_some_and(|b| b == key);
        return 2 * below + usize::from(on);
    }
    match bounds.binary_search(key) {
        Ok(i) => 2 * i + 1,
        Err(i) => 2 * i,
    }
}

/// Whether `pattern` accepts every value strictly between `below` and `above`
/// (`None`: unbounded), given that none of its bounds lies strictly between
/// them: then it accepts all of them or none.
fn covers_between<K: Key>(pattern: &PatternTest, below: Option<K>, above: Option<K>) -> bool {
    match pattern {
        PatternTest::Any => true,
        // `none` is no number, and every named value is a bound
        PatternTest::None | PatternTest::Values(_) => false,
        PatternTest::Interval { lo, hi } => {
            let key = |b: &crate::ir::table::Bound| K::from_value(&b.value);
            // from above its lower bound and below its upper one
            let from = lo.as_ref().is_none_or(|b| match (key(b), below) {
                (Some(l), Some(below)) => l <= below,
                _ => false,
            });
            let to = hi.as_ref().is_none_or(|b| match (key(b), above) {
                (Some(h), Some(above)) => h >= above,
                _ => false,
            });
            from && to
        }
    }
}

/// Decimal bounds as integers at one scale (the largest of theirs), so that
/// a value is placed by integer comparisons instead of decimal ones; the
/// regions are those of the exact search, which places what does not fit.
#[derive(Debug)]
pub(crate) struct DecimalIntervals {
    exact: Intervals<Decimal>,
    /// `bounds` of `exact` times `10^scale`, exactly; `None` if one overflows.
    scaled: Option<(u32, Vec<i128>)>,
    /// Every one of `scaled`'s bounds is below 10¹¹ in magnitude.
    small_bounds: bool,
    /// `scaled`'s bounds as `i64`, when they are small (`small_bounds`).
    small: Option<Box<[i64]>>,
}

impl DecimalIntervals {
    /// The search over `arms` (as [`Intervals::new`]).
    pub(crate) fn new(arms: &[(u32, &PatternTest)]) -> Option<DecimalIntervals> {
        let exact = Intervals::<Decimal>::new(arms)?;
        let scale = exact.bounds.iter().map(Decimal::scale).max().unwrap_or(0);
        let at_scale = |b: &Decimal| {
            let up = super::POW10.get(scale.checked_sub(b.scale())? as usize)?;
            b.mantissa().checked_mul(*up)
        };
        let scaled: Option<Vec<i128>> = exact.bounds.iter().map(at_scale).collect();
        let small_bounds = scaled.as_ref().is_some_and(|b| b.iter().all(|b| b.unsigned_abs() < 100_000_000_000));
        let small = (scaled.as_ref())
            .filter(|_| small_bounds)
            .and_then(|b| b.iter().map(|&b| i64::try_from(b).ok()).collect::<Option<Box<[i64]>>>());
        Some(DecimalIntervals { scaled: scaled.map(|b| (scale, b)), small_bounds, small, exact })
    }

    #[inline]
    fn arm(&self, value: &Value) -> Found {
        match value {
            Value::Dec(d) => Found::Arm(self.arm_of(*d)),
            Value::None => Found::Arm(self.exact.none),
            other => self.exact.arm(other),
        }
    }

    /// `x` placed among the bounds at their scale `S`: `x·10^S` is `k` plus a
    /// fraction `r` (in `[0, 1)`, by Euclidean division), and the bounds are
    /// integers at that scale, so `k` on a bound with `r > 0` is just above it.
    #[inline]
    fn arm_of(&self, x: Decimal) -> Option<u32> {
        self.exact.regions.get(self.region_of(x)).copied().flatten()
    }

    /// The region `x` falls in (an index into the regions).
    fn region_of(&self, x: Decimal) -> usize {
        let exact = || region(&self.exact.bounds, &x);
        let Some((scale, bounds)) = &self.scaled else { return exact() };
        let (m, s) = (x.mantissa(), x.scale());
        if s <= *scale {
            let up = super::POW10.get((scale - s) as usize).and_then(|p| super::wide_mul(m, *p));
            let Some(k) = up else { return exact() };
            region(bounds, &k)
        } else {
            let Some(&down) = super::POW10.get((s - scale) as usize) else { return exact() };
            let (k, r) = (m.div_euclid(down), m.rem_euclid(down));
            match bounds.binary_search(&k) {
                Ok(i) if r == 0 => 2 * i + 1,
                Ok(i) => 2 * i + 2,
                Err(i) => 2 * i,
            }
        }
    }

    /// The same bounds with `value(arm)` for each region's arm, and the
    /// bounds at every scale a value may have ([`DecimalRegions`]).
    pub(crate) fn map<T: Copy>(self, value: impl Fn(Option<u32>) -> T) -> DecimalRegions<T> {
        // the bounds without trailing zeros: the smallest scale they are exact at
        let normal: Vec<Decimal> = self.exact.bounds.iter().map(Decimal::normalize).collect();
        let at = |s: u32| -> Option<Box<[i128]>> {
            let scaled = |b: &Decimal| b.mantissa().checked_mul(*super::POW10.get(s.checked_sub(b.scale())? as usize)?);
            normal.iter().map(scaled).collect()
        };
        let by_scale: Box<[Option<Box<[i128]>>]> = (0..super::POW10.len() as u32).map(at).collect();
        let narrow = |bounds: &Option<Box<[i128]>>| -> Option<Box<[i64]>> {
            bounds.as_ref()?.iter().map(|&b| i64::try_from(b).ok()).collect()
        };
        DecimalRegions {
            by_scale64: by_scale.iter().map(narrow).collect(),
            by_scale,
            values: self.exact.regions.iter().map(|arm| value(*arm)).collect(),
            none: value(self.exact.none),
            search: self,
        }
    }
}

/// Decimal bounds with a value for each region ([`DecimalIntervals::map`]),
/// and the bounds as integers at each scale from their own up: a value at
/// such a scale is placed by comparing its mantissa with them, not scaled.
#[derive(Debug)]
pub(crate) struct DecimalRegions<T> {
    search: DecimalIntervals,
    /// `by_scale[s]`: every bound times `10^s`, where all are integers in range.
    by_scale: Box<[Option<Box<[i128]>>]>,
    /// `by_scale[s]` as `i64`, where every bound fits: a value whose mantissa
    /// fits too (every Money amount) is placed by 64-bit comparisons.
    by_scale64: Box<[Option<Box<[i64]>>]>,
    /// Parallel to the search's regions.
    values: Box<[T]>,
    none: T,
}

impl<T: Copy> DecimalRegions<T> {
    /// The value of the region `x` falls in.
    #[inline]
    pub(crate) fn at(&self, x: Decimal) -> Option<T> {
        let (m, s) = (x.mantissa(), x.scale() as usize);
        let region = match (self.by_scale64.get(s), i64::try_from(m)) {
            (Some(Some(bounds)), Ok(m)) => region(bounds, &m),
            _ => self.wide(x),
        };
        self.values.get(region).copied()
    }

    /// [`DecimalRegions::at`]'s region of a value whose mantissa or scaled
    /// bounds do not fit in 64 bits.
    #[inline(never)]
    fn wide(&self, x: Decimal) -> usize {
        match self.by_scale.get(x.scale() as usize) {
            Some(Some(bounds)) => region(bounds, &x.mantissa()),
            _ => self.search.region_of(x),
        }
    }

    /// The value of `none`.
    #[inline]
    pub(crate) fn none(&self) -> T {
        self.none
    }

    /// The value of the region of the quotient `x / y` (as rust_decimal
    /// divides), found without dividing ([`DecimalIntervals::quotient_region`]);
    /// `None` when that cannot be told exactly (then divide).
    #[inline]
    pub(crate) fn quotient(&self, x: Decimal, y: Decimal) -> Option<Option<T>> {
        self.search.quotient_region(x, y).map(|r| self.values.get(r).copied())
    }
}

impl DecimalIntervals {
    /// The region of the quotient `x / y` (as rust_decimal divides), found by
    /// comparing it with the bounds without dividing ([`super::quotient_vs`]);
    /// `None` when a comparison cannot be told exactly that way.
    ///
    /// With the bounds at their common scale `S` (mantissas `b`), this is
    /// [`super::quotient_vs`] at scale `S` for every bound at once: its bounds
    /// on the operands tested once (at `S`, at least every bound's own scale,
    /// they are the stricter), then the sign of `x − b·y` at one scale for each.
    fn quotient_region(&self, x: Decimal, y: Decimal) -> Option<usize> {
        if let (Some(small), Some((scale, _))) = (&self.small, &self.scaled) {
            if let Some(region) = Self::quotient_region_small(small, *scale as usize, x, y) {
                return Some(region);
            }
        }
        self.quotient_region_wide(x, y)
    }

    /// [`DecimalIntervals::quotient_region`] where it takes 64-bit numbers:
    /// bounds below 10¹¹ (`small`, at scale `sc`), both mantissas and
    /// `y·10^(t−S)` within an `i64`, and scales small enough that
    /// `quotient_vs`'s two bounds hold for every 64-bit mantissa
    /// (`|mx| < 2⁶³ < 10¹⁹`: `|mx|·10^(S+sy) < 10²⁶` once `S + sy ≤ 7`, and
    /// `|my|·10^(sx+S) < 10²⁷` once `sx + S ≤ 8`). `None`: not that case (the
    /// general way then decides, the same way).
    #[inline]
    fn quotient_region_small(small: &[i64], sc: usize, x: Decimal, y: Decimal) -> Option<usize> {
        let (Ok(mx), Ok(my)) = (i64::try_from(x.mantissa()), i64::try_from(y.mantissa())) else { return None };
        let (sx, sy) = (x.scale() as usize, y.scale() as usize);
        if my == 0 || sc + sy > 7 || sx + sc > 8 {
            return None;
        }
        // as in the general way, at t = max(sx, S + sy): t − sx ≤ 7 and
        // t − S − sy ≤ sx ≤ 8, so both powers are in `POW10_64`
        let t = sx.max(sc + sy);
        let lhs = i128::from(mx) * i128::from(*super::POW10_64.get(t - sx)?);
        let m = my.checked_mul(*super::POW10_64.get(t - sc - sy)?)?;
        // y < 0: both negated, so the comparisons need no reversing
        let (lhs, m) = if m < 0 { (-lhs, m.checked_neg()?) } else { (lhs, m) };
        let mut below_count = 0;
        // |b| < 10¹¹ and |m| < 2⁶³: |b·m| < 10³¹, the product of two i64 in an i128
        for &b in small {
            match lhs.cmp(&(i128::from(b) * i128::from(m))) {
                std::cmp::Ordering::Greater => below_count += 1,
                std::cmp::Ordering::Equal => return Some(2 * below_count + 1),
                std::cmp::Ordering::Less => break,
            }
        }
        Some(2 * below_count)
    }

    /// [`DecimalIntervals::quotient_region`] in 128-bit numbers.
    fn quotient_region_wide(&self, x: Decimal, y: Decimal) -> Option<usize> {
        let Some((scale, bounds)) = &self.scaled else { return self.quotient_region_exact(x, y) };
        let (mx, my) = (x.mantissa(), y.mantissa());
        if my == 0 {
            return None;
        }
        let (sx, sy, sc) = (x.scale() as usize, y.scale() as usize, *scale as usize);
        let pow = |e: usize| super::POW10.get(e).copied();
        // |mx|·10^(S+sy) < 10²⁶ and |my|·10^(sx+S) < 10²⁷, as in `quotient_vs`
        let (Some(px), Some(py)) =
            (26usize.checked_sub(sc + sy).and_then(pow), 27usize.checked_sub(sx + sc).and_then(pow))
        else {
            return None;
        };
        if mx.unsigned_abs() >= px.unsigned_abs() || my.unsigned_abs() >= py.unsigned_abs() {
            return None;
        }
        // x·10^t and y·10^(t−S) as integers at t = max(sx, S + sy): the sign
        // of x − b·y is that of lhs − b·my_scaled (reversed when y < 0). By the
        // bounds just tested |lhs| < 10²⁶ (t − sx ≤ S + sy) and
        // |my_scaled| ≤ |my|·10^sx < 10²⁷: neither product overflows.
        let t = sx.max(sc + sy);
        let (lhs, my_scaled) = (mx * pow(t - sx)?, my * pow(t - sc - sy)?);
        // y < 0: both negated, so the comparisons below need no reversing
        let (lhs, m) = if my < 0 { (-lhs, -my_scaled) } else { (lhs, my_scaled) };
        let mut below_count = 0;
        if self.small_bounds {
            // |b| < 10¹¹: |b·m| < 10³⁸, within an i128
            for &b in bounds {
                match lhs.cmp(&(b * m)) {
                    std::cmp::Ordering::Greater => below_count += 1,
                    std::cmp::Ordering::Equal => return Some(2 * below_count + 1),
                    std::cmp::Ordering::Less => break,
                }
            }
        } else {
            for &b in bounds {
                match lhs.cmp(&b.checked_mul(m)?) {
                    std::cmp::Ordering::Greater => below_count += 1,
                    std::cmp::Ordering::Equal => return Some(2 * below_count + 1),
                    std::cmp::Ordering::Less => break,
                }
            }
        }
        Some(2 * below_count)
    }

    /// [`DecimalIntervals::quotient_region`] by [`super::quotient_vs`] bound
    /// by bound (bounds that overflow at one scale).
    fn quotient_region_exact(&self, x: Decimal, y: Decimal) -> Option<usize> {
        let bounds = &self.exact.bounds;
        let (mut lo, mut hi) = (0, bounds.len());
        // bounds[..lo] are below the quotient, bounds[hi..] above it
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match super::quotient_vs(x, y, *bounds.get(mid)?)? {
                std::cmp::Ordering::Greater => lo = mid + 1,
                std::cmp::Ordering::Less => hi = mid,
                std::cmp::Ordering::Equal => return Some(2 * mid + 1),
            }
        }
        Some(2 * lo)
    }
}

/// The search of one subject, by its type.
#[derive(Debug)]
pub(crate) enum Search {
    Int(Intervals<i64>),
    Decimal(DecimalIntervals),
    Date(Intervals<NaiveDate>),
    Enum(Intervals<Variant>),
}

impl Search {
    /// The search of a subject of type `ty` over `arms`; `None` for other
    /// types, or patterns that name values of another kind.
    pub(crate) fn new(ty: &Type, arms: &[(u32, &PatternTest)]) -> Option<Search> {
        Some(match ty.unwrap_optional() {
            Type::Int => Search::Int(Intervals::new(arms)?),
            Type::Decimal | Type::Money => Search::Decimal(DecimalIntervals::new(arms)?),
            Type::Date => Search::Date(Intervals::new(arms)?),
            Type::Enum(_) => Search::Enum(Intervals::new(arms)?),
            _ => return None,
        })
    }

    #[inline]
    pub(crate) fn arm(&self, value: &Value) -> Found {
        match self {
            Search::Int(s) => s.arm(value),
            Search::Decimal(s) => s.arm(value),
            Search::Date(s) => s.arm(value),
            Search::Enum(s) => s.arm(value),
        }
    }
}

#[cfg(test)]
mod tests;
