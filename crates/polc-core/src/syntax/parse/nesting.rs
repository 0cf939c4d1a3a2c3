//! Nesting limits checked without recursion (P0005): brackets and prefix runs
//! in the text before pest recurses on them, then the depth of every expression tree.

use super::CodeBytes;
use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::base::source::{FileId, Span};
use crate::syntax::ast::*;

/// Expressions may nest (brackets, prefix operators, operator chains) as deep as
/// [`Limits::max_nesting`]. Policies nest a handful of levels; the limit keeps
/// hostile input from exhausting the stack of the parser, the checker or the
/// interpreter.
pub(super) fn nesting_error(span: Span, limit: usize) -> Diagnostic {
    Diagnostic::error(Code::P0005, format!("expression nested more than --max-nesting ({limit}) levels deep"))
        .at(span, "too deeply nested")
        .help("split it into `let`s: a policy that nests this deep cannot be reviewed")
}

/// Brackets and runs of prefix operators nested beyond the limit, found by a
/// scan of the text before pest (which recurses on them) sees it.
pub(super) fn too_deep_for_the_parser(file: FileId, text: &str, limit: usize) -> Option<Diagnostic> {
    let mut depth = 0usize;
    let mut prefix_run = 0usize;
    // where the word being read started (a word is a run of letters, digits, `_`
    // and non-ASCII characters, none of which is `not`)
    let mut word_start: Option<usize> = None;
    for (i, b) in CodeBytes::new(text) {
        if b.is_ascii_alphanumeric() || b == b'_' || !b.is_ascii() {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = word_start.take() {
            prefix_run = if text.get(start..i) == Some("not") { prefix_run + 1 } else { 0 };
        }
        match b {
            b'(' | b'{' | b'[' => depth += 1,
            b')' | b'}' | b']' => depth = depth.saturating_sub(1),
            b'-' => prefix_run += 1,
            // the grammar's white space: a space, or tab to carriage return
            b' ' | b'\t'..=b'\r' => {}
            _ => prefix_run = 0,
        }
        if depth > limit || prefix_run > limit {
            return Some(nesting_error(Span::new(file, i, i + 1), limit));
        }
    }
    None
}

/// The first expression whose tree is deeper than the limit (walked without
/// recursion): in a rule, let or const, an authority limit, a fixture or a
/// test record — every expression the checker recurses on.
pub(super) fn first_too_deep_expression(module: &mut Module, limit: usize) -> Option<Span> {
    roots(module).into_iter().find_map(|root| too_deep(root, limit))
}

/// Replaces every expression tree deeper than the limit by `none` with its
/// span (it was reported), taking it apart without recursion: dropping or
/// copying a tree recurses once per level, and a chain of two million `+`
/// overflowed any stack when the module was dropped.
pub(super) fn cut_too_deep_expressions(module: &mut Module, limit: usize) {
    for root in roots(module) {
        if too_deep(root, limit).is_none() {
            continue;
        }
        let span = root.span;
        let mut stack = vec![std::mem::replace(root, Expr { kind: ExprKind::None, span })];
        while let Some(mut expr) = stack.pop() {
            let mut take = |e: &mut Expr| stack.push(std::mem::replace(e, Expr { kind: ExprKind::None, span }));
            match &mut expr.kind {
                ExprKind::Field(e, _)
                | ExprKind::Lambda(_, e)
                | ExprKind::Neg(e)
                | ExprKind::Not(e)
                | ExprKind::Exists(e) => take(e),
                ExprKind::Binary(_, a, b) | ExprKind::In(a, b) => {
                    take(a);
                    take(b);
                }
                ExprKind::InRange(a, b, c) => {
                    take(a);
                    take(b);
                    take(c);
                }
                ExprKind::Call(_, items) | ExprKind::Set(items) => stack.append(items),
                _ => {}
            }
            // `expr` is dropped here, its children already taken out
        }
    }
}

/// The span of a sub-expression of `root` deeper than `limit`, if one is.
fn too_deep(root: &Expr, limit: usize) -> Option<Span> {
    let mut stack = vec![(root, 1usize)];
    while let Some((expr, depth)) = stack.pop() {
        if depth > limit {
            return Some(expr.span);
        }
        stack.extend(expr_children(expr).map(|c| (c, depth + 1)));
    }
    None
}

/// Every expression of a module that is not inside another: conditions, let
/// and const values, limits, the values of fixtures and test records (at any
/// depth of record and list literals, whose brackets the scan counted).
fn roots(module: &mut Module) -> Vec<&mut Expr> {
    let mut roots: Vec<&mut Expr> = Vec::new();
    let mut values: Vec<&mut RecordValue> = Vec::new();
    for item in &mut module.items {
        match item {
            Item::Const(c) => roots.push(&mut c.value),
            Item::Let(l) => roots.push(&mut l.value),
            Item::Rule(r) => roots.push(&mut r.condition),
            Item::Group(g) => {
                roots.extend(g.rules.iter_mut().map(|r| &mut r.condition));
                for limit in &mut g.limits {
                    roots.push(&mut limit.line);
                    roots.extend(limit.floor.as_mut());
                }
            }
            Item::CreditLimit(limit) => {
                roots.push(&mut limit.line);
                roots.extend(limit.floor.as_mut());
            }
            Item::Output(o) => roots.push(&mut o.value),
            Item::Authority(a) => {
                for limit in a.levels.iter_mut().flat_map(|l| &mut l.limits) {
                    roots.extend(limit.guard.as_mut());
                    match &mut limit.bound {
                        LimitBound::AtMost(e)
                        | LimitBound::Below(e)
                        | LimitBound::AtLeast(e)
                        | LimitBound::InSet(e) => roots.push(e),
                        LimitBound::InRange(lo, hi) => roots.extend([lo, hi]),
                    }
                }
            }
            Item::Fixture(f) => values.extend(f.record.entries.iter_mut().map(|(_, v)| v)),
            Item::Test(t) => values.extend(t.given.record.entries.iter_mut().map(|(_, v)| v)),
            _ => {}
        }
    }
    while let Some(value) = values.pop() {
        match value {
            RecordValue::Record(lit) => values.extend(lit.entries.iter_mut().map(|(_, v)| v)),
            RecordValue::List(items, _) => values.extend(items.iter_mut()),
            RecordValue::Expr(e) => roots.push(e),
        }
    }
    roots
}

/// The direct sub-expressions of an expression (at most three, or a list).
fn expr_children(expr: &Expr) -> impl Iterator<Item = &Expr> {
    let (fixed, rest): ([Option<&Expr>; 3], &[Expr]) = match &expr.kind {
        ExprKind::Field(e, _) | ExprKind::Lambda(_, e) | ExprKind::Neg(e) | ExprKind::Not(e) | ExprKind::Exists(e) => {
            ([Some(&**e), None, None], &[])
        }
        ExprKind::Binary(_, a, b) | ExprKind::In(a, b) => ([Some(&**a), Some(&**b), None], &[]),
        ExprKind::InRange(a, b, c) => ([Some(&**a), Some(&**b), Some(&**c)], &[]),
        ExprKind::Call(_, items) | ExprKind::Set(items) => ([None, None, None], items),
        _ => ([None, None, None], &[]),
    };
    fixed.into_iter().flatten().chain(rest)
}
