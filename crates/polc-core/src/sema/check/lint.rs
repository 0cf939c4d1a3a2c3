//! Warnings (W codes): unused declarations, constant conditions, rules made
//! redundant by another rule (found in `subsume.rs`), rates compared with whole numbers.

use super::subsume::Redundancy;
use super::{is_constant, Checker};
use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::base::types::Type;
use crate::ir::{ArithOp, Expr, ExprKind, RuleDef};
use crate::sema::resolve::DeclKind;
use crate::syntax::ast;
use crate::syntax::ast::Trigger;
use crate::value::Value;

pub(crate) fn unused(checker: &mut Checker<'_>) {
    let decls = checker.decls;
    if decls.is_library() {
        return; // everything a library declares is there for its users
    }
    let mut found: Vec<(&str, DeclKind, crate::base::source::Span)> = Vec::new();
    // a scorecard is a let (and so are its characteristics, which it reads)
    let kind = |name: &str| match decls.names.get(name) {
        Some((DeclKind::Scorecard, _)) => DeclKind::Scorecard,
        _ => DeclKind::Let,
    };
    found.extend(decls.lets.iter().map(|l| (l.name.name.as_str(), kind(&l.name.name), l.name.span)));
    found.extend(decls.consts.iter().map(|c| (c.name.name.as_str(), DeclKind::Const, c.name.span)));
    found.extend(decls.lists.iter().map(|(l, _)| (l.name.name.as_str(), DeclKind::List, l.name.span)));
    for (name, kind, span) in found {
        // a shared file's declarations may serve other policies: only the root's are warned about
        let in_root = span.file == crate::base::source::FileId(0);
        // a name that something unparsable mentions may well be used there
        if !in_root || checker.used.contains(name) || name.starts_with('_') || checker.touched_by_broken(name) {
            continue;
        }
        let code = match kind {
            DeclKind::Let | DeclKind::Scorecard => Code::W0501,
            DeclKind::Const => Code::W0502,
            _ => Code::W0503,
        };
        checker.report(
            Diagnostic::warning(code, format!("{} `{name}` is never used", kind.noun()))
                .at(span, "declared here but not used by any rule")
                .help(format!("remove it, or start its name with `_` to keep it: `_{name}`")),
        );
    }
}

pub(crate) fn rules(checker: &mut Checker<'_>, rules: &[RuleDef]) {
    // a condition that already has a type error would only add noise
    let sound: Vec<&RuleDef> = rules.iter().filter(|r| !has_error(&r.condition)).collect();
    for rule in sound.iter().copied() {
        if is_constant(&rule.condition) {
            let fires = match crate::ir::constant::evaluate(&rule.condition) {
                Ok(Value::Bool(b)) => Some(b == (rule.trigger == Trigger::When)),
                _ => None,
            };
            let what = match fires {
                Some(true) => "always fires",
                Some(false) => "never fires",
                None => "does not depend on the input",
            };
            checker.report(
                Diagnostic::warning(Code::W0504, format!("rule `{}` {what}", rule.code))
                    .at(rule.condition.span, "this condition is a constant")
                    .help("a condition should read the input, a list or `as_of`"),
            );
        }
    }
    let findings = super::subsume::redundant(&sound);
    for (narrow, finding) in sound.iter().zip(findings) {
        let (wide, masked) = match finding {
            Some(Redundancy::Subsumed(wide)) => (wide, false),
            Some(Redundancy::MaskedByDecline(wide)) => (wide, true),
            None => continue,
        };
        let Some(wide) = sound.get(wide) else { continue };
        let diagnostic = if masked {
            Diagnostic::warning(
                Code::W0507,
                format!("rule `{}` can never change a decision: decline rule `{}` fires whenever it does", narrow.code, wide.code),
            )
            .at(narrow.condition.span, "whenever this holds")
            .also(wide.condition.span, format!("this holds too, and `{}` declines", wide.code))
            .help("the referral is still evaluated (and traced), but a declined application is never referred; narrow its condition or remove it")
        } else {
            Diagnostic::warning(Code::W0505, format!("rule `{}` is subsumed by rule `{}`", narrow.code, wide.code))
                .at(narrow.condition.span, "whenever this holds")
                .also(wide.condition.span, format!("this holds too, with the same outcome (`{}`)", wide.code))
                .help(format!("`{}` never changes the outcome; remove it, or give it a different outcome", narrow.code))
        };
        checker.report(diagnostic);
    }
}

fn has_error(e: &Expr) -> bool {
    e.ty.is_error() || e.children().any(has_error)
}

/// W0509: a rate or ratio compared with a whole number above 1 (`dti <= 70`,
/// `premium_rate in 2 ..= 8`), which means 7000% or 200%–800%. A rate is a
/// `Decimal` field or let, or `Money / Money`; the number is an `Int` literal as
/// written. `70.0` (a decimal literal) says the number is meant, and is not warned about.
pub(crate) fn whole_number_rate(checker: &mut Checker<'_>, subject: &Expr, literals: &[&ast::Expr]) {
    let is_rate = subject.ty == Type::Decimal
        && match &subject.kind {
            ExprKind::Field(..) | ExprKind::Path(_) | ExprKind::Let(_) => true,
            ExprKind::Arith(ArithOp::Div, a, b) => a.ty == Type::Money && b.ty == Type::Money,
            _ => false,
        };
    if !is_rate {
        return;
    }
    let whole: Vec<(i64, crate::base::source::Span)> = literals
        .iter()
        .filter_map(|e| match e.kind {
            ast::ExprKind::Int(n) if n > 1 => Some((n, e.span)),
            _ => None,
        })
        .collect();
    let Some(&(first, first_span)) = whole.first() else {
        whole_number_const(checker, subject, literals);
        return;
    };
    // the literals rewritten: whole numbers as percentages, or as decimals
    let rewritten = |whole_as: &dyn Fn(i64) -> String| {
        let bounds: Vec<String> = literals.iter().map(|e| written(e, whole_as)).collect();
        bounds.join(" ..= ")
    };
    let suggestion = rewritten(&|n| format!("{n}%"));
    let numbers = rewritten(&|n| format!("{n}.0"));
    let shown: Vec<String> = whole.iter().map(|(n, _)| format!("`{n}`")).collect();
    let mut diagnostic = Diagnostic::warning(
        Code::W0509,
        format!(
            "a rate is compared with the whole number{} {}",
            if shown.len() > 1 { "s" } else { "" },
            shown.join(" and ")
        ),
    )
    .at(first_span, format!("{first} is {}%", i128::from(first) * 100));
    for (n, span) in whole.iter().skip(1) {
        diagnostic = diagnostic.also(*span, format!("{n} is {}%", i128::from(*n) * 100));
    }
    for (n, span) in &whole {
        diagnostic = diagnostic.fix(*span, format!("{n}%"));
    }
    let meant = if literals.len() > 1 { "the numbers are meant" } else { "the number is meant" };
    checker.report(
        diagnostic
            .also(subject.span, "a `Decimal` rate: 0.5 is 50%")
            .help(format!("did you mean `{suggestion}`? write `{numbers}` if {meant}")),
    );
}

/// W0509 for a rate compared with a `const` that is a whole number above 1
/// (`const max_dti = 50` … `dti <= max_dti`): the fix is in the const.
fn whole_number_const(checker: &mut Checker<'_>, subject: &Expr, bounds: &[&ast::Expr]) {
    for bound in bounds {
        let ast::ExprKind::Name(name) = &bound.kind else { continue };
        if checker.locals.iter().any(|(local, _, _)| *local == name.name) {
            continue; // a lambda's parameter, not the const
        }
        let Some(index) = checker.const_by_name(&name.name) else { continue };
        let Some((Value::Int(n), Type::Int)) = checker.const_value(index) else { continue };
        if n <= 1 {
            continue;
        }
        let percent = i128::from(n) * 100;
        checker.report(
            Diagnostic::warning(Code::W0509, format!("a rate is compared with `{}`, the whole number `{n}`", name.name))
                .at(bound.span, format!("`{}` is {n}, that is {percent}%", name.name))
                .also(subject.span, "a `Decimal` rate: 0.5 is 50%")
                .help(format!(
                    "did you mean `{n}%`? declare `const {}: Decimal = {n}%`; write `{n}.0` in the const if the number is meant",
                    name.name
                )),
        );
        return;
    }
}

/// A literal as written, a whole number as `whole_as` rewrites it ("…" for
/// what is not a literal).
fn written(e: &ast::Expr, whole_as: &dyn Fn(i64) -> String) -> String {
    match &e.kind {
        ast::ExprKind::Int(n) => whole_as(*n),
        ast::ExprKind::Decimal(d) => d.to_string(),
        ast::ExprKind::Percent(d) => d
            .checked_mul(rust_decimal::Decimal::ONE_HUNDRED)
            .map_or_else(|| "…".to_string(), |p| format!("{}%", p.normalize())),
        _ => "…".to_string(),
    }
}
