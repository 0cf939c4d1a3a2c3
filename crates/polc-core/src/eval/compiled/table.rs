//! `if` and `match` as closures: the condition or the subjects read in place,
//! then only the branch or arm taken. A table over one enum subject picks its
//! arm from a lookup by variant made when it is compiled; other tables test
//! their arms in order (a short chain of comparisons, each through
//! [`PatternTest::matches`], the interpreter's own test).

use super::{condition, value, BoolFn, Frame, Operand, Place, Scalar, TypedFn, ValueFn};
use crate::base::source::Span;
use crate::base::types::Type;
use crate::eval::fault;
use crate::ir::table::{PatternTest, Table};
use crate::ir::{Expr, LetDef};
use crate::value::Value;

/// The arm for each enum variant below 64, and the arm for `none`.
type VariantLookup = (Box<[Option<u32>; 64]>, Option<u32>);

/// How a compiled table finds its arm.
struct Selector {
    subjects: Vec<Place>,
    arms: Vec<Vec<PatternTest>>,
    /// One enum subject: its arm by variant (variants from 64 on test the arms).
    by_variant: Option<VariantLookup>,
    span: Span,
}

impl Selector {
    fn new(table: &Table, span: Span) -> Selector {
        let arms: Vec<Vec<PatternTest>> = table.arms.iter().map(|a| a.patterns.clone()).collect();
        let by_variant = match table.subjects() {
            [subject] if matches!(subject.ty.unwrap_optional(), Type::Enum(_)) => {
                let arm = |v: &Value| table.arm_for(&[v]).map(|a| a as u32);
                let lookup: [Option<u32>; 64] = std::array::from_fn(|v| arm(&Value::Enum(v as u32)));
                Some((Box::new(lookup), arm(&Value::None)))
            }
            _ => None,
        };
        Selector { subjects: table.subjects().iter().map(Place::new).collect(), arms, by_variant, span }
    }

    /// The arm the subjects select; `None` (a fault raised) when a subject
    /// failed or, against the checker's proof, no arm matches.
    #[inline]
    fn select(&self, f: &mut Frame<'_>) -> Option<usize> {
        let arm = match (&self.by_variant, self.subjects.as_slice()) {
            (Some((lookup, none)), [subject]) => match *subject.read(f) {
                Value::Enum(v) => match lookup.get(v as usize) {
                    Some(arm) => arm.map(|a| a as usize),
                    // an enum of more than 64 variants: this one is not in the lookup
                    None => self.arms.iter().position(|arm| arm.first().is_some_and(|p| p.matches(&Value::Enum(v)))),
                },
                Value::None => none.map(|a| a as usize),
                _ => None,
            },
            (None, [subject]) => {
                let v = subject.read(f);
                self.arms.iter().position(|arm| arm.first().is_some_and(|p| p.matches(&v)))
            }
            (None, [a, b]) => {
                let x = a.read(f);
                let y = b.read(f);
                self.arms.iter().position(|arm| match arm.as_slice() {
                    [p, q] => p.matches(&x) && q.matches(&y),
                    _ => false,
                })
            }
            _ => {
                let values: Vec<_> = self.subjects.iter().map(|s| s.read(f)).collect();
                self.arms.iter().position(|arm| arm.iter().zip(&values).all(|(p, v)| p.matches(v)))
            }
        };
        if f.fault.is_some() {
            return None;
        }
        if arm.is_none() {
            f.raise(fault("internal error: no arm of the table matches", self.span));
        }
        arm
    }
}

/// A typed `if`.
pub(super) fn if_typed<T: Scalar>(c: &Expr, a: &Expr, b: &Expr, lets: &[LetDef]) -> TypedFn<T> {
    let (c, a, b) = (condition(c, lets), Operand::<T>::new(a), Operand::<T>::new(b));
    Box::new(move |f| if c(f) { a.get(f) } else { b.get(f) })
}

/// A typed table.
pub(super) fn match_typed<T: Scalar>(table: &Table, span: Span) -> TypedFn<T> {
    let selector = Selector::new(table, span);
    let bodies: Vec<Operand<T>> = table.bodies().iter().map(Operand::new).collect();
    Box::new(move |f| bodies.get(selector.select(f)?)?.get(f))
}

/// A Bool-valued `if`.
pub(super) fn if_bool(c: &Expr, a: &Expr, b: &Expr, lets: &[LetDef]) -> BoolFn {
    let (c, a, b) = (condition(c, lets), condition(a, lets), condition(b, lets));
    Box::new(move |f| if c(f) { a(f) } else { b(f) })
}

/// A Bool-valued table.
pub(super) fn match_bool(table: &Table, span: Span, lets: &[LetDef]) -> BoolFn {
    let selector = Selector::new(table, span);
    let bodies: Vec<BoolFn> = table.bodies().iter().map(|b| condition(b, lets)).collect();
    Box::new(move |f| match selector.select(f).and_then(|arm| bodies.get(arm)) {
        Some(body) => body(f),
        None => false,
    })
}

/// An `if` of any other type.
pub(super) fn if_value(c: &Expr, a: &Expr, b: &Expr) -> ValueFn {
    let (c, a, b) = (condition(c, &[]), value(a), value(b));
    Box::new(move |f| if c(f) { a(f) } else { b(f) })
}

/// A table of any other type.
pub(super) fn match_value(table: &Table, span: Span) -> ValueFn {
    let selector = Selector::new(table, span);
    let bodies: Vec<ValueFn> = table.bodies().iter().map(value).collect();
    Box::new(move |f| match selector.select(f).and_then(|arm| bodies.get(arm)) {
        Some(body) => body(f),
        None => Value::None,
    })
}
