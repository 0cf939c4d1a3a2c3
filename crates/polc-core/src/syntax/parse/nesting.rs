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

/// The first expression whose tree is deeper than the limit (walked without recursion).
pub(super) fn first_too_deep_expression(module: &Module, limit: usize) -> Option<Span> {
    let mut roots: Vec<&Expr> = Vec::new();
    for item in &module.items {
        match item {
            Item::Const(c) => roots.push(&c.value),
            Item::Let(l) => roots.push(&l.value),
            Item::Rule(r) => roots.push(&r.condition),
            Item::Group(g) => roots.extend(g.rules.iter().map(|r| &r.condition)),
            _ => {}
        }
    }
    for root in roots {
        let mut stack = vec![(root, 1usize)];
        while let Some((expr, depth)) = stack.pop() {
            if depth > limit {
                return Some(expr.span);
            }
            stack.extend(expr_children(expr).map(|c| (c, depth + 1)));
        }
    }
    None
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
