//! The Pratt fold of a flat `expr` into a tree, by the one operator table
//! ([`crate::syntax::operators`]): precedence, grouping, the comparisons that
//! do not chain (P0004) and the range that only `in` takes (P0006).

use super::{Builder, Rule};
use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::base::source::Span;
use crate::syntax::ast::*;
use crate::syntax::operators::{self, Fixity, Grouping, Operator, OperatorDef};
use pest::iterators::{Pair, Pairs};

/// What the Pratt fold produces: an expression, or a range that only `in` may take.
pub(super) enum Piece {
    Expr(Expr),
    /// `lo ..= hi`, or `lo ..< hi` when half-open.
    Range(Expr, Expr, Span, bool),
}

fn range_outside_in(span: Span) -> Diagnostic {
    Diagnostic::error(Code::P0006, "a range can only follow `in`")
        .at(span, "a range here")
        .help("test membership of a range: `x in lo ..= hi`")
}

/// What the Pratt fold meets: an operator (its entry in the operator table),
/// or an operand.
enum Token {
    Operator(&'static OperatorDef),
    /// An operator token the table does not know: an internal error (the
    /// grammar and the table disagree), never taken for another operator.
    Unknown,
}

/// The operator `pair` is, from the operator table ([`crate::syntax::operators`]);
/// `None` for an operand.
fn binding(pair: &Pair<Rule>) -> Option<Token> {
    let (fixity, symbol) = match pair.as_rule() {
        Rule::infix_op => (Fixity::Infix, pair.as_str()),
        Rule::prefix_op => (Fixity::Prefix, pair.as_str()),
        Rule::kw_exists => (Fixity::Postfix, "exists"),
        Rule::field_access => (Fixity::Postfix, "."),
        _ => return None,
    };
    Some(operators::find(fixity, symbol).map_or(Token::Unknown, Token::Operator))
}

impl Token {
    /// How tightly the token binds; an unknown operator is taken at once, to be reported.
    fn level(&self) -> u32 {
        match self {
            Token::Operator(def) => u32::from(def.level),
            Token::Unknown => u32::MAX,
        }
    }
}

fn unknown_operator(op: &Pair<Rule>, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::P0001,
        format!("internal error: the operator `{}` is not in the operator table", op.as_str()),
    )
    .at(span, "this operator")
}

impl Builder {
    /// Folds a flat `expr` by precedence (Pratt parsing): an operand with its
    /// prefix operators, then every operator binding tighter than `rbp`. The
    /// whole expression is always read, so errors after a bad operand are
    /// still reported; a piece that failed folds to `None`.
    pub(super) fn fold(&mut self, pairs: &mut std::iter::Peekable<Pairs<'_, Rule>>, rbp: u32) -> Option<Piece> {
        let first = pairs.next()?;
        let mut lhs = match binding(&first) {
            Some(Token::Operator(def)) if def.fixity == Fixity::Prefix => {
                let rhs = self.fold(pairs, u32::from(def.level) - 1);
                rhs.and_then(|rhs| self.prefix(first, def, rhs))
            }
            Some(Token::Unknown) => {
                let span = self.span(&first);
                self.error(unknown_operator(&first, span));
                None
            }
            Some(Token::Operator(_)) => None,
            None => self.operand(first).map(Piece::Expr),
        };
        loop {
            let next = pairs.peek().and_then(binding);
            let Some(token) = next.filter(|token| token.level() > rbp) else { break };
            let Some(op) = pairs.next() else { break };
            lhs = match token {
                Token::Operator(def) if def.fixity == Fixity::Infix => {
                    let rhs = self.fold(pairs, u32::from(def.level));
                    match (lhs, rhs) {
                        (Some(lhs), Some(rhs)) => self.infix(lhs, op, def, rhs),
                        _ => None,
                    }
                }
                Token::Operator(def) if def.fixity == Fixity::Postfix => lhs.and_then(|lhs| self.postfix(lhs, op, def)),
                Token::Operator(_) => None,
                Token::Unknown => {
                    let span = self.span(&op);
                    self.error(unknown_operator(&op, span));
                    None
                }
            };
        }
        lhs
    }

    pub(super) fn plain(&mut self, piece: Piece) -> Option<Expr> {
        match piece {
            Piece::Expr(e) => Some(e),
            Piece::Range(_, _, span, _) => {
                self.error(range_outside_in(span));
                None
            }
        }
    }

    fn prefix(&mut self, op: Pair<Rule>, def: &OperatorDef, rhs: Piece) -> Option<Piece> {
        let op_span = self.span(&op);
        let rhs = self.plain(rhs)?;
        let span = op_span.to(rhs.span);
        let kind = match def.operator {
            Operator::Not => ExprKind::Not(Box::new(rhs)),
            Operator::Negate => ExprKind::Neg(Box::new(rhs)),
            _ => {
                self.error(unknown_operator(&op, op_span));
                return None;
            }
        };
        Some(Piece::Expr(Expr { kind, span }))
    }

    fn postfix(&mut self, lhs: Piece, op: Pair<Rule>, def: &OperatorDef) -> Option<Piece> {
        let op_span = self.span(&op);
        let lhs = self.plain(lhs)?;
        let span = lhs.span.to(op_span);
        let kind = match def.operator {
            Operator::Exists => {
                self.no_chain(&lhs, op_span)?;
                ExprKind::Exists(Box::new(lhs))
            }
            Operator::Field => {
                let field = self.ident(op.into_inner().next()?);
                ExprKind::Field(Box::new(lhs), field)
            }
            _ => {
                self.error(unknown_operator(&op, op_span));
                return None;
            }
        };
        Some(Piece::Expr(Expr { kind, span }))
    }

    fn infix(&mut self, lhs: Piece, op: Pair<Rule>, def: &OperatorDef, rhs: Piece) -> Option<Piece> {
        let op_span = self.span(&op);
        let lhs = self.plain(lhs)?;
        let kind = match def.operator {
            // a range needs no chain check: one on the left is P0006 already
            Operator::Range | Operator::RangeHalfOpen => {
                let hi = self.plain(rhs)?;
                let span = lhs.span.to(hi.span);
                return Some(Piece::Range(lhs, hi, span, def.operator == Operator::RangeHalfOpen));
            }
            Operator::In => {
                self.no_chain(&lhs, op_span)?;
                let span = match &rhs {
                    Piece::Range(_, _, range_span, _) => lhs.span.to(*range_span),
                    Piece::Expr(set) => lhs.span.to(set.span),
                };
                let kind = match rhs {
                    Piece::Range(lo, hi, _, false) => ExprKind::InRange(Box::new(lhs), Box::new(lo), Box::new(hi)),
                    Piece::Range(lo, hi, _, true) => ExprKind::InHalfOpen(Box::new(lhs), Box::new(lo), Box::new(hi)),
                    Piece::Expr(set) => ExprKind::In(Box::new(lhs), Box::new(set)),
                };
                return Some(Piece::Expr(Expr { kind, span }));
            }
            Operator::Binary(op) => op,
            _ => {
                self.error(unknown_operator(&op, op_span));
                return None;
            }
        };
        let rhs = self.plain(rhs)?;
        let span = lhs.span.to(rhs.span);
        if def.grouping == Grouping::NonChaining {
            self.no_chain(&lhs, op_span)?;
        }
        Some(Piece::Expr(Expr { kind: ExprKind::Binary(kind, Box::new(lhs), Box::new(rhs)), span }))
    }

    /// Comparisons do not chain: `a < b < c` is P0004 (but `(a < b) == c` is fine).
    fn no_chain(&mut self, lhs: &Expr, op_span: Span) -> Option<()> {
        let is_comparison =
            operators::of_expr(lhs).and_then(operators::of).is_some_and(|def| def.grouping == Grouping::NonChaining);
        if is_comparison && !self.parenthesised.contains(&(lhs.span.start, lhs.span.end)) {
            let d = Diagnostic::error(Code::P0004, "comparisons cannot be chained")
                .at(op_span, "second comparison")
                .also(lhs.span, "first comparison")
                .help("join the two comparisons with `and`, e.g. `a < b and b < c`");
            self.error(d);
            return None;
        }
        Some(())
    }
}
