//! The resolved, typed program the interpreter runs. Names are gone: fields are
//! addressed by index, lets and lists by id, enum variants by number.
//!
//! INVARIANT: every `Expr` here has been type-checked; the interpreter may rely on
//! operand kinds (a `Compare` sees two values of one ordered type, a `Field` sees
//! a record that has that index).

pub mod builtins;
pub mod constant;
pub mod lower;
pub mod ops;
pub mod table;

use crate::base::source::Span;
use crate::base::types::{EnumId, RecordId, Schema, Type};
use crate::syntax::ast::{BasisKind, BinOp, Effective, Trigger};
use crate::value::DurationUnit;
use crate::value::Value;
use std::iter::{Chain, Flatten};
use std::path::PathBuf;
use std::{array, slice};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LetId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ListId(pub u32);

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl ArithOp {
    /// The operator this is in the syntax.
    pub fn bin_op(self) -> BinOp {
        match self {
            ArithOp::Add => BinOp::Add,
            ArithOp::Sub => BinOp::Sub,
            ArithOp::Mul => BinOp::Mul,
            ArithOp::Div => BinOp::Div,
        }
    }

    /// The operator as written (`+`), from the operator table.
    pub fn symbol(self) -> &'static str {
        self.bin_op().symbol()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator this is in the syntax.
    pub fn bin_op(self) -> BinOp {
        match self {
            CmpOp::Eq => BinOp::Eq,
            CmpOp::Ne => BinOp::Ne,
            CmpOp::Lt => BinOp::Lt,
            CmpOp::Le => BinOp::Le,
            CmpOp::Gt => BinOp::Gt,
            CmpOp::Ge => BinOp::Ge,
        }
    }

    /// The operator as written (`<=`), from the operator table.
    pub fn symbol(self) -> &'static str {
        self.bin_op().symbol()
    }

    /// The comparison with its operands swapped: `c >= q` is `q <= c`.
    pub fn mirrored(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            CmpOp::Eq | CmpOp::Ne => self,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Between(DurationUnit),
    Min,
    Max,
    Abs,
    Round,
    Len,
    StartsWith,
    BirthDate,
    Sex,
    Region,
    Count,
    /// `requested(PATH)`: the amount at PATH as the application requested it,
    /// before a credit limit's counter-offer (§12).
    Requested,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    Any,
    All,
    Sum,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A literal or a folded constant.
    Const(Value),
    Input,
    AsOf,
    Field(Box<Expr>, u32),
    /// A chain of field accesses from the input (`applicant.loan.amount`),
    /// made by lowering from `Field(Field(Input, 7), 1)`.
    Path(Box<[u32]>),
    Let(LetId),
    List(ListId),
    /// A lambda parameter, by slot.
    Local(u32),
    /// Int widened to Decimal.
    ToDecimal(Box<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    Coalesce(Box<Expr>, Box<Expr>),
    Exists(Box<Expr>),
    /// Membership in a set-valued expression.
    In(Box<Expr>, Box<Expr>),
    /// Membership of an enum value in a constant set, as a bit mask (made by lowering).
    InMask(Box<Expr>, u64),
    InRange(Box<Expr>, Box<Expr>, Box<Expr>),
    SetLit(Vec<Expr>),
    Call(Builtin, Vec<Expr>),
    /// `any(xs, x => …)`, `all`, `sum`: the list, the parameter's slot, the body.
    Quantifier(Quantifier, Box<Expr>, u32, Box<Expr>),
    /// `if c then a else b`: only the branch taken is evaluated.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A decision table: its subjects are evaluated in order, then the body of
    /// the first arm that matches (the checker proved at most one can, or
    /// that those which can give the same constant).
    Match(Box<table::Table>),
    /// A const with `effective` versions (§15), by index into
    /// `Program::const_versions`: the value of the version in force on `as_of`,
    /// a run-time fault when none is.
    Versioned(u32),
}

impl Expr {
    pub fn new(kind: ExprKind, ty: Type, span: Span) -> Expr {
        Expr { kind, ty, span }
    }

    pub fn constant(value: Value, ty: Type, span: Span) -> Expr {
        Expr { kind: ExprKind::Const(value), ty, span }
    }

    /// Direct children, mutably, in evaluation order.
    pub fn children_mut(&mut self) -> ChildrenMut<'_> {
        let (fixed, rest): ([Option<&mut Expr>; 3], &mut [Expr]) = match &mut self.kind {
            ExprKind::Const(_)
            | ExprKind::Input
            | ExprKind::AsOf
            | ExprKind::Let(_)
            | ExprKind::List(_)
            | ExprKind::Local(_)
            | ExprKind::Versioned(_)
            | ExprKind::Path(_) => ([None, None, None], &mut []),
            ExprKind::Field(e, _)
            | ExprKind::ToDecimal(e)
            | ExprKind::Neg(e)
            | ExprKind::Not(e)
            | ExprKind::Exists(e)
            | ExprKind::InMask(e, _) => ([Some(&mut **e), None, None], &mut []),
            ExprKind::And(a, b)
            | ExprKind::Or(a, b)
            | ExprKind::Arith(_, a, b)
            | ExprKind::Compare(_, a, b)
            | ExprKind::Coalesce(a, b)
            | ExprKind::In(a, b)
            | ExprKind::Quantifier(_, a, _, b) => ([Some(&mut **a), Some(&mut **b), None], &mut []),
            ExprKind::InRange(a, b, c) | ExprKind::If(a, b, c) => {
                ([Some(&mut **a), Some(&mut **b), Some(&mut **c)], &mut [])
            }
            ExprKind::SetLit(items) | ExprKind::Call(_, items) => ([None, None, None], items),
            ExprKind::Match(table) => ([None, None, None], &mut table.exprs),
        };
        fixed.into_iter().flatten().chain(rest.iter_mut())
    }

    /// Direct children, in evaluation order.
    pub fn children(&self) -> Children<'_> {
        let (fixed, rest): ([Option<&Expr>; 3], &[Expr]) = match &self.kind {
            ExprKind::Const(_)
            | ExprKind::Input
            | ExprKind::AsOf
            | ExprKind::Let(_)
            | ExprKind::List(_)
            | ExprKind::Local(_)
            | ExprKind::Versioned(_)
            | ExprKind::Path(_) => ([None, None, None], &[]),
            ExprKind::Field(e, _)
            | ExprKind::ToDecimal(e)
            | ExprKind::Neg(e)
            | ExprKind::Not(e)
            | ExprKind::Exists(e)
            | ExprKind::InMask(e, _) => ([Some(&**e), None, None], &[]),
            ExprKind::And(a, b)
            | ExprKind::Or(a, b)
            | ExprKind::Arith(_, a, b)
            | ExprKind::Compare(_, a, b)
            | ExprKind::Coalesce(a, b)
            | ExprKind::In(a, b)
            | ExprKind::Quantifier(_, a, _, b) => ([Some(&**a), Some(&**b), None], &[]),
            ExprKind::InRange(a, b, c) | ExprKind::If(a, b, c) => ([Some(&**a), Some(&**b), Some(&**c)], &[]),
            ExprKind::SetLit(items) | ExprKind::Call(_, items) => ([None, None, None], items),
            ExprKind::Match(table) => ([None, None, None], &table.exprs),
        };
        fixed.into_iter().flatten().chain(rest.iter())
    }
}

/// The direct children of an [`Expr`] (at most three boxed ones, or a list),
/// walked without allocating.
pub type Children<'a> = Chain<Flatten<array::IntoIter<Option<&'a Expr>, 3>>, slice::Iter<'a, Expr>>;

/// The direct children of an [`Expr`], mutably.
pub type ChildrenMut<'a> = Chain<Flatten<array::IntoIter<Option<&'a mut Expr>, 3>>, slice::IterMut<'a, Expr>>;

/// The whole compiled policy.
#[derive(Clone, Debug)]
pub struct Program {
    pub name: String,
    pub title: Option<String>,
    pub version: String,
    /// `sha256:` and the hex digest of every source file, in load order.
    pub hash: String,
    pub schema: Schema,
    pub input: InputDef,
    pub lets: Vec<LetDef>,
    pub lists: Vec<ListDef>,
    /// Rules sorted by code, so fired reasons come out sorted.
    pub rules: Vec<RuleDef>,
    pub authority: Option<Authority>,
    /// The credit limits (§12), sorted by code; all limit one path.
    pub credit_limits: Vec<CreditLimit>,
    /// Index into `codes` of each credit limit, parallel to `credit_limits`.
    pub limit_codes: Vec<u32>,
    /// The outputs (§13), sorted by name (the order of a line's `outputs`).
    pub outputs: Vec<OutputDef>,
    /// Every reason code (rules, credit limits, the escalation codes), sorted;
    /// decisions refer to reasons by index into this table.
    pub codes: Vec<String>,
    /// Index into `codes` of each rule, parallel to `rules`.
    pub rule_codes: Vec<u32>,
    /// Index into `codes` of the authority's escalation code.
    pub escalate_code: u32,
    /// How many lambda parameter slots evaluation needs.
    pub locals: u32,
    /// The in-language tests, with their records already typed and folded.
    pub tests: Vec<TestCase>,
    /// The scorecards (§11), in declaration order; each is computed by lets.
    pub scorecards: Vec<ScorecardDef>,
    /// Indices into `scorecards` of those the rules and the authority read
    /// (directly or through lets): every decided line carries them, by name.
    pub reported_scores: Vec<usize>,
    /// The policy's source files, so run-time errors and traces can name lines.
    pub sources: std::sync::Arc<crate::base::source::SourceMap>,
    /// The consts that have `effective` versions (§15), read by [`ExprKind::Versioned`].
    pub const_versions: Vec<ConstVersions>,
}

/// `basis KIND "citation"` of a rule, limit, const or scorecard (§15).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasisDef {
    pub kind: BasisKind,
    pub citation: String,
}

/// A const whose declarations carry `effective` ranges (§15): its versions,
/// sorted by start; their ranges are disjoint (checked, N0130).
#[derive(Clone, Debug)]
pub struct ConstVersions {
    pub name: String,
    pub versions: Vec<ConstVersion>,
}

/// One version of a const.
#[derive(Clone, Debug)]
pub struct ConstVersion {
    pub effective: Option<Effective>,
    pub value: Value,
    pub basis: Option<BasisDef>,
    /// The declaration.
    pub span: Span,
}

impl ConstVersions {
    /// The version in force on `day`, with its index.
    pub fn in_force(&self, day: chrono::NaiveDate) -> Option<(usize, &ConstVersion)> {
        self.versions.iter().enumerate().find(|(_, v)| v.effective.is_none_or(|e| e.contains(day)))
    }

    /// The fault message when no version is in force on `day`.
    pub fn none_in_force(&self, day: chrono::NaiveDate) -> String {
        let ranges: Vec<String> =
            self.versions.iter().map(|v| v.effective.map_or_else(|| "always".to_string(), |e| e.text())).collect();
        format!(
            "no version of const `{}` is in force on {day} (its versions are in force {})",
            self.name,
            ranges.join(", ")
        )
    }
}

/// Whether a rule or limit with this range takes part on `day` (§15).
pub fn in_force(effective: Option<&Effective>, day: chrono::NaiveDate) -> bool {
    effective.is_none_or(|e| e.contains(day))
}

#[derive(Clone, Debug)]
pub struct InputDef {
    pub name: String,
    pub record: RecordId,
    /// Index of a String field named `id`, copied into each decision.
    pub id_field: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct LetDef {
    pub name: String,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ListDef {
    pub name: String,
    pub element: Type,
    /// The `from` file, resolved against the declaring policy file's directory.
    pub from: PathBuf,
    pub column: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleOutcome {
    Decline,
    /// Refer to the application's own level (`None`) or to a named level (variant).
    Refer(Option<u32>),
}

#[derive(Clone, Debug)]
pub struct RuleDef {
    pub code: String,
    pub message: Option<String>,
    pub outcome: RuleOutcome,
    pub trigger: Trigger,
    pub condition: Expr,
    pub group: Option<String>,
    /// Where the rule comes from (§15).
    pub basis: Option<BasisDef>,
    /// When it takes part (§15); `None`: always.
    pub effective: Option<Effective>,
    /// `overridable by LEVEL` (§15): the level variant that may grant an exception.
    pub overridable: Option<u32>,
    pub span: Span,
}

/// `limit CODE PATH <= LINE floor FLOOR` (§12), checked.
#[derive(Clone, Debug)]
pub struct CreditLimit {
    pub code: String,
    pub message: Option<String>,
    /// The limited amount: field indices from the input.
    pub path: Box<[u32]>,
    /// The path as written (`applicant.loan.amount`).
    pub path_text: String,
    /// The available line (Money); it never reads `path` (checked, T0241).
    pub line: Expr,
    /// The least line worth offering (Money); `None`: 0.01 CNY.
    pub floor: Option<Expr>,
    pub group: Option<String>,
    /// Where the limit comes from (§15).
    pub basis: Option<BasisDef>,
    /// When it takes part (§15); `None`: always.
    pub effective: Option<Effective>,
    pub span: Span,
}

/// `output NAME = EXPR` (§13), checked.
#[derive(Clone, Debug)]
pub struct OutputDef {
    pub name: String,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Authority {
    pub title: Option<String>,
    /// The input path that says which level the application comes from.
    pub over: Expr,
    pub levels_enum: EnumId,
    pub escalate: String,
    pub message: Option<String>,
    /// Indexed by variant of `levels_enum`.
    pub levels: Vec<Level>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Level {
    pub name: String,
    pub parent: Option<u32>,
    /// Distance from the root (the root is 0).
    pub depth: u32,
    /// Each limit as a Bool expression, with the limit's own span (a guarded
    /// limit `L when G` is `not G or L`: it holds where it does not apply).
    pub limits: Vec<Expr>,
    /// Each limit's own escalation code (§14), parallel to `limits`; `None`:
    /// the block's.
    pub escalates: Vec<Option<(String, Option<String>)>>,
    /// Index into `Program::codes` of each limit's escalation code, parallel
    /// to `limits` (made by lowering).
    pub limit_codes: Vec<u32>,
    /// Whether the limits carry more than one escalation code: then every
    /// limit of the application's own level is evaluated, to name each that fails.
    pub mixed_codes: bool,
    pub span: Span,
}

/// A scorecard: its score is the let `total` (`base` plus each
/// characteristic's points, each characteristic a let holding a one-subject table).
#[derive(Clone, Debug)]
pub struct ScorecardDef {
    pub name: String,
    pub title: Option<String>,
    pub total: LetId,
    /// How many adverse-action reasons are reported.
    pub reasons: usize,
    pub characteristics: Vec<CharacteristicDef>,
    /// Where the scorecard comes from (§15).
    pub basis: Option<BasisDef>,
    pub span: Span,
}

impl ScorecardDef {
    /// The adverse-action reasons of one scored record, given each
    /// characteristic's points: the characteristics that lost points
    /// (`baseline − points > 0`), most lost first, ties by code, at most `reasons`.
    pub fn adverse_reasons(&self, points: &[i64]) -> Vec<&str> {
        let mut losing: Vec<(i128, &str)> = self
            .characteristics
            .iter()
            .zip(points)
            .map(|(c, &p)| (i128::from(c.baseline) - i128::from(p), c.reason.as_str()))
            .filter(|(lost, _)| *lost > 0)
            .collect();
        losing.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        losing.into_iter().take(self.reasons).map(|(_, code)| code).collect()
    }
}

/// One characteristic of a scorecard.
#[derive(Clone, Debug)]
pub struct CharacteristicDef {
    /// The reason code reported when it loses points.
    pub reason: String,
    pub label: Option<String>,
    pub baseline: i64,
    /// The let holding the points (a table over the subject).
    pub points: LetId,
    /// The subject as written.
    pub subject: String,
    pub span: Span,
}

/// One `test` block, ready to run.
#[derive(Clone, Debug)]
pub struct TestCase {
    pub name: String,
    pub record: Value,
    pub as_of: Option<chrono::NaiveDate>,
    pub expect: Expectation,
    /// `outputs { name: value }`: each named output's expected value.
    pub outputs: Vec<(String, Value)>,
    pub span: Span,
}

/// What a test expects; `codes` (sorted) must equal the whole reason set when given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    Approve { at: Option<String> },
    Decline { codes: Option<Vec<String>> },
    Refer { to: String, codes: Option<Vec<String>> },
    Error,
}
