//! Type-checking of `if … then … else`, `match` tables and their patterns
//! (§10), and `x in lo ..< hi`. The unique hit policy itself is decided in
//! `unique.rs`; this module turns its verdict into diagnostics (T0225, T0226,
//! T0227, W0510) naming the arms as written and a witness.

use super::expr::{error_expr, exists_facts};
use super::unique::{self, Cell, Domain, Subject};
use super::Checker;
use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::base::source::Span;
use crate::base::types::Type;
use crate::ir::table::{Arm, Bound, PatternTest, Table};
use crate::ir::{CmpOp, Expr, ExprKind};
use crate::syntax::ast::{self, BinOp, PatternKind};
use crate::value::Value;

impl Checker<'_> {
    /// `if c then a else b`; facts `c` proves (`x exists`) hold in each branch.
    pub(crate) fn if_expr(
        &mut self,
        c: &ast::Expr,
        a: &ast::Expr,
        b: &ast::Expr,
        span: Span,
        expected: Option<&Type>,
    ) -> Expr {
        let condition = self.expr(c, Some(&Type::Bool));
        let condition = self.coerce(condition, &Type::Bool, "the condition of `if`");
        let before = self.narrowed.len();
        self.narrowed.extend(exists_facts(c, true));
        let then = self.expr(a, expected);
        self.narrowed.truncate(before);
        self.narrowed.extend(exists_facts(c, false));
        let otherwise = self.expr(b, expected);
        self.narrowed.truncate(before);
        let (mut branches, ty) = self.join(vec![then, otherwise], Code::T0221, "the branches of `if`");
        let (Some(otherwise), Some(then)) = (branches.pop(), branches.pop()) else { return error_expr(span) };
        Expr::new(ExprKind::If(Box::new(condition), Box::new(then), Box::new(otherwise)), ty, span)
    }

    /// `x in lo ..< hi`: `x >= lo and x < hi`, with `x` read once per test.
    pub(crate) fn half_open(&mut self, x: &ast::Expr, lo: &ast::Expr, hi: &ast::Expr, span: Span) -> Expr {
        let whole = ast::Expr {
            kind: ast::ExprKind::InRange(Box::new(x.clone()), Box::new(lo.clone()), Box::new(hi.clone())),
            span,
        };
        let checked = self.expr(&whole, None);
        match checked.kind {
            ExprKind::InRange(x, lo, hi) => {
                let at_least = Expr::new(ExprKind::Compare(CmpOp::Ge, x.clone(), lo), Type::Bool, span);
                let below = Expr::new(ExprKind::Compare(CmpOp::Lt, x, hi), Type::Bool, span);
                Expr::new(ExprKind::And(Box::new(at_least), Box::new(below)), Type::Bool, span)
            }
            _ => checked,
        }
    }

    /// Brings `branches` to one type (Int widens to Decimal, `none` or a `T?`
    /// with a `T` gives `T?`); a mismatch is `code`, naming the first branch
    /// of another type and the first branch.
    pub(crate) fn join(&mut self, branches: Vec<Expr>, code: Code, what: &str) -> (Vec<Expr>, Type) {
        let known: Vec<&Expr> = branches.iter().filter(|b| !b.ty.is_error()).collect();
        let optional = known.iter().any(|b| b.ty.is_optional() || b.ty == Type::NoneLiteral);
        let values: Vec<&Expr> = known.iter().copied().filter(|b| b.ty != Type::NoneLiteral).collect();
        let Some(first) = values.first() else {
            let ty = if known.is_empty() { Type::Error } else { Type::NoneLiteral };
            return (branches, ty);
        };
        let first_ty = first.ty.unwrap_optional().clone();
        let mut target = first_ty.clone();
        for b in &values {
            let ty = b.ty.unwrap_optional();
            if *ty == target {
                continue;
            }
            match (&target, ty) {
                (Type::Int, Type::Decimal) => target = Type::Decimal,
                (Type::Decimal, Type::Int) => {}
                _ => {
                    let (shown, first_shown) = (self.show(&b.ty), self.show(&first.ty));
                    let mut d =
                        Diagnostic::error(code, format!("{what} have different types: `{first_shown}` and `{shown}`"))
                            .at(b.span, format!("this is `{shown}`"))
                            .also(first.span, format!("this is `{first_shown}`"));
                    d = match (&first_ty, ty) {
                        (Type::Money, Type::Int | Type::Decimal) | (Type::Int | Type::Decimal, Type::Money) => {
                            d.help("write amounts of money with `CNY`, e.g. `200_000 CNY`")
                        }
                        _ => d.help(format!("{what} must give values of one type")),
                    };
                    self.report(d);
                    return (branches.iter().map(|b| error_expr(b.span)).collect(), Type::Error);
                }
            }
        }
        let ty = if optional { Type::Optional(Box::new(target)) } else { target };
        let out = branches.into_iter().map(|b| self.coerce(b, &ty, what)).collect();
        (out, ty)
    }

    /// `match s1, s2 { arms }`
    pub(crate) fn match_expr(&mut self, m: &ast::MatchExpr, span: Span, expected: Option<&Type>) -> Expr {
        let mut exprs: Vec<Expr> = m.subjects.iter().map(|s| self.expr(s, None)).collect();
        let subject_types: Vec<Type> = exprs.iter().map(|e| e.ty.clone()).collect();
        let mut arms = Vec::with_capacity(m.arms.len());
        let mut bodies = Vec::with_capacity(m.arms.len());
        let mut sound = !subject_types.iter().any(Type::is_error);
        for arm in &m.arms {
            if arm.patterns.len() != subject_types.len() {
                let n = subject_types.len();
                let noun = if n == 1 { "subject" } else { "subjects" };
                self.report(
                    Diagnostic::error(
                        Code::T0224,
                        format!("this arm has {}, the table has {n} {noun}", count(arm.patterns.len(), "pattern")),
                    )
                    .at(arm.patterns_span, count(arm.patterns.len(), "pattern"))
                    .help("write one pattern per subject, separated by `,` (`_` matches anything)"),
                );
                sound = false;
            }
            let mut patterns = Vec::with_capacity(arm.patterns.len());
            for (pattern, ty) in arm.patterns.iter().zip(&subject_types) {
                match self.pattern(pattern, ty) {
                    Some(p) => patterns.push(p),
                    None => sound = false,
                }
            }
            arms.push(Arm { patterns, text: arm.patterns_text.clone(), span: arm.span });
            bodies.push(self.expr(&arm.body, expected));
        }
        if m.arms.is_empty() {
            self.report(
                Diagnostic::error(Code::T0226, "this table has no arms")
                    .at(span, "no arm matches anything")
                    .help("add arms `PATTERN => VALUE`, one a line"),
            );
            return error_expr(span);
        }
        let (bodies, ty) = self.join(bodies, Code::T0222, "the arms of this table");
        if sound {
            self.unique_hits(m, &subject_types, &arms, &bodies);
        }
        let subjects = exprs.len();
        exprs.extend(bodies);
        Expr::new(ExprKind::Match(Box::new(Table { subjects, exprs, arms })), ty, span)
    }

    /// One pattern against a subject of type `ty`; `None` when it is wrong (reported).
    fn pattern(&mut self, pattern: &ast::Pattern, ty: &Type) -> Option<PatternTest> {
        let base = ty.unwrap_optional().clone();
        if base.is_error() {
            return None;
        }
        let shown = self.show(ty);
        let wrong = |checker: &mut Self, message: String, help: &str| {
            checker.report(
                Diagnostic::error(Code::T0223, message)
                    .at(pattern.span, format!("the subject is `{shown}`"))
                    .help(help.to_string()),
            );
            None
        };
        match &pattern.kind {
            PatternKind::Any => Some(PatternTest::Any),
            PatternKind::None if ty.is_optional() => Some(PatternTest::None),
            PatternKind::None => wrong(
                self,
                "`none` never matches: the subject is never `none`".to_string(),
                "remove this arm, or match an optional value",
            ),
            PatternKind::Compare(..) | PatternKind::Range { .. } if !base.is_ordered() => wrong(
                self,
                format!("an interval cannot match a `{}`", self.show(&base)),
                "intervals match Int, Decimal, Money and Date subjects; match variants with `a | b`",
            ),
            PatternKind::Compare(op, e) => {
                let v = self.bound(e, &base)?;
                let (lo, hi) = match op {
                    BinOp::Lt => (None, Some(Bound { value: v, inclusive: false })),
                    BinOp::Le => (None, Some(Bound { value: v, inclusive: true })),
                    BinOp::Gt => (Some(Bound { value: v, inclusive: false }), None),
                    _ => (Some(Bound { value: v, inclusive: true }), None),
                };
                Some(PatternTest::Interval { lo, hi })
            }
            PatternKind::Range { lo, hi, half_open } => {
                let (l, h) = (self.bound(lo, &base), self.bound(hi, &base));
                let (l, h) = (l?, h?);
                let order = l.compare(&h);
                let empty = match order {
                    Some(std::cmp::Ordering::Less) => false,
                    Some(std::cmp::Ordering::Equal) => *half_open,
                    _ => true,
                };
                if empty {
                    let (ls, hs) = (l.display(&base, &self.schema), h.display(&base, &self.schema));
                    let op = if *half_open { "..<" } else { "..=" };
                    self.report(
                        Diagnostic::error(Code::T0229, format!("the interval `{ls} {op} {hs}` contains nothing"))
                            .at(pattern.span, "matches no value")
                            .help("write the lower bound first: `lo ..< hi` needs `lo < hi`, `lo ..= hi` needs `lo <= hi`"),
                    );
                    return None;
                }
                Some(PatternTest::Interval {
                    lo: Some(Bound { value: l, inclusive: true }),
                    hi: Some(Bound { value: h, inclusive: !*half_open }),
                })
            }
            PatternKind::Values(items) => {
                let mut values = Vec::new();
                for item in items {
                    values.extend(self.point(item, &base, &shown)?);
                }
                Some(PatternTest::Values(values))
            }
        }
    }

    /// A bound of an interval pattern: a constant of the subject's type.
    fn bound(&mut self, e: &ast::Expr, base: &Type) -> Option<Value> {
        let checked = self.expr(e, Some(base));
        let checked = self.coerce(checked, base, "a bound of this pattern");
        self.fold_constant(&checked, "a pattern's bound")
    }

    /// The values one alternative of a pattern names: a constant of the
    /// subject's type, or the members of a set constant.
    fn point(&mut self, e: &ast::Expr, base: &Type, shown: &str) -> Option<Vec<Value>> {
        if let ast::ExprKind::Set(items) = &e.kind {
            let mut out = Vec::new();
            for item in items {
                out.extend(self.point(item, base, shown)?);
            }
            return Some(out);
        }
        let checked = self.expr(e, Some(base));
        if let Type::Set(member) = &checked.ty {
            let member = (**member).clone();
            let value = self.fold_constant(&checked, "a pattern")?;
            let Value::Set(set) = value else { return None };
            let candidates: Vec<Value> = match (base, &member) {
                (Type::Enum(id), Type::Enum(m)) if id == m => {
                    let n = self.schema.enum_def(*id).map_or(0, |d| d.variants.len() as u32);
                    (0..n).map(Value::Enum).collect()
                }
                (Type::Bool, Type::Bool) => vec![Value::Bool(false), Value::Bool(true)],
                _ => {
                    let set_shown = self.show(&checked.ty);
                    self.report(
                        Diagnostic::error(Code::T0223, format!("a named `{set_shown}` cannot be a pattern of a `{shown}`"))
                            .at(e.span, format!("this is `{set_shown}`"))
                            .help("a set constant matches an enum or Bool subject of its element type; for other values write them out: `{a, b}` or `a | b`"),
                    );
                    return None;
                }
            };
            return Some(candidates.into_iter().filter(|v| set.contains(v)).collect());
        }
        let checked = self.coerce(checked, base, "a pattern of this table");
        self.fold_constant(&checked, "a pattern").map(|v| vec![v])
    }

    /// Reports what the unique hit policy finds wrong with a table.
    fn unique_hits(&mut self, m: &ast::MatchExpr, types: &[Type], arms: &[Arm], bodies: &[Expr]) {
        let subjects: Vec<Subject> = types.iter().map(|t| self.subject(t)).collect();
        let is_wild = |arm: &Arm| arm.patterns.iter().all(|p| *p == PatternTest::Any);
        // an arm after one that is all `_` is never reached
        if let Some(catch_all) = arms.iter().position(is_wild) {
            if let (Some(next), Some(wild)) = (m.arms.get(catch_all + 1), m.arms.get(catch_all)) {
                self.report(
                    Diagnostic::error(Code::T0225, format!("the arm `{}` is never reached", next.patterns_text))
                        .at(next.patterns_span, "never reached")
                        .also(wild.patterns_span, "this arm matches everything before it")
                        .help("put the arm that is all `_` last"),
                );
                return;
            }
        }
        let complete_by_default = arms.last().is_some_and(is_wild);
        let checked = if complete_by_default { arms.len() - 1 } else { arms.len() };
        let tests: Vec<Vec<PatternTest>> = arms.iter().take(checked).map(|a| a.patterns.clone()).collect();
        let verdict = unique::analyse(&subjects, &tests);
        let table_span = m.arms.first().map(|a| a.span).unwrap_or_default();
        if verdict.too_large {
            self.report(
                Diagnostic::error(Code::T0227, "this table is too large to check")
                    .at(table_span, "its arms and bounds make too many combinations")
                    .help(format!(
                        "checking it would take more than {} steps: split it into smaller tables",
                        unique::MAX_STEPS
                    )),
            );
            return;
        }
        for (earlier, later, witness) in &verdict.overlaps {
            let (Some(a), Some(b)) = (m.arms.get(*earlier), m.arms.get(*later)) else { continue };
            let shown = self.witness(witness, types);
            let same = match (bodies.get(*earlier).map(|e| &e.kind), bodies.get(*later).map(|e| &e.kind)) {
                (Some(ExprKind::Const(x)), Some(ExprKind::Const(y))) => x == y,
                _ => false,
            };
            let message = format!("{shown} matches both `{}` and `{}`", a.patterns_text, b.patterns_text);
            let d = if same {
                Diagnostic::warning(Code::W0510, message)
                    .at(b.patterns_span, "overlaps an earlier arm")
                    .also(a.patterns_span, "the earlier arm, with the same value")
                    .help("narrow one of the two so each value is matched once")
            } else {
                Diagnostic::error(Code::T0225, message)
                    .at(b.patterns_span, "overlaps an earlier arm")
                    .also(a.patterns_span, "the earlier arm")
                    .help("at most one arm may match any values: narrow one of the two")
            };
            self.report(d);
        }
        if complete_by_default {
            return;
        }
        if let Some(witness) = &verdict.gap {
            let shown = self.witness(witness, types);
            let opaque = subjects.iter().any(|s| s.domain == Domain::Opaque);
            let help = if opaque {
                "add an arm for it, or a last arm `_` (a subject without finite reasoning needs one)".to_string()
            } else {
                "add an arm for it, or a last arm that is all `_`".to_string()
            };
            let subjects_span =
                m.subjects.first().map(|s| s.span).map(|s| m.subjects.last().map_or(s, |l| s.to(l.span)));
            let mut d = Diagnostic::error(Code::T0226, format!("no arm matches {shown}")).help(help);
            if let Some(span) = subjects_span {
                d = d.at(span, format!("{shown} is not matched"));
            }
            self.report(d);
        }
    }

    fn subject(&self, ty: &Type) -> Subject {
        let domain = match ty.unwrap_optional() {
            Type::Enum(id) => Domain::Enum(self.schema.enum_def(*id).map_or(0, |d| d.variants.len() as u32)),
            Type::Bool => Domain::Bool,
            Type::Int => Domain::Int,
            Type::Date => Domain::Date,
            Type::Decimal | Type::Money => Domain::Dense,
            _ => Domain::Opaque,
        };
        Subject { domain, optional: ty.is_optional() }
    }

    /// A witness as the policy would write it: `650`, `B, auto_loan`; a value
    /// of a subject without finite reasoning that no pattern names shows as `_`.
    fn witness(&self, cells: &[Cell], types: &[Type]) -> String {
        let mut other = None;
        let parts: Vec<String> = cells
            .iter()
            .zip(types)
            .map(|(cell, ty)| match cell {
                Cell::Value(v) => v.display(ty, &self.schema),
                Cell::Other => {
                    other.get_or_insert_with(|| self.show(ty.unwrap_optional()));
                    "_".to_string()
                }
            })
            .collect();
        match other {
            Some(ty) if parts.len() == 1 => format!("a `{ty}` that no pattern names"),
            Some(ty) => format!("`{}` (`_`: a `{ty}` that no pattern names)", parts.join(", ")),
            None => format!("`{}`", parts.join(", ")),
        }
    }
}

/// `1 pattern`, `2 patterns`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
