//! The governance clauses of §15 after a rule, limit, const or scorecard:
//! `basis KIND "citation"`, `effective …`, `overridable by LEVEL`. Each at most
//! once (P0032), only where it means something (P0033, A0331), with a known
//! kind (P0030), a range that is not empty (P0031), and never an exception to a
//! regulation (A0330).

use super::{Builder, Inner, Rule};
use crate::base::codes::Code;
use crate::base::diag::{did_you_mean, Diagnostic};
use crate::syntax::ast::*;
use pest::iterators::Pair;

/// What carries the clauses: which of them it may have.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Carrier {
    /// A rule; `true` for a decline rule.
    Rule(bool),
    Limit,
    Const,
    Scorecard,
}

impl Carrier {
    fn noun(self) -> &'static str {
        match self {
            Carrier::Rule(_) => "a rule",
            Carrier::Limit => "a credit limit",
            Carrier::Const => "a const",
            Carrier::Scorecard => "a scorecard",
        }
    }
}

/// The clauses of one declaration, each checked.
#[derive(Default)]
pub(super) struct Clauses {
    pub basis: Option<Basis>,
    pub effective: Option<Effective>,
    pub overridable: Option<Overridable>,
}

impl Builder {
    /// The governance clauses among the children not yet taken.
    pub(super) fn clauses(&mut self, inner: &mut Inner, carrier: Carrier) -> Clauses {
        let mut clauses = Clauses::default();
        let basis = inner.all(Rule::basis_clause);
        let effective = inner.all(Rule::effective_clause);
        let overridable = inner.all(Rule::overridable_clause);
        for (i, pair) in basis.into_iter().enumerate() {
            let span = self.span(&pair);
            if let Some(basis) = self.basis(pair, span) {
                if i == 0 {
                    clauses.basis = Some(basis);
                } else {
                    self.twice("basis", span, clauses.basis.as_ref().map(|b| b.span));
                }
            }
        }
        for (i, pair) in effective.into_iter().enumerate() {
            let span = self.span(&pair);
            if carrier == Carrier::Scorecard {
                self.not_here(
                    "effective",
                    span,
                    carrier,
                    "give the rules that read the score their `effective` ranges",
                );
                continue;
            }
            if let Some(range) = self.effective(pair, span) {
                if i == 0 {
                    clauses.effective = Some(range);
                } else {
                    self.twice("effective", span, clauses.effective.map(|e| e.span));
                }
            }
        }
        for (i, pair) in overridable.into_iter().enumerate() {
            let span = self.span(&pair);
            let mut parts = Inner::new(pair);
            let Some(level) = parts.need(Rule::ident).map(|p| self.ident(p)) else { continue };
            match carrier {
                Carrier::Rule(true) => {}
                Carrier::Rule(false) => {
                    self.error(
                        Diagnostic::error(Code::A0331, "`overridable by` on a rule that does not decline")
                            .at(span, "only a decline can be overridden")
                            .help("a referral already goes to a level that decides; remove `overridable by`"),
                    );
                    continue;
                }
                _ => {
                    self.not_here("overridable by", span, carrier, "an exception is granted against a decline rule");
                    continue;
                }
            }
            if i == 0 {
                clauses.overridable = Some(Overridable { level, span });
            } else {
                self.twice("overridable by", span, clauses.overridable.as_ref().map(|o| o.span));
            }
        }
        if let (Some(basis), Some(over)) = (&clauses.basis, &clauses.overridable) {
            if basis.kind == BasisKind::Regulation {
                self.error(
                    Diagnostic::error(Code::A0330, "a rule with `basis regulation` cannot be overridable")
                        .at(over.span, "no level may grant an exception to a regulation")
                        .also(basis.span, "the rule's basis is a regulation")
                        .help(
                            "remove `overridable by`, or give the rule the basis it really has (`industry`, `company`)",
                        ),
                );
                clauses.overridable = None;
            }
        }
        clauses
    }

    fn basis(&mut self, pair: Pair<Rule>, span: crate::base::source::Span) -> Option<Basis> {
        let mut parts = Inner::new(pair);
        let kind = self.ident(parts.need(Rule::ident)?);
        let citation = self.string(parts.need(Rule::string)?);
        match BasisKind::from_keyword(&kind.name) {
            Some(k) => Some(Basis { kind: k, citation, span }),
            None => {
                let words = BasisKind::ALL.map(BasisKind::keyword);
                let help = did_you_mean(&kind.name, words)
                    .unwrap_or_else(|| "a basis is `regulation`, `industry` or `company`".to_string());
                let fix = crate::base::diag::closest(&kind.name, words);
                self.error(
                    Diagnostic::error(Code::P0030, format!("unknown basis kind `{}`", kind.name))
                        .at(kind.span, "not `regulation`, `industry` or `company`")
                        .help(help)
                        .maybe_fix(kind.span, fix),
                );
                None
            }
        }
    }

    fn effective(&mut self, pair: Pair<Rule>, span: crate::base::source::Span) -> Option<Effective> {
        let mut from = None;
        let mut until = None;
        let mut until_span = span;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::effective_from => from = Some(self.date(&part.into_inner().next()?)?),
                Rule::effective_until => {
                    until_span = self.span(&part);
                    until = Some(self.date(&part.into_inner().next()?)?);
                }
                _ => {}
            }
        }
        if let (Some(f), Some(u)) = (from, until) {
            if u <= f {
                self.error(
                    Diagnostic::error(Code::P0031, format!("the effective range {f} ..< {u} holds no day"))
                        .at(until_span, format!("ends before it starts, or on the day it starts ({f})"))
                        .help("the end is the first day no longer in force: write a later date, or `effective D ..` for an open end"),
                );
                return None;
            }
        }
        Some(Effective { from, until, span })
    }

    fn twice(&mut self, clause: &str, span: crate::base::source::Span, first: Option<crate::base::source::Span>) {
        let mut d = Diagnostic::error(Code::P0032, format!("`{clause}` written twice"))
            .at(span, "second one")
            .help(format!("a declaration has at most one `{clause}`: keep the one that is right"));
        if let Some(first) = first {
            d = d.also(first, "first one");
        }
        self.error(d);
    }

    fn not_here(&mut self, clause: &str, span: crate::base::source::Span, carrier: Carrier, why: &str) {
        self.error(
            Diagnostic::error(Code::P0033, format!("`{clause}` cannot follow {}", carrier.noun()))
                .at(span, "not allowed here")
                .help(why.to_string()),
        );
    }
}
