//! Evaluation of a lowered [`Program`] against one decoded input record: the
//! expression interpreter, the decision of §5 and the authority walk of §6.
//! Evaluation reads only the record, the bound lists and `as_of`.

pub mod compiled;
pub mod decision;

use crate::base::source::Span;
use crate::base::types::Type;
use crate::ir::{ArithOp, Builtin, CmpOp, Expr, ExprKind, Program, Quantifier};
use crate::syntax::ast::DurationUnit;
use crate::value::ident::{add_months, whole_units_between};
use crate::value::text::Text;
use crate::value::{SetValue, Value};
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use std::borrow::Cow;
use std::sync::Arc;

pub use decision::{decide, decide_traced, AuthorityWalk, Decision, Outcome, Scratch};

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
    /// Limit `index` of authority level `level` held or not.
    fn limit(&mut self, _level: u32, _index: usize, _held: bool) {}
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

pub(crate) struct Evaluator<'a, O: Observer> {
    pub(crate) program: Option<&'a Program>,
    pub(crate) input: &'a Value,
    pub(crate) as_of: NaiveDate,
    pub(crate) lists: &'a BoundLists,
    pub(crate) lets: &'a mut Vec<LetSlot>,
    pub(crate) locals: &'a mut Vec<Value>,
    pub(crate) observer: &'a mut O,
}

/// Evaluates an expression that reads no input (consts, limits, folding).
pub fn eval_constant(expr: &Expr) -> Result<Value, EvalError> {
    let mut lets = Vec::new();
    let mut locals = Vec::new();
    let mut observer = NoTrace;
    let mut evaluator = Evaluator {
        program: None,
        input: &NONE,
        as_of: NaiveDate::MIN,
        lists: &[],
        lets: &mut lets,
        locals: &mut locals,
        observer: &mut observer,
    };
    evaluator.eval(expr).map(Cow::into_owned).map_err(|fault| *fault)
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
                compare(*op, &a, &b)
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
                compare(CmpOp::Ge, &x, &lo) && compare(CmpOp::Le, &x, &hi)
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
            ExprKind::ToDecimal(inner) => match *self.eval(inner)? {
                Value::Int(i) => owned(Value::Dec(Decimal::from(i))),
                ref other => owned(other.clone()),
            },
            ExprKind::Neg(inner) => match *self.eval(inner)? {
                Value::Int(i) => owned(Value::Int(i.checked_neg().ok_or_else(|| fault("integer overflow", e.span))?)),
                Value::Dec(d) => owned(Value::Dec(-d)),
                ref other => owned(other.clone()),
            },
            ExprKind::Not(inner) => owned(Value::Bool(!self.eval_bool(inner)?)),
            ExprKind::And(a, b) => owned(Value::Bool(self.eval_bool(a)? && self.eval_bool(b)?)),
            ExprKind::Or(a, b) => owned(Value::Bool(self.eval_bool(a)? || self.eval_bool(b)?)),
            ExprKind::Arith(op, a, b) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                arithmetic(*op, &a, &b, e.span).map(Cow::Owned)
            }
            ExprKind::Compare(op, a, b) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                owned(Value::Bool(compare(*op, &a, &b)))
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
                owned(Value::Bool(compare(CmpOp::Ge, &x, &lo) && compare(CmpOp::Le, &x, &hi)))
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
        }
    }

    fn list(&self, id: u32, span: Span) -> Result<&'a Arc<SetValue>, Fault> {
        match self.lists.get(id as usize).and_then(Option::as_ref) {
            Some(set) => Ok(set),
            None => Err(unbound_list(self.program, id, span)),
        }
    }

    fn let_value(&mut self, index: usize, span: Span) -> Result<Value, Fault> {
        match self.lets.get(index) {
            Some(LetSlot::Done(v)) => return Ok(v.clone()),
            Some(LetSlot::Failed(err)) => return Err(err.clone()),
            _ => {}
        }
        let Some(def) = self.program.and_then(|p| p.lets.get(index)) else {
            return Err(fault("internal error: unknown let", span));
        };
        let result = self.eval(&def.expr).map(Cow::into_owned);
        if self.lets.len() <= index {
            self.lets.resize(index + 1, LetSlot::Empty);
        }
        if let Some(slot) = self.lets.get_mut(index) {
            *slot = match &result {
                Ok(v) => LetSlot::Done(v.clone()),
                Err(err) => LetSlot::Failed(err.clone()),
            };
        }
        result
    }

    fn call(&mut self, builtin: Builtin, args: &'a [Expr], e: &Expr) -> Result<Value, Fault> {
        let span = e.span;
        let arg = |evaluator: &mut Self, i: usize| -> Result<Val<'a>, Fault> {
            match args.get(i) {
                Some(a) => evaluator.eval(a),
                None => Ok(Cow::Borrowed(&NONE)),
            }
        };
        if let Builtin::Min | Builtin::Max = builtin {
            let want = if builtin == Builtin::Min { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater };
            let mut best = arg(self, 0)?;
            for i in 1..args.len() {
                let v = arg(self, i)?;
                if v.compare(&best) == Some(want) {
                    best = v;
                }
            }
            return Ok(best.into_owned());
        }
        let first = arg(self, 0)?;
        let second = if args.len() > 1 { arg(self, 1)? } else { Cow::Borrowed(&NONE) };
        Ok(match (builtin, &*first, &*second) {
            (Builtin::Between(unit), Value::Date(a), Value::Date(b)) => Value::Int(whole_units_between(*a, *b, unit)),
            (Builtin::Abs, Value::Int(i), _) => {
                Value::Int(i.checked_abs().ok_or_else(|| fault("integer overflow", span))?)
            }
            (Builtin::Abs, Value::Dec(d), _) => Value::Dec(d.abs()),
            (Builtin::Round, Value::Dec(d), Value::Int(places)) => {
                let places = u32::try_from(*places)
                    .ok()
                    .filter(|p| *p <= 28)
                    .ok_or_else(|| fault(format!("cannot round to {places} decimal places (0 to 28)"), span))?;
                Value::Dec(d.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero))
            }
            (Builtin::Len, Value::Str(s), _) => Value::Int(s.chars().count() as i64),
            (Builtin::StartsWith, subject, Value::Str(prefix)) => Value::Bool(match subject {
                Value::Str(s) => s.starts_with(&**prefix),
                Value::IdCard(v) => v.to_string().starts_with(&**prefix),
                Value::Phone(v) => v.to_string().starts_with(&**prefix),
                Value::CreditCode(v) => v.to_string().starts_with(&**prefix),
                _ => false,
            }),
            (Builtin::BirthDate, Value::IdCard(id), _) => match id.birth_date() {
                Some(d) => Value::Date(d),
                None => return Err(fault("the ID number has no valid birth date", span)),
            },
            (Builtin::Sex, Value::IdCard(id), _) => Value::Enum(if id.is_male() { 0 } else { 1 }),
            (Builtin::Region, Value::IdCard(id), _) => Value::Str(Text::from(id.region())),
            (Builtin::Count, Value::List(items), _) => Value::Int(items.len() as i64),
            (Builtin::Count, Value::Set(set), _) => Value::Int(set.len() as i64),
            _ => return Err(fault("internal error: built-in called with unexpected values", span)),
        })
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
                    total = arithmetic(ArithOp::Add, &total, &v, e.span)?;
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

pub(crate) fn compare(op: CmpOp, a: &Value, b: &Value) -> bool {
    match op {
        CmpOp::Eq => a.equals(b),
        CmpOp::Ne => !a.equals(b),
        _ => match a.compare(b) {
            Some(o) => match op {
                CmpOp::Lt => o.is_lt(),
                CmpOp::Le => o.is_le(),
                CmpOp::Gt => o.is_gt(),
                _ => o.is_ge(),
            },
            None => false,
        },
    }
}

pub(crate) fn arithmetic(op: ArithOp, a: &Value, b: &Value, span: Span) -> Result<Value, Fault> {
    let overflow = || overflow(op, span);
    Ok(match (a, b) {
        (&Value::Int(x), &Value::Int(y)) => Value::Int(
            match op {
                ArithOp::Add => x.checked_add(y),
                ArithOp::Sub => x.checked_sub(y),
                ArithOp::Mul => x.checked_mul(y),
                ArithOp::Div => {
                    if y == 0 {
                        return Err(fault("division by zero", span));
                    }
                    x.checked_div(y)
                }
            }
            .ok_or_else(overflow)?,
        ),
        (&Value::Int(x), &Value::Dec(y)) => return arithmetic(op, &Value::Dec(x.into()), &Value::Dec(y), span),
        (&Value::Dec(x), &Value::Int(y)) => return arithmetic(op, &Value::Dec(x), &Value::Dec(y.into()), span),
        (&Value::Dec(x), &Value::Dec(y)) => Value::Dec(
            match op {
                ArithOp::Add => x.checked_add(y),
                ArithOp::Sub => x.checked_sub(y),
                ArithOp::Mul => x.checked_mul(y),
                ArithOp::Div => {
                    if y.is_zero() {
                        return Err(fault("division by zero", span));
                    }
                    x.checked_div(y)
                }
            }
            .ok_or_else(overflow)?,
        ),
        (&Value::Date(d), &Value::Duration(n, unit)) | (&Value::Duration(n, unit), &Value::Date(d)) => {
            let n = if op == ArithOp::Sub { n.checked_neg().ok_or_else(overflow)? } else { n };
            let shifted = match unit {
                DurationUnit::Days => d.checked_add_signed(chrono::TimeDelta::try_days(n).ok_or_else(overflow)?),
                DurationUnit::Months => add_months(d, n),
                DurationUnit::Years => n.checked_mul(12).and_then(|m| add_months(d, m)),
            };
            Value::Date(shifted.ok_or_else(|| fault("date out of range", span))?)
        }
        _ => return Err(fault("internal error: arithmetic on unexpected values", span)),
    })
}

/// The fault of a list read before it was bound.
pub(crate) fn unbound_list(program: Option<&Program>, id: u32, span: Span) -> Fault {
    let name = program.and_then(|p| p.lists.get(id as usize)).map_or("?", |l| l.name.as_str());
    fault(format!("list `{name}` is not bound"), span)
}

/// The fault of an arithmetic result out of range.
pub(crate) fn overflow(op: ArithOp, span: Span) -> Fault {
    fault(format!("arithmetic overflow in `{}`", op_symbol(op)), span)
}

fn op_symbol(op: ArithOp) -> &'static str {
    match op {
        ArithOp::Add => "+",
        ArithOp::Sub => "-",
        ArithOp::Mul => "*",
        ArithOp::Div => "/",
    }
}
