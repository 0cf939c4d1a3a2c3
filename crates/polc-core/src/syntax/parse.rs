//! Text -> AST. The pest grammar in `grammar/pol.pest` gives the pairs; this module
//! builds `ast::Module` with spans and reports syntax problems (P codes):
//! `expected.rs` words them, `recover.rs` resumes after them; `literal.rs` reads
//! strings, dates and numbers (exactly, or P0002).

mod expected;
mod fold;
mod governance;
mod literal;
mod nesting;
mod recover;
mod reuse;
mod table;

pub use reuse::LastParse;

use fold::Piece;
use nesting::{cut_too_deep_expressions, first_too_deep_expression, nesting_error, too_deep_for_the_parser};

use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::base::limits::Limits;
use crate::base::source::{FileId, Span};
use crate::syntax::ast::*;
use pest::iterators::Pair;
use pest::Parser as _;
use std::sync::OnceLock;

#[derive(pest_derive::Parser)]
#[grammar = "../../../grammar/pol.pest"]
struct PolParser;

/// Whether `text` is a `.pol` name (an enum variant, a reason code, a field),
/// by the grammar's own `ident` rule: not a keyword, letters, digits and `_`.
pub fn is_name(text: &str) -> bool {
    PolParser::parse(Rule::ident, text)
        .ok()
        .and_then(|mut pairs| pairs.next())
        .is_some_and(|pair| pair.as_str().len() == text.len())
}

/// Parses one file. On a syntax error, parsing resumes at the next top-level
/// declaration that starts a line, so independent errors are all reported.
pub fn parse(file: FileId, text: &str) -> (Module, Vec<Diagnostic>) {
    parse_with(file, text, &Limits::default())
}

/// Like [`parse`], within `limits` (nesting and string literal size). One
/// byte-order mark at the start of `text` is skipped (spans stay offsets into
/// `text`).
pub fn parse_with(file: FileId, text: &str, limits: &Limits) -> (Module, Vec<Diagnostic>) {
    parse_marked(file, text, limits, text.len() - crate::base::source::strip_bom(text).len(), None)
}

/// Like [`parse_with`] for a source as the source map holds it, its byte-order
/// mark removed already (so a second one is an error, not skipped).
pub(crate) fn parse_source(file: FileId, text: &str, limits: &Limits) -> (Module, Vec<Diagnostic>) {
    parse_marked(file, text, limits, 0, None)
}

/// Like [`parse_source`], reusing the trees of `last` (the same file's last
/// parse) for the declarations an edit did not touch: an editor's parse. The
/// result is [`parse_source`]'s.
pub(crate) fn reparse_source(file: FileId, text: &str, limits: &Limits, last: LastParse) -> (Module, Vec<Diagnostic>) {
    parse_marked(file, text, limits, 0, Some(last))
}

/// Parses `text` after its first `mark` bytes (a byte-order mark, or none).
fn parse_marked(
    file: FileId,
    text: &str,
    limits: &Limits,
    mark: usize,
    last: Option<LastParse>,
) -> (Module, Vec<Diagnostic>) {
    let max_nesting = limits.nesting();
    if let Some(diagnostic) = too_deep_for_the_parser(file, text, max_nesting) {
        return (Module { file, ..Module::default() }, vec![diagnostic]);
    }
    let reused = match last {
        Some(last) if mark == 0 => reuse::parse_reusing(file, text, limits.max_string_bytes, last),
        _ => reuse::Reused::Fresh,
    };
    let (mut module, mut diagnostics) = match reused {
        reuse::Reused::Parsed(module, diagnostics) => (module, diagnostics),
        reuse::Reused::Whole => parse_whole(file, text, mark, limits.max_string_bytes),
        reuse::Reused::Fresh => parse_checked(file, text, mark, limits.max_string_bytes),
    };
    if let Some(span) = first_too_deep_expression(&mut module, max_nesting) {
        diagnostics.push(nesting_error(span, max_nesting));
        cut_too_deep_expressions(&mut module, max_nesting);
    }
    (module, diagnostics)
}

fn parse_checked(file: FileId, text: &str, base: usize, max_string_bytes: usize) -> (Module, Vec<Diagnostic>) {
    if let Some(parsed) = parse_by_declaration(file, text, base, max_string_bytes) {
        return parsed;
    }
    parse_whole(file, text, base, max_string_bytes)
}

/// The whole file in one parse; on a syntax error, recovered a declaration at a time.
fn parse_whole(file: FileId, text: &str, base: usize, max_string_bytes: usize) -> (Module, Vec<Diagnostic>) {
    // spans stay offsets into `text` as given, mark and all
    let body = text.get(base..).unwrap_or("");
    let mut builder = Builder::new(file, base, text.len(), max_string_bytes);
    match PolParser::parse(Rule::file, body) {
        Ok(mut pairs) => {
            let items = pairs.next().map(|p| builder.items(p)).unwrap_or_default();
            (Module { file, items, broken: builder.broken, parenthesised: builder.parenthesised }, builder.diagnostics)
        }
        Err(error) => {
            let items = builder.recover(body, error);
            (Module { file, items, broken: builder.broken, parenthesised: builder.parenthesised }, builder.diagnostics)
        }
    }
}

/// A file without syntax errors, each top-level declaration parsed alone (at a
/// line that starts with a declaration keyword outside every block): the
/// same module as one parse of the whole file, in pieces the size of a
/// declaration, so a long policy never holds pest's token queue for the whole
/// file (that queue, grown by doubling, was most of the time and memory of
/// checking a 10k-rule file). `None` when the file is one piece or a piece does
/// not parse alone: then [`parse_whole`] parses it (and recovers from errors).
///
/// The pieces parse as the whole does because no declaration can go on past a
/// line that starts with a declaration keyword: an expression continues only
/// with an operator, a `.field` or `exists`, and every optional tail of a
/// declaration starts with a word that is not a declaration keyword (`to`,
/// `floor`, `with`, `column`, `escalate`, a string). `parse.rs`'s tests hold
/// the two equal on every fixture and shipped policy.
fn parse_by_declaration(
    file: FileId,
    text: &str,
    base: usize,
    max_string_bytes: usize,
) -> Option<(Module, Vec<Diagnostic>)> {
    let body = text.get(base..)?;
    let starts = recover::declaration_starts(body)?;
    if starts.len() <= 2 {
        return None;
    }
    let mut builder = Builder::new(file, base, text.len(), max_string_bytes);
    let mut items = Vec::new();
    for window in starts.windows(2) {
        let &[start, end] = window else { continue };
        let piece = body.get(start..end)?;
        builder.offset = base + start;
        let mut pairs = PolParser::parse(Rule::file, piece).ok()?;
        items.extend(pairs.next().map(|p| builder.items(p)).unwrap_or_default());
    }
    builder.offset = base;
    Some((Module { file, items, broken: builder.broken, parenthesised: builder.parenthesised }, builder.diagnostics))
}

struct Builder {
    file: FileId,
    /// Bytes before the text parsed (a byte-order mark), or 0.
    base: usize,
    /// Byte offset of the text being parsed within the file (past `base` while recovering).
    offset: usize,
    diagnostics: Vec<Diagnostic>,
    /// What failed to parse.
    broken: Broken,
    /// Length of the whole file (to tell the end of a declaration from the end of the file).
    file_len: usize,
    /// Spans of expressions written in parentheses.
    parenthesised: std::collections::HashSet<(u32, u32)>,
    /// [`Limits::max_string_bytes`].
    max_string_bytes: usize,
}

impl Builder {
    fn new(file: FileId, base: usize, file_len: usize, max_string_bytes: usize) -> Builder {
        Builder {
            file,
            base,
            offset: base,
            diagnostics: Vec::new(),
            broken: Broken::default(),
            file_len,
            parenthesised: Default::default(),
            max_string_bytes,
        }
    }

    /// The pair's span, without trailing white space and comments (pest may
    /// include the implicit white space and comments it consumed at the end).
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let text = s.as_str();
        // a comment is always followed by the line feed that ends it, except at
        // the end of the file: so only there can a pair end inside a comment
        let at_end_of_file = s.end() + self.offset >= self.file_len;
        if !text.ends_with(char::is_whitespace) && (!at_end_of_file || !text.contains("//")) {
            return Span::new(self.file, s.start() + self.offset, s.end() + self.offset);
        }
        let mut end = text.trim_end().len();
        loop {
            let head = text.get(..end).unwrap_or("");
            let line_start = head.rfind('\n').map_or(0, |i| i + 1);
            let last_line = head.get(line_start..).unwrap_or("");
            if !last_line.contains("//") {
                break;
            }
            match comment_start(last_line) {
                Some(at) => end = head.get(..line_start + at).map_or(0, |t| t.trim_end().len()),
                None => break,
            }
        }
        Span::new(self.file, s.start() + self.offset, s.start() + end + self.offset)
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    // -------------------------------------------------------------- items

    /// The declarations of a `file` pair; one that parsed but could not be built
    /// (a literal out of range, a bad escape: reported) is remembered as broken.
    fn items(&mut self, file: Pair<Rule>) -> Vec<Item> {
        let mut items = Vec::new();
        for pair in file.into_inner().filter(|p| p.as_rule() != Rule::EOI) {
            let (text, at) = (pair.as_str(), pair.as_span().start() + self.offset);
            match self.item(pair) {
                Some(item) => items.push(item),
                None => self.remember_broken(text, at, 1),
            }
        }
        items
    }

    fn item(&mut self, pair: Pair<Rule>) -> Option<Item> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = Inner::new(pair);
        Some(match rule {
            Rule::policy_decl => {
                let name = self.ident(inner.need(Rule::ident)?);
                let strings: Vec<_> = inner.all(Rule::string).into_iter().map(|s| self.string(s)).collect();
                let (title, version) = match strings.len() {
                    2 => (strings.first().cloned(), strings.get(1).cloned()?),
                    _ => (None, strings.into_iter().next()?),
                };
                Item::Policy(PolicyHeader { name, title, version, span })
            }
            Rule::use_decl => Item::Use(UseDecl { path: self.string(inner.need(Rule::string)?), span }),
            Rule::enum_decl => {
                let mut idents = inner.all(Rule::ident).into_iter().map(|p| self.ident(p));
                let name = idents.next()?;
                Item::Enum(EnumDecl { name, variants: idents.collect(), span })
            }
            Rule::record_decl => {
                let name = self.ident(inner.need(Rule::ident)?);
                let fields = inner
                    .all(Rule::field_decl)
                    .into_iter()
                    .filter_map(|f| {
                        let mut f = Inner::new(f);
                        let name = self.ident(f.need(Rule::ident)?);
                        let ty = self.type_expr(f.need(Rule::type_expr)?)?;
                        Some(FieldDecl { name, ty })
                    })
                    .collect();
                Item::Record(RecordDecl { name, fields, span })
            }
            Rule::input_decl => {
                let name = self.ident(inner.need(Rule::ident)?);
                let ty = self.type_expr(inner.need(Rule::type_expr)?)?;
                Item::Input(InputDecl { name, ty, span })
            }
            Rule::list_decl => {
                let name = self.ident(inner.need(Rule::ident)?);
                let ty = self.type_expr(inner.need(Rule::type_expr)?)?;
                let mut strings = inner.all(Rule::string).into_iter().map(|s| self.string(s));
                let from = strings.next()?;
                Item::List(ListDecl { name, ty, from, column: strings.next(), span })
            }
            Rule::const_decl => {
                let name = self.ident(inner.need(Rule::ident)?);
                let ty = self.type_expr(inner.need(Rule::type_expr)?)?;
                let value = self.expr(inner.need(Rule::expr)?)?;
                let clauses = self.clauses(&mut inner, governance::Carrier::Const);
                Item::Const(ConstDecl { name, ty, value, basis: clauses.basis, effective: clauses.effective, span })
            }
            Rule::let_decl => {
                let name = self.ident(inner.need(Rule::ident)?);
                let ty = match inner.take(Rule::type_expr) {
                    Some(t) => Some(self.type_expr(t)?),
                    None => None,
                };
                let value = self.expr(inner.need(Rule::expr)?)?;
                Item::Let(LetDecl { name, ty, value, span })
            }
            Rule::group_decl => {
                let name = self.ident(inner.need(Rule::ident)?);
                let title = inner.take(Rule::string).map(|s| self.string(s));
                let mut rules = Vec::new();
                let mut limits = Vec::new();
                for pair in inner.all(Rule::rule_decl) {
                    let (text, at) = (pair.as_str(), pair.as_span().start() + self.offset);
                    match self.rule(pair) {
                        Some(rule) => rules.push(rule),
                        None => self.remember_broken(text, at, 1),
                    }
                }
                for pair in inner.all(Rule::credit_limit_decl) {
                    let (text, at) = (pair.as_str(), pair.as_span().start() + self.offset);
                    let limit_span = self.span(&pair);
                    match self.credit_limit(Inner::new(pair), limit_span) {
                        Some(limit) => limits.push(limit),
                        None => self.remember_broken(text, at, 1),
                    }
                }
                Item::Group(GroupDecl { name, title, rules, limits, span })
            }
            Rule::rule_decl => Item::Rule(self.rule_from(inner, span)?),
            Rule::authority_decl => {
                let title = inner.take(Rule::string).map(|s| self.string(s));
                let over = self.path(inner.need(Rule::path)?);
                let escalate = self.ident(inner.need(Rule::ident)?);
                let message = inner.take(Rule::string).map(|s| self.string(s));
                let mut levels = Vec::new();
                for pair in inner.all(Rule::level_decl) {
                    let (text, at) = (pair.as_str(), pair.as_span().start() + self.offset);
                    match self.level(pair) {
                        Some(level) => levels.push(level),
                        None => self.remember_broken(text, at, 1),
                    }
                }
                Item::Authority(AuthorityDecl { title, over, escalate, message, levels, span })
            }
            Rule::test_decl => Item::Test(self.test(inner, span)?),
            Rule::scorecard_decl => Item::Scorecard(self.scorecard(inner, span)?),
            Rule::fixture_decl => {
                let name = self.ident(inner.need(Rule::ident)?);
                let base = inner.take(Rule::ident).map(|p| self.ident(p));
                let record = match inner.take(Rule::record_lit) {
                    Some(lit) => self.record_lit(lit)?,
                    None => RecordLit { entries: Vec::new(), span: base.as_ref().map_or(span, |b| b.span) },
                };
                Item::Fixture(FixtureDecl { name, base, record, span })
            }
            Rule::credit_limit_decl => Item::CreditLimit(self.credit_limit(inner, span)?),
            Rule::output_decl => {
                let name = self.ident(inner.need(Rule::ident)?);
                let ty = match inner.take(Rule::type_expr) {
                    Some(t) => Some(self.type_expr(t)?),
                    None => None,
                };
                let value = self.expr(inner.need(Rule::expr)?)?;
                Item::Output(OutputDecl { name, ty, value, span })
            }
            _ => return None,
        })
    }

    /// `limit CODE "message"? PATH <= LINE (floor FLOOR)?`
    fn credit_limit(&mut self, mut inner: Inner, span: Span) -> Option<CreditLimitDecl> {
        let code = self.ident(inner.need(Rule::ident)?);
        let message = inner.take(Rule::string).map(|s| self.string(s));
        let path = self.path(inner.need(Rule::path)?);
        let line = self.expr(inner.need(Rule::expr)?)?;
        let floor = match inner.take(Rule::expr) {
            Some(f) => Some(self.expr(f)?),
            None => None,
        };
        let clauses = self.clauses(&mut inner, governance::Carrier::Limit);
        Some(CreditLimitDecl {
            code,
            message,
            path,
            line,
            floor,
            basis: clauses.basis,
            effective: clauses.effective,
            span,
        })
    }

    fn rule(&mut self, pair: Pair<Rule>) -> Option<RuleDecl> {
        let span = self.span(&pair);
        self.rule_from(Inner::new(pair), span)
    }

    fn rule_from(&mut self, mut inner: Inner, span: Span) -> Option<RuleDecl> {
        let code = self.ident(inner.need(Rule::ident)?);
        let message = inner.take(Rule::string).map(|s| self.string(s));
        let outcome_pair = inner.need(Rule::outcome)?;
        let outcome_span = self.span(&outcome_pair);
        let mut outcome_inner = Inner::new(outcome_pair);
        let outcome = if outcome_inner.take(Rule::kw_decline).is_some() {
            Outcome::Decline
        } else {
            Outcome::Refer(outcome_inner.take(Rule::ident).map(|p| self.ident(p)))
        };
        let trigger = if inner.take(Rule::kw_unless).is_some() { Trigger::Unless } else { Trigger::When };
        let condition = self.expr(inner.need(Rule::expr)?)?;
        let clauses = self.clauses(&mut inner, governance::Carrier::Rule(matches!(outcome, Outcome::Decline)));
        Some(RuleDecl {
            code,
            message,
            outcome,
            outcome_span,
            trigger,
            condition,
            basis: clauses.basis,
            effective: clauses.effective,
            overridable: clauses.overridable,
            span,
        })
    }

    fn level(&mut self, pair: Pair<Rule>) -> Option<LevelDecl> {
        let span = self.span(&pair);
        let mut inner = Inner::new(pair);
        let mut idents = inner.all(Rule::ident).into_iter().map(|p| self.ident(p));
        let name = idents.next()?;
        let above = idents.collect();
        let pairs = inner.all(Rule::limit);
        let count = pairs.len();
        let limits: Vec<Limit> = pairs.into_iter().filter_map(|l| self.limit(l)).collect();
        // a limit that could not be built was reported; the level's limits are not all known
        let incomplete = limits.len() < count;
        Some(LevelDecl { name, above, limits, span, incomplete })
    }

    fn limit(&mut self, pair: Pair<Rule>) -> Option<Limit> {
        let span = self.span(&pair);
        let mut inner = Inner::new(pair);
        let path = self.path(inner.need(Rule::path)?);
        let bound = if let Some(op) = inner.take(Rule::limit_op) {
            let value = self.expr(inner.need(Rule::expr)?)?;
            match op.as_str() {
                "<=" => LimitBound::AtMost(value),
                "<" => LimitBound::Below(value),
                _ => LimitBound::AtLeast(value),
            }
        } else {
            match self.piece(inner.need(Rule::expr)?)? {
                Piece::Range(lo, hi, _, false) => LimitBound::InRange(lo, hi),
                Piece::Range(_, _, span, true) => {
                    self.error(
                        Diagnostic::error(Code::P0011, "an authority limit's range includes both ends")
                            .at(span, "a half-open range")
                            .help("write `lo ..= hi`, or the upper bound with `<`"),
                    );
                    return None;
                }
                Piece::Expr(set) => LimitBound::InSet(set),
            }
        };
        let guard = match inner.take(Rule::limit_guard) {
            Some(g) => Some(self.expr(Inner::new(g).need(Rule::expr)?)?),
            None => None,
        };
        let escalate = match inner.take(Rule::limit_escalate) {
            Some(e) => {
                let mut e = Inner::new(e);
                let code = self.ident(e.need(Rule::ident)?);
                Some((code, e.take(Rule::string).map(|s| self.string(s))))
            }
            None => None,
        };
        Some(Limit { path, bound, guard, escalate, span })
    }

    fn test(&mut self, mut inner: Inner, span: Span) -> Option<TestDecl> {
        let name = self.string(inner.need(Rule::string)?);
        let mut given = Inner::new(inner.need(Rule::given)?);
        let mut idents = given.all(Rule::ident).into_iter().map(|p| self.ident(p));
        let input = idents.next()?;
        let base = idents.next();
        let record = match given.take(Rule::record_lit) {
            Some(lit) => self.record_lit(lit)?,
            None => RecordLit { entries: Vec::new(), span: base.as_ref().map_or(span, |b| b.span) },
        };
        let as_of = match inner.take(Rule::as_of_clause) {
            Some(clause) => {
                let date = clause.into_inner().find(|p| p.as_rule() == Rule::date)?;
                let date_span = self.span(&date);
                Some((self.date(&date)?, date_span))
            }
            None => None,
        };
        let expect_pair = inner.need(Rule::expect)?;
        let outputs = match expect_pair.clone().into_inner().find(|p| p.as_rule() == Rule::expected_outputs) {
            Some(o) => Some(self.record_lit(o.into_inner().find(|p| p.as_rule() == Rule::record_lit)?)?),
            None => None,
        };
        let expect = expect_pair.into_inner().find(|p| p.as_rule() == Rule::expected_outcome)?;
        let expect_span = self.span(&expect);
        let mut e = Inner::new(expect);
        let codes = |b: &mut Builder, e: &mut Inner| {
            e.take(Rule::code_list)
                .map(|c| c.into_inner().filter(|p| p.as_rule() == Rule::ident).map(|p| b.ident(p)).collect())
        };
        let expect = if e.take(Rule::kw_approve).is_some() {
            ExpectedOutcome::Approve { at: e.take(Rule::ident).map(|p| self.ident(p)), span: expect_span }
        } else if e.take(Rule::kw_decline).is_some() {
            ExpectedOutcome::Decline { codes: codes(self, &mut e), span: expect_span }
        } else if e.take(Rule::kw_refer).is_some() {
            let to = self.ident(e.need(Rule::ident)?);
            ExpectedOutcome::Refer { to, codes: codes(self, &mut e), span: expect_span }
        } else {
            ExpectedOutcome::Error { span: expect_span }
        };
        Some(TestDecl { name, given: Given { input, base, record }, as_of, expect, outputs, span })
    }

    fn record_lit(&mut self, pair: Pair<Rule>) -> Option<RecordLit> {
        let span = self.span(&pair);
        let mut entries = Vec::new();
        for entry in pair.into_inner().filter(|p| p.as_rule() == Rule::record_entry) {
            let mut inner = entry.into_inner().filter(|p| !is_punctuation(p.as_rule()));
            let path = self.path(inner.next()?);
            let value = self.record_value(inner.next()?)?;
            entries.push((path, value));
        }
        Some(RecordLit { entries, span })
    }

    fn record_value(&mut self, pair: Pair<Rule>) -> Option<RecordValue> {
        Some(match pair.as_rule() {
            Rule::record_lit => RecordValue::Record(self.record_lit(pair)?),
            Rule::list_lit => {
                let span = self.span(&pair);
                let items = pair
                    .into_inner()
                    .filter(|p| !is_punctuation(p.as_rule()))
                    .filter_map(|p| self.record_value(p))
                    .collect();
                RecordValue::List(items, span)
            }
            _ => RecordValue::Expr(self.expr(pair)?),
        })
    }

    // -------------------------------------------------------------- types

    fn type_expr(&mut self, pair: Pair<Rule>) -> Option<TypeExpr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let kind_pair = inner.next()?;
        let optional = inner.next().is_some();
        let kind = match kind_pair.as_rule() {
            Rule::set_type => TypeExprKind::Set(Box::new(
                self.type_expr(kind_pair.into_inner().find(|p| p.as_rule() == Rule::type_expr)?)?,
            )),
            Rule::list_type => TypeExprKind::List(Box::new(
                self.type_expr(kind_pair.into_inner().find(|p| p.as_rule() == Rule::type_expr)?)?,
            )),
            _ => TypeExprKind::Named(self.ident(kind_pair.into_inner().next()?)),
        };
        Some(TypeExpr { kind, optional, span })
    }

    // -------------------------------------------------------------- expressions

    /// An expression; a range (`a ..= b`) is only allowed right of `in` (P0006).
    fn expr(&mut self, pair: Pair<Rule>) -> Option<Expr> {
        let piece = self.piece(pair)?;
        self.plain(piece)
    }

    /// An expression pair: the flat `expr` (folded by precedence) or an operand.
    fn piece(&mut self, pair: Pair<Rule>) -> Option<Piece> {
        if !matches!(pair.as_rule(), Rule::expr | Rule::arm_expr) {
            return self.operand(pair).map(Piece::Expr);
        }
        self.fold(&mut pair.into_inner().peekable(), 0)
    }

    fn operand(&mut self, pair: Pair<Rule>) -> Option<Expr> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr | Rule::arm_expr => self.expr(pair),
            Rule::if_expr | Rule::arm_if => self.if_expr(pair),
            Rule::match_expr => self.match_expr(pair),
            Rule::paren => {
                let inner = self.expr(pair.into_inner().next()?)?;
                // remembered so `(a < b) == c` is not taken for a chain
                self.parenthesised.insert((inner.span.start, inner.span.end));
                Some(inner)
            }
            Rule::named => {
                let mut inner = pair.into_inner();
                let name = self.ident(inner.next()?);
                match inner.next() {
                    Some(args) => {
                        let args = args
                            .into_inner()
                            .filter(|p| !is_punctuation(p.as_rule()))
                            .filter_map(|a| self.operand(a))
                            .collect();
                        Some(Expr { kind: ExprKind::Call(name, args), span })
                    }
                    None => Some(Expr { kind: ExprKind::Name(name), span }),
                }
            }
            Rule::lambda => {
                let mut inner = pair.into_inner();
                let param = self.ident(inner.next()?);
                let body = self.expr(inner.next()?)?;
                Some(Expr { kind: ExprKind::Lambda(param, Box::new(body)), span })
            }
            Rule::set_lit => {
                let items =
                    pair.into_inner().filter(|p| !is_punctuation(p.as_rule())).filter_map(|p| self.expr(p)).collect();
                Some(Expr { kind: ExprKind::Set(items), span })
            }
            Rule::ident => Some(Expr { kind: ExprKind::Name(self.ident(pair)), span }),
            Rule::kw_true => Some(Expr { kind: ExprKind::Bool(true), span }),
            Rule::kw_false => Some(Expr { kind: ExprKind::Bool(false), span }),
            Rule::kw_none => Some(Expr { kind: ExprKind::None, span }),
            Rule::kw_as_of => Some(Expr { kind: ExprKind::AsOf, span }),
            Rule::string => Some(Expr { kind: ExprKind::Str(self.string(pair).value), span }),
            Rule::date => Some(Expr { kind: ExprKind::Date(self.date(&pair)?), span }),
            Rule::quantity => self.quantity(pair, span),
            _ => None,
        }
    }

    // -------------------------------------------------------------- literals

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Ident { name: pair.as_str().to_string(), span: self.span(&pair) }
    }

    fn path(&self, pair: Pair<Rule>) -> Path {
        let span = self.span(&pair);
        Path { segments: pair.into_inner().map(|p| self.ident(p)).collect(), span }
    }
}

/// Children of a pair, taken by rule name in order.
struct Inner<'i> {
    pairs: Vec<Pair<'i, Rule>>,
    /// Children before this index have been taken or skipped.
    next: usize,
}

impl<'i> Inner<'i> {
    fn new(pair: Pair<'i, Rule>) -> Inner<'i> {
        Inner { pairs: pair.into_inner().collect(), next: 0 }
    }

    /// The next child of kind `rule`, skipping keywords in front of it.
    fn take(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        let rest = self.pairs.get(self.next..)?;
        let index = rest.iter().position(|p| p.as_rule() == rule)?;
        // only skip over keyword tokens, never over a meaningful child
        if rest.iter().take(index).all(|p| is_keyword(p.as_rule())) {
            let pair = rest.get(index).cloned();
            self.next += index + 1;
            pair
        } else {
            None
        }
    }

    /// The next child of kind `rule`, which the grammar guarantees.
    fn need(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        self.take(rule)
    }

    /// Every child of kind `rule` not yet taken; the others stay.
    fn all(&mut self, rule: Rule) -> Vec<Pair<'i, Rule>> {
        let rest = self.pairs.split_off(self.next.min(self.pairs.len()));
        self.next = self.pairs.len();
        let (matching, others): (Vec<_>, Vec<_>) = rest.into_iter().partition(|p| p.as_rule() == rule);
        self.pairs.extend(others);
        matching
    }
}

/// Whether a rule is a keyword token (the grammar names them `kw_…`) or
/// punctuation: the tokens [`Inner::take`] skips.
fn is_keyword(rule: Rule) -> bool {
    static KEYWORDS: OnceLock<Vec<bool>> = OnceLock::new();
    let keywords = KEYWORDS.get_or_init(|| {
        let slots = Rule::all_rules().iter().map(|&rule| rule as usize + 1).max().unwrap_or(0);
        let mut keywords = vec![false; slots];
        for &rule in Rule::all_rules() {
            if let Some(slot) = keywords.get_mut(rule as usize) {
                *slot = format!("{rule:?}").starts_with("kw_") || is_punctuation(rule);
            }
        }
        keywords
    });
    keywords.get(rule as usize).copied().unwrap_or(false)
}

/// The punctuation the grammar names (so that errors can say what was expected).
fn is_punctuation(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::open_brace
            | Rule::close_brace
            | Rule::close_paren
            | Rule::close_bracket
            | Rule::comma
            | Rule::colon
            | Rule::equals
    )
}

/// Byte offsets of every `//` comment in a text (string literals never span lines).
pub(crate) fn comment_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(at) = comment_start(line) {
            starts.push(offset + at);
        }
        offset += line.len();
    }
    starts
}

/// Where a `//` comment starts in one line, outside string literals.
fn comment_start(line: &str) -> Option<usize> {
    let mut in_string = false;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => in_string = !in_string,
            '\\' if in_string => {
                chars.next();
            }
            '/' if !in_string && chars.peek().map(|(_, c)| *c) == Some('/') => return Some(i),
            _ => {}
        }
    }
    None
}

/// The bytes of policy text outside string literals and comments, with their
/// offsets. Everything the scans look for (brackets, `-`, letters of `not`) is
/// ASCII; the bytes of other characters pass through as bytes of 0x80 and above.
struct CodeBytes<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> CodeBytes<'a> {
    fn new(text: &'a str) -> CodeBytes<'a> {
        CodeBytes { bytes: text.as_bytes(), at: 0 }
    }

    /// Moves past the next `stop` byte (or to the end), after a backslash
    /// skipping the byte that follows it when `escapes` is set.
    fn skip_past(&mut self, escapes: bool, stops: &[u8]) {
        while let Some(&b) = self.bytes.get(self.at) {
            self.at += 1;
            if escapes && b == b'\\' {
                self.at += 1;
            } else if stops.contains(&b) {
                return;
            }
        }
    }
}

impl Iterator for CodeBytes<'_> {
    type Item = (usize, u8);

    fn next(&mut self) -> Option<(usize, u8)> {
        loop {
            let i = self.at;
            let b = *self.bytes.get(i)?;
            self.at += 1;
            match b {
                // a string literal ends at its closing quote (or, unclosed, at the line's end)
                b'"' => self.skip_past(true, b"\"\n"),
                b'/' if self.bytes.get(i + 1) == Some(&b'/') => self.skip_past(false, b"\n"),
                _ => return Some((i, b)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::codes::Code;

    /// Every `.pol` file under `dir`, recursively (also the reuse tests' corpus).
    pub(super) fn pol_files(dir: &std::path::Path, into: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pol_files(&path, into);
            } else if path.extension().is_some_and(|e| e == "pol") {
                into.push(path);
            }
        }
    }

    /// The module and diagnostics as comparable text.
    fn shown((module, diagnostics): &(Module, Vec<Diagnostic>)) -> String {
        let mut parenthesised: Vec<_> = module.parenthesised.iter().collect();
        parenthesised.sort();
        format!("{:#?}\n{:#?}\n{parenthesised:?}\n{diagnostics:#?}", module.items, module.broken)
    }

    #[test]
    fn a_declaration_at_a_time_parses_every_file_as_the_whole_file_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in ["policies", "tests", "benches", "examples", "docs"] {
            pol_files(&root.join(dir), &mut files);
        }
        assert!(files.len() > 100, "the fixtures are found: {}", files.len());
        let mut pieces = 0;
        for path in &files {
            let Ok(text) = std::fs::read_to_string(path) else { continue };
            let limits = Limits::default();
            if too_deep_for_the_parser(FileId(0), &text, limits.nesting()).is_some() {
                continue;
            }
            let whole = parse_whole(FileId(0), &text, 0, limits.max_string_bytes);
            if let Some(by_declaration) = parse_by_declaration(FileId(0), &text, 0, limits.max_string_bytes) {
                pieces += 1;
                assert_eq!(shown(&by_declaration), shown(&whole), "{}", path.display());
            }
        }
        assert!(pieces > 50, "most files parse a declaration at a time: {pieces} of {}", files.len());
    }

    #[test]
    fn a_file_with_a_syntax_error_or_unbalanced_braces_is_parsed_whole() {
        let pieces = |text: &str| parse_by_declaration(FileId(0), text, 0, 1 << 20).is_some();
        assert!(pieces("policy p version \"1\"\nconst c: Int = 1\n"));
        assert!(!pieces("policy p version \"1\"\nconst c: Int = \n"));
        assert!(!pieces("policy p version \"1\"\ngroup g {\nconst c: Int = 1\n"));
        assert!(!pieces("policy p version \"1\"\n}\nconst c: Int = 1\n"));
        // a declaration keyword used as a name on a continued line: the piece before
        // it does not parse alone, so the whole file is parsed
        assert!(!pieces("policy p version \"1\"\nlet limit = 1\nlet x = 2 +\nlimit\n"));
        let (module, diagnostics) = parse(FileId(0), "policy p version \"1\"\nlet limit = 1\nlet x = 2 +\nlimit\n");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(module.items.len(), 3);
    }

    #[test]
    fn keyword_tokens_are_the_kw_rules_and_punctuation() {
        for &rule in Rule::all_rules() {
            let name = format!("{rule:?}");
            let punctuation = ["open_brace", "close_brace", "close_paren", "close_bracket", "comma", "colon", "equals"];
            assert_eq!(is_keyword(rule), name.starts_with("kw_") || punctuation.contains(&name.as_str()), "{name}");
        }
        assert!(is_keyword(Rule::kw_when));
        assert!(!is_keyword(Rule::ident));
    }

    #[test]
    fn code_bytes_skip_strings_and_comments() {
        let text = "a \"(\\\"{\" b // ( {\nc \"x\ny";
        let code: String = CodeBytes::new(text).map(|(_, b)| char::from(b)).collect();
        // the string (with its escaped quote), the comment and its line feed, and
        // the unclosed string up to the line's end are gone
        assert_eq!(code, "a  b c y");
        let offsets: Vec<usize> = CodeBytes::new("x//\ny").map(|(i, _)| i).collect();
        assert_eq!(offsets, [0, 4]);
    }

    #[test]
    fn nesting_scan_counts_brackets_and_prefix_runs_outside_strings() {
        let deep = too_deep_for_the_parser(FileId(0), "let x = ((((1))))", 3).map(|d| d.code);
        assert_eq!(deep, Some(Code::P0005));
        assert!(too_deep_for_the_parser(FileId(0), "let x = \"((((\" // ((((", 3).is_none());
        assert!(too_deep_for_the_parser(FileId(0), "let x = not not not not y", 3).is_some());
        assert!(too_deep_for_the_parser(FileId(0), "let x = not note not not y", 3).is_none());
        assert!(too_deep_for_the_parser(FileId(0), "let x = - - - - 1", 3).is_some());
    }
}
