//! Decision tables (`match`) in the lowered program: each arm's patterns as
//! tests of a value, and the one function that says whether a value matches
//! one. The interpreter, the compiled closures, constant folding and the
//! checker's unique-hit analysis all decide a pattern through [`PatternTest::matches`].

use crate::base::source::Span;
use crate::ir::Expr;
use crate::value::Value;
use std::cmp::Ordering;

/// `match s1, s2 { p1, p2 => e … }`, lowered.
#[derive(Clone, Debug)]
pub struct Table {
    /// How many of `exprs` are subjects (the rest are the arms' bodies, in order).
    pub subjects: usize,
    /// The subjects, then one body per arm: so the expression's children are one slice.
    pub exprs: Vec<Expr>,
    pub arms: Vec<Arm>,
}

impl Table {
    pub fn subjects(&self) -> &[Expr] {
        self.exprs.get(..self.subjects).unwrap_or_default()
    }

    pub fn bodies(&self) -> &[Expr] {
        self.exprs.get(self.subjects..).unwrap_or_default()
    }

    /// The first arm whose patterns all match `values` (one per subject).
    pub fn arm_for(&self, values: &[&Value]) -> Option<usize> {
        self.arms.iter().position(|arm| arm.patterns.iter().zip(values).all(|(p, v)| p.matches(v)))
    }
}

/// One arm's patterns (one per subject).
#[derive(Clone, Debug)]
pub struct Arm {
    pub patterns: Vec<PatternTest>,
    /// The patterns as written (`600 ..< 660, auto_loan`), for traces and coverage.
    pub text: String,
    pub span: Span,
}

/// One end of an interval: the bound and whether it belongs to the interval.
#[derive(Clone, Debug, PartialEq)]
pub struct Bound {
    pub value: Value,
    pub inclusive: bool,
}

/// What one pattern accepts.
#[derive(Clone, Debug, PartialEq)]
pub enum PatternTest {
    /// `_`
    Any,
    /// `none`
    None,
    /// Variants, `true`/`false`, or the members of a set constant.
    Values(Vec<Value>),
    /// `< x`, `>= x`, `a ..< b`, `a ..= b`: a missing end is unbounded.
    Interval { lo: Option<Bound>, hi: Option<Bound> },
}

impl PatternTest {
    /// Whether `value` matches. `none` matches only `none` and `_`.
    pub fn matches(&self, value: &Value) -> bool {
        match self {
            PatternTest::Any => true,
            PatternTest::None => matches!(value, Value::None),
            PatternTest::Values(values) => values.iter().any(|v| v.equals(value)),
            PatternTest::Interval { lo, hi } => {
                if matches!(value, Value::None) {
                    return false;
                }
                let above = lo.as_ref().is_none_or(|b| match value.compare(&b.value) {
                    Some(Ordering::Greater) => true,
                    Some(Ordering::Equal) => b.inclusive,
                    _ => false,
                });
                above
                    && hi.as_ref().is_none_or(|b| match value.compare(&b.value) {
                        Some(Ordering::Less) => true,
                        Some(Ordering::Equal) => b.inclusive,
                        _ => false,
                    })
            }
        }
    }
}
