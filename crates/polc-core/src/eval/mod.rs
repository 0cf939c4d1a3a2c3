//! Evaluation of a lowered [`Program`] against one decoded input record: the
//! expression interpreter, the decision of §5 and the authority walk of §6.
//! Evaluation reads only the record, the bound lists and `as_of`.

pub mod compiled;
pub mod decision;
pub mod executable;
pub mod limits;

use crate::base::source::Span;
use crate::base::types::Type;
use crate::ir::ops::{self, OpError};
use crate::ir::{builtins, ArithOp, Builtin, Expr, ExprKind, Program, Quantifier};
use crate::value::{SetValue, Value};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::sync::Arc;

pub use decision::{decide, decide_traced, AuthorityWalk, Decision, Outcome, Points, ScoreResult, Scores, Scratch};
pub use executable::Executable;

pub mod trace;

/// A run-time fault: the decision becomes `error`, never `approve`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct EvalError {
    pub message: String,
    pub span: Span,
}

/// A fault on the evaluation path, boxed so that results stay small.
pub(crate) type Fault = Box<EvalError>;

fn fault(message: impl Into<String>, span: Span) -> Fault {
    Box::new(EvalError { message: message.into(), span })
}

/// The fault of an operation that has no value, at `span`.
pub(crate) fn op_fault(error: OpError, span: Span) -> Fault {
    fault(error.to_string(), span)
}

/// Watches an evaluation (for `--explain` and coverage). Every method has a
/// no-op default; with `VALUES` false, sub-expression values are never
/// reported, so the plain evaluation path pays nothing for tracing.
pub trait Observer {
    /// Whether [`Observer::value`] wants every sub-expression's value.
    const VALUES: bool;
    fn value(&mut self, _expr: &Expr, _value: &Value) {}
    /// Rule `index` (into `Program::rules`) is about to be evaluated.
    fn rule_start(&mut self, _index: usize) {}
    /// Rule `index` fired or not; `None` when it failed at run time.
    fn rule_end(&mut self, _index: usize, _fired: Option<bool>) {}
    /// Rule `index` is out of force on `as_of` (§15): it took no part.
    fn rule_out_of_force(&mut self, _index: usize) {}
    /// Limit `index` of authority level `level` held or not.
    fn limit(&mut self, _level: u32, _index: usize, _held: bool) {}
    /// Credit limit `index` (into `Program::credit_limits`) cut the requested
    /// amount, did not, or declined; its line's value (for coverage and traces).
    fn credit_limit(&mut self, _index: usize, _effect: limits::LimitEffect, _line: &rust_decimal::Decimal) {}
    /// The amounts credit limit `index` compared, just before
    /// [`Observer::credit_limit`] says what it did (for traces).
    fn credit_limit_amounts(&mut self, _index: usize, _amounts: &limits::Amounts) {}
    /// Output `index` (into `Program::outputs`) is about to be computed.
    fn output_start(&mut self, _index: usize) {}
    /// The `match` table `table` (an [`ExprKind::Match`], whose span says which)
    /// took arm `arm` (into its arms) for the subjects' `values`: coverage of
    /// arms and scorecard bins reads this.
    fn arm(&mut self, _table: &Expr, _arm: usize, _values: &[&Value]) {}
}

/// Observes nothing.
pub struct NoTrace;

impl Observer for NoTrace {
    const VALUES: bool = false;
}

/// The lists bound for evaluation, indexed by list id.
pub type BoundLists = [Option<Arc<SetValue>>];

#[derive(Clone, Debug, Default)]
pub(crate) enum LetSlot {
    #[default]
    Empty,
    Done(Value),
    Failed(Fault),
}

/// A decision's let slots, and which of them were filled since the last
/// [`LetSlots::reset`], so that the reset empties those alone. A slot is
/// written only through [`LetSlots::fill`] (the slots are read as a slice):
/// every slot not empty is among those filled.
#[derive(Debug, Default)]
pub(crate) struct LetSlots {
    slots: Vec<LetSlot>,
    /// The index of every slot filled since the last reset (some maybe twice).
    filled: Vec<usize>,
}

impl std::ops::Deref for LetSlots {
    type Target = [LetSlot];

    fn deref(&self) -> &[LetSlot] {
        &self.slots
    }
}

impl LetSlots {
    /// `len` empty slots, for a decision of a program of `len` lets.
    #[inline]
    pub(crate) fn reset(&mut self, len: usize) {
        if self.slots.len() != len {
            self.resize(len);
            return;
        }
        for &index in &self.filled {
            let Some(slot) = self.slots.get_mut(index) else { continue };
            match slot {
                // a value that owns nothing: emptied without running its drop glue
                LetSlot::Empty
                | LetSlot::Done(
                    Value::None | Value::Bool(_) | Value::Int(_) | Value::Dec(_) | Value::Date(_) | Value::Enum(_),
                ) => std::mem::forget(std::mem::take(slot)),
                _ => empty_owning(slot),
            }
        }
        self.filled.clear();
    }

    /// `len` empty slots, none filled.
    #[cold]
    fn resize(&mut self, len: usize) {
        self.slots.clear();
        self.slots.resize(len, LetSlot::Empty);
        self.filled.clear();
    }

    /// Puts `computed` in slot `index` (the slots grown to hold it if need be).
    #[inline]
    pub(crate) fn fill(&mut self, index: usize, computed: LetSlot) {
        if self.slots.len() <= index {
            self.slots.resize(index + 1, LetSlot::Empty);
        }
        if let Some(slot) = self.slots.get_mut(index) {
            match slot {
                // an empty slot owns nothing to drop
                LetSlot::Empty => std::mem::forget(std::mem::replace(slot, computed)),
                _ => *slot = computed,
            }
            self.filled.push(index);
        }
    }
}

/// Empties `slot`, dropping what its value owns.
#[cold]
#[inline(never)]
fn empty_owning(slot: &mut LetSlot) {
    *slot = LetSlot::Empty;
}

pub(crate) struct Evaluator<'a, O: Observer> {
    pub(crate) program: Option<&'a Program>,
    pub(crate) input: &'a Value,
    /// The record as it came, before a counter-offer replaced the limited
    /// amount in `input` (§12): what `requested(PATH)` reads.
    pub(crate) requested: &'a Value,
    pub(crate) as_of: NaiveDate,
    pub(crate) lists: &'a BoundLists,
    pub(crate) lets: &'a mut LetSlots,
    pub(crate) locals: &'a mut Vec<Value>,
    pub(crate) observer: &'a mut O,
}

/// The value of `none`, to lend out.
pub(crate) static NONE: Value = Value::None;

/// A value, borrowed from the program or the record where possible, so that
/// reading `applicant.loan.amount` copies nothing.
type Val<'a> = Cow<'a, Value>;

fn owned<'a>(value: Value) -> Result<Val<'a>, Fault> {
    Ok(Cow::Owned(value))
}

impl<'a, O: Observer> Evaluator<'a, O> {
    pub(crate) fn eval(&mut self, e: &'a Expr) -> Result<Val<'a>, Fault> {
        let value = self.eval_inner(e)?;
        if O::VALUES {
            self.observer.value(e, &value);
        }
        Ok(value)
    }

    /// A condition's truth. Boolean nodes are decided here directly, without
    /// making a `Value`; anything else is evaluated and must give a Bool.
    pub(crate) fn eval_bool(&mut self, e: &'a Expr) -> Result<bool, Fault> {
        let b = match &e.kind {
            ExprKind::Not(inner) => !self.eval_bool(inner)?,
            ExprKind::And(a, b) => self.eval_bool(a)? && self.eval_bool(b)?,
            ExprKind::Or(a, b) => self.eval_bool(a)? || self.eval_bool(b)?,
            ExprKind::Compare(op, a, b) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                ops::compare(*op, &a, &b)
            }
            ExprKind::InMask(element, mask) => match *self.eval(element)? {
                Value::Enum(v) => v < 64 && mask >> v & 1 == 1,
                _ => false,
            },
            ExprKind::In(element, set) => {
                let element = self.eval(element)?;
                match &set.kind {
                    ExprKind::List(id) => self.list(id.0, set.span)?.contains(&element),
                    _ => match &*self.eval(set)? {
                        Value::Set(members) => members.contains(&element),
                        _ => return Err(fault("internal error: `in` without a set", e.span)),
                    },
                }
            }
            ExprKind::InRange(x, lo, hi) => {
                let x = self.eval(x)?;
                let lo = self.eval(lo)?;
                let hi = self.eval(hi)?;
                ops::in_range(&x, &lo, &hi)
            }
            ExprKind::Exists(inner) => *self.eval(inner)? != Value::None,
            _ => {
                return match *self.eval(e)? {
                    Value::Bool(b) => Ok(b),
                    _ => Err(fault("internal error: a condition did not give true or false", e.span)),
                }
            }
        };
        if O::VALUES {
            self.observer.value(e, &Value::Bool(b));
        }
        Ok(b)
    }

    fn eval_inner(&mut self, e: &'a Expr) -> Result<Val<'a>, Fault> {
        match &e.kind {
            ExprKind::Const(v) => Ok(Cow::Borrowed(v)),
            ExprKind::Input => Ok(Cow::Borrowed(self.input)),
            ExprKind::AsOf => owned(Value::Date(self.as_of)),
            ExprKind::Versioned(id) => {
                let Some(versions) = self.program.and_then(|p| p.const_versions.get(*id as usize)) else {
                    return Err(fault("internal error: a versioned const without its versions", e.span));
                };
                match versions.in_force(self.as_of) {
                    Some((_, version)) => Ok(Cow::Borrowed(&version.value)),
                    None => Err(fault(versions.none_in_force(self.as_of), e.span)),
                }
            }
            ExprKind::Field(target, index) => {
                let index = *index as usize;
                match self.eval(target)? {
                    Cow::Borrowed(Value::Record(fields)) => Ok(Cow::Borrowed(fields.get(index).unwrap_or(&NONE))),
                    Cow::Owned(Value::Record(fields)) => owned(fields.get(index).cloned().unwrap_or(Value::None)),
                    Cow::Borrowed(Value::None) | Cow::Owned(Value::None) => Ok(Cow::Borrowed(&NONE)),
                    _ => Err(fault("internal error: field of a non-record", e.span)),
                }
            }
            ExprKind::Path(path) => {
                let mut value: &'a Value = self.input;
                for &index in path.iter() {
                    value = match value {
                        Value::Record(fields) => fields.get(index as usize).unwrap_or(&NONE),
                        _ => &NONE,
                    };
                }
                Ok(Cow::Borrowed(value))
            }
            ExprKind::InMask(element, mask) => owned(Value::Bool(match *self.eval(element)? {
                Value::Enum(v) => v < 64 && mask >> v & 1 == 1,
                _ => false,
            })),
            ExprKind::Let(id) => self.let_value(id.0 as usize, e.span).map(Cow::Owned),
            ExprKind::List(id) => owned(Value::Set(self.list(id.0, e.span)?.clone())),
            ExprKind::Local(slot) => owned(self.locals.get(*slot as usize).cloned().unwrap_or(Value::None)),
            ExprKind::ToDecimal(inner) => owned(ops::to_decimal(&*self.eval(inner)?)),
            ExprKind::Neg(inner) => owned(ops::negate(&*self.eval(inner)?).map_err(|error| op_fault(error, e.span))?),
            ExprKind::Not(inner) => owned(Value::Bool(!self.eval_bool(inner)?)),
            ExprKind::And(a, b) => owned(Value::Bool(self.eval_bool(a)? && self.eval_bool(b)?)),
            ExprKind::Or(a, b) => owned(Value::Bool(self.eval_bool(a)? || self.eval_bool(b)?)),
            ExprKind::Arith(op, a, b) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                owned(ops::arithmetic(*op, &a, &b).map_err(|error| op_fault(error, e.span))?)
            }
            ExprKind::Compare(op, a, b) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                owned(Value::Bool(ops::compare(*op, &a, &b)))
            }
            ExprKind::Coalesce(a, b) => match self.eval(a)? {
                v if *v == Value::None => self.eval(b),
                v => Ok(v),
            },
            ExprKind::Exists(inner) => owned(Value::Bool(*self.eval(inner)? != Value::None)),
            ExprKind::In(element, set) => {
                let element = self.eval(element)?;
                // a list is looked up where it is bound, without making a value of it
                let found = match &set.kind {
                    ExprKind::List(id) => self.list(id.0, set.span)?.contains(&element),
                    _ => match &*self.eval(set)? {
                        Value::Set(members) => members.contains(&element),
                        _ => return Err(fault("internal error: `in` without a set", e.span)),
                    },
                };
                owned(Value::Bool(found))
            }
            ExprKind::InRange(x, lo, hi) => {
                let x = self.eval(x)?;
                let lo = self.eval(lo)?;
                let hi = self.eval(hi)?;
                owned(Value::Bool(ops::in_range(&x, &lo, &hi)))
            }
            ExprKind::SetLit(items) => {
                let mut set = SetValue::new();
                for item in items {
                    let v = self.eval(item)?;
                    set.insert(&v);
                }
                owned(Value::Set(Arc::new(set)))
            }
            ExprKind::Call(builtin, args) => self.call(*builtin, args, e).map(Cow::Owned),
            ExprKind::Quantifier(q, list, slot, body) => self.quantifier(*q, list, *slot, body, e).map(Cow::Owned),
            ExprKind::If(c, a, b) => {
                if self.eval_bool(c)? {
                    self.eval(a)
                } else {
                    self.eval(b)
                }
            }
            ExprKind::Match(table) => self.table(table, e),
        }
    }

    /// A decision table: every subject in order, then the first arm that matches.
    fn table(&mut self, table: &'a crate::ir::table::Table, e: &Expr) -> Result<Val<'a>, Fault> {
        let mut values: Vec<Val<'a>> = Vec::with_capacity(table.subjects);
        for subject in table.subjects() {
            values.push(self.eval(subject)?);
        }
        let refs: Vec<&Value> = values.iter().map(|v| &**v).collect();
        let Some(arm) = table.arm_for(&refs) else {
            return Err(fault("internal error: no arm of the table matches", e.span));
        };
        self.observer.arm(e, arm, &refs);
        match table.bodies().get(arm) {
            Some(body) => self.eval(body),
            None => Err(fault("internal error: an arm without a body", e.span)),
        }
    }

    fn list(&self, id: u32, span: Span) -> Result<&'a Arc<SetValue>, Fault> {
        match self.lists.get(id as usize).and_then(Option::as_ref) {
            Some(set) => Ok(set),
            None => Err(unbound_list(self.program, id, span)),
        }
    }

    pub(crate) fn let_value(&mut self, index: usize, span: Span) -> Result<Value, Fault> {
        match self.lets.get(index) {
            Some(LetSlot::Done(v)) => return Ok(v.clone()),
            Some(LetSlot::Failed(err)) => return Err(err.clone()),
            _ => {}
        }
        let Some(def) = self.program.and_then(|p| p.lets.get(index)) else {
            return Err(fault("internal error: unknown let", span));
        };
        let result = self.eval(&def.expr).map(Cow::into_owned);
        let computed = match &result {
            Ok(v) => LetSlot::Done(v.clone()),
            Err(err) => LetSlot::Failed(err.clone()),
        };
        self.lets.fill(index, computed);
        result
    }

    /// A built-in's value: its arguments in order (a fault is the first
    /// failing argument's), then the function of [`builtins::evaluate`].
    fn call(&mut self, builtin: Builtin, args: &'a [Expr], e: &Expr) -> Result<Value, Fault> {
        if builtin == Builtin::Requested {
            // the path, read from the record as requested
            let offered = std::mem::replace(&mut self.input, self.requested);
            let value = args.first().map(|a| self.eval(a).map(Cow::into_owned));
            self.input = offered;
            return value.unwrap_or(Ok(Value::None));
        }
        let result = match args {
            [a] => {
                let a = self.eval(a)?;
                builtins::evaluate(builtin, &[&a])
            }
            [a, b] => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                builtins::evaluate(builtin, &[&a, &b])
            }
            _ => {
                let values = args.iter().map(|a| self.eval(a)).collect::<Result<Vec<Val<'a>>, Fault>>()?;
                let values: Vec<&Value> = values.iter().map(|v| &**v).collect();
                builtins::evaluate(builtin, &values)
            }
        };
        result.map_err(|error| op_fault(error, e.span))
    }

    fn quantifier(
        &mut self,
        q: Quantifier,
        list: &'a Expr,
        slot: u32,
        body: &'a Expr,
        e: &Expr,
    ) -> Result<Value, Fault> {
        let items = match &*self.eval(list)? {
            Value::List(items) => items.clone(),
            _ => return Err(fault("internal error: quantifier over a non-list", list.span)),
        };
        let slot = slot as usize;
        if self.locals.len() <= slot {
            self.locals.resize(slot + 1, Value::None);
        }
        let mut total = match e.ty {
            Type::Int => Value::Int(0),
            _ => Value::Dec(Decimal::ZERO),
        };
        for item in items.iter() {
            if let Some(local) = self.locals.get_mut(slot) {
                *local = item.clone();
            }
            match q {
                Quantifier::Any => {
                    if self.eval_bool(body)? {
                        return Ok(Value::Bool(true));
                    }
                }
                Quantifier::All => {
                    if !self.eval_bool(body)? {
                        return Ok(Value::Bool(false));
                    }
                }
                Quantifier::Sum => {
                    let v = self.eval(body)?;
                    total = ops::arithmetic(ArithOp::Add, &total, &v).map_err(|error| op_fault(error, e.span))?;
                }
            }
        }
        Ok(match q {
            Quantifier::Any => Value::Bool(false),
            Quantifier::All => Value::Bool(true),
            Quantifier::Sum => total,
        })
    }
}

/// The fault of a list read before it was bound.
pub(crate) fn unbound_list(program: Option<&Program>, id: u32, span: Span) -> Fault {
    let name = program.and_then(|p| p.lists.get(id as usize)).map_or("?", |l| l.name.as_str());
    fault(format!("list `{name}` is not bound"), span)
}

#[cfg(test)]
mod tests;
