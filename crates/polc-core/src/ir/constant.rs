//! The value of an expression that reads nothing — no input, `as_of`, let,
//! list or lambda parameter — for the checker's folding (consts, limits,
//! constant conditions) and for lowering. Each node computes through
//! [`super::ops`] and [`super::builtins`], as the interpreter's does, and in
//! the interpreter's order (`and`, `or` and `??` stop early), so a constant
//! has the value and the first fault evaluation would give it.

use crate::base::source::Span;
use crate::ir::builtins;
use crate::ir::ops::{self, OpError};
use crate::ir::{Expr, ExprKind};
use crate::value::{SetValue, Value};
use std::sync::Arc;

/// Why a constant has no value: what went wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstError {
    pub message: String,
    pub span: Span,
}

/// The value of `expr`, which must read nothing (anything that does is an
/// internal error: the callers fold only constants).
pub fn evaluate(expr: &Expr) -> Result<Value, ConstError> {
    let at = |error: OpError| ConstError { message: error.to_string(), span: expr.span };
    Ok(match &expr.kind {
        ExprKind::Const(value) => value.clone(),
        ExprKind::Field(target, index) => match evaluate(target)? {
            Value::Record(fields) => fields.get(*index as usize).cloned().unwrap_or(Value::None),
            Value::None => Value::None,
            _ => return Err(at(OpError::Unexpected("field of a non-record"))),
        },
        ExprKind::ToDecimal(inner) => ops::to_decimal(&evaluate(inner)?),
        ExprKind::Neg(inner) => ops::negate(&evaluate(inner)?).map_err(at)?,
        ExprKind::Not(inner) => Value::Bool(!truth(inner)?),
        ExprKind::And(a, b) => Value::Bool(truth(a)? && truth(b)?),
        ExprKind::Or(a, b) => Value::Bool(truth(a)? || truth(b)?),
        ExprKind::Arith(op, a, b) => {
            let (a, b) = (evaluate(a)?, evaluate(b)?);
            ops::arithmetic(*op, &a, &b).map_err(at)?
        }
        ExprKind::Compare(op, a, b) => {
            let (a, b) = (evaluate(a)?, evaluate(b)?);
            Value::Bool(ops::compare(*op, &a, &b))
        }
        ExprKind::Coalesce(a, b) => match evaluate(a)? {
            Value::None => evaluate(b)?,
            v => v,
        },
        ExprKind::Exists(inner) => Value::Bool(evaluate(inner)? != Value::None),
        ExprKind::In(element, set) => {
            let element = evaluate(element)?;
            match evaluate(set)? {
                Value::Set(members) => Value::Bool(members.contains(&element)),
                _ => return Err(at(OpError::Unexpected("`in` without a set"))),
            }
        }
        ExprKind::InMask(element, mask) => Value::Bool(match evaluate(element)? {
            Value::Enum(v) => v < 64 && mask >> v & 1 == 1,
            _ => false,
        }),
        ExprKind::InRange(x, lo, hi) => {
            let (x, lo, hi) = (evaluate(x)?, evaluate(lo)?, evaluate(hi)?);
            Value::Bool(ops::in_range(&x, &lo, &hi))
        }
        ExprKind::SetLit(items) => {
            let mut set = SetValue::new();
            for item in items {
                set.insert(&evaluate(item)?);
            }
            Value::Set(Arc::new(set))
        }
        ExprKind::Call(builtin, args) => {
            let values = args.iter().map(evaluate).collect::<Result<Vec<Value>, ConstError>>()?;
            let values: Vec<&Value> = values.iter().collect();
            builtins::evaluate(*builtin, &values).map_err(at)?
        }
        ExprKind::If(c, a, b) => {
            if truth(c)? {
                evaluate(a)?
            } else {
                evaluate(b)?
            }
        }
        ExprKind::Match(table) => {
            let subjects = table.subjects().iter().map(evaluate).collect::<Result<Vec<Value>, ConstError>>()?;
            let refs: Vec<&Value> = subjects.iter().collect();
            match table.arm_for(&refs).and_then(|arm| table.bodies().get(arm)) {
                Some(body) => evaluate(body)?,
                None => return Err(at(OpError::Unexpected("no arm of the table matches"))),
            }
        }
        ExprKind::Input
        | ExprKind::AsOf
        | ExprKind::Path(_)
        | ExprKind::Let(_)
        | ExprKind::List(_)
        | ExprKind::Local(_)
        | ExprKind::Versioned(_)
        | ExprKind::Quantifier(..) => return Err(at(OpError::Unexpected("not a constant"))),
    })
}

/// A constant condition's truth.
fn truth(expr: &Expr) -> Result<bool, ConstError> {
    match evaluate(expr)? {
        Value::Bool(b) => Ok(b),
        _ => Err(ConstError {
            message: OpError::Unexpected("a condition did not give true or false").to_string(),
            span: expr.span,
        }),
    }
}
