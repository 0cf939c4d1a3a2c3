//! Expressions in the canonical layout: on one line when they fit, else broken
//! before the operators of their loosest chain (one `and` / `or` operand a
//! line; `+` / `-` operands filled up to the width), and a comment between two
//! operands kept at the end of the first one's line. Other expressions stay on
//! one line (a comparison breaks only inside its sides, to keep a comment).

use super::{Printer, WIDTH};
use crate::syntax::ast::*;
use crate::syntax::operators::{self, Grouping, Operator};
use unicode_width::UnicodeWidthStr;

/// How tightly `e` binds, from the operator table ([`operators`]): an
/// operand needs parentheses where it binds more loosely than its place asks.
pub(super) fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Lambda(..) | ExprKind::If(..) => 0,
        ExprKind::Match(_) => operators::ATOM,
        _ => operators::of_expr(e).map_or(operators::ATOM, operators::level),
    }
}

/// The level an operand of `operator` must reach to go without parentheses:
/// just above it for a comparison's operands and for what `not`, `exists`,
/// `in` and `..=` apply to; at its own level for what the tighter prefix and
/// postfix operators apply to.
fn above(operator: Operator) -> u8 {
    operators::level(operator) + 1
}

/// A precedence above `and`'s: an `and` operand of `or` given it is parenthesised.
fn parenthesised_and() -> u8 {
    above(Operator::Binary(BinOp::And))
}

/// The operands of a chain of `or`, of `and` or of `+` and `-`, each with the
/// operator before it: `a - b + c` is `[(-, a), (-, b), (+, c)]` (the first
/// operator is the second's, unused). `None` for other expressions.
fn chain(e: &Expr) -> Option<Vec<(BinOp, &Expr)>> {
    let ExprKind::Binary(op @ (BinOp::Or | BinOp::And | BinOp::Add | BinOp::Sub), ..) = &e.kind else {
        return None;
    };
    let prec = precedence(e);
    let mut operands = Vec::new();
    let mut at = e;
    while let ExprKind::Binary(op, left, right) = &at.kind {
        if precedence(at) != prec {
            break;
        }
        operands.push((*op, &**right));
        at = left;
    }
    operands.push((operands.last().map_or(*op, |o| o.0), at));
    operands.reverse();
    Some(operands)
}

/// Where the last line of `text` ends, when its first line starts at `column`.
fn end_column(column: usize, text: &str) -> usize {
    match text.rsplit_once('\n') {
        Some((_, last)) => last.width(),
        None => column + text.width(),
    }
}

impl Printer<'_> {
    /// Whether the author wrote `e` in parentheses.
    fn parenthesised(&self, e: &Expr) -> bool {
        self.parenthesised.contains(&(e.span.start, e.span.end))
    }

    /// The precedence an operand of `parent` must have to go without
    /// parentheses: `min`, or more for an `and` the author put in parentheses
    /// inside an `or` (redundant, but it shows how the condition reads).
    fn operand_min(&self, parent: BinOp, operand: &Expr, min: u8) -> u8 {
        let is_and = matches!(operand.kind, ExprKind::Binary(BinOp::And, ..));
        if parent == BinOp::Or && is_and && self.parenthesised(operand) {
            parenthesised_and()
        } else {
            min
        }
    }

    /// An expression on one line, in parentheses when its precedence is below `min`.
    pub(super) fn expr(&self, e: &Expr, min: u8) -> String {
        let prec = precedence(e);
        let text = match &e.kind {
            ExprKind::Int(_) | ExprKind::Decimal(_) | ExprKind::Date(_) | ExprKind::Str(_) => {
                self.snippet(e.span).to_string()
            }
            ExprKind::Money(_) | ExprKind::Percent(_) | ExprKind::Duration(..) => {
                self.snippet(e.span).split_whitespace().collect::<Vec<_>>().join(" ").replace(" %", "%")
            }
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::None => "none".to_string(),
            ExprKind::AsOf => "as_of".to_string(),
            ExprKind::Name(n) => n.name.clone(),
            ExprKind::Field(target, field) => {
                format!("{}.{}", self.expr(target, operators::level(Operator::Field)), field.name)
            }
            ExprKind::Call(name, args) => {
                format!("{}({})", name.name, args.iter().map(|a| self.expr(a, 0)).collect::<Vec<_>>().join(", "))
            }
            ExprKind::Lambda(param, body) => format!("{} => {}", param.name, self.expr(body, 0)),
            ExprKind::Neg(inner) => format!("-{}", self.expr(inner, operators::level(Operator::Negate))),
            // `not (x in S)` reads better than the equivalent `not x in S`
            ExprKind::Not(inner) => format!("not {}", self.expr(inner, above(Operator::In))),
            ExprKind::Binary(op, l, r) => {
                let grouping = operators::of(Operator::Binary(*op)).map(|def| def.grouping);
                let (lmin, rmin) =
                    if grouping == Some(Grouping::NonChaining) { (prec + 1, prec + 1) } else { (prec, prec + 1) };
                let (lmin, rmin) = (self.operand_min(*op, l, lmin), self.operand_min(*op, r, rmin));
                format!("{} {} {}", self.expr(l, lmin), op.symbol(), self.expr(r, rmin))
            }
            ExprKind::Exists(inner) => format!("{} exists", self.expr(inner, above(Operator::Exists))),
            ExprKind::In(x, set) => {
                let side = above(Operator::In);
                format!("{} in {}", self.expr(x, side), self.expr(set, side))
            }
            ExprKind::InRange(x, lo, hi) => {
                let (side, end) = (above(Operator::In), above(Operator::Range));
                format!("{} in {} ..= {}", self.expr(x, side), self.expr(lo, end), self.expr(hi, end))
            }
            ExprKind::InHalfOpen(x, lo, hi) => {
                let (side, end) = (above(Operator::In), above(Operator::RangeHalfOpen));
                format!("{} in {} ..< {}", self.expr(x, side), self.expr(lo, end), self.expr(hi, end))
            }
            ExprKind::Set(items) => {
                format!("{{{}}}", items.iter().map(|i| self.expr(i, 0)).collect::<Vec<_>>().join(", "))
            }
            ExprKind::If(c, a, b) => {
                format!("if {} then {} else {}", self.expr(c, 0), self.expr(a, 0), self.expr(b, 0))
            }
            ExprKind::Match(m) => self.table_flat(m),
        };
        // an `if` the author put in parentheses keeps them: its `else` branch
        // reaches as far right as an expression can, so they bound it
        let keep = matches!(e.kind, ExprKind::If(..)) && self.parenthesised(e);
        if prec < min || keep {
            format!("({text})")
        } else {
            text
        }
    }

    /// An expression whose first line starts at `column` (later lines carry
    /// their own indentation): one line when it fits and holds no comment to
    /// keep, else broken as the module doc says.
    pub(super) fn layout(&self, e: &Expr, column: usize, min: u8) -> String {
        let flat = self.expr(e, min);
        if column + flat.width() <= WIDTH && !self.must_break(e) {
            return flat;
        }
        if precedence(e) < min {
            return format!("({})", self.layout(e, column + 1, 0));
        }
        if let Some(operands) = chain(e) {
            return self.layout_chain(e, &operands, column);
        }
        match &e.kind {
            ExprKind::Not(inner) => format!("not {}", self.layout(inner, column + 4, above(Operator::In))),
            ExprKind::Binary(op, l, r) if op.is_comparison() && self.must_break(e) => {
                let side = precedence(e) + 1;
                let left = self.layout(l, column, side);
                let right = self.layout(r, end_column(column, &left) + op.symbol().len() + 2, side);
                format!("{left} {} {right}", op.symbol())
            }
            _ => flat,
        }
    }

    /// A chain that does not fit or holds comments, broken before its operators.
    fn layout_chain(&self, e: &Expr, operands: &[(BinOp, &Expr)], column: usize) -> String {
        let prec = precedence(e);
        let logical = prec <= operators::level(Operator::Binary(BinOp::And));
        let mut out = String::new();
        let mut previous_end: Option<usize> = None;
        for (i, (op, operand)) in operands.iter().enumerate() {
            let symbol = op.symbol();
            let mut new_line = logical;
            if let Some(end) = previous_end {
                new_line |= self.gap_comments(&mut out, column, end, operand.span.start as usize);
            }
            previous_end = Some(operand.span.end as usize);
            let min = self.operand_min(*op, operand, if i == 0 { prec } else { prec + 1 });
            if i == 0 {
                out.push_str(&self.operand(*op, operand, column, min));
                continue;
            }
            let flat = self.expr(operand, min);
            let fits = end_column(column, &out) + symbol.len() + flat.width() + 2 <= WIDTH;
            if new_line || !fits || self.must_break(operand) {
                let text = self.operand(*op, operand, column + symbol.len() + 1, min);
                out.push_str(&format!("\n{}{symbol} {text}", " ".repeat(column)));
            } else {
                out.push_str(&format!(" {symbol} {flat}"));
            }
        }
        out
    }

    /// One operand of a broken chain; an `and` chain that must itself break
    /// inside an `or` is put in parentheses, so that its lines are not read as
    /// the `or`'s.
    fn operand(&self, parent: BinOp, operand: &Expr, column: usize, min: u8) -> String {
        let and_in_or = parent == BinOp::Or && matches!(operand.kind, ExprKind::Binary(BinOp::And, ..));
        if and_in_or && min < parenthesised_and() {
            let flat = self.expr(operand, min);
            if column + flat.width() > WIDTH || self.must_break(operand) {
                return self.layout(operand, column, parenthesised_and());
            }
        }
        self.layout(operand, column, min)
    }

    /// Puts the comments between two operands (from `from` to `to`) on `out`:
    /// the first trailing comment at the end of its last line, the others on
    /// lines of their own at `column`. True when there were any.
    fn gap_comments(&self, out: &mut String, column: usize, from: usize, to: usize) -> bool {
        let mut trailing_taken = false;
        let mut any = false;
        for comment in self.unused_comments(from, to) {
            comment.used.set(true);
            any = true;
            if !comment.own_line && !trailing_taken {
                out.push_str("  ");
                trailing_taken = true;
            } else {
                out.push('\n');
                out.push_str(&" ".repeat(column));
            }
            out.push_str(&comment.text);
        }
        any
    }

    /// Whether `e` holds a comment that [`Printer::layout`] keeps in place (one
    /// between two operands of a chain it can break), so it cannot be one line.
    pub(super) fn must_break(&self, e: &Expr) -> bool {
        if let Some(operands) = chain(e) {
            let gaps = operands.windows(2).any(|pair| match pair {
                [(_, a), (_, b)] => self.unused_comments(a.span.end as usize, b.span.start as usize).next().is_some(),
                _ => false,
            });
            return gaps || operands.iter().any(|(_, operand)| self.must_break(operand));
        }
        match &e.kind {
            ExprKind::Not(inner) => self.must_break(inner),
            ExprKind::Binary(op, l, r) if op.is_comparison() => self.must_break(l) || self.must_break(r),
            _ => false,
        }
    }
}
