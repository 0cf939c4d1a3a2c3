//! `if` and `match` as closures: the condition or the subjects read in place,
//! then only the branch or arm taken. A table over one enum subject picks its
//! arm from a lookup by variant made when it is compiled; one over an Int,
//! Date, Decimal, Money or rate subject by a binary search over its bounds
//! ([`Search`]); one over two subjects of which one is an enum by the variant
//! first, then the other's search among that variant's arms. Other tables test
//! their arms in order, each through [`PatternTest::matches`], the
//! interpreter's own test (as the searches do where a value is of an
//! unexpected kind).

use super::intervals::{Found, Regions, Search};
use super::{condition, read_path, value, BoolFn, Frame, Operand, Place, Scalar, TypedFn, ValueFn};
use crate::base::source::Span;
use crate::base::types::Type;
use crate::eval::fault;
use crate::ir::table::{PatternTest, Table};
use crate::ir::{Expr, LetDef};
use crate::value::Value;

/// The arm for each enum variant below 64, and the arm for `none`.
type VariantLookup = (Box<[Option<u32>; 64]>, Option<u32>);

/// How a compiled table finds its arm.
enum Strategy {
    /// One enum subject: its arm by variant (variants from 64 on test the arms).
    Variant(VariantLookup),
    /// One ordered subject: a binary search over its bounds.
    Search(Search),
    /// Two subjects, one of them (`at`) an enum: the other's search among the
    /// arms that variant matches (`none` last), then the arm.
    Split { at: usize, by_variant: Vec<Search> },
    /// The arms tested in order.
    InOrder,
}

/// How a compiled table finds its arm.
struct Selector {
    subjects: Vec<Place>,
    arms: Vec<Vec<PatternTest>>,
    strategy: Strategy,
    span: Span,
}

impl Selector {
    fn new(table: &Table, span: Span) -> Selector {
        let arms: Vec<Vec<PatternTest>> = table.arms.iter().map(|a| a.patterns.clone()).collect();
        let column = |i: usize, keep: &dyn Fn(&[PatternTest]) -> bool| -> Vec<(u32, &PatternTest)> {
            (arms.iter().enumerate())
                .filter(|(_, arm)| keep(arm))
                .filter_map(|(a, arm)| Some((a as u32, arm.get(i)?)))
                .collect()
        };
        let is_enum = |e: &Expr| matches!(e.ty.unwrap_optional(), Type::Enum(_));
        let strategy = match table.subjects() {
            [subject] if is_enum(subject) => {
                let arm = |v: &Value| table.arm_for(&[v]).map(|a| a as u32);
                let lookup: [Option<u32>; 64] = std::array::from_fn(|v| arm(&Value::Enum(v as u32)));
                Strategy::Variant((Box::new(lookup), arm(&Value::None)))
            }
            [subject] => Search::new(&subject.ty, &column(0, &|_| true)).map_or(Strategy::InOrder, Strategy::Search),
            [a, b] if is_enum(a) || is_enum(b) => {
                let (at, other) = if is_enum(a) { (0, b) } else { (1, a) };
                // variants 0 ..= 63, then `none`
                let keys = (0..64).map(Value::Enum).chain([Value::None]);
                let by_variant: Option<Vec<Search>> = keys
                    .map(|key| {
                        let matching = |arm: &[PatternTest]| arm.get(at).is_some_and(|p| p.matches(&key));
                        Search::new(&other.ty, &column(1 - at, &matching))
                    })
                    .collect();
                by_variant.map_or(Strategy::InOrder, |by_variant| Strategy::Split { at, by_variant })
            }
            _ => Strategy::InOrder,
        };
        Selector { subjects: table.subjects().iter().map(Place::new).collect(), arms, strategy, span }
    }

    /// The arm the subjects select; `None` (a fault raised) when a subject
    /// failed or, against the checker's proof, no arm matches.
    #[inline]
    fn select(&self, f: &mut Frame<'_>) -> Option<usize> {
        let arm = match (&self.strategy, self.subjects.as_slice()) {
            (Strategy::Variant((lookup, none)), [subject]) => match *subject.read(f) {
                Value::Enum(v) => match lookup.get(v as usize) {
                    Some(arm) => arm.map(|a| a as usize),
                    // an enum of more than 64 variants: this one is not in the lookup
                    None => self.in_order(&[&Value::Enum(v)]),
                },
                Value::None => none.map(|a| a as usize),
                _ => None,
            },
            (Strategy::Search(search), [subject]) => subject.with(f, |v| match search.arm(v) {
                Found::Arm(arm) => arm.map(|a| a as usize),
                Found::Unknown => self.in_order(&[v]),
            }),
            // the enum a field or a constant, the other subject read first
            // (its faults first) and in place: a let's value is not cloned
            (Strategy::Split { at: 1, by_variant }, [a, b @ (Place::Path(_) | Place::Const(_))]) => {
                let input = f.input;
                a.with(f, |x| {
                    let key = match b {
                        Place::Path(path) => super::read_path(input, path),
                        Place::Const(v) => v,
                        _ => &crate::eval::NONE,
                    };
                    let search = match key {
                        Value::Enum(v) if *v < 64 => by_variant.get(*v as usize),
                        Value::None => by_variant.last(),
                        _ => None,
                    };
                    match search.map(|s| s.arm(x)) {
                        Some(Found::Arm(arm)) => arm.map(|a| a as usize),
                        _ => self.in_order(&[x, key]),
                    }
                })
            }
            (Strategy::Split { at, by_variant }, [a, b]) => {
                let x = a.read(f);
                b.with(f, |y| {
                    let (key, other) = if *at == 0 { (&*x, y) } else { (y, &*x) };
                    let search = match key {
                        Value::Enum(v) if *v < 64 => by_variant.get(*v as usize),
                        Value::None => by_variant.last(),
                        _ => None,
                    };
                    match search.map(|s| s.arm(other)) {
                        Some(Found::Arm(arm)) => arm.map(|a| a as usize),
                        _ => self.in_order(&[&x, y]),
                    }
                })
            }
            (_, [subject]) => {
                let v = subject.read(f);
                self.in_order(&[&v])
            }
            (_, [a, b]) => {
                let x = a.read(f);
                let y = b.read(f);
                self.in_order(&[&x, &y])
            }
            _ => {
                let values: Vec<_> = self.subjects.iter().map(|s| s.read(f)).collect();
                let refs: Vec<&Value> = values.iter().map(|v| &**v).collect();
                self.in_order(&refs)
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

    /// The first arm whose patterns all match `values`, testing each in order.
    fn in_order(&self, values: &[&Value]) -> Option<usize> {
        self.arms.iter().position(|arm| arm.len() == values.len() && arm.iter().zip(values).all(|(p, v)| p.matches(v)))
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
    if let Some(by_variant) = let_by_variant(&selector, &bodies) {
        if let [Place::Let(id), Place::Path(path)] = selector.subjects.as_slice() {
            let (id, path) = (*id, path.clone());
            return Box::new(move |f| {
                if let Some(body) = by_variant.body(f, id, &path) {
                    return Some(body);
                }
                bodies.get(selector.select(f)?)?.get(f)
            });
        }
    }
    Box::new(move |f| bodies.get(selector.select(f)?)?.get(f))
}

/// A typed table of two subjects, an Int let then an enum field (`match
/// app_score, product`), whose bodies are constants: for each variant below
/// 64, the body's value by region of the Int search [`Selector::select`]
/// makes for that variant (`None`: no arm, or a `none` body).
struct LetByVariant<T> {
    regions: Vec<Option<Regions<i64, Option<T>>>>,
}

/// The [`LetByVariant`] of `selector`'s table, when it has that shape.
fn let_by_variant<T: Scalar>(selector: &Selector, bodies: &[Operand<T>]) -> Option<LetByVariant<T>> {
    let (Strategy::Split { at: 1, by_variant }, [Place::Let(_), Place::Path(_)]) =
        (&selector.strategy, selector.subjects.as_slice())
    else {
        return None;
    };
    let consts: Vec<Option<T>> = (bodies.iter())
        .map(|body| match body {
            Operand::Const(c) => Some(*c),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let body = |arm: Option<u32>| arm.and_then(|a| consts.get(a as usize).copied().flatten());
    let regions = (by_variant.iter().take(64))
        .map(|search| match search {
            Search::Int(search) => Some(search.map(body)),
            _ => None,
        })
        .collect();
    Some(LetByVariant { regions })
}

impl<T: Scalar> LetByVariant<T> {
    /// The body's value for the usual record — no fault pending, the field a
    /// variant below 64, the let (read, computed if it is not yet) an Int in
    /// a region an arm with a value covers — as [`Selector::select`] and the
    /// body give it (the field is read without faults, so before the let
    /// here); `None` for any other case, which the selector then decides.
    #[inline]
    fn body(&self, f: &mut Frame<'_>, id: u32, path: &[u32]) -> Option<T> {
        if f.fault.is_some() {
            return None;
        }
        let Value::Enum(v) = read_path(f.input, path) else { return None };
        let regions = self.regions.get(*v as usize)?.as_ref()?;
        let Some(Value::Int(x)) = f.let_slot(id) else { return None };
        let x = *x;
        if f.fault.is_some() {
            return None;
        }
        regions.at(&x).flatten()
    }
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
