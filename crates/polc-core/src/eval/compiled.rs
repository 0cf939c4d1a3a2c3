//! The fast path of evaluation: a lowered [`Program`]'s conditions compiled
//! once into closures, so that deciding a record walks no tree and builds no
//! `Value` where the types are known.
//!
//! Each expression becomes a closure of its static type: a condition gives a
//! `bool`, an Int an `Option<i64>`, a Money or Decimal an `Option<Decimal>`, a
//! Date an `Option<NaiveDate>` (`None` is the language's `none`). Field paths,
//! constants and lets are read in place; a comparison against a Money or
//! Decimal constant compares mantissas against the constant pre-scaled to the
//! value's scale; a ratio of two fields compared with a constant is decided
//! without dividing where that is provably the same (`quotient_vs`). Shapes
//! with no closure of their own (quantifiers, most built-ins, sets built at run
//! time) are handed to the tree interpreter, which shares the frame's let
//! cache — so the two always agree.
//!
//! INVARIANT: a compiled closure computes exactly what the interpreter
//! (`Evaluator`) computes for the same expression, including which fault comes
//! first. A fault does not unwind: it is recorded in the frame (the first one
//! wins), the closure returns a placeholder, and the caller looks at the frame
//! after every rule and limit. Placeholders never reach a decision, because a
//! faulted rule makes the decision `error`. `tests/compiled.rs` decides the
//! same records both ways.

mod intervals;
mod scorecard;
mod table;

use super::{fault, op_fault, unbound_list, BoundLists, Evaluator, Fault, LetSlot, LetSlots, NoTrace, NONE};
use crate::base::source::Span;
use crate::base::types::Type;
use crate::ir::ops::{self, OpError};
use crate::ir::{builtins, ArithOp, Builtin, CmpOp, Expr, ExprKind, LetDef, Program};
use crate::value::Value;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::cmp::Ordering;

/// Scorecard characteristics' points as the compiled scores computed them
/// (`scorecard.rs`), scorecard after scorecard ([`Compiled::points_at`]).
#[derive(Debug, Default)]
pub(crate) struct ScoredPoints {
    /// Each characteristic's points, at its scorecard's offset plus its position.
    pub(crate) points: Vec<i64>,
    /// Bit `c`: scorecard `c`'s compiled score was computed in this decision,
    /// and `points` holds every one of its characteristics' points.
    pub(crate) complete: u64,
}

impl ScoredPoints {
    /// Ready for a decision of `code`: no scorecard's points complete.
    #[inline]
    pub(crate) fn reset(&mut self, code: &Compiled) {
        self.complete = 0;
        if self.points.len() != code.points_len {
            self.points.resize(code.points_len, 0);
        }
    }
}

/// What one decision reads and writes while it runs.
pub(crate) struct Frame<'r> {
    pub(crate) program: &'r Program,
    pub(crate) code: &'r Compiled,
    pub(crate) input: &'r Value,
    /// The record as requested, before a counter-offer (what `requested(…)` reads).
    pub(crate) requested: &'r Value,
    pub(crate) as_of: NaiveDate,
    pub(crate) lists: &'r BoundLists,
    pub(crate) lets: &'r mut LetSlots,
    /// The characteristics' points as the compiled scores computed them,
    /// their lets left empty (`scorecard.rs`).
    pub(crate) scored: &'r mut ScoredPoints,
    pub(crate) locals: &'r mut Vec<Value>,
    /// The first fault met, if any.
    pub(crate) fault: Option<Fault>,
}

impl Frame<'_> {
    fn raise(&mut self, f: Fault) {
        if self.fault.is_none() {
            self.fault = Some(f);
        }
    }

    /// Puts `computed` in let `index`'s slot (empty, or failed before).
    fn fill_let(&mut self, index: usize, computed: LetSlot) {
        self.lets.fill(index, computed);
    }

    /// The value of let `id`, computed on first use and kept for the decision.
    /// A let that failed fails again (its fault raised) wherever it is read.
    fn let_value(&mut self, id: u32) -> Cow<'static, Value> {
        match self.let_slot(id) {
            Some(v) => Cow::Owned(v.clone()),
            None => Cow::Borrowed(&NONE),
        }
    }

    /// Let `id`'s value in its slot, computed first if need be; `None` (with
    /// the fault raised) when it failed.
    #[inline]
    pub(crate) fn let_slot(&mut self, id: u32) -> Option<&Value> {
        let index = id as usize;
        if !matches!(self.lets.get(index), Some(LetSlot::Done(_))) {
            self.compute_let(index);
        }
        match self.lets.get(index) {
            Some(LetSlot::Done(v)) => Some(v),
            _ => None,
        }
    }

    #[cold]
    fn compute_let(&mut self, index: usize) {
        if let Some(LetSlot::Failed(f)) = self.lets.get(index) {
            let f = f.clone();
            self.raise(f);
            return;
        }
        let code = self.code;
        let Some(compute) = code.lets.get(index) else {
            self.raise(fault("internal error: unknown let", Span::default()));
            return;
        };
        if self.fault.is_none() {
            // the usual case: no earlier fault to set aside and put back
            let value = compute(self);
            let computed = match &self.fault {
                Some(f) => LetSlot::Failed(f.clone()),
                None => LetSlot::Done(value),
            };
            self.lets.fill(index, computed);
            return;
        }
        let earlier = self.fault.take();
        let value = compute(self);
        let failed = self.fault.take();
        let computed = match &failed {
            Some(f) => LetSlot::Failed(f.clone()),
            None => LetSlot::Done(value),
        };
        self.lets.fill(index, computed);
        self.fault = earlier.or(failed);
    }

    /// Runs the tree interpreter on `expr`, with this frame's record and lets.
    fn interpret(&mut self, expr: &Expr) -> Value {
        self.with_interpreter(expr, Value::None, |evaluator, e| evaluator.eval(e).map(Cow::into_owned))
    }

    fn interpret_bool(&mut self, expr: &Expr) -> bool {
        self.with_interpreter(expr, false, |evaluator, e| evaluator.eval_bool(e))
    }

    /// Lends this frame to the interpreter to run on `expr`; a fault is raised
    /// and `placeholder` returned.
    fn with_interpreter<T>(
        &mut self,
        expr: &Expr,
        placeholder: T,
        run: impl for<'a> FnOnce(&mut Evaluator<'a, NoTrace>, &'a Expr) -> Result<T, Fault>,
    ) -> T {
        let mut observer = NoTrace;
        let mut evaluator = Evaluator {
            program: Some(self.program),
            input: self.input,
            requested: self.requested,
            as_of: self.as_of,
            lists: self.lists,
            lets: &mut *self.lets,
            locals: &mut *self.locals,
            observer: &mut observer,
        };
        match run(&mut evaluator, expr) {
            Ok(value) => value,
            Err(f) => {
                self.raise(f);
                placeholder
            }
        }
    }
}

type BoolFn = Box<dyn Fn(&mut Frame<'_>) -> bool + Send + Sync>;
type ValueFn = Box<dyn Fn(&mut Frame<'_>) -> Value + Send + Sync>;
type TypedFn<T> = Box<dyn Fn(&mut Frame<'_>) -> Option<T> + Send + Sync>;

/// A policy's rules, lets and authority limits as closures.
pub struct Compiled {
    /// Parallel to `Program::rules`.
    pub(crate) rules: Vec<BoolFn>,
    /// Parallel to `Program::lets`.
    lets: Vec<ValueFn>,
    /// Where the application's own level is read from.
    pub(crate) over: Option<Place>,
    /// By level, then limit: parallel to `Authority::levels[l].limits`.
    pub(crate) limits: Vec<Vec<BoolFn>>,
    /// Every `field in list` test: the field's path and the list.
    pub(crate) list_probes: Vec<(Box<[u32]>, u32)>,
    /// Each credit limit's line, parallel to `Program::credit_limits`.
    pub(crate) credit_lines: Vec<TypedFn<Decimal>>,
    /// Each credit limit's floor, when it has one.
    pub(crate) credit_floors: Vec<Option<TypedFn<Decimal>>>,
    /// Each output, parallel to `Program::outputs`.
    pub(crate) outputs: Vec<ValueFn>,
    /// Where each scorecard's characteristics' points start in
    /// [`ScoredPoints::points`], parallel to `Program::scorecards`.
    pub(crate) points_at: Vec<usize>,
    /// How many characteristics all the scorecards have.
    points_len: usize,
    /// Where an expression with no closure of its own is handed to the tree
    /// interpreter, in the order compiled (a test of what the fast path covers).
    interpreted: Vec<Span>,
}

thread_local! {
    /// The expressions handed to the interpreter while [`Compiled::new`] runs on
    /// this thread: the compiling functions are free functions of one
    /// expression, and this is the one thing they report besides their closure.
    static INTERPRETED: std::cell::RefCell<Vec<Span>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Notes that `e` is evaluated by the tree interpreter.
fn note_interpreted(e: &Expr) {
    INTERPRETED.with(|spans| spans.borrow_mut().push(e.span));
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Compiled {{ {} rules, {} lets }}", self.rules.len(), self.lets.len())
    }
}

impl Compiled {
    /// Compiles every condition of `program`.
    pub fn new(program: &Program) -> Compiled {
        INTERPRETED.with(|spans| spans.borrow_mut().clear());
        let mut points_at = Vec::with_capacity(program.scorecards.len());
        let mut points_len = 0;
        for card in &program.scorecards {
            points_at.push(points_len);
            points_len += card.characteristics.len();
        }
        let reads = let_reads(program);
        // the lets compiled into a limit's line instead ([`read_once`])
        let mut in_a_line = vec![false; program.lets.len()];
        for limit in &program.credit_limits {
            let mut e = &limit.line;
            while let (ExprKind::Let(id), next) = (&e.kind, read_once(e, program, &reads)) {
                if std::ptr::eq(next, e) {
                    break;
                }
                if let Some(slot) = in_a_line.get_mut(id.0 as usize) {
                    *slot = true;
                }
                e = next;
            }
        }
        let mut compiled = Compiled {
            rules: program.rules.iter().map(|r| condition(&r.condition, &program.lets)).collect(),
            lets: (program.lets.iter().enumerate())
                .map(|(id, l)| {
                    // a scorecard's score: one closure over its characteristics
                    let card = program.scorecards.iter().enumerate().find(|(_, c)| c.total.0 as usize == id);
                    card.and_then(|(index, card)| {
                        let at = points_at.get(index).copied().unwrap_or_default();
                        scorecard::score(card, index, at, &program.lets, &reads)
                    })
                    .unwrap_or_else(|| match in_a_line.get(id) {
                        // nothing the compiled program runs reads it: the
                        // interpreter, not compiled a second time
                        Some(true) => {
                            let expr = l.expr.clone();
                            Box::new(move |f| f.interpret(&expr))
                        }
                        _ => value(&l.expr),
                    })
                })
                .collect(),
            over: program.authority.as_ref().map(|a| Place::new(&a.over)),
            limits: program
                .authority
                .as_ref()
                .map(|a| {
                    a.levels.iter().map(|l| l.limits.iter().map(|c| condition(c, &program.lets)).collect()).collect()
                })
                .unwrap_or_default(),
            list_probes: list_probes(program),
            credit_lines: program.credit_limits.iter().map(|l| amount(read_once(&l.line, program, &reads))).collect(),
            credit_floors: program.credit_limits.iter().map(|l| l.floor.as_ref().map(amount)).collect(),
            outputs: program.outputs.iter().map(|o| value(&o.expr)).collect(),
            points_at,
            points_len,
            interpreted: Vec::new(),
        };
        compiled.interpreted = INTERPRETED.with(|spans| std::mem::take(&mut *spans.borrow_mut()));
        compiled
    }

    /// Where the compiled program hands an expression to the tree interpreter
    /// (quantifiers, most built-ins, sets built at run time…): empty when every
    /// rule, let and limit runs as closures alone.
    pub fn interpreted(&self) -> &[Span] {
        &self.interpreted
    }
}

/// `e`, or, when `e` is a decimal let read only there (and no scorecard's
/// total or characteristic, which the decision's scores read too), the
/// let's own expression, in its place (`score_line` read by a limit's line):
/// nothing else reads its slot, so computing it in place, without filling
/// the slot, gives the same value or fault.
fn read_once<'p>(e: &'p Expr, program: &'p Program, reads: &[u32]) -> &'p Expr {
    let mut e = e;
    for _ in 0..4 {
        let ExprKind::Let(id) = &e.kind else { break };
        let scored = |id: u32| {
            (program.scorecards.iter())
                .any(|card| card.total.0 == id || card.characteristics.iter().any(|c| c.points.0 == id))
        };
        match program.lets.get(id.0 as usize) {
            Some(l) if is_decimal(&e.ty) && reads.get(id.0 as usize) == Some(&1) && !scored(id.0) => e = &l.expr,
            _ => break,
        }
    }
    e
}

/// How many times each let is read (`ExprKind::Let`), over every expression
/// the compiled program evaluates: the rules, the lets, the authority's level
/// and limits, the credit limits' lines and floors, the outputs.
fn let_reads(program: &Program) -> Vec<u32> {
    let mut reads = vec![0u32; program.lets.len()];
    let authority = program
        .authority
        .iter()
        .flat_map(|a| std::iter::once(&a.over).chain(a.levels.iter().flat_map(|l| l.limits.iter())));
    let credit = program.credit_limits.iter().flat_map(|l| std::iter::once(&l.line).chain(l.floor.as_ref()));
    let roots = (program.rules.iter().map(|r| &r.condition))
        .chain(program.lets.iter().map(|l| &l.expr))
        .chain(authority)
        .chain(credit)
        .chain(program.outputs.iter().map(|o| &o.expr));
    for root in roots {
        count_reads(root, &mut reads);
    }
    reads
}

/// Adds to `reads` each let `e` reads, as often as it reads it.
fn count_reads(e: &Expr, reads: &mut [u32]) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        if let ExprKind::Let(id) = &e.kind {
            if let Some(count) = reads.get_mut(id.0 as usize) {
                *count += 1;
            }
        }
        stack.extend(e.children());
    }
}

/// The `field in list` tests of `program`, each once.
fn list_probes(program: &Program) -> Vec<(Box<[u32]>, u32)> {
    let mut probes: Vec<(Box<[u32]>, u32)> = Vec::new();
    let limits = program.authority.iter().flat_map(|a| a.levels.iter().flat_map(|l| l.limits.iter()));
    let roots = program.rules.iter().map(|r| &r.condition).chain(program.lets.iter().map(|l| &l.expr)).chain(limits);
    let mut stack: Vec<&Expr> = roots.collect();
    while let Some(e) = stack.pop() {
        if let ExprKind::In(element, set) = &e.kind {
            if let (ExprKind::Path(path), ExprKind::List(id)) = (&element.kind, &set.kind) {
                if !probes.iter().any(|(p, l)| p == path && *l == id.0) {
                    probes.push((path.clone(), id.0));
                }
            }
        }
        stack.extend(e.children());
    }
    probes
}

/// Adds to `tags` the tag each list lookup `decide` will make for `input`
/// reads first (see [`crate::value::SetValue::first_tag`]).
pub(crate) fn first_list_tags<'l>(code: &Compiled, lists: &'l BoundLists, input: &Value, tags: &mut Vec<&'l u8>) {
    for (path, id) in &code.list_probes {
        if let Some(Some(list)) = lists.get(*id as usize) {
            tags.extend(list.first_tag(read_path(input, path)));
        }
    }
}

/// A value read in place where it can be: from the record, a constant or a let.
pub(crate) enum Place {
    Path(Box<[u32]>),
    Const(Value),
    Let(u32),
    Code(ValueFn),
}

impl Place {
    fn new(e: &Expr) -> Place {
        match &e.kind {
            ExprKind::Path(path) => Place::Path(path.clone()),
            ExprKind::Const(v) => Place::Const(v.clone()),
            ExprKind::Let(id) => Place::Let(id.0),
            _ => Place::Code(value(e)),
        }
    }

    pub(crate) fn read<'s, 'r: 's>(&'s self, f: &mut Frame<'r>) -> Cow<'s, Value> {
        match self {
            Place::Path(path) => Cow::Borrowed(read_path(f.input, path)),
            Place::Const(v) => Cow::Borrowed(v),
            Place::Let(id) => f.let_value(*id),
            Place::Code(code) => Cow::Owned(code(f)),
        }
    }
}

impl Place {
    /// Runs `use_value` on the value, borrowed where it can be (a let's too).
    #[inline]
    pub(crate) fn with<R>(&self, f: &mut Frame<'_>, use_value: impl FnOnce(&Value) -> R) -> R {
        match self {
            Place::Path(path) => use_value(read_path(f.input, path)),
            Place::Const(v) => use_value(v),
            Place::Let(id) => use_value(f.let_slot(*id).unwrap_or(&NONE)),
            Place::Code(code) => use_value(&code(f)),
        }
    }
}

#[inline]
fn read_path<'r>(input: &'r Value, path: &[u32]) -> &'r Value {
    match path {
        [a] => field(input, *a),
        [a, b] => field(field(input, *a), *b),
        _ => path.iter().fold(input, |value, &index| field(value, index)),
    }
}

#[inline]
fn field(value: &Value, index: u32) -> &Value {
    match value {
        Value::Record(fields) => fields.get(index as usize).unwrap_or(&NONE),
        _ => &NONE,
    }
}

/// Runs `$body` with `$read` bound to a closure that reads `$operand` (of
/// scalar type `$t`), one closure per kind of operand, so that a field path
/// or a let is read without matching on the operand's kind for every record.
macro_rules! with_read {
    ($operand:expr, $t:ty, |$read:ident| $body:expr) => {
        match $operand {
            Operand::Path(path) => {
                let $read = move |f: &mut Frame<'_>| <$t as Scalar>::from_value(read_path(f.input, &path));
                $body
            }
            Operand::Let(id) => {
                let $read = move |f: &mut Frame<'_>| f.let_slot(id).and_then(<$t as Scalar>::from_value);
                $body
            }
            other => {
                let $read = move |f: &mut Frame<'_>| other.get(f);
                $body
            }
        }
    };
}

/// Runs `$body` with `$test` bound to the `Ordering` test of `$op`, each arm
/// its own function item, so a compiled comparison tests one way without
/// matching `op` on every record.
macro_rules! with_test {
    ($op:expr, |$test:ident| $body:expr) => {
        match $op {
            CmpOp::Eq => {
                let $test = Ordering::is_eq;
                $body
            }
            CmpOp::Ne => {
                let $test = Ordering::is_ne;
                $body
            }
            CmpOp::Lt => {
                let $test = Ordering::is_lt;
                $body
            }
            CmpOp::Le => {
                let $test = Ordering::is_le;
                $body
            }
            CmpOp::Gt => {
                let $test = Ordering::is_gt;
                $body
            }
            CmpOp::Ge => {
                let $test = Ordering::is_ge;
                $body
            }
        }
    };
}

/// A scalar type with a typed closure form.
trait Scalar: Copy + PartialEq + PartialOrd + Send + Sync + 'static {
    fn from_value(v: &Value) -> Option<Self>;
    fn into_value(x: Option<Self>) -> Value;
    /// A closure for shapes other than paths, constants and lets.
    fn code(e: &Expr) -> TypedFn<Self>;
}

/// An operand of a typed expression.
enum Operand<T: Scalar> {
    Const(Option<T>),
    Path(Box<[u32]>),
    Let(u32),
    Code(TypedFn<T>),
}

impl<T: Scalar> Operand<T> {
    fn new(e: &Expr) -> Operand<T> {
        match &e.kind {
            ExprKind::Const(v) => Operand::Const(T::from_value(v)),
            ExprKind::Path(path) => Operand::Path(path.clone()),
            ExprKind::Let(id) => Operand::Let(id.0),
            _ => Operand::Code(T::code(e)),
        }
    }

    #[inline]
    fn get(&self, f: &mut Frame<'_>) -> Option<T> {
        match self {
            Operand::Const(c) => *c,
            Operand::Path(path) => T::from_value(read_path(f.input, path)),
            Operand::Let(id) => f.let_slot(*id).and_then(T::from_value),
            Operand::Code(code) => code(f),
        }
    }

    fn into_code(self) -> TypedFn<T> {
        match self {
            Operand::Code(code) => code,
            other => Box::new(move |f| other.get(f)),
        }
    }
}

impl Scalar for i64 {
    #[inline]
    fn from_value(v: &Value) -> Option<i64> {
        match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    fn into_value(x: Option<i64>) -> Value {
        x.map_or(Value::None, Value::Int)
    }

    fn code(e: &Expr) -> TypedFn<i64> {
        let span = e.span;
        match &e.kind {
            ExprKind::Versioned(id) => versioned_typed(*id, span),
            ExprKind::Arith(op, a, b) if is_int(&a.ty) && is_int(&b.ty) => {
                let (op, a, b) = (*op, Operand::<i64>::new(a), Operand::<i64>::new(b));
                Box::new(move |f| {
                    let (x, y) = (a.get(f), b.get(f));
                    let (Some(x), Some(y)) = (x, y) else {
                        f.raise(unexpected(span));
                        return None;
                    };
                    ops::int(op, x, y).map_err(|error| f.raise(op_fault(error, span))).ok()
                })
            }
            ExprKind::Neg(inner) => {
                let inner = Operand::<i64>::new(inner);
                Box::new(move |f| {
                    let x = inner.get(f)?;
                    ops::negate_int(x).map_err(|error| f.raise(op_fault(error, span))).ok()
                })
            }
            ExprKind::Call(Builtin::Between(unit), args) if args.len() == 2 => {
                let unit = *unit;
                let (from, to) = (Operand::<NaiveDate>::new(&args[0]), Operand::<NaiveDate>::new(&args[1]));
                Box::new(move |f| {
                    let (a, b) = (from.get(f), to.get(f));
                    match (a, b) {
                        (Some(a), Some(b)) => Some(builtins::between(unit, a, b)),
                        _ => {
                            f.raise(op_fault(OpError::Unexpected("built-in called with unexpected values"), span));
                            None
                        }
                    }
                })
            }
            ExprKind::If(c, a, b) => table::if_typed(c, a, b, &[]),
            ExprKind::Match(t) => table::match_typed(t, span),
            _ => interpreted(e),
        }
    }
}

impl Scalar for Decimal {
    #[inline]
    fn from_value(v: &Value) -> Option<Decimal> {
        match v {
            Value::Dec(d) => Some(*d),
            Value::Int(i) => Some(Decimal::from(*i)),
            _ => None,
        }
    }

    fn into_value(x: Option<Decimal>) -> Value {
        x.map_or(Value::None, Value::Dec)
    }

    fn code(e: &Expr) -> TypedFn<Decimal> {
        let span = e.span;
        match &e.kind {
            ExprKind::Versioned(id) => versioned_typed(*id, span),
            ExprKind::ToDecimal(inner) if is_int(&inner.ty) => {
                let inner = Operand::<i64>::new(inner);
                Box::new(move |f| inner.get(f).map(Decimal::from))
            }
            _ if is_int(&e.ty) => {
                let int = <i64 as Scalar>::code(e);
                Box::new(move |f| int(f).map(Decimal::from))
            }
            ExprKind::Arith(op, a, b) if is_number(&a.ty) && is_number(&b.ty) => {
                let (op, a, b) = (*op, Operand::<Decimal>::new(a), Operand::<Decimal>::new(b));
                Box::new(move |f| {
                    let (x, y) = (a.get(f), b.get(f));
                    let (Some(x), Some(y)) = (x, y) else {
                        f.raise(unexpected(span));
                        return None;
                    };
                    ops::decimal(op, x, y).map_err(|error| f.raise(op_fault(error, span))).ok()
                })
            }
            ExprKind::Neg(inner) => {
                let inner = Operand::<Decimal>::new(inner);
                Box::new(move |f| inner.get(f).map(|d| -d))
            }
            // `requested(PATH)` (§12): the path read from the record as it came
            ExprKind::Call(Builtin::Requested, args) => match args.as_slice() {
                [Expr { kind: ExprKind::Path(path), .. }] => {
                    let path = path.clone();
                    Box::new(move |f| Decimal::from_value(read_path(f.requested, &path)))
                }
                _ => interpreted(e),
            },
            ExprKind::If(c, a, b) => table::if_typed(c, a, b, &[]),
            ExprKind::Match(t) => table::match_typed(t, span),
            _ => interpreted(e),
        }
    }
}

impl Scalar for NaiveDate {
    #[inline]
    fn from_value(v: &Value) -> Option<NaiveDate> {
        match v {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }

    fn into_value(x: Option<NaiveDate>) -> Value {
        x.map_or(Value::None, Value::Date)
    }

    fn code(e: &Expr) -> TypedFn<NaiveDate> {
        match &e.kind {
            ExprKind::AsOf => Box::new(|f| Some(f.as_of)),
            ExprKind::Versioned(id) => versioned_typed(*id, e.span),
            ExprKind::If(c, a, b) => table::if_typed(c, a, b, &[]),
            ExprKind::Match(t) => table::match_typed(t, e.span),
            _ => interpreted(e),
        }
    }
}

/// The value of the version of const `id` in force on the frame's `as_of`
/// (§15); none in force is the decision's fault.
fn versioned_value(f: &mut Frame<'_>, id: u32, span: Span) -> Option<Value> {
    let program = f.program;
    match program.const_versions.get(id as usize) {
        Some(versions) => match versions.in_force(f.as_of) {
            Some((_, version)) => Some(version.value.clone()),
            None => {
                f.raise(fault(versions.none_in_force(f.as_of), span));
                None
            }
        },
        None => {
            f.raise(fault("internal error: a versioned const without its versions", span));
            None
        }
    }
}

/// A typed closure reading a versioned const.
fn versioned_typed<T: Scalar>(id: u32, span: Span) -> TypedFn<T> {
    Box::new(move |f| versioned_value(f, id, span).and_then(|v| T::from_value(&v)))
}

/// A typed closure that asks the tree interpreter.
fn interpreted<T: Scalar>(e: &Expr) -> TypedFn<T> {
    note_interpreted(e);
    let e = e.clone();
    Box::new(move |f| T::from_value(&f.interpret(&e)))
}

fn unexpected(span: Span) -> Fault {
    op_fault(OpError::Unexpected("arithmetic on unexpected values"), span)
}

fn is_int(ty: &Type) -> bool {
    matches!(ty.unwrap_optional(), Type::Int)
}

fn is_decimal(ty: &Type) -> bool {
    matches!(ty.unwrap_optional(), Type::Decimal | Type::Money)
}

fn is_number(ty: &Type) -> bool {
    is_int(ty) || is_decimal(ty)
}

fn is_date(ty: &Type) -> bool {
    matches!(ty.unwrap_optional(), Type::Date)
}

/// An amount (a credit limit's line or floor) as a closure giving the
/// decimal, `None` for any other value (as `Value::Dec` or not).
fn amount(e: &Expr) -> TypedFn<Decimal> {
    if is_decimal(&e.ty) {
        return Operand::<Decimal>::new(e).into_code();
    }
    let code = value(e);
    Box::new(move |f| match code(f) {
        Value::Dec(d) => Some(d),
        _ => None,
    })
}

/// Any expression as a closure giving its value.
fn value(e: &Expr) -> ValueFn {
    if is_int(&e.ty) {
        let code = Operand::<i64>::new(e).into_code();
        return Box::new(move |f| i64::into_value(code(f)));
    }
    if is_decimal(&e.ty) {
        let code = Operand::<Decimal>::new(e).into_code();
        return Box::new(move |f| Decimal::into_value(code(f)));
    }
    if e.ty == Type::Bool {
        // (a Bool-valued let or argument: compiled without the lets' definitions)
        let code = condition(e, &[]);
        return Box::new(move |f| Value::Bool(code(f)));
    }
    match &e.kind {
        ExprKind::Const(v) => {
            let v = v.clone();
            Box::new(move |_| v.clone())
        }
        ExprKind::Path(path) => {
            let path = path.clone();
            Box::new(move |f| read_path(f.input, &path).clone())
        }
        ExprKind::If(c, a, b) => table::if_value(c, a, b),
        ExprKind::Match(t) => table::match_value(t, e.span),
        ExprKind::Versioned(id) => {
            let (id, span) = (*id, e.span);
            Box::new(move |f| versioned_value(f, id, span).unwrap_or(Value::None))
        }
        _ => {
            note_interpreted(e);
            let e = e.clone();
            Box::new(move |f| f.interpret(&e))
        }
    }
}

/// A Bool expression (a rule's condition, a limit) as a closure. `lets` are the
/// program's let definitions, which some comparisons look into.
fn condition(e: &Expr, lets: &[LetDef]) -> BoolFn {
    let span = e.span;
    match &e.kind {
        ExprKind::Const(Value::Bool(b)) => {
            let b = *b;
            Box::new(move |_| b)
        }
        ExprKind::Not(inner) => {
            let inner = condition(inner, lets);
            Box::new(move |f| !inner(f))
        }
        ExprKind::And(a, b) => {
            let (a, b) = (condition(a, lets), condition(b, lets));
            Box::new(move |f| a(f) && b(f))
        }
        ExprKind::Or(a, b) => {
            let (a, b) = (condition(a, lets), condition(b, lets));
            Box::new(move |f| a(f) || b(f))
        }
        ExprKind::Compare(op, a, b) => comparison(*op, a, b, lets).unwrap_or_else(|| {
            let (op, a, b) = (*op, Place::new(a), Place::new(b));
            Box::new(move |f| {
                let x = a.read(f);
                let y = b.read(f);
                ops::compare(op, &x, &y)
            })
        }),
        ExprKind::InRange(x, lo, hi) => range(x, lo, hi).unwrap_or_else(|| {
            let (x, lo, hi) = (Place::new(x), Place::new(lo), Place::new(hi));
            Box::new(move |f| {
                let v = x.read(f);
                let l = lo.read(f);
                let h = hi.read(f);
                ops::in_range(&v, &l, &h)
            })
        }),
        ExprKind::InMask(element, mask) => {
            let mask = *mask;
            let in_mask = move |v: &Value| match *v {
                Value::Enum(v) => v < 64 && mask >> v & 1 == 1,
                _ => false,
            };
            match Place::new(element) {
                Place::Path(path) => Box::new(move |f| in_mask(read_path(f.input, &path))),
                element => Box::new(move |f| in_mask(&element.read(f))),
            }
        }
        ExprKind::In(element, set) => {
            let element = Place::new(element);
            match &set.kind {
                ExprKind::List(id) => {
                    let (id, list_span) = (id.0, set.span);
                    // an unbound list is a fault, raised after the element is read
                    let unbound = move |f: &mut Frame<'_>| {
                        f.raise(unbound_list(Some(f.program), id, list_span));
                        false
                    };
                    match element {
                        Place::Path(path) => Box::new(move |f| {
                            let v = read_path(f.input, &path);
                            match f.lists.get(id as usize).and_then(Option::as_ref) {
                                Some(list) => list.contains(v),
                                None => unbound(f),
                            }
                        }),
                        element => Box::new(move |f| {
                            let lists = f.lists;
                            let v = element.read(f);
                            match lists.get(id as usize).and_then(Option::as_ref) {
                                Some(list) => list.contains(&v),
                                None => unbound(f),
                            }
                        }),
                    }
                }
                _ => {
                    let set = Place::new(set);
                    Box::new(move |f| {
                        let v = element.read(f);
                        match &*set.read(f) {
                            Value::Set(members) => members.contains(&v),
                            _ => {
                                f.raise(fault("internal error: `in` without a set", span));
                                false
                            }
                        }
                    })
                }
            }
        }
        ExprKind::Exists(inner) => match Place::new(inner) {
            Place::Path(path) => Box::new(move |f| !matches!(read_path(f.input, &path), Value::None)),
            inner => Box::new(move |f| *inner.read(f) != Value::None),
        },
        ExprKind::If(c, a, b) => table::if_bool(c, a, b, lets),
        ExprKind::Match(t) => table::match_bool(t, span, lets),
        ExprKind::Versioned(id) => {
            let id = *id;
            Box::new(move |f| matches!(versioned_value(f, id, span), Some(Value::Bool(true))))
        }
        ExprKind::Path(_) | ExprKind::Let(_) => {
            let place = Place::new(e);
            Box::new(move |f| match *place.read(f) {
                Value::Bool(b) => b,
                _ => {
                    f.raise(fault("internal error: a condition did not give true or false", span));
                    false
                }
            })
        }
        _ => {
            note_interpreted(e);
            let e = e.clone();
            Box::new(move |f| f.interpret_bool(&e))
        }
    }
}

/// A comparison of two numbers or two dates, typed; `None` for other types.
fn comparison(op: CmpOp, a: &Expr, b: &Expr, lets: &[LetDef]) -> Option<BoolFn> {
    if is_int(&a.ty) && is_int(&b.ty) {
        return Some(typed_comparison::<i64>(op, a, b));
    }
    if is_number(&a.ty) && is_number(&b.ty) {
        if let Some(compare) = quotient_comparison(op, a, b, lets) {
            return Some(compare);
        }
        // against a constant: mantissas compared at the value's scale
        if let Some(c) = decimal_const(b) {
            let (x, c) = (Operand::<Decimal>::new(a), ScaledConst::new(c));
            return Some(with_test!(op, |test| with_read!(x, Decimal, |read| Box::new(move |f| match read(f) {
                Some(x) => test(c.compare(x).reverse()),
                None => op == CmpOp::Ne,
            }))));
        }
        if let Some(c) = decimal_const(a) {
            let (c, y) = (ScaledConst::new(c), Operand::<Decimal>::new(b));
            return Some(with_test!(op, |test| with_read!(y, Decimal, |read| Box::new(move |f| match read(f) {
                Some(y) => test(c.compare(y)),
                None => op == CmpOp::Ne,
            }))));
        }
        return Some(typed_comparison::<Decimal>(op, a, b));
    }
    if is_date(&a.ty) && is_date(&b.ty) {
        return Some(typed_comparison::<NaiveDate>(op, a, b));
    }
    None
}

/// `RATIO op CONST` or `CONST op RATIO`, where the ratio is `X / Y` of two
/// fields or constants, written out or as a let (`dti <= 50%` with
/// `let dti = debt / income`): the quotient is compared with the constant
/// without dividing (see [`quotient_vs`]) unless the let is already computed;
/// whenever that cannot be decided exactly, the ratio is computed as usual.
fn quotient_comparison(op: CmpOp, a: &Expr, b: &Expr, lets: &[LetDef]) -> Option<BoolFn> {
    // the constant goes right: `50% >= dti` is `dti <= 50%`
    let (op, ratio, c) = match (decimal_const(a), decimal_const(b)) {
        (None, Some(c)) => (op, a, c),
        (Some(c), None) => (op.mirrored(), b, c),
        _ => return None,
    };
    let (quotient, let_id) = match &ratio.kind {
        ExprKind::Let(id) => (&lets.get(id.0 as usize)?.expr, Some(id.0)),
        _ => (ratio, None),
    };
    let ExprKind::Arith(ArithOp::Div, x, y) = &quotient.kind else {
        return None;
    };
    let plain = |e: &Expr| is_decimal(&e.ty) && matches!(e.kind, ExprKind::Path(_) | ExprKind::Const(_));
    if !is_decimal(&quotient.ty) || !plain(x) || !plain(y) {
        return None;
    }
    let (x, y) = (Operand::<Decimal>::new(x), Operand::<Decimal>::new(y));
    // the usual way: the let (computed once, kept) or the division itself
    let (divided, by_value) = (Operand::<Decimal>::new(ratio), ScaledConst::new(c));
    Some(with_test!(op, |test| Box::new(move |f| {
        let pending = let_id.is_none_or(|id| matches!(f.lets.get(id as usize), None | Some(LetSlot::Empty)));
        if pending {
            if let (Some(x), Some(y)) = (x.get(f), y.get(f)) {
                if let Some(order) = quotient_vs(x, y, c) {
                    return test(order);
                }
            }
        }
        match divided.get(f) {
            Some(q) => test(by_value.compare(q).reverse()),
            None => op == CmpOp::Ne,
        }
    })))
}

/// How `x / y`, as rust_decimal divides it, compares with `c`, found without
/// dividing — or `None` when that cannot be told exactly this way (then divide).
///
/// rust_decimal rounds a quotient to at least 28 significant digits (its 96-bit
/// mantissa is filled) or to 28 decimal places: the rounded `q'` is within
/// `|q|·10⁻²⁷ + 10⁻²⁸` of the exact `q = x / y`. When `q ≠ c`, `x − c·y` is a
/// non-zero multiple of `10^-(sx+sc+sy)` (the operands' scales), so
/// `|q − c| ≥ 10^-(sx+sc+sy) / |y|`. With `|mx|·10^(sc+sy) < 10²⁶` and
/// `|my|·10^(sx+sc) < 10²⁷` (mantissas `mx`, `my`) the rounding error is below
/// 0.3 of that distance, so `q'` lies on the same side of `c` as `q` and is not
/// equal to it; when `q = c` the division is exact and so is `q'`. The same
/// bounds keep `|q| < 10²⁶`, where the division cannot overflow.
pub(crate) fn quotient_vs(x: Decimal, y: Decimal, c: Decimal) -> Option<Ordering> {
    if y.is_zero() {
        return None;
    }
    let (mx, sx) = (x.mantissa(), x.scale() as usize);
    let (my, sy) = (y.mantissa(), y.scale() as usize);
    let (mc, sc) = (c.mantissa(), c.scale() as usize);
    // |mx|·10^(sc+sy) < 10²⁶ and |my|·10^(sx+sc) < 10²⁷, as |m| < 10^(k − e)
    let below =
        |m: i128, e: usize, k: usize| k.checked_sub(e).is_some_and(|d| m.unsigned_abs() < POW10[d].unsigned_abs());
    if !below(mx, sc + sy, 26) || !below(my, sx + sc, 27) {
        return None;
    }
    // sign of x − c·y, both at scale max(sx, sc + sy): |lhs| < 10²⁶ and
    // |my·10^(scale−sc−sy)| ≤ |my|·10^sx < 10²⁷ by the bounds just tested
    let scale = sx.max(sc + sy);
    let lhs = mx * POW10[scale - sx];
    let my_scaled = my * POW10[scale - sc - sy];
    let rhs = if mc.unsigned_abs() < 100_000_000_000 { mc * my_scaled } else { mc.checked_mul(my_scaled)? };
    let order = lhs.cmp(&rhs);
    Some(if my < 0 { order.reverse() } else { order })
}

/// 10⁰ ..= 10²⁸ (a decimal's scale is at most 28).
pub(in crate::eval) const POW10: [i128; 29] = {
    let mut table = [1i128; 29];
    let mut i = 1;
    while i < 29 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// 10⁰ ..= 10¹⁸, the powers of [`POW10`] within `i64`.
pub(in crate::eval) const POW10_64: [i64; 19] = {
    let mut table = [1i64; 19];
    let mut i = 0;
    while i < 19 {
        table[i] = POW10[i] as i64;
        i += 1;
    }
    table
};

/// `a · b`: one 64-bit multiplication (whose 128-bit product cannot
/// overflow) when both fit in 64 bits, else checked.
#[inline]
pub(in crate::eval) fn wide_mul(a: i128, b: i128) -> Option<i128> {
    match (i64::try_from(a), i64::try_from(b)) {
        (Ok(a), Ok(b)) => Some(i128::from(a) * i128::from(b)),
        _ => a.checked_mul(b),
    }
}

/// The value of a number constant, as a decimal.
fn decimal_const(e: &Expr) -> Option<Decimal> {
    match &e.kind {
        ExprKind::Const(v) => Decimal::from_value(v),
        _ => None,
    }
}

fn typed_comparison<T: Scalar + Ord>(op: CmpOp, a: &Expr, b: &Expr) -> BoolFn {
    let (a, b) = (Operand::<T>::new(a), Operand::<T>::new(b));
    // `none` compares unequal to a constant, and neither below nor above it
    let missing = op == CmpOp::Ne;
    match (a, b) {
        (x, Operand::Const(Some(c))) => {
            with_test!(op, |test| with_read!(x, T, |read| Box::new(move |f| match read(f) {
                Some(x) => test(x.cmp(&c)),
                None => missing,
            })))
        }
        (Operand::Const(Some(c)), y) => {
            with_test!(op, |test| with_read!(y, T, |read| Box::new(move |f| match read(f) {
                Some(y) => test(c.cmp(&y)),
                None => missing,
            })))
        }
        (a, b) => Box::new(move |f| {
            let x = a.get(f);
            let y = b.get(f);
            match op {
                CmpOp::Eq => x == y,
                CmpOp::Ne => x != y,
                _ => match (x, y) {
                    (Some(x), Some(y)) => holds(op, x.cmp(&y)),
                    _ => false,
                },
            }
        }),
    }
}

/// `x in lo ..= hi` of numbers or dates, typed; `None` for other types.
fn range(x: &Expr, lo: &Expr, hi: &Expr) -> Option<BoolFn> {
    let all = |test: fn(&Type) -> bool| test(&x.ty) && test(&lo.ty) && test(&hi.ty);
    if all(is_number) && !all(is_int) {
        if let (Some(l), Some(h)) = (decimal_const(lo), decimal_const(hi)) {
            let (x, l, h) = (Operand::<Decimal>::new(x), ScaledConst::new(l), ScaledConst::new(h));
            return Some(Box::new(move |f| match x.get(f) {
                Some(v) => l.compare(v).is_le() && h.compare(v).is_ge(),
                None => false,
            }));
        }
        return Some(typed_range::<Decimal>(x, lo, hi));
    }
    if all(is_int) {
        return Some(typed_range::<i64>(x, lo, hi));
    }
    if all(is_date) {
        return Some(typed_range::<NaiveDate>(x, lo, hi));
    }
    None
}

fn typed_range<T: Scalar>(x: &Expr, lo: &Expr, hi: &Expr) -> BoolFn {
    let (x, lo, hi) = (Operand::<T>::new(x), Operand::<T>::new(lo), Operand::<T>::new(hi));
    Box::new(move |f| {
        let v = x.get(f);
        let l = lo.get(f);
        let h = hi.get(f);
        match (v, l, h) {
            (Some(v), Some(l), Some(h)) => l <= v && v <= h,
            _ => false,
        }
    })
}

fn holds(op: CmpOp, o: Ordering) -> bool {
    match op {
        CmpOp::Eq => o.is_eq(),
        CmpOp::Ne => o.is_ne(),
        CmpOp::Lt => o.is_lt(),
        CmpOp::Le => o.is_le(),
        CmpOp::Gt => o.is_gt(),
        CmpOp::Ge => o.is_ge(),
    }
}

/// A decimal constant, with its mantissa at every scale a value may have, so
/// that comparing a value with it is one integer comparison.
struct ScaledConst {
    value: Decimal,
    /// `value × 10^s` as an integer, for s = 0 ..= 28, where exact and in range.
    at_scale: [Option<i128>; 29],
}

impl ScaledConst {
    fn new(value: Decimal) -> ScaledConst {
        let (mantissa, scale) = (value.mantissa(), value.scale());
        let at_scale = std::array::from_fn(|s| {
            let s = s as u32;
            if s < scale {
                return None;
            }
            10i128.checked_pow(s - scale).and_then(|p| mantissa.checked_mul(p))
        });
        ScaledConst { value, at_scale }
    }

    /// How the constant compares with `x`.
    #[inline]
    fn compare(&self, x: Decimal) -> Ordering {
        match self.at_scale.get(x.scale() as usize) {
            Some(Some(c)) => c.cmp(&x.mantissa()),
            _ => self.value.cmp(&x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// `quotient_vs`, when it answers, answers as rust_decimal's division does.
    fn agrees(x: Decimal, y: Decimal, c: Decimal) -> bool {
        match (quotient_vs(x, y, c), x.checked_div(y)) {
            (Some(order), Some(q)) => order == q.cmp(&c),
            (Some(_), None) => false,
            (None, _) => true,
        }
    }

    #[test]
    fn quotients_compare_like_divisions_at_the_boundary() {
        let d = |s: &str| Decimal::from_str(s).unwrap_or_default();
        // c·y ± one unit of x's last digit, and exact quotients
        let cases = [
            ("2500.00", "5000.00", "0.5", Some(Ordering::Equal)),
            ("2500.01", "5000.00", "0.5", Some(Ordering::Greater)),
            ("2499.99", "5000.00", "0.50", Some(Ordering::Less)),
            // exactly, 1/3 is above c; rounded to 28 digits it equals it: undecided
            ("1.00", "3.00", "0.3333333333333333333333333333", None),
            ("1.00", "3.00", "0.3333", Some(Ordering::Greater)),
            ("-1", "3", "-0.33", Some(Ordering::Less)),
            ("1", "-4", "-0.25", Some(Ordering::Equal)),
            ("0", "7", "0", Some(Ordering::Equal)),
            ("1", "0", "0.5", None),
        ];
        for (x, y, c, expected) in cases {
            let (x, y, c) = (d(x), d(y), d(c));
            assert_eq!(quotient_vs(x, y, c), expected, "{x} / {y} vs {c}");
            assert!(agrees(x, y, c), "{x} / {y} vs {c}");
        }
        // too many digits to decide without dividing
        assert_eq!(quotient_vs(d("79228162514264337593543950335"), d("3"), d("1")), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        #[test]
        fn quotients_compare_like_divisions(
            mx in -10i64.pow(15)..10i64.pow(15), sx in 0u32..=6,
            my in -10i64.pow(15)..10i64.pow(15), sy in 0u32..=6,
            mc in -10i64.pow(6)..10i64.pow(6), sc in 0u32..=6,
            nudge in -2i64..=2,
        ) {
            let (x, y, c) = (Decimal::new(mx, sx), Decimal::new(my, sy), Decimal::new(mc, sc));
            proptest::prop_assert!(agrees(x, y, c));
            // x moved to within a few units of c·y, where rounding could matter
            if let Some(near) = c.checked_mul(y).map(|v| v.round_dp(sx) + Decimal::new(nudge, sx)) {
                proptest::prop_assert!(agrees(near, y, c), "{} / {} vs {}", near, y, c);
                if let Some(q) = near.checked_div(y) {
                    // and c the rounded quotient itself, at 28 digits
                    proptest::prop_assert!(agrees(near, y, q));
                    proptest::prop_assert!(agrees(near, y, q.round_dp(8)));
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        /// Amounts of money (to the fen, below 10¹⁰ yuan) against ratios of up to
        /// four decimals: always decided without dividing, and decided right.
        #[test]
        fn money_ratios_are_decided_without_dividing(
            mx in -10i64.pow(12)..10i64.pow(12),
            my in 1i64..10i64.pow(12),
            mc in 0i64..30_000, nudge in -1i64..=1,
        ) {
            let (x, y, c) = (Decimal::new(mx, 2), Decimal::new(my, 2), Decimal::new(mc, 4));
            for x in [x, (c * y).round_dp(2) + Decimal::new(nudge, 2)] {
                let order = quotient_vs(x, y, c);
                proptest::prop_assert!(order.is_some(), "{} / {} vs {}", x, y, c);
                proptest::prop_assert!(agrees(x, y, c), "{} / {} vs {}", x, y, c);
            }
        }
    }

    #[test]
    fn scaled_constants_compare_like_decimals() {
        let numbers = ["0", "-0", "0.5", "0.50", "200000", "199999.99", "200000.01", "-3.25", "0.035", "1e-28"];
        let parse = |s: &str| Decimal::from_str(s).or_else(|_| Decimal::from_scientific(s)).unwrap_or_default();
        for c in numbers {
            let constant = ScaledConst::new(parse(c));
            for x in numbers {
                let x = parse(x);
                assert_eq!(constant.compare(x), parse(c).cmp(&x), "{c} vs {x}");
            }
        }
    }
}
