//! Warnings (W codes): unused declarations, constant conditions, and rules
//! subsumed by another rule with the same outcome (interval and set reasoning).

use super::{is_constant, Checker};
use crate::base::diag::Diagnostic;
use crate::ir::{CmpOp, Expr, ExprKind, RuleDef, RuleOutcome};
use crate::sema::resolve::DeclKind;
use crate::syntax::ast::Trigger;
use crate::value::{SetValue, Value};
use std::cmp::Ordering;

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
    let regions: Vec<Option<Region>> = sound.iter().copied().map(region).collect();
    for (i, narrow) in sound.iter().enumerate() {
        let Some(Some(n)) = regions.get(i) else {
            continue;
        };
        for (j, wide) in sound.iter().enumerate() {
            let Some(Some(w)) = regions.get(j) else {
                continue;
            };
            if i == j || n.path != w.path || !n.within(w) {
                continue;
            }
            if narrow.outcome != wide.outcome {
                // a referral whose region a decline covers never changes a decision
                if matches!(narrow.outcome, RuleOutcome::Refer(_)) && wide.outcome == RuleOutcome::Decline {
                    checker.report(
                        Diagnostic::warning(
                            "W0507",
                            format!("rule `{}` can never change a decision: decline rule `{}` fires whenever it does", narrow.code, wide.code),
                        )
                        .at(narrow.condition.span, "whenever this holds")
                        .also(wide.condition.span, format!("this holds too, and `{}` declines", wide.code))
                        .help("the referral is still evaluated (and traced), but a declined application is never referred; narrow its condition or remove it"),
                    );
                    break;
                }
                continue;
            }
            // for two identical regions warn once, on the later rule
            if w.within(n) && j > i {
                continue;
            }
            checker.report(
                Diagnostic::warning("W0505", format!("rule `{}` is subsumed by rule `{}`", narrow.code, wide.code))
                    .at(narrow.condition.span, "whenever this holds")
                    .also(wide.condition.span, format!("this holds too, with the same outcome (`{}`)", wide.code))
                    .help(format!(
                        "`{}` never changes the outcome; remove it, or give it a different outcome",
                        narrow.code
                    )),
            );
            break;
        }
    }
}

/// The values of one input path for which a rule fires.
struct Region {
    path: String,
    shape: Shape,
}

enum Shape {
    /// lower and upper bounds with inclusivity
    Interval(Option<(Value, bool)>, Option<(Value, bool)>),
    Set(SetValue),
}

impl Region {
    fn within(&self, other: &Region) -> bool {
        match (&self.shape, &other.shape) {
            (Shape::Interval(lo, hi), Shape::Interval(olo, ohi)) => {
                bound_within(lo, olo, Ordering::Less) && bound_within(hi, ohi, Ordering::Greater)
            }
            (Shape::Set(a), Shape::Set(b)) => a.is_subset(b),
            _ => false,
        }
    }
}

/// Is bound `a` inside bound `b` (no looser)? `outward` is the ordering that
/// means "looser" (Less for lower bounds, Greater for upper bounds).
fn bound_within(a: &Option<(Value, bool)>, b: &Option<(Value, bool)>, outward: Ordering) -> bool {
    match (a, b) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some((av, ai)), Some((bv, bi))) => match av.compare(bv) {
            Some(o) if o == outward => false,
            Some(Ordering::Equal) => *bi || !*ai,
            Some(_) => true,
            None => false,
        },
    }
}

fn region(rule: &RuleDef) -> Option<Region> {
    let (op, path, value, fires_when_true) = match &rule.condition.kind {
        ExprKind::Compare(op, left, right) => match (&left.kind, &right.kind) {
            (_, ExprKind::Const(v)) => (*op, left, v.clone(), rule.trigger == Trigger::When),
            _ => return None,
        },
        ExprKind::In(left, right) => match &right.kind {
            ExprKind::Const(Value::Set(set)) if rule.trigger == Trigger::When => {
                return Some(Region { path: path_string(left)?, shape: Shape::Set((**set).clone()) });
            }
            _ => return None,
        },
        _ => return None,
    };
    let op = if fires_when_true { op } else { negate(op)? };
    let path = path_string(path)?;
    let shape = match op {
        CmpOp::Lt => Shape::Interval(None, Some((value, false))),
        CmpOp::Le => Shape::Interval(None, Some((value, true))),
        CmpOp::Gt => Shape::Interval(Some((value, false)), None),
        CmpOp::Ge => Shape::Interval(Some((value, true)), None),
        CmpOp::Eq => Shape::Interval(Some((value.clone(), true)), Some((value, true))),
        CmpOp::Ne => return None,
    };
    Some(Region { path, shape })
}

fn negate(op: CmpOp) -> Option<CmpOp> {
    Some(match op {
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
        CmpOp::Eq | CmpOp::Ne => return None,
    })
}

/// A stable key for an input path or a let (`input.3.1`, `let 2`).
fn path_string(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Input => Some("input".into()),
        ExprKind::Let(id) => Some(format!("let {}", id.0)),
        ExprKind::Field(target, index) => Some(format!("{}.{index}", path_string(target)?)),
        ExprKind::ToDecimal(inner) => path_string(inner),
        _ => None,
    }
}

fn has_error(e: &Expr) -> bool {
    e.ty.is_error() || e.children().any(has_error)
}
