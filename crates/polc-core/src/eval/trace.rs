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
    /// False for a rule out of force on `as_of` (§15): it was not evaluated
    /// (and `fired` is `Some(false)`).
    pub in_force: bool,
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
    /// The amount as requested.
    pub requested: rust_decimal::Decimal,
    /// The floor, when the limit cut (its default `0.01` when it has none).
    pub floor: Option<rust_decimal::Decimal>,
    /// The patterns of the arm the line's table took, when the line is a
    /// `match` (directly or through lets).
    pub arm: Option<String>,
    pub values: Vec<ValueTrace>,
}

/// A `match` table (or a scorecard characteristic's bins) that took an arm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArmTrace {
    /// The table's span: which table (a characteristic's is its span).
    pub table: Span,
    /// Index into the table's arms.
    pub arm: usize,
    /// The arm's patterns as written.
    pub patterns: String,
    /// Each subject's value, as the policy writes values.
    pub values: Vec<String>,
}

/// One characteristic of a scored record: its value, its bin, its points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CharacteristicTrace {
    /// The reason code it reports when it loses points.
    pub reason: String,
    pub label: Option<String>,
    /// The subject as written.
    pub subject: String,
    /// The subject's value, as the policy writes values (`None`: the
    /// characteristic's table was decided when the policy was compiled).
    pub value: Option<String>,
    /// The bin's pattern as written (`None` as for `value`).
    pub bin: Option<String>,
    pub points: i64,
    pub baseline: i64,
}

impl CharacteristicTrace {
    /// The points it lost against its baseline (PMML `pointsBelow`), never negative.
    pub fn lost(&self) -> i64 {
        self.baseline.saturating_sub(self.points).max(0)
    }
}

/// One scorecard computed for a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScorecardTrace {
    /// Index into `Program::scorecards`.
    pub card: usize,
    pub score: i64,
    /// `base`: the score less every characteristic's points.
    pub base: i64,
    /// In declaration order.
    pub characteristics: Vec<CharacteristicTrace>,
}

/// Everything one evaluation did, in evaluation order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    pub rules: Vec<RuleTrace>,
    pub limits: Vec<LimitTrace>,
    /// The credit limits, applied before the rules.
    pub credit_limits: Vec<CreditLimitTrace>,
    /// Every table that took an arm, each once per evaluation of it (a table
    /// in a let is evaluated at most once): coverage of arms and bins reads these.
    pub arms: Vec<ArmTrace>,
    /// The scorecards the decision carries, each characteristic with its value,
    /// bin and points (empty for an error).
    pub scorecards: Vec<ScorecardTrace>,
}

/// The scorecards of `decision`, each characteristic's points from the
/// decision and its value and bin from the arm its table took.
fn scorecard_traces(program: &Program, decision: &Decision, arms: &[ArmTrace]) -> Vec<ScorecardTrace> {
    let mut out = Vec::with_capacity(decision.scores.len());
    for result in &decision.scores {
        let Some(def) = program.scorecards.get(result.card) else { continue };
        let characteristics = def
            .characteristics
            .iter()
            .zip(&result.points)
            .map(|(c, &points)| {
                let table = program.lets.get(c.points.0 as usize).map(|l| l.expr.span);
                let taken = table.and_then(|span| arms.iter().rev().find(|a| a.table == span));
                CharacteristicTrace {
                    reason: c.reason.clone(),
                    label: c.label.clone(),
                    subject: c.subject.clone(),
                    value: taken.and_then(|a| a.values.first().cloned()),
                    bin: taken.map(|a| a.patterns.clone()),
                    points,
                    baseline: c.baseline,
                }
            })
            .collect();
        let points = result.points.iter().fold(0i64, |sum, &p| sum.saturating_add(p));
        let base = result.score.saturating_sub(points);
        out.push(ScorecardTrace { card: result.card, score: result.score, base, characteristics });
    }
    out
}

/// The span of the table `e` is, directly or as a let (or a let of a let…).
fn table_span<'p>(program: &'p Program, mut e: &'p Expr) -> Option<Span> {
    for _ in 0..=program.lets.len() {
        match &e.kind {
            ExprKind::Match(_) => return Some(e.span),
            ExprKind::Let(id) => e = &program.lets.get(id.0 as usize)?.expr,
            _ => return None,
        }
    }
    None
}

/// Decides one record and explains the decision.
pub fn explain(program: &Program, lists: &BoundLists, input: &Value, as_of: NaiveDate) -> (Decision, Trace) {
    let mut collector =
        Collector { program, amounts: None, seen: Vec::new(), versions: Vec::new(), as_of, trace: Trace::default() };
    let mut scratch = Scratch::default();
    let decision = decide_traced(program, lists, input, as_of, &mut scratch, &mut collector);
    let mut trace = collector.trace;
    trace.scorecards = scorecard_traces(program, &decision, &trace.arms);
    (decision, trace)
}

struct Collector<'a> {
    program: &'a Program,
    /// The amounts of the credit limit being reported.
    amounts: Option<super::limits::Amounts>,
    /// Values seen since the last rule or limit ended.
    seen: Vec<(Span, String)>,
    /// Where a versioned const was read, and which version (§15).
    versions: Vec<(Span, String)>,
    as_of: NaiveDate,
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
            let mut source = self.program.sources.snippet(span).split_whitespace().collect::<Vec<_>>().join(" ");
            if let Some((_, version)) = self.versions.iter().find(|(s, _)| *s == span) {
                source.push_str(&format!(" [{version}]"));
            }
            values.push(ValueTrace { span, source, value });
        }
        values.sort_by_key(|v| (v.span.start, std::cmp::Reverse(v.span.end)));
        values
    }
}

impl Observer for Collector<'_> {
    const VALUES: bool = true;

    fn value(&mut self, expr: &Expr, value: &Value) {
        if let ExprKind::Versioned(id) = expr.kind {
            if let Some(versions) = self.program.const_versions.get(id as usize) {
                let used = versions.in_force(self.as_of).and_then(|(_, v)| v.effective);
                let text = used.map_or_else(
                    || "version in force always".to_string(),
                    |e| format!("version effective {}", e.text()),
                );
                if !self.versions.iter().any(|(s, _)| *s == expr.span) {
                    self.versions.push((expr.span, text));
                }
            }
        }
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
        self.trace.rules.push(RuleTrace { rule: index, fired, values, in_force: true });
    }

    fn rule_out_of_force(&mut self, index: usize) {
        self.trace.rules.push(RuleTrace { rule: index, fired: Some(false), values: Vec::new(), in_force: false });
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

    fn credit_limit_amounts(&mut self, _index: usize, amounts: &super::limits::Amounts) {
        self.amounts = Some(*amounts);
    }

    fn credit_limit(&mut self, index: usize, effect: super::limits::LimitEffect, line: &rust_decimal::Decimal) {
        let limit = self.program.credit_limits.get(index);
        let values = self.take_within(limit.map(|l| l.span).unwrap_or_default());
        let amounts = self.amounts.take();
        // the arm of the line's table, the last time that table took one
        let table = limit.and_then(|l| table_span(self.program, &l.line));
        let arm =
            table.and_then(|span| self.trace.arms.iter().rev().find(|a| a.table == span)).map(|a| a.patterns.clone());
        self.trace.credit_limits.push(CreditLimitTrace {
            limit: index,
            effect,
            line: *line,
            requested: amounts.map_or_else(rust_decimal::Decimal::default, |a| a.requested),
            floor: amounts.and_then(|a| a.floor),
            arm,
            values,
        });
    }

    fn arm(&mut self, table: &Expr, arm: usize, values: &[&Value]) {
        let ExprKind::Match(t) = &table.kind else { return };
        let patterns = t.arms.get(arm).map(|a| a.text.clone()).unwrap_or_default();
        let values =
            values.iter().zip(t.subjects()).map(|(v, subject)| v.display(&subject.ty, &self.program.schema)).collect();
        self.trace.arms.push(ArmTrace { table: table.span, arm, patterns, values });
    }
}
