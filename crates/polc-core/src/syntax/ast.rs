//! The untyped syntax tree of one `.pol` file, every node with its span.
//! It knows no schema: names are plain strings until `resolve`/`check`.

use crate::base::source::{FileId, Span};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal's value and span.
#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// One parsed file.
#[derive(Clone, Debug, Default)]
pub struct Module {
    pub file: FileId,
    pub items: Vec<Item>,
    /// What is known of the declarations that did not parse.
    pub broken: Broken,
    /// `(start, end)` of every expression written in parentheses, as the span of
    /// the expression inside them (the formatter keeps some that are redundant).
    pub parenthesised: std::collections::HashSet<(u32, u32)>,
}

/// What the parser knows of the declarations, rules, levels and limits that
/// failed to parse, so that nothing else is reported because of them: no
/// "unknown name", "no rule has the reason code", "unknown level" or "never used".
#[derive(Clone, Debug, Default)]
pub struct Broken {
    /// What they declared: declaration names, rules' reason codes, level names,
    /// the authority's escalation code.
    pub declared: Vec<String>,
    /// The same names where they are written, with the keyword before them
    /// (so an editor can still go to a declaration that does not parse).
    pub named: Vec<BrokenName>,
    /// Every word of their text: the names they may have used.
    pub mentioned: Vec<String>,
    /// An `authority` block whose head did not parse, so its levels are unknown.
    pub authority: bool,
}

/// A name declared by something that failed to parse.
#[derive(Clone, Debug)]
pub struct BrokenName {
    /// The word that starts it: `let`, `rule`, `level`, `escalate`, `record`, …
    pub keyword: String,
    pub name: Ident,
    /// All of the text that failed.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Item {
    Policy(PolicyHeader),
    Use(UseDecl),
    Enum(EnumDecl),
    Record(RecordDecl),
    Input(InputDecl),
    List(ListDecl),
    Const(ConstDecl),
    Let(LetDecl),
    Group(GroupDecl),
    Rule(RuleDecl),
    Authority(AuthorityDecl),
    Test(TestDecl),
    Fixture(FixtureDecl),
    CreditLimit(CreditLimitDecl),
    Output(OutputDecl),
    Scorecard(ScorecardDecl),
}

impl Item {
    /// The whole declaration.
    pub fn span(&self) -> Span {
        match self {
            Item::Policy(d) => d.span,
            Item::Use(d) => d.span,
            Item::Enum(d) => d.span,
            Item::Record(d) => d.span,
            Item::Input(d) => d.span,
            Item::List(d) => d.span,
            Item::Const(d) => d.span,
            Item::Let(d) => d.span,
            Item::Group(d) => d.span,
            Item::Rule(d) => d.span,
            Item::Authority(d) => d.span,
            Item::Test(d) => d.span,
            Item::Fixture(d) => d.span,
            Item::CreditLimit(d) => d.span,
            Item::Output(d) => d.span,
            Item::Scorecard(d) => d.span,
        }
    }

    /// How many declarations this is: a group counts itself and each of its rules.
    pub fn declaration_count(&self) -> usize {
        match self {
            Item::Group(g) => 1 + g.rules.len() + g.limits.len(),
            _ => 1,
        }
    }
}

#[derive(Clone, Debug)]
pub struct PolicyHeader {
    pub name: Ident,
    pub title: Option<StrLit>,
    pub version: StrLit,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct UseDecl {
    pub path: StrLit,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct EnumDecl {
    pub name: Ident,
    pub variants: Vec<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct RecordDecl {
    pub name: Ident,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
}

#[derive(Clone, Debug)]
pub struct InputDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ListDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub from: StrLit,
    pub column: Option<StrLit>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ConstDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub value: Expr,
    /// `basis KIND "citation"` (§15).
    pub basis: Option<Basis>,
    /// `effective …` (§15): two consts of one name with disjoint ranges are versions.
    pub effective: Option<Effective>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct LetDecl {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct GroupDecl {
    pub name: Ident,
    pub title: Option<StrLit>,
    pub rules: Vec<RuleDecl>,
    /// The credit limits written in the group (§12).
    pub limits: Vec<CreditLimitDecl>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    When,
    Unless,
}

#[derive(Clone, Debug)]
pub enum Outcome {
    Decline,
    /// `refer` (to the application's own level) or `refer to LEVEL`.
    Refer(Option<Ident>),
}

#[derive(Clone, Debug)]
pub struct RuleDecl {
    pub code: Ident,
    pub message: Option<StrLit>,
    pub outcome: Outcome,
    pub outcome_span: Span,
    pub trigger: Trigger,
    pub condition: Expr,
    /// `basis KIND "citation"` (§15).
    pub basis: Option<Basis>,
    /// `effective …` (§15): the rule takes part only when `as_of` is in the range.
    pub effective: Option<Effective>,
    /// `overridable by LEVEL` (§15), on a decline rule: an exception LEVEL may grant.
    pub overridable: Option<Overridable>,
    pub span: Span,
}

/// `basis regulation|industry|company "citation"` (§15): where a threshold comes from.
#[derive(Clone, Debug)]
pub struct Basis {
    pub kind: BasisKind,
    /// The regulation, industry standard or company document it comes from.
    pub citation: StrLit,
    /// The whole clause.
    pub span: Span,
}

/// The kind of source a threshold has (DOMAIN.md marks [R] and [I]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BasisKind {
    /// A regulator's rule: never overridable.
    Regulation,
    /// An industry standard or practice.
    Industry,
    /// The company's own risk appetite.
    Company,
}

impl BasisKind {
    /// Every kind, in the order they are documented.
    pub const ALL: [BasisKind; 3] = [BasisKind::Regulation, BasisKind::Industry, BasisKind::Company];

    /// The word as written in a policy.
    pub fn keyword(self) -> &'static str {
        match self {
            BasisKind::Regulation => "regulation",
            BasisKind::Industry => "industry",
            BasisKind::Company => "company",
        }
    }

    /// The kind a word names.
    pub fn from_keyword(word: &str) -> Option<BasisKind> {
        BasisKind::ALL.into_iter().find(|k| k.keyword() == word)
    }
}

/// `effective D1 ..`, `effective D1 ..< D2` or `effective ..< D2` (§15):
/// in force on `as_of` when `from <= as_of` and `as_of < until`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effective {
    /// The first day in force (none: since always).
    pub from: Option<NaiveDate>,
    /// The first day no longer in force (none: open-ended).
    pub until: Option<NaiveDate>,
    /// The whole clause.
    pub span: Span,
}

impl Effective {
    /// Whether the range holds the day.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|from| from <= day) && self.until.is_none_or(|until| day < until)
    }

    /// Whether two ranges share a day.
    pub fn overlaps(&self, other: &Effective) -> bool {
        let starts_before_other_ends = match (self.from, other.until) {
            (Some(from), Some(until)) => from < until,
            _ => true,
        };
        let other_starts_before_self_ends = match (other.from, self.until) {
            (Some(from), Some(until)) => from < until,
            _ => true,
        };
        starts_before_other_ends && other_starts_before_self_ends
    }

    /// The range as written after `effective` (`2026-01-01 ..< 2027-01-01`).
    pub fn text(&self) -> String {
        match (self.from, self.until) {
            (Some(from), Some(until)) => format!("{from} ..< {until}"),
            (Some(from), None) => format!("{from} .."),
            (None, Some(until)) => format!("..< {until}"),
            (None, None) => "..".to_string(),
        }
    }
}

/// `overridable by LEVEL` (§15): an exception (特批) the level may grant.
#[derive(Clone, Debug)]
pub struct Overridable {
    pub level: Ident,
    /// The whole clause.
    pub span: Span,
}

/// `limit CODE "message"? PATH <= LINE [floor FLOOR]` (§12): the requested
/// amount at PATH is cut to LINE, or declined when LINE is below FLOOR.
#[derive(Clone, Debug)]
pub struct CreditLimitDecl {
    pub code: Ident,
    pub message: Option<StrLit>,
    pub path: Path,
    pub line: Expr,
    pub floor: Option<Expr>,
    /// `basis KIND "citation"` (§15).
    pub basis: Option<Basis>,
    /// `effective …` (§15): the limit takes part only when `as_of` is in the range.
    pub effective: Option<Effective>,
    pub span: Span,
}

/// `output NAME (: T)? = EXPR` (§13): a named value on every decided line.
#[derive(Clone, Debug)]
pub struct OutputDecl {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct AuthorityDecl {
    pub title: Option<StrLit>,
    pub over: Path,
    pub escalate: Ident,
    pub message: Option<StrLit>,
    pub levels: Vec<LevelDecl>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct LevelDecl {
    pub name: Ident,
    pub above: Vec<Ident>,
    pub limits: Vec<Limit>,
    pub span: Span,
    /// A limit of this level did not parse: its limits are not all known, so
    /// they are not compared with the levels around it.
    pub incomplete: bool,
}

#[derive(Clone, Debug)]
pub struct Limit {
    pub path: Path,
    pub bound: LimitBound,
    /// `when GUARD` (§14): the limit applies only when the guard holds.
    pub guard: Option<Expr>,
    /// `escalate CODE "message"?` (§14): the limit's own escalation code.
    pub escalate: Option<(Ident, Option<StrLit>)>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum LimitBound {
    AtMost(Expr),
    Below(Expr),
    AtLeast(Expr),
    /// `in {…}` or `in NAME` (a constant set).
    InSet(Expr),
    /// `in A ..= B`
    InRange(Expr, Expr),
}

/// `a.b.c`
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub segments: Vec<Ident>,
    pub span: Span,
}

impl Path {
    pub fn dotted(&self) -> String {
        self.segments.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(".")
    }
}

#[derive(Clone, Debug)]
pub struct TestDecl {
    pub name: StrLit,
    pub given: Given,
    pub as_of: Option<(NaiveDate, Span)>,
    pub expect: ExpectedOutcome,
    /// `outputs { name: value, … }` after the outcome (§13): each named output must equal.
    pub outputs: Option<RecordLit>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Given {
    pub input: Ident,
    pub base: Option<Ident>,
    pub record: RecordLit,
}

#[derive(Clone, Debug)]
pub enum ExpectedOutcome {
    Approve { at: Option<Ident>, span: Span },
    Decline { codes: Option<Vec<Ident>>, span: Span },
    Refer { to: Ident, codes: Option<Vec<Ident>>, span: Span },
    Error { span: Span },
}

#[derive(Clone, Debug)]
pub struct FixtureDecl {
    pub name: Ident,
    /// `fixture B = A with { … }`: the fixture this one is derived from.
    pub base: Option<Ident>,
    pub record: RecordLit,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct RecordLit {
    pub entries: Vec<(Path, RecordValue)>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum RecordValue {
    Record(RecordLit),
    /// `[v, …]` for a `list<T>` field.
    List(Vec<RecordValue>, Span),
    Expr(Expr),
}

// ------------------------------------------------------------------ types

#[derive(Clone, Debug)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub optional: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TypeExprKind {
    Named(Ident),
    Set(Box<TypeExpr>),
    List(Box<TypeExpr>),
}

// ------------------------------------------------------------------ expressions

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// The unit of a duration literal (`6 months`): a value's, so it lives with the values.
pub use crate::value::DurationUnit;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Coalesce,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    /// The operator as written, from the operator table.
    pub fn symbol(self) -> &'static str {
        crate::syntax::operators::of(crate::syntax::operators::Operator::Binary(self)).map_or("?", |def| def.symbol)
    }

    /// A comparison: an operator of the table that does not chain (`a < b < c`).
    pub fn is_comparison(self) -> bool {
        crate::syntax::operators::of(crate::syntax::operators::Operator::Binary(self))
            .is_some_and(|def| def.grouping == crate::syntax::operators::Grouping::NonChaining)
    }
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Int(i64),
    /// A decimal literal such as `0.35`.
    Decimal(Decimal),
    /// `50%`, already divided by 100.
    Percent(Decimal),
    /// `200_000 CNY`
    Money(Decimal),
    Date(NaiveDate),
    Duration(i64, DurationUnit),
    Str(String),
    Bool(bool),
    None,
    AsOf,
    Name(Ident),
    Field(Box<Expr>, Ident),
    Call(Ident, Vec<Expr>),
    /// `x => body`, only as a call argument.
    Lambda(Ident, Box<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Exists(Box<Expr>),
    In(Box<Expr>, Box<Expr>),
    /// `x in lo ..= hi`
    InRange(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `x in lo ..< hi`
    InHalfOpen(Box<Expr>, Box<Expr>, Box<Expr>),
    Set(Vec<Expr>),
    /// `if c then a else b` (an `else if` chain nests in the `else` branch).
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `match s1, s2 { p1, p2 => e … }`
    Match(Box<MatchExpr>),
}

// ------------------------------------------------------------------ decision tables (§10, §11)

/// `match S1, S2 { P1, P2 => E … }`: a decision table.
#[derive(Clone, Debug)]
pub struct MatchExpr {
    pub subjects: Vec<Expr>,
    pub arms: Vec<MatchArm>,
}

/// One row of a table: a pattern per subject, and its value.
#[derive(Clone, Debug)]
pub struct MatchArm {
    pub patterns: Vec<Pattern>,
    pub body: Expr,
    /// The patterns, from the first to the last (what a diagnostic names).
    pub patterns_span: Span,
    /// The patterns as written (`600 ..< 660, auto_loan`).
    pub patterns_text: String,
    pub span: Span,
}

/// A pattern for one subject.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub kind: PatternKind,
    pub span: Span,
}

/// What a pattern matches. Bounds and values are constant expressions.
#[derive(Clone, Debug)]
pub enum PatternKind {
    /// `_`
    Any,
    /// `none`
    None,
    /// `< x`, `<= x`, `> x`, `>= x`
    Compare(BinOp, Expr),
    /// `a ..< b` (`half_open`) or `a ..= b`
    Range { lo: Expr, hi: Expr, half_open: bool },
    /// `a`, `a | b | c`, a set constant or a set literal `{a, b}`
    Values(Vec<Expr>),
}

/// `scorecard NAME "title"? base N reasons N? { characteristic … }`
#[derive(Clone, Debug)]
pub struct ScorecardDecl {
    pub name: Ident,
    pub title: Option<StrLit>,
    pub base: Points,
    /// How many adverse-action reasons to report (3 when not written).
    pub reasons: Option<Points>,
    pub characteristics: Vec<Characteristic>,
    /// `basis KIND "citation"` after the closing brace (§15).
    pub basis: Option<Basis>,
    pub span: Span,
}

/// An Int literal of a scorecard (`base 520`, `baseline 40`), with its span.
#[derive(Clone, Copy, Debug)]
pub struct Points {
    pub value: i64,
    pub span: Span,
}

/// `characteristic SUBJECT "label"? reason CODE baseline N { bins }`
#[derive(Clone, Debug)]
pub struct Characteristic {
    pub subject: Expr,
    /// The subject as written (on one line), for traces.
    pub subject_text: String,
    pub label: Option<StrLit>,
    pub reason: Ident,
    pub baseline: Points,
    /// One-subject arms whose bodies are Int literals (the points).
    pub bins: Vec<MatchArm>,
    pub span: Span,
}
