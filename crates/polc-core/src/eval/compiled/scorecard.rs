//! A scorecard's score (§11) as one closure: `base` plus each characteristic's
//! points, each characteristic one closure specialised by how its subject is
//! read (a field, a let, another shape) and by its type's lookup of points by
//! region ([`Lookup`]: an Int placed among `i64` bounds, a Money or Decimal by
//! its mantissa against bounds pre-scaled to its scale, an enum by variant, a
//! Bool, `none`/`_`), where its arms' bodies are Int constants; else its
//! table run as a typed closure. A characteristic whose subject is a field is
//! no closure but an entry of the score's own loop (its path and lookup). The
//! points are kept in the frame's typed array ([`Frame::scored`], by the
//! characteristic's position), which the decision's `scores` copy once the
//! score is complete, not in the characteristics' lets.
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
//! A characteristic that failed keeps its fault in its let; one computed
//! keeps its points in [`Frame::scored`], valid for the decision once the
//! score's let is computed and marks the scorecard complete (a score computed
//! by the interpreter leaves every characteristic's let computed instead). A let placed through its shape is
//! not stored (lets are pure: a later reader computes the same value, or the
//! same fault).

use super::intervals::{self, DecimalIntervals, DecimalRegions, Intervals, Regions};
use super::{condition, read_path, table, unexpected, value, BoolFn, Frame, Operand, Scalar, TypedFn, ValueFn};
use crate::base::source::Span;
use crate::base::types::Type;
use crate::eval::{fault, op_fault, LetSlot, NONE};
use crate::ir::ops;
use crate::ir::table::{PatternTest, Table};
use crate::ir::{ArithOp, Expr, ExprKind, LetDef, ScorecardDef};
use crate::value::Value;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A characteristic's points for the frame's record; `None` with a fault
/// raised (a typed table's closure is one too).
type PointsFn = TypedFn<i64>;

/// The closure of scorecard `card` (number `index`, its points at `at` in
/// [`super::ScoredPoints::points`])'s score let, when its let has the shape
/// the scorecard lowers to (`None`: compile the let as any other). `reads`
/// counts the reads of each let over every expression the program evaluates
/// ([`super::let_reads`]).
pub(super) fn score(card: &ScorecardDef, index: usize, at: usize, lets: &[LetDef], reads: &[u32]) -> Option<ValueFn> {
    let total = lets.get(card.total.0 as usize)?;
    let (base, ids) = sum_of_lets(&total.expr)?;
    // the reads of each let by the score itself
    let mut own = vec![0u32; lets.len()];
    super::count_reads(&total.expr, &mut own);
    // a characteristic read only by the score: its let is never filled before the score runs
    let alone = |id: u32| reads.get(id as usize).is_some_and(|r| Some(r) == own.get(id as usize));
    let mut fields: Vec<FieldPart> = Vec::new();
    let mut parts: Vec<Part> = Vec::with_capacity(ids.len());
    // the largest the sum's terms can be (`None`: not known when compiled)
    let mut largest = Some(u128::from(base.unsigned_abs()));
    for (k, id) in ids.into_iter().enumerate() {
        let how = match &lets.get(id as usize)?.expr {
            e @ Expr { kind: ExprKind::Match(t), .. } if super::is_int(&e.ty) => {
                largest = largest.zip(largest_points(t)).map(|(sum, p)| sum + u128::from(p));
                match characteristic(t, e.span, lets) {
                    Some(Characteristic::Field(path, bins)) => {
                        fields.push(FieldPart { k, path, bins: *bins, alone: alone(id) });
                        How::Field(fields.len() - 1)
                    }
                    Some(Characteristic::Code(code)) => How::Code(code),
                    None => How::Code(table::match_typed::<i64>(t, e.span)),
                }
            }
            _ => return None,
        };
        parts.push(Part { id, how });
    }
    // the points are kept by position: the parts must be the characteristics, in order
    let in_order = parts.len() == card.characteristics.len()
        && parts.iter().zip(&card.characteristics).all(|(part, c)| part.id == c.points.0);
    if !in_order {
        return None;
    }
    // the fields read by the score alone first (the fast loop's), their parts renumbered
    let mut order: Vec<usize> = (0..fields.len()).collect();
    order.sort_by_key(|&j| !fields[j].alone);
    let mut renumber = vec![0; fields.len()];
    for (new, &old) in order.iter().enumerate() {
        renumber[old] = new;
    }
    for part in &mut parts {
        if let How::Field(j) = &mut part.how {
            *j = renumber[*j];
        }
    }
    let mut slots: Vec<Option<FieldPart>> = fields.into_iter().map(Some).collect();
    let fields: Vec<FieldPart> = order.iter().filter_map(|&j| slots[j].take()).collect();
    let fast = fields.iter().take_while(|field| field.alone).count();
    let rest: Vec<usize> = (parts.iter().enumerate())
        .filter(|(_, part)| !matches!(part.how, How::Field(j) if j < fast))
        .map(|(k, _)| k)
        .collect();
    let complete = u32::try_from(index).ok().and_then(|i| 1u64.checked_shl(i)).unwrap_or(0);
    let bounded = largest.is_some_and(|sum| sum <= i64::MAX as u128);
    let score = Score { base, parts, fields, fast, rest, bounded, kept: Kept { at, complete }, span: total.expr.span };
    Some(Box::new(move |f| i64::into_value(score.compute(f))))
}

/// The largest magnitude of a characteristic's points: of its table's bodies,
/// when all are Int constants (its points are always one of them); `None`
/// otherwise.
fn largest_points(table: &Table) -> Option<u64> {
    (table.bodies().iter())
        .map(|body| match &body.kind {
            ExprKind::Const(v) => i64::from_value(v).map(i64::unsigned_abs),
            _ => None,
        })
        .try_fold(0u64, |largest, p| p.map(|p| largest.max(p)))
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

/// Where a score keeps its characteristics' points: from `at` in
/// [`super::ScoredPoints::points`], complete once bit `complete` is set.
#[derive(Clone, Copy)]
struct Kept {
    at: usize,
    /// `0` for a scorecard from the 65th on (its points read from the lets).
    complete: u64,
}

/// One characteristic: its let and how its points are computed.
struct Part {
    id: u32,
    how: How,
}

/// How a characteristic's points are computed.
enum How {
    /// A field subject: [`Score::fields`]' entry, read and placed in the
    /// score's own loop, no call.
    Field(usize),
    /// Any other: its closure.
    Code(PointsFn),
}

/// A characteristic whose subject is a field: its position, path and lookup.
struct FieldPart {
    /// The characteristic's position in its scorecard.
    k: usize,
    path: Box<[u32]>,
    bins: Bins<FieldLookup>,
    /// Its let is read by the score alone (so never filled before the score runs).
    alone: bool,
}

impl FieldPart {
    /// The points of the field's value (`None`: no arm); no fault raised.
    #[inline(always)]
    fn points(&self, input: &Value) -> Option<i64> {
        self.bins.value_points(read_path(input, &self.path))
    }
}

/// A scorecard's score.
struct Score {
    base: i64,
    /// Every characteristic, in order.
    parts: Vec<Part>,
    /// The field characteristics, those read by the score alone first.
    fields: Vec<FieldPart>,
    /// How many of `fields` are read by the score alone: placed in one loop
    /// first, without their lets or faults.
    fast: usize,
    /// The positions of the other parts, in order.
    rest: Vec<usize>,
    /// `|base|` and the largest points of every characteristic add up to at
    /// most `i64::MAX`: no partial sum, in any order, can overflow, so the
    /// points are added as they are placed, unchecked.
    bounded: bool,
    kept: Kept,
    span: Span,
}

impl Score {
    /// The score, as [`sum`] computes it, by the shortest way where nothing
    /// fails: the fields read by the score alone placed first in one loop
    /// (no side effects, no faults: their lets are never filled, and a field
    /// with no arm, a missing point or an overflow goes to [`sum`] from the
    /// start), then the other characteristics in order, then the sum.
    ///
    /// Running [`sum`] after a part of the way changes nothing: the field
    /// loop has no effect but points written (which only a complete
    /// scorecard's bit lets anyone read), and a characteristic computed before
    /// is computed again (lets are pure) or read from its let where it failed,
    /// its fault raised again in its place.
    fn compute(&self, f: &mut Frame<'_>) -> Option<i64> {
        let Kept { at, complete } = self.kept;
        let n = self.parts.len();
        if f.fault.is_some() {
            return sum(f, self.base, &self.parts, &self.fields, self.kept, self.span);
        }
        let input = f.input;
        let Some(points) = f.scored.points.get_mut(at..at + n) else {
            return sum(f, self.base, &self.parts, &self.fields, self.kept, self.span);
        };
        let mut placed = true;
        // exact when `bounded` (and then the only sum): see there
        let mut running = self.base;
        for field in self.fields.get(..self.fast).unwrap_or_default() {
            match (field.points(input), points.get_mut(field.k)) {
                (Some(p), Some(slot)) => {
                    *slot = p;
                    running = running.wrapping_add(p);
                }
                _ => placed = false,
            }
        }
        if !placed {
            return sum(f, self.base, &self.parts, &self.fields, self.kept, self.span);
        }
        for &k in &self.rest {
            let Some(part) = self.parts.get(k) else { continue };
            let p = points_of(f, part, &self.fields).filter(|_| f.fault.is_none());
            match (p, f.scored.points.get_mut(at + k)) {
                (Some(p), Some(slot)) => {
                    *slot = p;
                    running = running.wrapping_add(p);
                }
                _ => {
                    f.fault = None;
                    return sum(f, self.base, &self.parts, &self.fields, self.kept, self.span);
                }
            }
        }
        if self.bounded {
            f.scored.complete |= complete;
            return Some(running);
        }
        let mut total = self.base;
        for &p in f.scored.points.get(at..at + n).unwrap_or_default() {
            match total.checked_add(p) {
                Some(t) => total = t,
                None => return sum(f, self.base, &self.parts, &self.fields, self.kept, self.span),
            }
        }
        f.scored.complete |= complete;
        Some(total)
    }
}

impl Part {
    /// The points (`None`: a fault raised); inlined into the score's loop.
    #[inline(always)]
    fn compute(&self, f: &mut Frame<'_>, fields: &[FieldPart]) -> Option<i64> {
        match &self.how {
            How::Field(j) => match fields.get(*j) {
                Some(field) => {
                    let points = field.points(f.input);
                    field.bins.settle(f, points)
                }
                None => {
                    f.raise(fault("internal error: a characteristic without its field", Span::default()));
                    None
                }
            },
            How::Code(code) => code(f),
        }
    }
}

/// The score: each characteristic's points (computed, or from its let),
/// added as the nested Int additions would (a missing operand or an overflow
/// is the addition's fault, at the scorecard's span). Every point computed is
/// kept (`kept`); all of them, and the score, mark the scorecard complete.
#[cold]
#[inline(never)]
fn sum(f: &mut Frame<'_>, base: i64, parts: &[Part], fields: &[FieldPart], kept: Kept, span: Span) -> Option<i64> {
    let mut total = Some(base);
    for (k, part) in parts.iter().enumerate() {
        let p = points_of(f, part, fields);
        if let (Some(p), Some(slot)) = (p, f.scored.points.get_mut(kept.at + k)) {
            *slot = p;
        }
        total = match (total, p) {
            (Some(t), Some(p)) => match t.checked_add(p) {
                Some(sum) => Some(sum),
                None => overflow(f, t, p, span),
            },
            _ => {
                f.raise(unexpected(span));
                None
            }
        };
    }
    if total.is_some() && f.fault.is_none() {
        f.scored.complete |= kept.complete;
    }
    total
}

/// The fault of `t + p` overflowing (the Int addition's own).
#[cold]
fn overflow(f: &mut Frame<'_>, t: i64, p: i64, span: Span) -> Option<i64> {
    ops::int(ArithOp::Add, t, p).map_err(|error| f.raise(op_fault(error, span))).ok()
}

/// A characteristic's points, computed when its let is empty (a let the
/// interpreter computed, or that failed, is read as any let); a fault is
/// kept in its let.
#[inline]
fn points_of(f: &mut Frame<'_>, part: &Part, fields: &[FieldPart]) -> Option<i64> {
    let id = part.id;
    if !matches!(f.lets.get(id as usize), Some(LetSlot::Empty)) {
        return f.let_slot(id).and_then(i64::from_value);
    }
    if f.fault.is_some() {
        return points_after_fault(f, part, fields);
    }
    // the usual case: nothing to set aside
    let points = part.compute(f, fields);
    match (&f.fault, points) {
        (None, Some(p)) => Some(p),
        (Some(failed), _) => {
            let failed = LetSlot::Failed(failed.clone());
            f.fill_let(id as usize, failed);
            None
        }
        // no value and no fault: nothing kept (the sum raises its fault)
        (None, None) => None,
    }
}

/// [`points_of`] with an earlier fault pending: set aside while the
/// characteristic is computed, so that its own fault is kept in its let;
/// the earlier one still wins.
#[cold]
fn points_after_fault(f: &mut Frame<'_>, part: &Part, fields: &[FieldPart]) -> Option<i64> {
    let earlier = f.fault.take();
    let points = part.compute(f, fields);
    let failed = f.fault.take();
    if let Some(fault) = &failed {
        f.fill_let(part.id as usize, LetSlot::Failed(fault.clone()));
    }
    let ok = failed.is_none();
    f.fault = earlier.or(failed);
    points.filter(|_| ok)
}

/// A characteristic whose arms' bodies are Int constants: its subject read in
/// place and placed among its bins by its type's lookup.
fn characteristic(table: &Table, span: Span, lets: &[LetDef]) -> Option<Characteristic> {
    let [subject_expr] = table.subjects() else { return None };
    let in_order = InOrder::new(table, span)?;
    let subject = Subject::new(subject_expr, lets, 0);
    let points_of_arm = |arm: Option<u32>| arm.and_then(|a| in_order.points.get(a as usize).copied());
    let arm_of = |v: &Value| table.arm_for(&[v]).map(|a| a as u32);
    let points = |v: &Value| points_of_arm(arm_of(v));
    let column: Vec<(u32, &PatternTest)> = in_order.patterns.iter().enumerate().map(|(a, p)| (a as u32, p)).collect();
    let any_or_none = in_order.patterns.iter().all(|p| matches!(p, PatternTest::Any | PatternTest::None));
    let lookup = match subject_expr.ty.unwrap_optional() {
        Type::Enum(_) => {
            let by_variant: [Option<i64>; 64] = std::array::from_fn(|v| points(&Value::Enum(v as u32)));
            FieldLookup::Variant(VariantBins { by_variant: Box::new(by_variant), none: points(&Value::None) })
        }
        Type::Bool => {
            FieldLookup::Bool(BoolBins([points(&Value::Bool(false)), points(&Value::Bool(true)), points(&Value::None)]))
        }
        _ if any_or_none => {
            let some = in_order.patterns.iter().position(|p| matches!(p, PatternTest::Any));
            FieldLookup::Presence(PresenceBins {
                some: points_of_arm(some.map(|a| a as u32)),
                none: points(&Value::None),
            })
        }
        Type::Int => Intervals::<i64>::new(&column)
            .map_or(FieldLookup::InOrder, |search| FieldLookup::Int(OrderedBins(search.map(points_of_arm)))),
        Type::Date => Intervals::<NaiveDate>::new(&column)
            .map_or(FieldLookup::InOrder, |search| FieldLookup::Date(OrderedBins(search.map(points_of_arm)))),
        Type::Decimal | Type::Money => DecimalIntervals::new(&column)
            .map_or(FieldLookup::InOrder, |search| FieldLookup::Decimal(DecimalBins(search.map(points_of_arm)))),
        _ => FieldLookup::InOrder,
    };
    Some(match subject {
        Subject::Path(path) => Characteristic::Field(path, Box::new(Bins { lookup, in_order })),
        other => Characteristic::Code(lookup.specialise(other, in_order)),
    })
}

/// A characteristic compiled: a field and its lookup, or a closure.
enum Characteristic {
    Field(Box<[u32]>, Box<Bins<FieldLookup>>),
    Code(PointsFn),
}

/// The closure of a characteristic whose subject is not a field: a let's
/// value placed in place once computed, other subjects through
/// [`Subject::place`]; each its own closure, so no record matches on the
/// subject's kind or the lookup's.
fn specialise<L: Lookup>(subject: Subject, lookup: L, in_order: InOrder) -> PointsFn {
    let bins = Bins { lookup, in_order };
    match subject {
        Subject::Let(id, Some(shape)) if matches!(*shape, Subject::If(..)) => guarded(id, *shape, bins),
        // no shape: the let's value, computed (and kept) when it is not yet
        Subject::Let(id, None) => Box::new(move |f| {
            let points = match f.let_slot(id) {
                Some(v) => bins.value_points(v),
                // it failed (its fault raised): the placeholder is dropped by the caller
                None => bins.value_points(&NONE),
            };
            bins.settle(f, points)
        }),
        Subject::Let(id, shape) => Box::new(move |f| {
            if let Some(LetSlot::Done(v)) = f.lets.get(id as usize) {
                let points = bins.value_points(v);
                return bins.settle(f, points);
            }
            Subject::let_points(f, &bins, id, shape.as_deref())
        }),
        other => Box::new(move |f| {
            let points = other.place(f, &bins);
            // a subject that failed: its fault, not a placeholder's points
            points.filter(|_| f.fault.is_none())
        }),
    }
}

/// The closure of a characteristic over let `id`, not a field, whose `shape`
/// is `if c then a else b` (`dti_or_worst`): [`Subject::place`]'s way through
/// that shape written out for the usual record — the let empty, `a` a let
/// `x / y` of two fields or constants, itself empty, and the quotient placed
/// without dividing — so that record takes no recursive call and reads `x` and
/// `y` in place. Any other case goes the general way (the same steps, or the
/// let's value); the reads are pure, so starting over changes nothing.
fn guarded<L: Lookup>(id: u32, shape: Subject, bins: Bins<L>) -> PointsFn {
    Box::new(move |f| {
        let Subject::If(c, a, b) = &shape else { return general(f, &bins, id, &shape) };
        if !matches!(f.lets.get(id as usize), Some(LetSlot::Empty)) {
            return general(f, &bins, id, &shape);
        }
        if !c(f) {
            return b.place(f, &bins);
        }
        if let Subject::Let(r, Some(ratio)) = &**a {
            if let (Subject::Ratio { x, y, .. }, Some(LetSlot::Empty)) = (&**ratio, f.lets.get(*r as usize)) {
                if let (Some(x), Some(y)) = (plain(x, f), plain(y, f)) {
                    if let Some(Placed::Points(p)) = bins.lookup.quotient(x, y) {
                        return Some(p);
                    }
                }
            }
        }
        a.place(f, &bins)
    })
}

/// Let `id`'s points as [`specialise`]'s closure for a let gives them: its
/// value placed once computed, else through its `shape`.
#[inline(never)]
fn general<L: Lookup>(f: &mut Frame<'_>, bins: &Bins<L>, id: u32, shape: &Subject) -> Option<i64> {
    if let Some(LetSlot::Done(v)) = f.lets.get(id as usize) {
        let points = bins.value_points(v);
        return bins.settle(f, points);
    }
    Subject::let_points(f, bins, id, Some(shape))
}

/// A field or constant operand read in place, as [`Operand::get`] reads it
/// (`None` for other operands too: the caller then goes the general way).
#[inline(always)]
fn plain(op: &Operand<Decimal>, f: &Frame<'_>) -> Option<Decimal> {
    match op {
        Operand::Path(path) => Decimal::from_value(read_path(f.input, path)),
        Operand::Const(c) => *c,
        _ => None,
    }
}

/// A characteristic's lookup, by its subject's type: matched for each field
/// subject in the score's loop, or unwrapped into a closure of its own.
enum FieldLookup {
    Int(OrderedBins<i64>),
    Date(OrderedBins<NaiveDate>),
    Decimal(DecimalBins),
    Variant(VariantBins),
    Bool(BoolBins),
    Presence(PresenceBins),
    InOrder,
}

impl FieldLookup {
    /// The closure of a characteristic whose subject is not a field ([`specialise`]).
    fn specialise(self, subject: Subject, in_order: InOrder) -> PointsFn {
        match self {
            FieldLookup::Int(l) => specialise(subject, l, in_order),
            FieldLookup::Date(l) => specialise(subject, l, in_order),
            FieldLookup::Decimal(l) => specialise(subject, l, in_order),
            FieldLookup::Variant(l) => specialise(subject, l, in_order),
            FieldLookup::Bool(l) => specialise(subject, l, in_order),
            FieldLookup::Presence(l) => specialise(subject, l, in_order),
            FieldLookup::InOrder => specialise(subject, NoLookup, in_order),
        }
    }
}

impl Lookup for FieldLookup {
    // (inlined into the score's loop: one match there, no call per characteristic)
    #[inline(always)]
    fn place(&self, v: &Value) -> Placed {
        match self {
            FieldLookup::Int(l) => l.place(v),
            FieldLookup::Date(l) => l.place(v),
            FieldLookup::Decimal(l) => l.place(v),
            FieldLookup::Variant(l) => l.place(v),
            FieldLookup::Bool(l) => l.place(v),
            FieldLookup::Presence(l) => l.place(v),
            FieldLookup::InOrder => Placed::OtherKind,
        }
    }

    #[inline]
    fn quotient(&self, x: Decimal, y: Decimal) -> Option<Placed> {
        match self {
            FieldLookup::Decimal(l) => l.quotient(x, y),
            _ => None,
        }
    }
}

/// Where a subject's value falls among a characteristic's bins.
enum Placed {
    /// In a region: the region's arm's points.
    Points(i64),
    /// In a region no arm covers (against the checker's proof).
    NoArm,
    /// A value of another kind than the lookup's: test the patterns in order.
    OtherKind,
}

impl Placed {
    #[inline]
    fn of(points: Option<i64>) -> Placed {
        points.map_or(Placed::NoArm, Placed::Points)
    }
}

/// A characteristic's points by region for one kind of subject value.
trait Lookup: Send + Sync + 'static {
    /// Where `v` falls.
    fn place(&self, v: &Value) -> Placed;

    /// Where the quotient `x / y` falls, found without dividing; `None` when
    /// that cannot be told exactly (then divide).
    fn quotient(&self, _x: Decimal, _y: Decimal) -> Option<Placed> {
        None
    }
}

/// Int or Date bounds: the key compared as itself (an Int as `i64`).
struct OrderedBins<K>(Regions<K, Option<i64>>);

impl<K: intervals::Key + Send + Sync + 'static> Lookup for OrderedBins<K> {
    #[inline]
    fn place(&self, v: &Value) -> Placed {
        if let Value::None = v {
            return Placed::of(self.0.none());
        }
        match K::from_value(v) {
            Some(key) => Placed::of(self.0.at(&key).flatten()),
            None => Placed::OtherKind,
        }
    }
}

/// Money or Decimal bounds, pre-scaled to the value's scale.
struct DecimalBins(DecimalRegions<Option<i64>>);

impl Lookup for DecimalBins {
    #[inline]
    fn place(&self, v: &Value) -> Placed {
        match v {
            Value::Dec(d) => Placed::of(self.0.at(*d).flatten()),
            Value::None => Placed::of(self.0.none()),
            // an Int compares with a Decimal as the Decimal it is
            Value::Int(i) => Placed::of(self.0.at(Decimal::from(*i)).flatten()),
            _ => Placed::OtherKind,
        }
    }

    #[inline]
    fn quotient(&self, x: Decimal, y: Decimal) -> Option<Placed> {
        self.0.quotient(x, y).map(|points| Placed::of(points.flatten()))
    }
}

/// An enum: the points by variant (below 64), and of `none`.
struct VariantBins {
    by_variant: Box<[Option<i64>; 64]>,
    none: Option<i64>,
}

impl Lookup for VariantBins {
    #[inline]
    fn place(&self, v: &Value) -> Placed {
        match v {
            Value::Enum(x) => match self.by_variant.get(*x as usize) {
                Some(points) => Placed::of(*points),
                None => Placed::OtherKind,
            },
            Value::None => Placed::of(self.none),
            _ => Placed::OtherKind,
        }
    }
}

/// A Bool: the points of `false`, `true` and `none`.
struct BoolBins([Option<i64>; 3]);

impl Lookup for BoolBins {
    #[inline]
    fn place(&self, v: &Value) -> Placed {
        let [no, yes, none] = self.0;
        match v {
            Value::Bool(false) => Placed::of(no),
            Value::Bool(true) => Placed::of(yes),
            Value::None => Placed::of(none),
            _ => Placed::OtherKind,
        }
    }
}

/// Patterns that are all `_` or `none`: the points of any value, and of `none`.
struct PresenceBins {
    some: Option<i64>,
    none: Option<i64>,
}

impl Lookup for PresenceBins {
    #[inline]
    fn place(&self, v: &Value) -> Placed {
        match v {
            Value::None => Placed::of(self.none),
            _ => Placed::of(self.some),
        }
    }
}

/// No lookup: the patterns tested in order.
struct NoLookup;

impl Lookup for NoLookup {
    fn place(&self, _: &Value) -> Placed {
        Placed::OtherKind
    }
}

/// A characteristic's arms: each pattern and its points, tested in order
/// (for values of another kind than the lookup's).
struct InOrder {
    patterns: Vec<PatternTest>,
    points: Vec<i64>,
    span: Span,
}

impl InOrder {
    /// `None` when an arm's body is not an Int constant.
    fn new(table: &Table, span: Span) -> Option<InOrder> {
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
        (points.len() == patterns.len()).then_some(InOrder { patterns, points, span })
    }

    /// The points of the first arm whose pattern matches `v`.
    #[cold]
    #[inline(never)]
    fn points(&self, v: &Value) -> Option<i64> {
        let arm = self.patterns.iter().position(|p| p.matches(v))?;
        self.points.get(arm).copied()
    }
}

/// A characteristic's lookup and its arms.
struct Bins<L> {
    lookup: L,
    in_order: InOrder,
}

impl<L: Lookup> Bins<L> {
    /// The points of `v`; `None`: no arm matches.
    #[inline]
    fn value_points(&self, v: &Value) -> Option<i64> {
        match self.lookup.place(v) {
            Placed::Points(p) => Some(p),
            Placed::NoArm => None,
            Placed::OtherKind => self.in_order.points(v),
        }
    }

    /// `points`, or, when no arm matched, the fault that says so.
    #[inline]
    fn settle(&self, f: &mut Frame<'_>, points: Option<i64>) -> Option<i64> {
        if points.is_none() {
            self.no_arm(f);
        }
        points
    }

    #[cold]
    fn no_arm(&self, f: &mut Frame<'_>) {
        f.raise(fault("internal error: no arm of the table matches", self.in_order.span));
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

    /// The points of the subject's value among `bins` (faults raised in `f`).
    fn place<L: Lookup>(&self, f: &mut Frame<'_>, bins: &Bins<L>) -> Option<i64> {
        match self {
            Subject::Path(path) => {
                let points = bins.value_points(read_path(f.input, path));
                bins.settle(f, points)
            }
            Subject::Const(v) => {
                let points = bins.value_points(v);
                bins.settle(f, points)
            }
            Subject::Let(id, shape) => {
                if let Some(LetSlot::Done(v)) = f.lets.get(*id as usize) {
                    let points = bins.value_points(v);
                    return bins.settle(f, points);
                }
                Subject::let_points(f, bins, *id, shape.as_deref())
            }
            Subject::If(c, a, b) => {
                if c(f) {
                    a.place(f, bins)
                } else {
                    b.place(f, bins)
                }
            }
            Subject::Ratio { x, y, divided } => {
                if let (Some(x), Some(y)) = (x.get(f), y.get(f)) {
                    match bins.lookup.quotient(x, y) {
                        Some(Placed::Points(p)) => return Some(p),
                        Some(Placed::NoArm) => return bins.settle(f, None),
                        Some(Placed::OtherKind) | None => {}
                    }
                }
                let q = Decimal::into_value(divided.get(f));
                let points = bins.value_points(&q);
                bins.settle(f, points)
            }
            Subject::Code(code) => {
                let v = code(f);
                let points = bins.value_points(&v);
                bins.settle(f, points)
            }
        }
    }

    /// The points of let `id`'s value, not yet computed: placed through its
    /// `shape` where it has one, else the let computed (and kept) first.
    fn let_points<L: Lookup>(f: &mut Frame<'_>, bins: &Bins<L>, id: u32, shape: Option<&Subject>) -> Option<i64> {
        if let (Some(LetSlot::Empty), Some(shape)) = (f.lets.get(id as usize), shape) {
            return shape.place(f, bins);
        }
        let points = match f.let_slot(id) {
            Some(v) => bins.value_points(v),
            // it failed (its fault raised): the placeholder is dropped by the caller
            None => bins.value_points(&NONE),
        };
        bins.settle(f, points)
    }
}
