//! The part-two expressions and declarations of the syntax tree: `if … then …
//! else`, `match` tables with their patterns, and `scorecard` declarations
//! (their bins are one-subject match arms).

use super::{Builder, Inner, Rule};
use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::syntax::ast::*;
use pest::iterators::Pair;

impl Builder {
    /// `if C then A else B` (an `if_expr`, or an `arm_if` in an arm body).
    pub(super) fn if_expr(&mut self, pair: Pair<Rule>) -> Option<Expr> {
        let span = self.span(&pair);
        let mut parts = pair.into_inner().filter(|p| matches!(p.as_rule(), Rule::expr | Rule::arm_expr));
        let condition = self.expr(parts.next()?);
        let then = self.expr(parts.next()?);
        let otherwise = self.expr(parts.next()?);
        let (condition, then, otherwise) = (condition?, then?, otherwise?);
        Some(Expr { kind: ExprKind::If(Box::new(condition), Box::new(then), Box::new(otherwise)), span })
    }

    /// `match S1, S2 { arms }`
    pub(super) fn match_expr(&mut self, pair: Pair<Rule>) -> Option<Expr> {
        let span = self.span(&pair);
        let mut subjects = Vec::new();
        let mut arms = Vec::new();
        let mut failed = false;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::expr => match self.expr(part) {
                    Some(e) => subjects.push(e),
                    None => failed = true,
                },
                Rule::match_arm => match self.match_arm(part) {
                    Some(arm) => arms.push(arm),
                    None => failed = true,
                },
                _ => {}
            }
        }
        if failed {
            return None;
        }
        Some(Expr { kind: ExprKind::Match(Box::new(MatchExpr { subjects, arms })), span })
    }

    /// `P1, P2 => E`
    fn match_arm(&mut self, pair: Pair<Rule>) -> Option<MatchArm> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let patterns_pair = inner.next()?;
        let patterns_span = self.span(&patterns_pair);
        let patterns_text = patterns_pair.as_str().split_whitespace().collect::<Vec<_>>().join(" ");
        let mut patterns = Vec::new();
        let mut failed = false;
        for p in patterns_pair.into_inner().filter(|p| p.as_rule() == Rule::pattern) {
            match self.pattern(p) {
                Some(p) => patterns.push(p),
                None => failed = true,
            }
        }
        let body = self.expr(inner.find(|p| p.as_rule() == Rule::arm_expr)?);
        if failed {
            return None;
        }
        Some(MatchArm { patterns, body: body?, patterns_span, patterns_text, span })
    }

    fn pattern(&mut self, pair: Pair<Rule>) -> Option<Pattern> {
        let span = self.span(&pair);
        let parts: Vec<Pair<Rule>> = pair.into_inner().collect();
        let kind = match parts.as_slice() {
            [only] if only.as_rule() == Rule::wildcard => PatternKind::Any,
            [op, value] if op.as_rule() == Rule::pattern_cmp => {
                let value = self.pattern_value(value.clone())?;
                let op = match op.as_str() {
                    "<" => BinOp::Lt,
                    "<=" => BinOp::Le,
                    ">" => BinOp::Gt,
                    _ => BinOp::Ge,
                };
                PatternKind::Compare(op, value)
            }
            [lo, range, hi] if range.as_rule() == Rule::pattern_range => {
                let lo = self.pattern_value(lo.clone());
                let hi = self.pattern_value(hi.clone());
                PatternKind::Range { lo: lo?, hi: hi?, half_open: range.as_str() == "..<" }
            }
            values => {
                let mut out = Vec::new();
                for v in values.iter().filter(|p| p.as_rule() == Rule::pattern_value) {
                    out.push(self.pattern_value(v.clone())?);
                }
                match out.as_slice() {
                    [Expr { kind: ExprKind::None, .. }] => PatternKind::None,
                    _ => PatternKind::Values(out),
                }
            }
        };
        Some(Pattern { kind, span })
    }

    /// A pattern's constant: an operand with its prefix and postfix operators.
    fn pattern_value(&mut self, pair: Pair<Rule>) -> Option<Expr> {
        let piece = self.fold(&mut pair.into_inner().peekable(), 0)?;
        self.plain(piece)
    }

    /// `scorecard NAME "title"? base N reasons N? { characteristic … }`
    pub(super) fn scorecard(&mut self, mut inner: Inner, span: crate::base::source::Span) -> Option<ScorecardDecl> {
        let name = self.ident(inner.need(Rule::ident)?);
        let title = inner.take(Rule::string).map(|s| self.string(s));
        let base = self.points(inner.need(Rule::score_points)?)?;
        let reasons = match inner.take(Rule::score_points) {
            Some(p) => Some(self.points(p)?),
            None => None,
        };
        let mut characteristics = Vec::new();
        for pair in inner.all(Rule::characteristic) {
            let (text, at) = (pair.as_str(), pair.as_span().start() + self.offset);
            match self.characteristic(pair) {
                Some(c) => characteristics.push(c),
                None => self.remember_broken(text, at, 1),
            }
        }
        let clauses = self.clauses(&mut inner, super::governance::Carrier::Scorecard);
        Some(ScorecardDecl { name, title, base, reasons, characteristics, basis: clauses.basis, span })
    }

    fn characteristic(&mut self, pair: Pair<Rule>) -> Option<Characteristic> {
        let span = self.span(&pair);
        let mut inner = Inner::new(pair);
        let subject_pair = inner.need(Rule::expr)?;
        let subject_text = subject_pair.as_str().split_whitespace().collect::<Vec<_>>().join(" ");
        let subject = self.expr(subject_pair);
        let label = inner.take(Rule::string).map(|s| self.string(s));
        let reason = self.ident(inner.need(Rule::ident)?);
        let baseline = self.points(inner.need(Rule::score_points)?);
        let mut bins = Vec::new();
        let mut failed = false;
        for arm in inner.all(Rule::match_arm) {
            match self.match_arm(arm) {
                Some(arm) => bins.push(arm),
                None => failed = true,
            }
        }
        if failed {
            return None;
        }
        Some(Characteristic { subject: subject?, subject_text, label, reason, baseline: baseline?, bins, span })
    }

    /// A scorecard's whole number (`520`, `-15`, `1_000`).
    fn points(&mut self, pair: Pair<Rule>) -> Option<Points> {
        let span = self.span(&pair);
        let digits: String = pair.as_str().chars().filter(|&c| c != '_').collect();
        match digits.parse::<i64>() {
            Ok(value) => Some(Points { value, span }),
            Err(_) => {
                self.error(
                    Diagnostic::error(Code::P0002, format!("`{}` is out of range for a whole number", pair.as_str()))
                        .at(span, "too large"),
                );
                None
            }
        }
    }
}
