//! Compile-time folding, checked: every part of the program that reads nothing
//! from the input is computed here, and a failure (division by zero, overflow)
//! or a sum, difference or product that a decimal cannot hold exactly is an
//! error (T0209) — never a silent rounding, nor an error for every application.
//! Lowering folds the same parts afterwards and so never meets a failure.

use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::ir::constant::evaluate;
use crate::ir::{ArithOp, Expr, ExprKind};
use crate::value::Value;
use rust_decimal::Decimal;

/// The value of `expr` when it reads nothing from the input; reports (into
/// `out`) every constant part of it that cannot be computed exactly. `what`
/// names the part of the policy for the message ("a const", "rule A01").
pub(crate) fn fold_checked(expr: &Expr, what: &dyn Fn() -> String, out: &mut Vec<Diagnostic>) -> Option<Value> {
    if expr.ty.is_error() {
        return None; // reported already
    }
    match &expr.kind {
        ExprKind::Const(value) => return Some(value.clone()),
        ExprKind::Input
        | ExprKind::AsOf
        | ExprKind::Let(_)
        | ExprKind::List(_)
        | ExprKind::Local(_)
        | ExprKind::Versioned(_) => return None,
        _ => {}
    }
    // every child is folded (and its problems reported) before the node itself;
    // only an arithmetic node's two operands are kept, to judge exactness
    let mut operands: [Option<Value>; 2] = [None, None];
    let mut constant = true;
    for (i, child) in expr.children().enumerate() {
        match fold_checked(child, what, out) {
            Some(value) => {
                if let Some(slot) = operands.get_mut(i) {
                    *slot = Some(value);
                }
            }
            None => constant = false,
        }
    }
    // a quantifier's body reads its parameter: lowering does not fold it either
    if !constant || matches!(expr.kind, ExprKind::Quantifier(..)) {
        return None;
    }
    let value = match evaluate(expr) {
        Ok(value) => value,
        Err(error) => {
            out.push(
                Diagnostic::error(Code::T0209, format!("{} cannot be computed: {}", what(), error.message))
                    .at(error.span, "fails here"),
            );
            return None;
        }
    };
    if let (ExprKind::Arith(op, ..), [Some(a), Some(b)]) = (&expr.kind, &operands) {
        if !exact(*op, a, b) {
            out.push(
                Diagnostic::error(Code::T0209, format!("{} cannot be computed exactly", what()))
                    .at(expr.span, "the exact result has more digits than a decimal holds")
                    .help("a decimal holds 28 decimal places and 28 significant digits, and polc does not round: write the value with fewer digits"),
            );
            return None;
        }
    }
    Some(value)
}

/// Whether `a op b` is held exactly by the decimal arithmetic evaluation uses.
/// Whole numbers are exact or overflow (an error of their own); a quotient is
/// rounded to 28 significant digits by definition and not judged here.
fn exact(op: ArithOp, a: &Value, b: &Value) -> bool {
    let decimal = |v: &Value| match v {
        Value::Int(i) => Some(Decimal::from(*i)),
        Value::Dec(d) => Some(*d),
        _ => None,
    };
    if matches!((a, b), (Value::Int(_), Value::Int(_))) || op == ArithOp::Div {
        return true;
    }
    let (Some(a), Some(b)) = (decimal(a), decimal(b)) else { return true };
    let (a, b) = (a.normalize(), b.normalize());
    let (ma, sa, mb, sb) = (a.mantissa(), a.scale(), b.mantissa(), b.scale());
    let exact_result = match op {
        ArithOp::Add | ArithOp::Sub => {
            let scale = sa.max(sb);
            let align = |m: i128, s: u32| 10i128.checked_pow(scale - s).and_then(|f| m.checked_mul(f));
            let (ma, mb) = (align(ma, sa), align(mb, sb));
            let sum = match op {
                ArithOp::Add => ma.zip(mb).and_then(|(x, y)| x.checked_add(y)),
                _ => ma.zip(mb).and_then(|(x, y)| x.checked_sub(y)),
            };
            sum.map(|m| (m, scale))
        }
        _ => ma.checked_mul(mb).map(|m| (m, sa + sb)),
    };
    // past 127 bits the result has far more digits than a decimal's 96 bits
    exact_result.is_some_and(|(m, s)| fits(m, s))
}

/// Whether `m × 10^-s` has a decimal form: at most 28 decimal places and a
/// 96-bit coefficient once trailing zeros are dropped.
fn fits(mut m: i128, mut s: u32) -> bool {
    while s > 0 && m % 10 == 0 {
        m /= 10;
        s -= 1;
    }
    s <= 28 && m.unsigned_abs() < 1u128 << 96
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Value {
        Value::Dec(Decimal::from_str(s).unwrap_or_default())
    }

    #[test]
    fn products_beyond_28_places_are_not_exact() {
        assert!(!exact(ArithOp::Mul, &dec("0.000000000000001"), &dec("0.000000000000001")));
        assert!(exact(ArithOp::Mul, &dec("0.00000000000001"), &dec("0.00000000000001")));
        // trailing zeros do not count: 0.50 × 0.20 = 0.1
        assert!(exact(ArithOp::Mul, &dec("0.50"), &dec("0.20")));
    }

    #[test]
    fn sums_keep_every_digit_or_are_not_exact() {
        assert!(!exact(ArithOp::Add, &dec("1000000000000"), &dec("0.0000000000000000000000000001")));
        assert!(exact(ArithOp::Add, &dec("1.5"), &Value::Int(2)));
        assert!(!exact(ArithOp::Sub, &dec("79228162514264337593543950335"), &dec("0.5")));
        assert!(exact(ArithOp::Sub, &dec("79228162514264337593543950335"), &dec("1")));
    }

    #[test]
    fn whole_numbers_and_quotients_are_left_to_evaluation() {
        assert!(exact(ArithOp::Mul, &Value::Int(i64::MAX), &Value::Int(2)));
        assert!(exact(ArithOp::Div, &Value::Int(1), &Value::Int(3)));
    }
}
