//! What the IR's operations compute on values: arithmetic, comparison and
//! negation. The interpreter, the compiled closures and constant folding
//! all compute through these functions, so the three cannot disagree.

use crate::ir::{ArithOp, CmpOp};
use crate::value::ident::add_months;
use crate::value::{DurationUnit, Value};
use rust_decimal::Decimal;

/// Why an operation has no value; the evaluator adds where it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpError {
    /// A sum, difference, product or quotient out of range.
    Overflow(ArithOp),
    /// A negation or absolute value of the most negative Int.
    IntegerOverflow,
    DivisionByZero,
    /// Date arithmetic beyond the calendar's range.
    DateOutOfRange,
    /// `round(x, places)` with places outside 0–28.
    RoundPlaces(i64),
    /// `birth_date(id)` of an ID number whose birth date is not a date.
    NoBirthDate,
    /// Values of kinds the type checker rules out (a bug, never an approval).
    Unexpected(&'static str),
}

impl std::fmt::Display for OpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpError::Overflow(op) => write!(f, "arithmetic overflow in `{}`", op.symbol()),
            OpError::IntegerOverflow => f.write_str("integer overflow"),
            OpError::DivisionByZero => f.write_str("division by zero"),
            OpError::DateOutOfRange => f.write_str("date out of range"),
            OpError::RoundPlaces(places) => write!(f, "cannot round to {places} decimal places (0 to 28)"),
            OpError::NoBirthDate => f.write_str("the ID number has no valid birth date"),
            OpError::Unexpected(what) => write!(f, "internal error: {what}"),
        }
    }
}

/// `a op b` for two values of one ordered type (`==` and `!=` for any two).
/// A comparison with `none`, or of values without an order, is false.
pub fn compare(op: CmpOp, a: &Value, b: &Value) -> bool {
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

/// `lo <= x and x <= hi`.
pub fn in_range(x: &Value, lo: &Value, hi: &Value) -> bool {
    compare(CmpOp::Ge, x, lo) && compare(CmpOp::Le, x, hi)
}

/// `a op b`: Int with Int stays Int, Int with Decimal widens, a date moves by
/// a duration. Overflow and division by zero are errors, never wrapped.
pub fn arithmetic(op: ArithOp, a: &Value, b: &Value) -> Result<Value, OpError> {
    Ok(match (a, b) {
        (&Value::Int(x), &Value::Int(y)) => Value::Int(int(op, x, y)?),
        (&Value::Int(x), &Value::Dec(y)) => Value::Dec(decimal(op, x.into(), y)?),
        (&Value::Dec(x), &Value::Int(y)) => Value::Dec(decimal(op, x, y.into())?),
        (&Value::Dec(x), &Value::Dec(y)) => Value::Dec(decimal(op, x, y)?),
        (&Value::Date(d), &Value::Duration(n, unit)) | (&Value::Duration(n, unit), &Value::Date(d)) => {
            let overflow = || OpError::Overflow(op);
            let n = if op == ArithOp::Sub { n.checked_neg().ok_or_else(overflow)? } else { n };
            let shifted = match unit {
                DurationUnit::Days => d.checked_add_signed(chrono::TimeDelta::try_days(n).ok_or_else(overflow)?),
                DurationUnit::Months => add_months(d, n),
                DurationUnit::Years => n.checked_mul(12).and_then(|m| add_months(d, m)),
            };
            Value::Date(shifted.ok_or(OpError::DateOutOfRange)?)
        }
        _ => return Err(OpError::Unexpected("arithmetic on unexpected values")),
    })
}

/// `x op y` in Ints.
#[inline]
pub fn int(op: ArithOp, x: i64, y: i64) -> Result<i64, OpError> {
    let result = match op {
        ArithOp::Add => x.checked_add(y),
        ArithOp::Sub => x.checked_sub(y),
        ArithOp::Mul => x.checked_mul(y),
        ArithOp::Div if y == 0 => return Err(OpError::DivisionByZero),
        ArithOp::Div => x.checked_div(y),
    };
    result.ok_or(OpError::Overflow(op))
}

/// `x op y` in decimals (Money and Decimal).
#[inline]
pub fn decimal(op: ArithOp, x: Decimal, y: Decimal) -> Result<Decimal, OpError> {
    let result = match op {
        ArithOp::Add => x.checked_add(y),
        ArithOp::Sub => x.checked_sub(y),
        ArithOp::Mul => x.checked_mul(y),
        ArithOp::Div if y.is_zero() => return Err(OpError::DivisionByZero),
        ArithOp::Div => x.checked_div(y),
    };
    result.ok_or(OpError::Overflow(op))
}

/// `-x` of an Int.
#[inline]
pub fn negate_int(x: i64) -> Result<i64, OpError> {
    x.checked_neg().ok_or(OpError::IntegerOverflow)
}

/// `-x` of an Int or a decimal (other values are the checker's business and
/// pass through unchanged).
pub fn negate(value: &Value) -> Result<Value, OpError> {
    Ok(match value {
        Value::Int(i) => Value::Int(negate_int(*i)?),
        Value::Dec(d) => Value::Dec(-d),
        other => other.clone(),
    })
}

/// An Int widened to a decimal (other values unchanged).
pub fn to_decimal(value: &Value) -> Value {
    match value {
        Value::Int(i) => Value::Dec(Decimal::from(*i)),
        other => other.clone(),
    }
}
