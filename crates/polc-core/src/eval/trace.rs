//! Explanations: what each rule saw and why it fired, and the authority walk.
//! Built by an [`Observer`] that records sub-expression values; used by
//! `polc eval` (for people) and `polc run --explain` (JSON).

use super::{decide_traced, BoundLists, Decision, Observer, Scratch};
use crate::base::source::Span;
use crate::ir::{Expr, ExprKind, Program};
use crate::value::Value;
use chrono::NaiveDate;

/// One sub-expression's value, with its place and source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueTrace {
    pub span: Span,
    pub source: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleTrace {
    /// Index into `Program::rules`.
    pub rule: usize,
    /// `None` when the rule failed at run time.
    pub fired: Option<bool>,
    pub values: Vec<ValueTrace>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitTrace {
    pub level: u32,
    /// Index into the level's limits.
    pub limit: usize,
    pub held: bool,
    pub span: Span,
    pub values: Vec<ValueTrace>,
}

/// What one credit limit (§12) did: its line's value and the values inside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditLimitTrace {
    /// Index into `Program::credit_limits`.
    pub limit: usize,
    pub effect: super::limits::LimitEffect,
    pub line: rust_decimal::Decimal,
    pub values: Vec<ValueTrace>,
}

/// Everything one evaluation did, in evaluation order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    pub rules: Vec<RuleTrace>,
    pub limits: Vec<LimitTrace>,
    /// The credit limits, applied before the rules.
    pub credit_limits: Vec<CreditLimitTrace>,
}

/// Decides one record and explains the decision.
pub fn explain(program: &Program, lists: &BoundLists, input: &Value, as_of: NaiveDate) -> (Decision, Trace) {
    let mut collector = Collector { program, seen: Vec::new(), trace: Trace::default() };
    let mut scratch = Scratch::default();
    let decision = decide_traced(program, lists, input, as_of, &mut scratch, &mut collector);
    (decision, collector.trace)
}

struct Collector<'a> {
    program: &'a Program,
    /// Values seen since the last rule or limit ended.
    seen: Vec<(Span, String)>,
    trace: Trace,
}

impl Collector<'_> {
    /// The values seen inside `within`, one per place, in source order.
    fn take_within(&mut self, within: Span) -> Vec<ValueTrace> {
        let mut values: Vec<ValueTrace> = Vec::new();
        for (span, value) in self.seen.drain(..) {
            let inside = span.file == within.file && span.start >= within.start && span.end <= within.end;
            if !inside {
                continue; // the inside of a let computed on first use, the `over` path, …
            }
            values.retain(|v| v.span != span);
            let source = self.program.sources.snippet(span).split_whitespace().collect::<Vec<_>>().join(" ");
            values.push(ValueTrace { span, source, value });
        }
        values.sort_by_key(|v| (v.span.start, std::cmp::Reverse(v.span.end)));
        values
    }
}

impl Observer for Collector<'_> {
    const VALUES: bool = true;

    fn value(&mut self, expr: &Expr, value: &Value) {
        // constants say nothing new, and whole records or sets are too big to show
        if matches!(expr.kind, ExprKind::Const(_)) || matches!(value, Value::Record(_) | Value::Set(_)) {
            return;
        }
        self.seen.push((expr.span, value.display(&expr.ty, &self.program.schema)));
    }

    fn rule_start(&mut self, _index: usize) {
        self.seen.clear();
    }

    fn rule_end(&mut self, index: usize, fired: Option<bool>) {
        let span = self.program.rules.get(index).map(|r| r.condition.span).unwrap_or_default();
        let values = self.take_within(span);
        self.trace.rules.push(RuleTrace { rule: index, fired, values });
    }

    fn limit(&mut self, level: u32, index: usize, held: bool) {
        let span = self
            .program
            .authority
            .as_ref()
            .and_then(|a| a.levels.get(level as usize))
            .and_then(|l| l.limits.get(index))
            .map(|e| e.span)
            .unwrap_or_default();
        let values = self.take_within(span);
        self.trace.limits.push(LimitTrace { level, limit: index, held, span, values });
    }

    fn credit_limit(&mut self, index: usize, effect: super::limits::LimitEffect, line: &rust_decimal::Decimal) {
        let span = self.program.credit_limits.get(index).map(|l| l.span).unwrap_or_default();
        let values = self.take_within(span);
        self.trace.credit_limits.push(CreditLimitTrace { limit: index, effect, line: *line, values });
    }
}
