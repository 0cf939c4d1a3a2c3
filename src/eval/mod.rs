//! Evaluation of a lowered [`Program`] against one decoded input record: the
//! expression interpreter, the decision of §5 and the authority walk of §6.
//! Evaluation reads only the record, the bound lists and `as_of`.

pub mod decision;
pub mod value;

use crate::ast::DurationUnit;
use crate::data::ident::{add_months, whole_units_between};
use crate::ir::{ArithOp, Builtin, CmpOp, Expr, ExprKind, Program, Quantifier};
use crate::source::Span;
use crate::types::Type;
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use std::sync::Arc;
use value::{SetValue, Value};

pub use decision::{decide, decide_traced, AuthorityWalk, Decision, Outcome, Scratch};

pub mod trace;

/// A run-time fault: the decision becomes `error`, never `approve`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct EvalError {
    pub message: String,
    pub span: Span,
}

fn fault(message: impl Into<String>, span: Span) -> EvalError {
    EvalError { message: message.into(), span }
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
    Failed(EvalError),
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
        input: &Value::None,
        as_of: NaiveDate::MIN,
        lists: &[],
        lets: &mut lets,
        locals: &mut locals,
        observer: &mut observer,
    };
    evaluator.eval(expr)
}

impl<O: Observer> Evaluator<'_, O> {
    pub(crate) fn eval(&mut self, e: &Expr) -> Result<Value, EvalError> {
        let value = self.eval_inner(e)?;
        if O::VALUES {
            self.observer.value(e, &value);
        }
        Ok(value)
    }

    pub(crate) fn eval_bool(&mut self, e: &Expr) -> Result<bool, EvalError> {
        match self.eval(e)? {
            Value::Bool(b) => Ok(b),
            _ => Err(fault("internal error: a condition did not give true or false", e.span)),
        }
    }

    fn eval_inner(&mut self, e: &Expr) -> Result<Value, EvalError> {
        Ok(match &e.kind {
            ExprKind::Const(v) => v.clone(),
            ExprKind::Input => self.input.clone(),
            ExprKind::AsOf => Value::Date(self.as_of),
            ExprKind::Field(target, index) => match self.eval(target)? {
                Value::Record(fields) => fields.get(*index as usize).cloned().unwrap_or(Value::None),
                Value::None => Value::None,
                _ => return Err(fault("internal error: field of a non-record", e.span)),
            },
            ExprKind::Let(id) => self.let_value(id.0 as usize, e.span)?,
            ExprKind::List(id) => match self.lists.get(id.0 as usize).and_then(Option::as_ref) {
                Some(set) => Value::Set(set.clone()),
                None => {
                    let name = self.program.and_then(|p| p.lists.get(id.0 as usize)).map_or("?", |l| l.name.as_str());
                    return Err(fault(format!("list `{name}` is not bound"), e.span));
                }
            },
            ExprKind::Local(slot) => self.locals.get(*slot as usize).cloned().unwrap_or(Value::None),
            ExprKind::ToDecimal(inner) => match self.eval(inner)? {
                Value::Int(i) => Value::Dec(Decimal::from(i)),
                other => other,
            },
            ExprKind::Neg(inner) => match self.eval(inner)? {
                Value::Int(i) => Value::Int(i.checked_neg().ok_or_else(|| fault("integer overflow", e.span))?),
                Value::Dec(d) => Value::Dec(-d),
                other => other,
            },
            ExprKind::Not(inner) => Value::Bool(!self.eval_bool(inner)?),
            ExprKind::And(a, b) => Value::Bool(self.eval_bool(a)? && self.eval_bool(b)?),
            ExprKind::Or(a, b) => Value::Bool(self.eval_bool(a)? || self.eval_bool(b)?),
            ExprKind::Arith(op, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                arithmetic(*op, a, b, e.span)?
            }
            ExprKind::Compare(op, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                Value::Bool(compare(*op, &a, &b))
            }
            ExprKind::Coalesce(a, b) => match self.eval(a)? {
                Value::None => self.eval(b)?,
                v => v,
            },
            ExprKind::Exists(inner) => Value::Bool(self.eval(inner)? != Value::None),
            ExprKind::In(element, set) => {
                let element = self.eval(element)?;
                match self.eval(set)? {
                    Value::Set(set) => Value::Bool(set.contains(&element)),
                    _ => return Err(fault("internal error: `in` without a set", e.span)),
                }
            }
            ExprKind::InRange(x, lo, hi) => {
                let (x, lo, hi) = (self.eval(x)?, self.eval(lo)?, self.eval(hi)?);
                Value::Bool(compare(CmpOp::Ge, &x, &lo) && compare(CmpOp::Le, &x, &hi))
            }
            ExprKind::SetLit(items) => {
                let mut set = SetValue::new();
                for item in items {
                    let v = self.eval(item)?;
                    set.insert(&v);
                }
                Value::Set(Arc::new(set))
            }
            ExprKind::Call(builtin, args) => self.call(*builtin, args, e)?,
            ExprKind::Quantifier(q, list, slot, body) => self.quantifier(*q, list, *slot, body, e)?,
        })
    }

    fn let_value(&mut self, index: usize, span: Span) -> Result<Value, EvalError> {
        match self.lets.get(index) {
            Some(LetSlot::Done(v)) => return Ok(v.clone()),
            Some(LetSlot::Failed(err)) => return Err(err.clone()),
            _ => {}
        }
        let Some(def) = self.program.and_then(|p| p.lets.get(index)) else {
            return Err(fault("internal error: unknown let", span));
        };
        let result = self.eval(&def.expr);
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

    fn call(&mut self, builtin: Builtin, args: &[Expr], e: &Expr) -> Result<Value, EvalError> {
        let span = e.span;
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(self.eval(arg)?);
        }
        let first = values.first().cloned().unwrap_or(Value::None);
        let second = values.get(1).cloned().unwrap_or(Value::None);
        Ok(match (builtin, first, second) {
            (Builtin::Between(unit), Value::Date(a), Value::Date(b)) => Value::Int(whole_units_between(a, b, unit)),
            (Builtin::Min | Builtin::Max, first, _) => {
                let want = if builtin == Builtin::Min { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater };
                let mut best = first;
                for v in values.into_iter().skip(1) {
                    if v.compare(&best) == Some(want) {
                        best = v;
                    }
                }
                best
            }
            (Builtin::Abs, Value::Int(i), _) => {
                Value::Int(i.checked_abs().ok_or_else(|| fault("integer overflow", span))?)
            }
            (Builtin::Abs, Value::Dec(d), _) => Value::Dec(d.abs()),
            (Builtin::Round, Value::Dec(d), Value::Int(places)) => {
                let places = u32::try_from(places)
                    .ok()
                    .filter(|p| *p <= 28)
                    .ok_or_else(|| fault(format!("cannot round to {places} decimal places (0 to 28)"), span))?;
                Value::Dec(d.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero))
            }
            (Builtin::Len, Value::Str(s), _) => Value::Int(s.chars().count() as i64),
            (Builtin::StartsWith, subject, Value::Str(prefix)) => {
                let text = match subject {
                    Value::Str(s) => s.to_string(),
                    Value::IdCard(v) => v.to_string(),
                    Value::Phone(v) => v.to_string(),
                    Value::CreditCode(v) => v.to_string(),
                    _ => String::new(),
                };
                Value::Bool(text.starts_with(&*prefix))
            }
            (Builtin::BirthDate, Value::IdCard(id), _) => match id.birth_date() {
                Some(d) => Value::Date(d),
                None => return Err(fault("the ID number has no valid birth date", span)),
            },
            (Builtin::Sex, Value::IdCard(id), _) => Value::Enum(if id.is_male() { 0 } else { 1 }),
            (Builtin::Region, Value::IdCard(id), _) => Value::Str(Arc::from(id.region())),
            (Builtin::Count, Value::List(items), _) => Value::Int(items.len() as i64),
            (Builtin::Count, Value::Set(set), _) => Value::Int(set.len() as i64),
            _ => return Err(fault("internal error: built-in called with unexpected values", span)),
        })
    }

    fn quantifier(&mut self, q: Quantifier, list: &Expr, slot: u32, body: &Expr, e: &Expr) -> Result<Value, EvalError> {
        let Value::List(items) = self.eval(list)? else {
            return Err(fault("internal error: quantifier over a non-list", list.span));
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
                    total = arithmetic(ArithOp::Add, total, v, e.span)?;
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

pub(crate) fn arithmetic(op: ArithOp, a: Value, b: Value, span: Span) -> Result<Value, EvalError> {
    let overflow = || fault(format!("arithmetic overflow in `{}`", op_symbol(op)), span);
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => Value::Int(
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
        (Value::Int(x), Value::Dec(y)) => return arithmetic(op, Value::Dec(x.into()), Value::Dec(y), span),
        (Value::Dec(x), Value::Int(y)) => return arithmetic(op, Value::Dec(x), Value::Dec(y.into()), span),
        (Value::Dec(x), Value::Dec(y)) => Value::Dec(
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
        (Value::Date(d), Value::Duration(n, unit)) | (Value::Duration(n, unit), Value::Date(d)) => {
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

fn op_symbol(op: ArithOp) -> &'static str {
    match op {
        ArithOp::Add => "+",
        ArithOp::Sub => "-",
        ArithOp::Mul => "*",
        ArithOp::Div => "/",
    }
}
