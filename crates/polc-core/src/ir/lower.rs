//! The checked program -> the program the interpreter runs: constant
//! sub-expressions folded, rules sorted by reason code, the reason-code table
//! built. Lowering cannot fail: everything it relies on was checked.

use crate::base::types::Type;
use crate::ir::constant;
use crate::ir::{Expr, ExprKind, Program};
use crate::value::Value;

/// Lowers the program the checker built (`sema::check::Checked::program`).
pub fn lower(mut program: Program, hash: String, sources: std::sync::Arc<crate::base::source::SourceMap>) -> Program {
    program.hash = hash;
    program.sources = sources;
    for rule in &mut program.rules {
        fold(&mut rule.condition);
    }
    for let_def in &mut program.lets {
        fold(&mut let_def.expr);
    }
    if let Some(authority) = &mut program.authority {
        fold(&mut authority.over);
        for level in &mut authority.levels {
            level.limits.iter_mut().for_each(fold);
        }
    }
    for limit in &mut program.credit_limits {
        fold(&mut limit.line);
        limit.floor.iter_mut().for_each(fold);
    }
    for output in &mut program.outputs {
        fold(&mut output.expr);
    }
    program.rules.sort_by(|a, b| a.code.cmp(&b.code));
    program.credit_limits.sort_by(|a, b| a.code.cmp(&b.code));
    program.outputs.sort_by(|a, b| a.name.cmp(&b.name));
    let mut codes: Vec<String> = program.rules.iter().map(|r| r.code.clone()).collect();
    codes.extend(program.credit_limits.iter().map(|l| l.code.clone()));
    if let Some(authority) = &program.authority {
        codes.push(authority.escalate.clone());
        let own = authority.levels.iter().flat_map(|l| l.escalates.iter().flatten());
        codes.extend(own.map(|(code, _)| code.clone()));
    }
    codes.sort();
    codes.dedup();
    let index = |code: &str| codes.binary_search_by(|c| c.as_str().cmp(code)).unwrap_or(0) as u32;
    program.rule_codes = program.rules.iter().map(|r| index(&r.code)).collect();
    program.limit_codes = program.credit_limits.iter().map(|l| index(&l.code)).collect();
    program.escalate_code = program.authority.as_ref().map_or(0, |a| index(&a.escalate));
    let escalate_code = program.escalate_code;
    if let Some(authority) = &mut program.authority {
        for level in &mut authority.levels {
            level.limit_codes = (0..level.limits.len())
                .map(|i| match level.escalates.get(i).and_then(Option::as_ref) {
                    Some((code, _)) => index(code),
                    None => escalate_code,
                })
                .collect();
            level.mixed_codes = level.limit_codes.windows(2).any(|w| w.first() != w.get(1));
        }
    }
    program.codes = codes;
    program
}

/// Replaces every sub-expression that reads no input by its value, then
/// specialises the shapes evaluation meets most (see [`specialise`]).
// INVARIANT: only pure nodes whose children are all constants are evaluated, so
// folding never changes what a record's evaluation computes.
fn fold(expr: &mut Expr) {
    for child in expr.children_mut() {
        fold(child);
    }
    // a node reading nothing (constants, input, as_of, lets, lists, locals) has no children
    let foldable = {
        let mut children = expr.children().peekable();
        children.peek().is_some()
            && !matches!(expr.kind, ExprKind::Quantifier(..))
            && children.all(|c| matches!(c.kind, ExprKind::Const(_)))
    };
    if foldable {
        if let Ok(value) = constant::evaluate(expr) {
            expr.kind = ExprKind::Const(value);
        }
    }
    specialise(expr);
}

/// Field chains from the input become one `Path`; an enum tested against a
/// constant set becomes a bit-mask test. Both mean exactly what they replace.
fn specialise(expr: &mut Expr) {
    let replacement = match &expr.kind {
        ExprKind::Field(target, index) => match &target.kind {
            ExprKind::Input => Some(ExprKind::Path(Box::new([*index]))),
            ExprKind::Path(path) => Some(ExprKind::Path(path.iter().copied().chain([*index]).collect())),
            _ => None,
        },
        ExprKind::In(element, set) => match (&element.ty, &set.kind) {
            (Type::Enum(_), ExprKind::Const(Value::Set(members))) => {
                let mask = (0..64u32).filter(|&v| members.contains(&Value::Enum(v))).fold(0u64, |m, v| m | 1 << v);
                let all_small = members.len() == mask.count_ones() as usize;
                all_small.then(|| ExprKind::InMask(element.clone(), mask))
            }
            _ => None,
        },
        _ => None,
    };
    if let Some(kind) = replacement {
        expr.kind = kind;
    }
}
