//! Moving a syntax tree within its file: every span of a declaration shifted
//! by the length an edit before it added or removed, so an editor keeps the
//! trees of the declarations an edit did not touch (`parse/reuse.rs`).
//!
//! INVARIANT: every `Span` field of the tree is moved; `parse/reuse.rs`'s
//! property test compares each reused tree, spans included, with a whole parse.

use crate::base::source::Span;
use crate::syntax::ast::*;

/// A node whose spans can be moved by `delta` bytes.
pub trait Shift {
    fn shift(&mut self, delta: i64);
}

/// `n` moved by `delta`; a position never leaves the 32-bit range spans hold
/// (the reused declarations lie within the new text).
fn moved(n: u32, delta: i64) -> u32 {
    u32::try_from(i64::from(n).saturating_add(delta)).unwrap_or(n)
}

impl Shift for Span {
    fn shift(&mut self, delta: i64) {
        self.start = moved(self.start, delta);
        self.end = moved(self.end, delta);
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, delta: i64) {
        if let Some(x) = self {
            x.shift(delta);
        }
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift(&mut self, delta: i64) {
        self.iter_mut().for_each(|x| x.shift(delta));
    }
}

impl<T: Shift> Shift for Box<T> {
    fn shift(&mut self, delta: i64) {
        (**self).shift(delta);
    }
}

impl<A: Shift, B: Shift> Shift for (A, B) {
    fn shift(&mut self, delta: i64) {
        self.0.shift(delta);
        self.1.shift(delta);
    }
}

impl Shift for chrono::NaiveDate {
    fn shift(&mut self, _: i64) {}
}

/// Structs: each listed field is shifted.
macro_rules! shift_fields {
    ($($t:ty { $($field:ident),* })*) => {$(
        impl Shift for $t {
            fn shift(&mut self, delta: i64) {
                $(self.$field.shift(delta);)*
            }
        }
    )*};
}

shift_fields! {
    Ident { span }
    StrLit { span }
    PolicyHeader { name, title, version, span }
    UseDecl { path, span }
    EnumDecl { name, variants, span }
    RecordDecl { name, fields, span }
    FieldDecl { name, ty }
    InputDecl { name, ty, span }
    ListDecl { name, ty, from, column, span }
    ConstDecl { name, ty, value, basis, effective, span }
    LetDecl { name, ty, value, span }
    GroupDecl { name, title, rules, limits, span }
    RuleDecl { code, message, outcome, outcome_span, condition, basis, effective, overridable, span }
    Basis { citation, span }
    Effective { span }
    Overridable { level, span }
    CreditLimitDecl { code, message, path, line, floor, basis, effective, span }
    OutputDecl { name, ty, value, span }
    AuthorityDecl { title, over, escalate, message, levels, span }
    LevelDecl { name, above, limits, span }
    Limit { path, bound, guard, escalate, span }
    Path { segments, span }
    TestDecl { name, given, as_of, expect, outputs, span }
    Given { input, base, record }
    FixtureDecl { name, base, record, span }
    RecordLit { entries, span }
    TypeExpr { kind, span }
    Expr { kind, span }
    MatchExpr { subjects, arms }
    MatchArm { patterns, body, patterns_span, span }
    Pattern { kind, span }
    ScorecardDecl { name, title, base, reasons, characteristics, basis, span }
    Points { span }
    Characteristic { subject, label, reason, baseline, bins, span }
}

impl Shift for Item {
    fn shift(&mut self, delta: i64) {
        match self {
            Item::Policy(d) => d.shift(delta),
            Item::Use(d) => d.shift(delta),
            Item::Enum(d) => d.shift(delta),
            Item::Record(d) => d.shift(delta),
            Item::Input(d) => d.shift(delta),
            Item::List(d) => d.shift(delta),
            Item::Const(d) => d.shift(delta),
            Item::Let(d) => d.shift(delta),
            Item::Group(d) => d.shift(delta),
            Item::Rule(d) => d.shift(delta),
            Item::Authority(d) => d.shift(delta),
            Item::Test(d) => d.shift(delta),
            Item::Fixture(d) => d.shift(delta),
            Item::CreditLimit(d) => d.shift(delta),
            Item::Output(d) => d.shift(delta),
            Item::Scorecard(d) => d.shift(delta),
        }
    }
}

impl Shift for Outcome {
    fn shift(&mut self, delta: i64) {
        match self {
            Outcome::Decline => {}
            Outcome::Refer(level) => level.shift(delta),
        }
    }
}

impl Shift for LimitBound {
    fn shift(&mut self, delta: i64) {
        match self {
            LimitBound::AtMost(e) | LimitBound::Below(e) | LimitBound::AtLeast(e) | LimitBound::InSet(e) => {
                e.shift(delta)
            }
            LimitBound::InRange(lo, hi) => {
                lo.shift(delta);
                hi.shift(delta);
            }
        }
    }
}

impl Shift for ExpectedOutcome {
    fn shift(&mut self, delta: i64) {
        match self {
            ExpectedOutcome::Approve { at, span } => {
                at.shift(delta);
                span.shift(delta);
            }
            ExpectedOutcome::Decline { codes, span } => {
                codes.shift(delta);
                span.shift(delta);
            }
            ExpectedOutcome::Refer { to, codes, span } => {
                to.shift(delta);
                codes.shift(delta);
                span.shift(delta);
            }
            ExpectedOutcome::Error { span } => span.shift(delta),
        }
    }
}

impl Shift for RecordValue {
    fn shift(&mut self, delta: i64) {
        match self {
            RecordValue::Record(r) => r.shift(delta),
            RecordValue::List(values, span) => {
                values.shift(delta);
                span.shift(delta);
            }
            RecordValue::Expr(e) => e.shift(delta),
        }
    }
}

impl Shift for TypeExprKind {
    fn shift(&mut self, delta: i64) {
        match self {
            TypeExprKind::Named(name) => name.shift(delta),
            TypeExprKind::Set(t) | TypeExprKind::List(t) => t.shift(delta),
        }
    }
}

impl Shift for ExprKind {
    fn shift(&mut self, delta: i64) {
        match self {
            ExprKind::Int(_)
            | ExprKind::Decimal(_)
            | ExprKind::Percent(_)
            | ExprKind::Money(_)
            | ExprKind::Date(_)
            | ExprKind::Duration(..)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::AsOf => {}
            ExprKind::Name(name) => name.shift(delta),
            ExprKind::Field(e, name) | ExprKind::Lambda(name, e) => {
                e.shift(delta);
                name.shift(delta);
            }
            ExprKind::Call(name, args) => {
                name.shift(delta);
                args.shift(delta);
            }
            ExprKind::Neg(e) | ExprKind::Not(e) | ExprKind::Exists(e) => e.shift(delta),
            ExprKind::Binary(_, a, b) | ExprKind::In(a, b) => {
                a.shift(delta);
                b.shift(delta);
            }
            ExprKind::InRange(a, b, c) | ExprKind::InHalfOpen(a, b, c) | ExprKind::If(a, b, c) => {
                a.shift(delta);
                b.shift(delta);
                c.shift(delta);
            }
            ExprKind::Set(items) => items.shift(delta),
            ExprKind::Match(m) => m.shift(delta),
        }
    }
}

impl Shift for PatternKind {
    fn shift(&mut self, delta: i64) {
        match self {
            PatternKind::Any | PatternKind::None => {}
            PatternKind::Compare(_, e) => e.shift(delta),
            PatternKind::Range { lo, hi, .. } => {
                lo.shift(delta);
                hi.shift(delta);
            }
            PatternKind::Values(values) => values.shift(delta),
        }
    }
}
