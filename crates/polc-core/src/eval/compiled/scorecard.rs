//! A scorecard's score (§11) as one closure: `base` plus each characteristic's
//! points, each characteristic compiled to its points by region ([`Bins`]:
//! the subject placed among the bounds, the region's arm's constant points,
//! no arm closure) where its arms' bodies are Int constants, else its table
//! run as a typed closure; the points kept in the characteristic's let (so
//! the decision's `scores`, `--explain` and anything reading the let find
//! them without computing them again).
//!
//! A characteristic's subject is read in place: a field, a constant, a let's
//! value when it is computed, and, when it is not, the let's own shape where
//! that places the value without building it: `if c then a else b` as the
//! branch taken, `x / y` of two decimals compared with the bounds without
//! dividing ([`super::quotient_vs`], exact), else the let computed as usual.
//!
//! INVARIANT: the same values and faults as the lets the scorecard lowers to
//! (`base + c1 + … + cN`, each `ci` a let holding a one-subject table),
//! compiled one by one: the characteristics computed in order, each at most
//! once per decision, all of them even after one failed; the first fault wins.
//! A let placed through its shape is not stored (lets are pure: a later
//! reader computes the same value, or the same fault).

use super::intervals::{Found, Search};
use super::{condition, read_path, table, unexpected, value, BoolFn, Frame, Operand, Scalar, TypedFn, ValueFn};
use crate::base::source::Span;
use crate::base::types::Type;
use crate::eval::{fault, op_fault, LetSlot, NONE};
use crate::ir::ops;
use crate::ir::table::{PatternTest, Table};
use crate::ir::{ArithOp, Expr, ExprKind, LetDef, ScorecardDef};
use crate::value::Value;
use rust_decimal::Decimal;

/// The closure of scorecard `card`'s score let, when its let has the shape
/// the scorecard lowers to (`None`: compile the let as any other).
pub(super) fn score(card: &ScorecardDef, lets: &[LetDef]) -> Option<ValueFn> {
    let total = lets.get(card.total.0 as usize)?;
    let (base, ids) = sum_of_lets(&total.expr)?;
    let parts: Vec<(u32, Part)> = ids
        .into_iter()
        .map(|id| {
            let part = match &lets.get(id as usize)?.expr {
                e @ Expr { kind: ExprKind::Match(t), .. } if super::is_int(&e.ty) => Bins::new(t, e.span, lets)
                    .map_or_else(|| Part::Table(table::match_typed::<i64>(t, e.span)), Part::Bins),
                _ => return None,
            };
            Some((id, part))
        })
        .collect::<Option<_>>()?;
    let span = total.expr.span;
    Some(Box::new(move |f| i64::into_value(sum(f, base, &parts, span))))
}

/// How one characteristic's points are computed.
#[expect(clippy::large_enum_variant, reason = "built once per policy; the bins inline save a load per characteristic")]
enum Part {
    /// Its points by region.
    Bins(Bins),
    /// Its table as a typed closure (a body that is not an Int constant).
    Table(TypedFn<i64>),
}

impl Part {
    #[inline]
    fn points(&self, f: &mut Frame<'_>) -> Option<i64> {
        match self {
            Part::Bins(bins) => bins.points(f),
            Part::Table(table) => table(f),
        }
    }
}

/// `base + l1 + … + lN` (lets), as `base` and the lets' ids in order.
fn sum_of_lets(e: &Expr) -> Option<(i64, Vec<u32>)> {
    match &e.kind {
        ExprKind::Const(v) => Some((i64::from_value(v)?, Vec::new())),
        ExprKind::Arith(ArithOp::Add, a, b) => match (&b.kind, super::is_int(&a.ty)) {
            (ExprKind::Let(id), true) => {
                let (base, mut ids) = sum_of_lets(a)?;
                ids.push(id.0);
                Some((base, ids))
            }
            _ => None,
        },
        _ => None,
    }
}

/// The score: each characteristic's points (from its let, or computed into
/// it), added as the nested Int additions would (a missing operand or an
/// overflow is the addition's fault, at the scorecard's span).
fn sum(f: &mut Frame<'_>, base: i64, parts: &[(u32, Part)], span: Span) -> Option<i64> {
    let mut total = Some(base);
    for (id, part) in parts {
        let p = points_of(f, *id, part);
        total = match (total, p) {
            (Some(t), Some(p)) => ops::int(ArithOp::Add, t, p).map_err(|error| f.raise(op_fault(error, span))).ok(),
            _ => {
                f.raise(unexpected(span));
                None
            }
        };
    }
    total
}

/// The points in characteristic let `id`, computed by `part` and kept
/// there if it is empty (as [`Frame::let_slot`] would, without the boxing).
#[inline]
fn points_of(f: &mut Frame<'_>, id: u32, part: &Part) -> Option<i64> {
    match f.lets.get(id as usize) {
        Some(LetSlot::Done(v)) => return i64::from_value(v),
        Some(LetSlot::Empty) => {}
        _ => return f.let_slot(id).and_then(i64::from_value),
    }
    if f.fault.is_none() {
        // the usual case: nothing to set aside
        let value = part.points(f);
        if f.fault.is_none() {
            if let Some(slot) = f.lets.get_mut(id as usize) {
                // the slot was empty: nothing to drop
                match std::mem::replace(slot, LetSlot::Done(i64::into_value(value))) {
                    empty @ LetSlot::Empty => std::mem::forget(empty),
                    other => drop(other),
                }
            }
            return value;
        }
    }
    let earlier = f.fault.take();
    let value = part.points(f);
    let failed = f.fault.take();
    if let Some(slot) = f.lets.get_mut(id as usize) {
        *slot = match &failed {
            Some(fault) => LetSlot::Failed(fault.clone()),
            None => LetSlot::Done(i64::into_value(value)),
        };
    }
    let ok = failed.is_none();
    f.fault = earlier.or(failed);
    if ok {
        value
    } else {
        None
    }
}

/// A characteristic whose arms' bodies are Int constants: the subject's arm
/// found as the table's selector would, and that arm's points.
struct Bins {
    subject: Subject,
    find: Find,
    /// Each arm's pattern (for values of an unexpected kind).
    patterns: Vec<PatternTest>,
    /// Each arm's points.
    points: Vec<i64>,
    span: Span,
}

/// How the arm of a subject's value is found.
enum Find {
    /// A binary search over the bounds (Int, Date, Decimal, Money, a rate).
    Search(Search),
    /// An enum: the arm by variant (below 64), and the arm of `none`.
    Variant(Box<[Option<u32>; 64]>, Option<u32>),
    /// A Bool: the arms of `false`, `true` and `none`.
    Bool([Option<u32>; 3]),
    /// Patterns that are all `_` or `none`: the arm of any value, and of `none`.
    Presence { some: Option<u32>, none: Option<u32> },
    /// The arms tested in order.
    InOrder,
}

impl Bins {
    fn new(table: &Table, span: Span, lets: &[LetDef]) -> Option<Bins> {
        let [subject] = table.subjects() else { return None };
        let points: Vec<i64> = table
            .bodies()
            .iter()
            .map(|body| match &body.kind {
                ExprKind::Const(v) => i64::from_value(v),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let patterns: Vec<PatternTest> =
            table.arms.iter().map(|arm| arm.patterns.first().cloned()).collect::<Option<_>>()?;
        if points.len() != patterns.len() {
            return None;
        }
        let arm = |v: &Value| table.arm_for(&[v]).map(|a| a as u32);
        let column: Vec<(u32, &PatternTest)> = patterns.iter().enumerate().map(|(a, p)| (a as u32, p)).collect();
        let find = match subject.ty.unwrap_optional() {
            Type::Enum(_) => {
                let lookup: [Option<u32>; 64] = std::array::from_fn(|v| arm(&Value::Enum(v as u32)));
                Find::Variant(Box::new(lookup), arm(&Value::None))
            }
            Type::Bool => Find::Bool([arm(&Value::Bool(false)), arm(&Value::Bool(true)), arm(&Value::None)]),
            _ if patterns.iter().all(|p| matches!(p, PatternTest::Any | PatternTest::None)) => {
                let some = patterns.iter().position(|p| matches!(p, PatternTest::Any)).map(|a| a as u32);
                Find::Presence { some, none: arm(&Value::None) }
            }
            ty => Search::new(ty, &column).map_or(Find::InOrder, Find::Search),
        };
        Some(Bins { subject: Subject::new(subject, lets, 0), find, patterns, points, span })
    }

    /// The characteristic's points; `None` (a fault raised) when the subject
    /// failed or, against the checker's proof, no arm matches.
    #[inline]
    fn points(&self, f: &mut Frame<'_>) -> Option<i64> {
        let arm = self.subject.place(f, self);
        if f.fault.is_some() {
            return None;
        }
        match arm.and_then(|a| self.points.get(a as usize)) {
            Some(p) => Some(*p),
            None => {
                f.raise(fault("internal error: no arm of the table matches", self.span));
                None
            }
        }
    }

    /// The arm `v` selects: the first whose pattern matches it.
    #[inline]
    fn arm(&self, v: &Value) -> Option<u32> {
        match (&self.find, v) {
            (Find::Search(search), v) => match search.arm(v) {
                Found::Arm(arm) => arm,
                Found::Unknown => self.in_order(v),
            },
            (Find::Variant(lookup, _), Value::Enum(x)) => match lookup.get(*x as usize) {
                Some(arm) => *arm,
                None => self.in_order(v),
            },
            (Find::Variant(_, none), Value::None) => *none,
            (Find::Bool([no, _, _]), Value::Bool(false)) => *no,
            (Find::Bool([_, yes, _]), Value::Bool(true)) => *yes,
            (Find::Bool([_, _, none]), Value::None) => *none,
            (Find::Presence { none, .. }, Value::None) => *none,
            (Find::Presence { some, .. }, _) => *some,
            _ => self.in_order(v),
        }
    }

    fn in_order(&self, v: &Value) -> Option<u32> {
        self.patterns.iter().position(|p| p.matches(v)).map(|a| a as u32)
    }
}

/// A characteristic's subject, read in place.
enum Subject {
    Path(Box<[u32]>),
    Const(Value),
    /// Let `id`: its value when computed; when it is not, its shape (`None`:
    /// the let computed and kept, as any let read).
    Let(u32, Option<Box<Subject>>),
    /// `if c then a else b`: the branch taken.
    If(BoolFn, Box<Subject>, Box<Subject>),
    /// `x / y` of two decimals (fields or constants): placed among the bounds
    /// without dividing where that is exact, else `divided` (the let, or the
    /// division).
    Ratio {
        x: Operand<Decimal>,
        y: Operand<Decimal>,
        divided: Operand<Decimal>,
    },
    /// Any other expression, as a value.
    Code(ValueFn),
}

impl Subject {
    /// How `e` is read; `depth` counts the lets looked through.
    fn new(e: &Expr, lets: &[LetDef], depth: usize) -> Subject {
        match &e.kind {
            ExprKind::Path(path) => Subject::Path(path.clone()),
            ExprKind::Const(v) => Subject::Const(v.clone()),
            ExprKind::Let(id) => {
                let shape = lets.get(id.0 as usize).filter(|_| depth < 4).and_then(|l| match &l.expr.kind {
                    ExprKind::If(_, a, b) if a.ty == l.expr.ty && b.ty == l.expr.ty => {
                        Some(Box::new(Subject::new(&l.expr, lets, depth + 1)))
                    }
                    _ => Subject::ratio(&l.expr, Operand::Let(id.0)).map(Box::new),
                });
                Subject::Let(id.0, shape)
            }
            ExprKind::If(c, a, b) if a.ty == e.ty && b.ty == e.ty => Subject::If(
                condition(c, lets),
                Box::new(Subject::new(a, lets, depth)),
                Box::new(Subject::new(b, lets, depth)),
            ),
            _ => Subject::ratio(e, Operand::new(e)).unwrap_or_else(|| Subject::Code(value(e))),
        }
    }

    /// `e` as a ratio of two plain decimals (the shape `quotient_vs` decides).
    fn ratio(e: &Expr, divided: Operand<Decimal>) -> Option<Subject> {
        let ExprKind::Arith(ArithOp::Div, x, y) = &e.kind else { return None };
        let plain = |e: &Expr| super::is_decimal(&e.ty) && matches!(e.kind, ExprKind::Path(_) | ExprKind::Const(_));
        if !super::is_decimal(&e.ty) || !plain(x) || !plain(y) {
            return None;
        }
        Some(Subject::Ratio { x: Operand::new(x), y: Operand::new(y), divided })
    }

    /// The arm of `bins` the subject's value selects (faults raised in `f`).
    #[inline]
    fn place(&self, f: &mut Frame<'_>, bins: &Bins) -> Option<u32> {
        // a field, or a let already computed: read in place
        match self {
            Subject::Path(path) => return bins.arm(read_path(f.input, path)),
            Subject::Let(id, _) => {
                if let Some(LetSlot::Done(v)) = f.lets.get(*id as usize) {
                    return bins.arm(v);
                }
            }
            _ => {}
        }
        self.place_other(f, bins)
    }

    /// [`Subject::place`] for the other shapes.
    #[inline(never)]
    fn place_other(&self, f: &mut Frame<'_>, bins: &Bins) -> Option<u32> {
        match self {
            Subject::Path(path) => bins.arm(read_path(f.input, path)),
            Subject::Const(v) => bins.arm(v),
            Subject::Let(id, shape) => match (f.lets.get(*id as usize), shape) {
                (Some(LetSlot::Done(v)), _) => bins.arm(v),
                (Some(LetSlot::Empty), Some(shape)) => shape.place(f, bins),
                _ => {
                    let v = f.let_slot(*id).unwrap_or(&NONE);
                    bins.arm(v)
                }
            },
            Subject::If(c, a, b) => {
                if c(f) {
                    a.place(f, bins)
                } else {
                    b.place(f, bins)
                }
            }
            Subject::Ratio { x, y, divided } => {
                if let (Find::Search(search), Some(x), Some(y)) = (&bins.find, x.get(f), y.get(f)) {
                    if let Some(arm) = search.quotient_arm(x, y) {
                        return arm;
                    }
                }
                let q = Decimal::into_value(divided.get(f));
                bins.arm(&q)
            }
            Subject::Code(code) => {
                let v = code(f);
                bins.arm(&v)
            }
        }
    }
}
