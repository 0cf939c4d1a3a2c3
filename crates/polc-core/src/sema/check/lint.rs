//! Warnings (W codes): unused declarations, constant conditions, and rules
//! made redundant by another rule (found in `subsume.rs`).

use super::subsume::Redundancy;
use super::{is_constant, Checker};
use crate::base::diag::Diagnostic;
use crate::ir::{Expr, RuleDef};
use crate::sema::resolve::DeclKind;
use crate::syntax::ast::Trigger;
use crate::value::Value;

pub(crate) fn unused(checker: &mut Checker<'_>) {
    let decls = checker.decls;
    if decls.is_library() {
        return; // everything a library declares is there for its users
    }
    let mut found: Vec<(&str, DeclKind, crate::base::source::Span)> = Vec::new();
    found.extend(decls.lets.iter().map(|l| (l.name.name.as_str(), DeclKind::Let, l.name.span)));
    found.extend(decls.consts.iter().map(|c| (c.name.name.as_str(), DeclKind::Const, c.name.span)));
    found.extend(decls.lists.iter().map(|(l, _)| (l.name.name.as_str(), DeclKind::List, l.name.span)));
    for (name, kind, span) in found {
        // a shared file's declarations may serve other policies: only the root's are warned about
        let in_root = span.file == crate::base::source::FileId(0);
        if !in_root || checker.used.contains(name) || name.starts_with('_') {
            continue;
        }
        let code = match kind {
            DeclKind::Let => "W0501",
            DeclKind::Const => "W0502",
            _ => "W0503",
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
            let fires = match crate::eval::eval_constant(&rule.condition) {
                Ok(Value::Bool(b)) => Some(b == (rule.trigger == Trigger::When)),
                _ => None,
            };
            let what = match fires {
                Some(true) => "always fires",
                Some(false) => "never fires",
                None => "does not depend on the input",
            };
            checker.report(
                Diagnostic::warning("W0504", format!("rule `{}` {what}", rule.code))
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
                "W0507",
                format!("rule `{}` can never change a decision: decline rule `{}` fires whenever it does", narrow.code, wide.code),
            )
            .at(narrow.condition.span, "whenever this holds")
            .also(wide.condition.span, format!("this holds too, and `{}` declines", wide.code))
            .help("the referral is still evaluated (and traced), but a declined application is never referred; narrow its condition or remove it")
        } else {
            Diagnostic::warning("W0505", format!("rule `{}` is subsumed by rule `{}`", narrow.code, wide.code))
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
