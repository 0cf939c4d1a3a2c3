//! Checked program -> the program the interpreter runs: constant sub-expressions
//! folded, rules sorted by reason code, the reason-code table built.
//! Lowering cannot fail: everything it relies on was checked.

use crate::check::Checked;
use crate::eval::eval_constant;
use crate::ir::{Expr, ExprKind, Program};

pub fn lower(checked: Checked, hash: String, sources: std::sync::Arc<crate::source::SourceMap>) -> Program {
    let mut program = checked.program;
    program.hash = hash;
    program.sources = sources;
    for rule in &mut program.rules {
        fold(&mut rule.condition);
    }
    for let_def in &mut program.lets {
        fold(&mut let_def.expr);
    }
    if let Some(authority) = &mut program.authority {
        for level in &mut authority.levels {
            level.limits.iter_mut().for_each(fold);
        }
    }
    program.rules.sort_by(|a, b| a.code.cmp(&b.code));
    let mut codes: Vec<String> = program.rules.iter().map(|r| r.code.clone()).collect();
    if let Some(authority) = &program.authority {
        codes.push(authority.escalate.clone());
    }
    codes.sort();
    let index = |code: &str| codes.binary_search_by(|c| c.as_str().cmp(code)).unwrap_or(0) as u32;
    program.rule_codes = program.rules.iter().map(|r| index(&r.code)).collect();
    program.escalate_code = program.authority.as_ref().map_or(0, |a| index(&a.escalate));
    program.codes = codes;
    program
}

/// Replaces every sub-expression that reads no input by its value.
// INVARIANT: only pure nodes whose children are all constants are evaluated, so
// folding never changes what a record's evaluation computes.
fn fold(expr: &mut Expr) {
    match &mut expr.kind {
        ExprKind::Const(_)
        | ExprKind::Input
        | ExprKind::AsOf
        | ExprKind::Let(_)
        | ExprKind::List(_)
        | ExprKind::Local(_) => return,
        ExprKind::Field(e, _) | ExprKind::ToDecimal(e) | ExprKind::Neg(e) | ExprKind::Not(e) | ExprKind::Exists(e) => {
            fold(e)
        }
        ExprKind::And(a, b)
        | ExprKind::Or(a, b)
        | ExprKind::Arith(_, a, b)
        | ExprKind::Compare(_, a, b)
        | ExprKind::Coalesce(a, b)
        | ExprKind::In(a, b)
        | ExprKind::Quantifier(_, a, _, b) => {
            fold(a);
            fold(b);
        }
        ExprKind::InRange(a, b, c) => {
            fold(a);
            fold(b);
            fold(c);
        }
        ExprKind::SetLit(items) | ExprKind::Call(_, items) => items.iter_mut().for_each(fold),
    }
    let foldable = !matches!(expr.kind, ExprKind::Quantifier(..))
        && expr.children().iter().all(|c| matches!(c.kind, ExprKind::Const(_)));
    if foldable {
        if let Ok(value) = eval_constant(expr) {
            expr.kind = ExprKind::Const(value);
        }
    }
}
