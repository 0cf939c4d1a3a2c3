//! PMML predicates as `.pol` bins: a `SimplePredicate`, `SimpleSetPredicate`
//! or `CompoundPredicate` on one field becomes an interval, a set of values,
//! `none` or `_`; PMML's first-match order becomes unique bins by taking away
//! from each bin what the bins before it matched.

use rust_decimal::Decimal;
use std::cmp::Ordering;

/// One end of an interval: the value and whether it belongs to the interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct End {
    pub value: Decimal,
    pub inclusive: bool,
}

/// From `lo` to `hi`; `None` is unbounded on that side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    pub lo: Option<End>,
    pub hi: Option<End>,
}

/// What one bin matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// `_`: anything (PMML `<True/>`).
    Any,
    /// `none` (PMML `isMissing`).
    Missing,
    Interval(Interval),
    /// Values of a categorical field, or points of a numeric one.
    Values(Vec<String>),
    /// Nothing: an `and` whose parts no value meets together.
    Never,
}

/// How a field's values are ordered: whole numbers are discrete (`> 25` is
/// `>= 26`), other numbers dense; categorical fields are not ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Discrete,
    Dense,
    Categorical,
}

impl Interval {
    #[cfg(test)]
    pub const ALL: Interval = Interval { lo: None, hi: None };

    /// Whole numbers' ends made inclusive (`> 25` → `>= 26`, `< 35` → `<= 34`).
    pub fn normalized(self, scale: Scale) -> Interval {
        if scale != Scale::Discrete {
            return self;
        }
        let lo = self.lo.map(|e| {
            let whole = if e.inclusive { e.value.ceil() } else { e.value.floor() + Decimal::ONE };
            End { value: whole, inclusive: true }
        });
        let hi = self.hi.map(|e| {
            let whole = if e.inclusive { e.value.floor() } else { e.value.ceil() - Decimal::ONE };
            End { value: whole, inclusive: true }
        });
        Interval { lo, hi }
    }

    pub fn is_empty(&self) -> bool {
        match (self.lo, self.hi) {
            (Some(lo), Some(hi)) => match lo.value.cmp(&hi.value) {
                Ordering::Greater => true,
                Ordering::Equal => !(lo.inclusive && hi.inclusive),
                Ordering::Less => false,
            },
            _ => false,
        }
    }

    pub fn intersect(self, other: Interval) -> Interval {
        Interval { lo: tighter(self.lo, other.lo, Ordering::Greater), hi: tighter(self.hi, other.hi, Ordering::Less) }
    }

    /// `self` without `other`: none, one or two pieces.
    pub fn minus(self, other: Interval, scale: Scale) -> Vec<Interval> {
        let mut pieces = Vec::new();
        if let Some(lo) = other.lo {
            let below = Interval { lo: None, hi: Some(End { value: lo.value, inclusive: !lo.inclusive }) };
            pieces.push(self.intersect(below.normalized(scale)));
        }
        if let Some(hi) = other.hi {
            let above = Interval { lo: Some(End { value: hi.value, inclusive: !hi.inclusive }), hi: None };
            pieces.push(self.intersect(above.normalized(scale)));
        }
        pieces.retain(|p| !p.is_empty());
        pieces
    }

    /// One interval covering `self` and `other` when they touch or overlap.
    pub fn union(self, other: Interval, scale: Scale) -> Option<Interval> {
        let (first, second) = if lower_first(self.lo, other.lo) { (self, other) } else { (other, self) };
        let touches = match (first.hi, second.lo) {
            (None, _) | (_, None) => true,
            (Some(hi), Some(lo)) => match hi.value.cmp(&lo.value) {
                Ordering::Greater => true,
                Ordering::Equal => hi.inclusive || lo.inclusive,
                // whole numbers: `<= 24` and `>= 25` leave nothing between them
                Ordering::Less => scale == Scale::Discrete && hi.value + Decimal::ONE == lo.value,
            },
        };
        touches.then(|| Interval { lo: first.lo, hi: looser(first.hi, second.hi) })
    }
}

/// Of two lower (`towards` Greater) or upper (Less) ends, the one that admits less.
fn tighter(a: Option<End>, b: Option<End>, towards: Ordering) -> Option<End> {
    match (a, b) {
        (None, e) | (e, None) => e,
        (Some(a), Some(b)) => Some(match a.value.cmp(&b.value) {
            Ordering::Equal => End { value: a.value, inclusive: a.inclusive && b.inclusive },
            order if order == towards => a,
            _ => b,
        }),
    }
}

/// Of two upper ends, the one that admits more.
fn looser(a: Option<End>, b: Option<End>) -> Option<End> {
    match (a, b) {
        (None, _) | (_, None) => None,
        (Some(a), Some(b)) => Some(match a.value.cmp(&b.value) {
            Ordering::Equal => End { value: a.value, inclusive: a.inclusive || b.inclusive },
            Ordering::Greater => a,
            Ordering::Less => b,
        }),
    }
}

/// Whether lower end `a` starts no later than `b`.
fn lower_first(a: Option<End>, b: Option<End>) -> bool {
    match (a, b) {
        (None, _) => true,
        (_, None) => false,
        (Some(a), Some(b)) => a.value < b.value || (a.value == b.value && a.inclusive),
    }
}

/// `v` as a `.pol` number: exact, without trailing zeros.
pub fn number(v: Decimal) -> String {
    v.normalize().to_string()
}

/// A bin's pattern as `.pol` text (`suffix` follows each number: ` CNY` for
/// Money); `None` when no pattern says it (a decimal interval open at its
/// lower end, which `.pol` has no pattern for).
pub fn written(pattern: &Pattern, scale: Scale, suffix: &str) -> Option<String> {
    let n = |v: Decimal| format!("{}{suffix}", number(v));
    Some(match pattern {
        Pattern::Never => return None,
        Pattern::Any => "_".to_string(),
        Pattern::Missing => "none".to_string(),
        Pattern::Values(values) => match scale {
            Scale::Categorical if values.iter().all(|v| is_identifier(v)) => values.join(" | "),
            Scale::Categorical => {
                format!("{{{}}}", values.iter().map(|v| quoted(v)).collect::<Vec<_>>().join(", "))
            }
            _ => format!("{{{}}}", values.iter().map(|v| format!("{v}{suffix}")).collect::<Vec<_>>().join(", ")),
        },
        Pattern::Interval(Interval { lo: Some(lo), hi: Some(hi) })
            if lo.inclusive && hi.inclusive && lo.value == hi.value =>
        {
            n(lo.value)
        }
        Pattern::Interval(interval) => {
            // whole numbers read best with exclusive upper ends, as in `25 ..< 35`
            let hi = interval.hi.map(|hi| match scale {
                Scale::Discrete if hi.inclusive => End { value: hi.value + Decimal::ONE, inclusive: false },
                _ => hi,
            });
            match (interval.lo, hi) {
                (None, None) => "_".to_string(),
                (None, Some(hi)) => format!("{} {}", if hi.inclusive { "<=" } else { "<" }, n(hi.value)),
                (Some(lo), None) => format!("{} {}", if lo.inclusive { ">=" } else { ">" }, n(lo.value)),
                (Some(lo), Some(hi)) if lo.inclusive => {
                    format!("{} {} {}", n(lo.value), if hi.inclusive { "..=" } else { "..<" }, n(hi.value))
                }
                (Some(_), Some(_)) => return None,
            }
        }
    })
}

/// Whether `text` can stand as a name in `.pol` (an enum variant, a reason code).
pub fn is_identifier(text: &str) -> bool {
    crate::syntax::parse::is_name(text)
}

/// `text` as a `.pol` string literal.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(v: i64, inclusive: bool) -> Option<End> {
        Some(End { value: Decimal::from(v), inclusive })
    }

    #[test]
    fn earlier_bins_are_taken_away() {
        let below_35 = Interval { lo: None, hi: at(35, false) };
        let below_25 = Interval { lo: None, hi: at(25, false) };
        let piece = below_35.minus(below_25, Scale::Dense);
        assert_eq!(piece, [Interval { lo: at(25, true), hi: at(35, false) }]);
        let text = written(&Pattern::Interval(piece[0]), Scale::Dense, "");
        assert_eq!(text.as_deref(), Some("25 ..< 35"));
        // the middle taken out of everything leaves two pieces
        assert_eq!(Interval::ALL.minus(piece[0], Scale::Dense).len(), 2);
    }

    #[test]
    fn whole_numbers_are_discrete() {
        let open = Interval { lo: at(25, false), hi: at(35, true) }.normalized(Scale::Discrete);
        assert_eq!(written(&Pattern::Interval(open), Scale::Discrete, "").as_deref(), Some("26 ..< 36"));
        assert_eq!(written(&Pattern::Interval(open), Scale::Dense, "").as_deref(), Some("26 ..= 35"));
        let dense = Interval { lo: at(25, false), hi: at(35, true) };
        assert_eq!(written(&Pattern::Interval(dense), Scale::Dense, ""), None);
        let (a, b) = (Interval { lo: None, hi: at(24, true) }, Interval { lo: at(25, true), hi: None });
        assert_eq!(a.union(b, Scale::Discrete), Some(Interval::ALL));
        assert_eq!(a.union(b, Scale::Dense), None, "24.5 is between them");
    }

    #[test]
    fn values_and_text() {
        let values = Pattern::Values(vec!["consumer_loan".into(), "auto_loan".into()]);
        assert_eq!(written(&values, Scale::Categorical, "").as_deref(), Some("consumer_loan | auto_loan"));
        let odd = Pattern::Values(vec!["a b".into(), "c\"".into()]);
        assert_eq!(written(&odd, Scale::Categorical, "").as_deref(), Some(r#"{"a b", "c\""}"#));
        assert_eq!(written(&Pattern::Values(vec!["5".into()]), Scale::Dense, " CNY").as_deref(), Some("{5 CNY}"));
        assert!(!is_identifier("none") && !is_identifier("1a") && is_identifier("S01"));
        let point = Interval { lo: at(3, true), hi: at(3, true) };
        assert_eq!(written(&Pattern::Interval(point), Scale::Discrete, "").as_deref(), Some("3"));
    }
}
