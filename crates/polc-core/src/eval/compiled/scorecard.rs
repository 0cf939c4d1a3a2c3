//! A scorecard's score (§11) as one closure: `base` plus each characteristic's
//! points, each characteristic's table run as a typed closure and its points
//! kept in the characteristic's let (so the decision's `scores`, `--explain`
//! and anything reading the let find them without computing them again).
//!
//! INVARIANT: the same values and faults as the lets the scorecard lowers to
//! (`base + c1 + … + cN`, each `ci` a let holding a one-subject table),
//! compiled one by one: the characteristics computed in order, each at most
//! once per decision, all of them even after one failed; the first fault wins.

use super::{table, unexpected, Frame, Scalar, TypedFn, ValueFn};
use crate::base::source::Span;
use crate::eval::{op_fault, LetSlot};
use crate::ir::ops;
use crate::ir::{ArithOp, Expr, ExprKind, LetDef, ScorecardDef};

/// The closure of scorecard `card`'s score let, when its let has the shape
/// the scorecard lowers to (`None`: compile the let as any other).
pub(super) fn score(card: &ScorecardDef, lets: &[LetDef]) -> Option<ValueFn> {
    let total = lets.get(card.total.0 as usize)?;
    let (base, ids) = sum_of_lets(&total.expr)?;
    let parts: Vec<(u32, TypedFn<i64>)> = ids
        .into_iter()
        .map(|id| {
            let points = match &lets.get(id as usize)?.expr {
                e @ Expr { kind: ExprKind::Match(t), .. } if super::is_int(&e.ty) => {
                    table::match_typed::<i64>(t, e.span)
                }
                _ => return None,
            };
            Some((id, points))
        })
        .collect::<Option<_>>()?;
    let span = total.expr.span;
    Some(Box::new(move |f| i64::into_value(sum(f, base, &parts, span))))
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
fn sum(f: &mut Frame<'_>, base: i64, parts: &[(u32, TypedFn<i64>)], span: Span) -> Option<i64> {
    let mut total = Some(base);
    for (id, points) in parts {
        let p = points_of(f, *id, points);
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

/// The points in characteristic let `id`, computed by `points` and kept
/// there if it is empty (as [`Frame::let_slot`] would, without the boxing).
#[inline]
fn points_of(f: &mut Frame<'_>, id: u32, points: &TypedFn<i64>) -> Option<i64> {
    match f.lets.get(id as usize) {
        Some(LetSlot::Done(v)) => return i64::from_value(v),
        Some(LetSlot::Empty) => {}
        _ => return f.let_slot(id).and_then(i64::from_value),
    }
    let earlier = f.fault.take();
    let value = points(f);
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
