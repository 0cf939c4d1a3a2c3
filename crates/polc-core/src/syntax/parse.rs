//! Text -> AST. The pest grammar in `grammar/pol.pest` gives the pairs; this module
//! builds `ast::Module` with spans and reports syntax problems (P codes).

use crate::base::diag::Diagnostic;
use crate::base::limits::Limits;
use crate::base::source::{FileId, Span};
use crate::syntax::ast::*;
use chrono::NaiveDate;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::{Pair, Pairs};
use pest::Parser as _;
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::OnceLock;

#[derive(pest_derive::Parser)]
#[grammar = "../../../grammar/pol.pest"]
struct PolParser;

/// Parses one file. On a syntax error, parsing resumes at the next top-level
/// declaration that starts a line, so independent errors are all reported.
pub fn parse(file: FileId, text: &str) -> (Module, Vec<Diagnostic>) {
    parse_with(file, text, &Limits::default())
}

/// Like [`parse`], within `limits` (nesting and string literal size).
pub fn parse_with(file: FileId, text: &str, limits: &Limits) -> (Module, Vec<Diagnostic>) {
    let max_nesting = limits.nesting();
    if let Some(diagnostic) = too_deep_for_the_parser(file, text, max_nesting) {
        return (Module { file, ..Module::default() }, vec![diagnostic]);
    }
    let (module, mut diagnostics) = parse_checked(file, text, limits.max_string_bytes);
    if let Some(span) = first_too_deep_expression(&module, max_nesting) {
        diagnostics.push(nesting_error(span, max_nesting));
    }
    (module, diagnostics)
}

/// Expressions may nest (brackets, prefix operators, operator chains) as deep as
/// [`Limits::max_nesting`]. Policies nest a handful of levels; the limit keeps
/// hostile input from exhausting the stack of the parser, the checker or the
/// interpreter.
fn nesting_error(span: Span, limit: usize) -> Diagnostic {
    Diagnostic::error("P0005", format!("expression nested more than --max-nesting ({limit}) levels deep"))
        .at(span, "too deeply nested")
        .help("split it into `let`s: a policy that nests this deep cannot be reviewed")
}

/// Brackets and runs of prefix operators nested beyond the limit, found by a
/// scan of the text before pest (which recurses on them) sees it.
fn too_deep_for_the_parser(file: FileId, text: &str, limit: usize) -> Option<Diagnostic> {
    let mut depth = 0usize;
    let mut prefix_run = 0usize;
    // where the word being read started (a word is a run of letters, digits, `_`
    // and non-ASCII characters, none of which is `not`)
    let mut word_start: Option<usize> = None;
    for (i, b) in CodeBytes::new(text) {
        if b.is_ascii_alphanumeric() || b == b'_' || !b.is_ascii() {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = word_start.take() {
            prefix_run = if text.get(start..i) == Some("not") { prefix_run + 1 } else { 0 };
        }
        match b {
            b'(' | b'{' | b'[' => depth += 1,
            b')' | b'}' | b']' => depth = depth.saturating_sub(1),
            b'-' => prefix_run += 1,
            // the grammar's white space: a space, or tab to carriage return
            b' ' | b'\t'..=b'\r' => {}
            _ => prefix_run = 0,
        }
        if depth > limit || prefix_run > limit {
            return Some(nesting_error(Span::new(file, i, i + 1), limit));
        }
    }
    None
}

/// The first expression whose tree is deeper than the limit (walked without recursion).
fn first_too_deep_expression(module: &Module, limit: usize) -> Option<Span> {
    let mut roots: Vec<&Expr> = Vec::new();
    for item in &module.items {
        match item {
            Item::Const(c) => roots.push(&c.value),
            Item::Let(l) => roots.push(&l.value),
            Item::Rule(r) => roots.push(&r.condition),
            Item::Group(g) => roots.extend(g.rules.iter().map(|r| &r.condition)),
            _ => {}
        }
    }
    for root in roots {
        let mut stack = vec![(root, 1usize)];
        while let Some((expr, depth)) = stack.pop() {
            if depth > limit {
                return Some(expr.span);
            }
            stack.extend(expr_children(expr).map(|c| (c, depth + 1)));
        }
    }
    None
}

/// The direct sub-expressions of an expression (at most three, or a list).
fn expr_children(expr: &Expr) -> impl Iterator<Item = &Expr> {
    let (fixed, rest): ([Option<&Expr>; 3], &[Expr]) = match &expr.kind {
        ExprKind::Field(e, _) | ExprKind::Lambda(_, e) | ExprKind::Neg(e) | ExprKind::Not(e) | ExprKind::Exists(e) => {
            ([Some(&**e), None, None], &[])
        }
        ExprKind::Binary(_, a, b) | ExprKind::In(a, b) => ([Some(&**a), Some(&**b), None], &[]),
        ExprKind::InRange(a, b, c) => ([Some(&**a), Some(&**b), Some(&**c)], &[]),
        ExprKind::Call(_, items) | ExprKind::Set(items) => ([None, None, None], items),
        _ => ([None, None, None], &[]),
    };
    fixed.into_iter().flatten().chain(rest)
}

fn parse_checked(file: FileId, text: &str, max_string_bytes: usize) -> (Module, Vec<Diagnostic>) {
    let mut builder = Builder {
        file,
        offset: 0,
        diagnostics: Vec::new(),
        broken: Vec::new(),
        file_len: text.len(),
        parenthesised: Default::default(),
        max_string_bytes,
    };
    match PolParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let items = pairs.next().map(|p| builder.items(p)).unwrap_or_default();
            (Module { file, items, broken: Vec::new(), parenthesised: builder.parenthesised }, builder.diagnostics)
        }
        Err(error) => {
            let items = builder.recover(text, error);
            (Module { file, items, broken: builder.broken, parenthesised: builder.parenthesised }, builder.diagnostics)
        }
    }
}

const DECL_KEYWORDS: &[&str] = &[
    "policy",
    "use",
    "enum",
    "record",
    "input",
    "list",
    "const",
    "let",
    "group",
    "rule",
    "authority",
    "test",
    "fixture",
];

struct Builder {
    file: FileId,
    /// Byte offset of the text being parsed within the file (non-zero while recovering).
    offset: usize,
    diagnostics: Vec<Diagnostic>,
    /// Names of declarations that failed to parse.
    broken: Vec<String>,
    /// Length of the whole file (to tell the end of a declaration from the end of the file).
    file_len: usize,
    /// Spans of expressions written in parentheses.
    parenthesised: std::collections::HashSet<(u32, u32)>,
    /// [`Limits::max_string_bytes`].
    max_string_bytes: usize,
}

/// What the Pratt fold produces: an expression, or a range that only `in` may take.
enum Piece {
    Expr(Expr),
    Range(Expr, Expr, Span),
}

fn range_outside_in(span: Span) -> Diagnostic {
    Diagnostic::error("P0006", "a range can only follow `in`")
        .at(span, "a range here")
        .help("test membership of a range: `x in lo ..= hi`")
}

/// Where an operator stands in an expression.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Affix {
    Prefix,
    Infix,
    Postfix,
}

/// Operator precedence, loosest first (see `grammar/pol.pest`): or; and; not;
/// comparisons, `in` and `exists`; `..=`; `??`; `+ -`; `* /`; unary `-`; field
/// access. Every infix operator is left-associative. `None` for an operand.
fn binding(pair: &Pair<Rule>) -> Option<(Affix, u32)> {
    Some(match pair.as_rule() {
        Rule::infix_op => (Affix::Infix, infix_precedence(pair.as_str())),
        Rule::prefix_op if pair.as_str() == "not" => (Affix::Prefix, 30),
        Rule::kw_exists => (Affix::Postfix, 40),
        Rule::prefix_op => (Affix::Prefix, 90),
        Rule::field_access => (Affix::Postfix, 100),
        _ => return None,
    })
}

/// The precedence of a binary operator, by its text (an `infix_op` token).
fn infix_precedence(op: &str) -> u32 {
    match op {
        "or" => 10,
        "and" => 20,
        "..=" => 50,
        "??" => 60,
        "+" | "-" => 70,
        "*" | "/" => 80,
        // comparisons and `in`
        _ => 40,
    }
}

impl Builder {
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

    // -------------------------------------------------------------- recovery

    /// Splits the file at lines that begin (in column 0) with a declaration keyword
    /// and parses each chunk alone, so one syntax error does not hide the rest.
    fn recover(&mut self, text: &str, first: pest::error::Error<Rule>) -> Vec<Item> {
        let mut starts: Vec<usize> = vec![0];
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let word: String = line.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if offset > 0 && DECL_KEYWORDS.contains(&word.as_str()) {
                starts.push(offset);
            }
            offset += line.len();
        }
        starts.push(text.len());
        let mut items = Vec::new();
        let mut reported_first = false;
        for window in starts.windows(2) {
            let &[start, end] = window else { continue };
            let Some(chunk) = text.get(start..end) else {
                continue;
            };
            if chunk.trim().is_empty() || is_only_comments(chunk) {
                continue;
            }
            self.offset = start;
            match PolParser::parse(Rule::lone_item, chunk) {
                Ok(mut pairs) => {
                    if let Some(pair) = pairs.next() {
                        items.extend(self.items(pair));
                    }
                }
                Err(error) => {
                    let diagnostic = self.syntax_error(chunk, &error);
                    reported_first = true;
                    self.error(diagnostic);
                    // remember what the broken declaration was called, so its
                    // uses do not cascade into "unknown name" errors
                    let mut words = chunk.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty());
                    if let (Some(_), Some(name)) = (words.next(), words.next()) {
                        self.broken.push(name.to_string());
                    }
                }
            }
        }
        if !reported_first {
            // The chunks parse alone but not together (should not happen); report
            // the whole-file error rather than nothing.
            self.offset = 0;
            let diagnostic = self.syntax_error(text, &first);
            self.error(diagnostic);
        }
        self.offset = 0;
        items
    }

    fn syntax_error(&self, text: &str, error: &pest::error::Error<Rule>) -> Diagnostic {
        let pos = match error.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
        let rest = text.get(pos..).unwrap_or("");
        let expected = match &error.variant {
            ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
            ErrorVariant::CustomError { message } => message.clone(),
        };
        let at_chunk_end = rest.trim().is_empty();
        let (span, found) = if at_chunk_end {
            // Nothing left of this declaration: point just after its last token.
            let content_end = text.trim_end().len().min(pos);
            let end = content_end + self.offset;
            let found = if self.offset + text.len() < self.file_len { "the next declaration" } else { "end of file" };
            (Span::new(self.file, end, end), found.to_string())
        } else {
            let token_len = token_at(rest);
            let span = Span::new(self.file, pos + self.offset, pos + self.offset + token_len);
            (span, format!("`{}`", rest.get(..token_len).unwrap_or("")))
        };
        let mut diagnostic = Diagnostic::error("P0001", format!("expected {expected}, found {found}"))
            .at(span, format!("expected {expected}"));
        let unclosed = if at_chunk_end { unclosed_brace(text.get(..pos).unwrap_or("")) } else { None };
        if let Some(open) = unclosed {
            let start = open + self.offset;
            diagnostic = diagnostic
                .also(Span::new(self.file, start, start + 1), "this `{` is never closed")
                .help("close the block with `}`");
        } else if let Some(help) = syntax_help(rest, &expected) {
            diagnostic = diagnostic.help(help);
        }
        diagnostic
    }

    // -------------------------------------------------------------- items

    fn items(&mut self, file: Pair<Rule>) -> Vec<Item> {
        file.into_inner().filter(|p| p.as_rule() != Rule::EOI).filter_map(|p| self.item(p)).collect()
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
                Item::Const(ConstDecl { name, ty, value, span })
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
                let rules = inner.all(Rule::rule_decl).into_iter().filter_map(|r| self.rule(r)).collect();
                Item::Group(GroupDecl { name, title, rules, span })
            }
            Rule::rule_decl => Item::Rule(self.rule_from(inner, span)?),
            Rule::authority_decl => {
                let title = inner.take(Rule::string).map(|s| self.string(s));
                let over = self.path(inner.need(Rule::path)?);
                let escalate = self.ident(inner.need(Rule::ident)?);
                let message = inner.take(Rule::string).map(|s| self.string(s));
                let levels = inner.all(Rule::level_decl).into_iter().filter_map(|l| self.level(l)).collect();
                Item::Authority(AuthorityDecl { title, over, escalate, message, levels, span })
            }
            Rule::test_decl => Item::Test(self.test(inner, span)?),
            Rule::fixture_decl => {
                let name = self.ident(inner.need(Rule::ident)?);
                let record = self.record_lit(inner.need(Rule::record_lit)?)?;
                Item::Fixture(FixtureDecl { name, record, span })
            }
            _ => return None,
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
        Some(RuleDecl { code, message, outcome, outcome_span, trigger, condition, span })
    }

    fn level(&mut self, pair: Pair<Rule>) -> Option<LevelDecl> {
        let span = self.span(&pair);
        let mut inner = Inner::new(pair);
        let mut idents = inner.all(Rule::ident).into_iter().map(|p| self.ident(p));
        let name = idents.next()?;
        let above = idents.collect();
        let limits = inner.all(Rule::limit).into_iter().filter_map(|l| self.limit(l)).collect();
        Some(LevelDecl { name, above, limits, span })
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
                Piece::Range(lo, hi, _) => LimitBound::InRange(lo, hi),
                Piece::Expr(set) => LimitBound::InSet(set),
            }
        };
        Some(Limit { path, bound, span })
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
        let expect = inner.need(Rule::expect)?.into_inner().find(|p| p.as_rule() == Rule::expected_outcome)?;
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
        Some(TestDecl { name, given: Given { input, base, record }, as_of, expect, span })
    }

    fn record_lit(&mut self, pair: Pair<Rule>) -> Option<RecordLit> {
        let span = self.span(&pair);
        let mut entries = Vec::new();
        for entry in pair.into_inner() {
            let mut inner = entry.into_inner();
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
                let items = pair.into_inner().filter_map(|p| self.record_value(p)).collect();
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
        match self.piece(pair)? {
            Piece::Expr(e) => Some(e),
            Piece::Range(_, _, span) => {
                self.error(range_outside_in(span));
                None
            }
        }
    }

    /// An expression pair: the flat `expr` (folded by precedence) or an operand.
    fn piece(&mut self, pair: Pair<Rule>) -> Option<Piece> {
        if pair.as_rule() != Rule::expr {
            return self.operand(pair).map(Piece::Expr);
        }
        self.fold(&mut pair.into_inner().peekable(), 0)
    }

    /// Folds a flat `expr` by precedence (Pratt parsing): an operand with its
    /// prefix operators, then every operator binding tighter than `rbp`. The
    /// whole expression is always read, so errors after a bad operand are
    /// still reported; a piece that failed folds to `None`.
    fn fold(&mut self, pairs: &mut std::iter::Peekable<Pairs<'_, Rule>>, rbp: u32) -> Option<Piece> {
        let first = pairs.next()?;
        let mut lhs = match binding(&first) {
            Some((Affix::Prefix, prec)) => {
                let rhs = self.fold(pairs, prec - 1);
                rhs.and_then(|rhs| self.prefix(first, rhs))
            }
            Some(_) => None,
            None => self.operand(first).map(Piece::Expr),
        };
        loop {
            let next = pairs.peek().and_then(binding);
            let Some((affix, prec)) = next.filter(|&(_, prec)| prec > rbp) else { break };
            let Some(op) = pairs.next() else { break };
            lhs = match affix {
                Affix::Infix => {
                    let rhs = self.fold(pairs, prec);
                    match (lhs, rhs) {
                        (Some(lhs), Some(rhs)) => self.infix(lhs, op, rhs),
                        _ => None,
                    }
                }
                Affix::Postfix => lhs.and_then(|lhs| self.postfix(lhs, op)),
                Affix::Prefix => None,
            };
        }
        lhs
    }

    fn operand(&mut self, pair: Pair<Rule>) -> Option<Expr> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => self.expr(pair),
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
                        let args = args.into_inner().filter_map(|a| self.operand(a)).collect();
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
                let items = pair.into_inner().filter_map(|p| self.expr(p)).collect();
                Some(Expr { kind: ExprKind::Set(items), span })
            }
            Rule::ident => Some(Expr { kind: ExprKind::Name(self.ident(pair)), span }),
            Rule::kw_true => Some(Expr { kind: ExprKind::Bool(true), span }),
            Rule::kw_false => Some(Expr { kind: ExprKind::Bool(false), span }),
            Rule::kw_none => Some(Expr { kind: ExprKind::None, span }),
            Rule::kw_as_of => Some(Expr { kind: ExprKind::AsOf, span }),
            Rule::string => Some(Expr { kind: ExprKind::Str(self.string(pair).value), span }),
            Rule::date => Some(Expr { kind: ExprKind::Date(self.date(&pair)?), span }),
            Rule::quantity => {
                // a number, and the unit that says what it counts (one rule, so the number is read once)
                let mut inner = pair.into_inner();
                let number = inner.next()?;
                let Some(unit) = inner.next() else {
                    return Some(Expr { kind: self.number(&number)?, span });
                };
                let value = self.number(&number)?;
                match unit.as_rule() {
                    Rule::duration_unit => {
                        let unit = match unit.as_str().trim_end_matches('s') {
                            "year" => DurationUnit::Years,
                            "month" => DurationUnit::Months,
                            _ => DurationUnit::Days,
                        };
                        match value {
                            ExprKind::Int(n) => Some(Expr { kind: ExprKind::Duration(n, unit), span }),
                            _ => {
                                let d = Diagnostic::error("P0002", "a duration must be a whole number")
                                    .at(span, "not a whole number")
                                    .help("write whole units, e.g. `18 months` instead of `1.5 years`");
                                self.error(d);
                                None
                            }
                        }
                    }
                    rule => {
                        let value = match value {
                            ExprKind::Int(i) => Decimal::from(i),
                            ExprKind::Decimal(d) => d,
                            _ => return None,
                        };
                        if rule == Rule::currency {
                            Some(Expr { kind: ExprKind::Money(value), span })
                        } else {
                            let kind = ExprKind::Percent(value.checked_div(Decimal::ONE_HUNDRED).unwrap_or_default());
                            Some(Expr { kind, span })
                        }
                    }
                }
            }
            _ => None,
        }
    }

    fn plain(&mut self, piece: Piece) -> Option<Expr> {
        match piece {
            Piece::Expr(e) => Some(e),
            Piece::Range(_, _, span) => {
                self.error(range_outside_in(span));
                None
            }
        }
    }

    fn prefix(&mut self, op: Pair<Rule>, rhs: Piece) -> Option<Piece> {
        let op_span = self.span(&op);
        let rhs = self.plain(rhs)?;
        let span = op_span.to(rhs.span);
        let kind = if op.as_str() == "not" { ExprKind::Not(Box::new(rhs)) } else { ExprKind::Neg(Box::new(rhs)) };
        Some(Piece::Expr(Expr { kind, span }))
    }

    fn postfix(&mut self, lhs: Piece, op: Pair<Rule>) -> Option<Piece> {
        let op_span = self.span(&op);
        let lhs = self.plain(lhs)?;
        let span = lhs.span.to(op_span);
        let kind = if op.as_rule() == Rule::kw_exists {
            self.no_chain(&lhs, op_span)?;
            ExprKind::Exists(Box::new(lhs))
        } else {
            let field = self.ident(op.into_inner().next()?);
            ExprKind::Field(Box::new(lhs), field)
        };
        Some(Piece::Expr(Expr { kind, span }))
    }

    fn infix(&mut self, lhs: Piece, op: Pair<Rule>, rhs: Piece) -> Option<Piece> {
        let op_span = self.span(&op);
        let symbol = op.as_str();
        let lhs = self.plain(lhs)?;
        if symbol == "..=" {
            let hi = self.plain(rhs)?;
            let span = lhs.span.to(hi.span);
            return Some(Piece::Range(lhs, hi, span));
        }
        if symbol == "in" {
            self.no_chain(&lhs, op_span)?;
            return Some(Piece::Expr(match rhs {
                Piece::Range(lo, hi, range_span) => {
                    let span = lhs.span.to(range_span);
                    Expr { kind: ExprKind::InRange(Box::new(lhs), Box::new(lo), Box::new(hi)), span }
                }
                Piece::Expr(set) => {
                    let span = lhs.span.to(set.span);
                    Expr { kind: ExprKind::In(Box::new(lhs), Box::new(set)), span }
                }
            }));
        }
        let rhs = self.plain(rhs)?;
        let span = lhs.span.to(rhs.span);
        let op = match symbol {
            "or" => BinOp::Or,
            "and" => BinOp::And,
            "??" => BinOp::Coalesce,
            "==" => BinOp::Eq,
            "!=" => BinOp::Ne,
            "<=" => BinOp::Le,
            ">=" => BinOp::Ge,
            "<" => BinOp::Lt,
            ">" => BinOp::Gt,
            "+" => BinOp::Add,
            "-" => BinOp::Sub,
            "*" => BinOp::Mul,
            _ => BinOp::Div,
        };
        if op.is_comparison() {
            self.no_chain(&lhs, op_span)?;
        }
        Some(Piece::Expr(Expr { kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span }))
    }

    /// Comparisons do not chain: `a < b < c` is P0004 (but `(a < b) == c` is fine).
    fn no_chain(&mut self, lhs: &Expr, op_span: Span) -> Option<()> {
        let is_comparison = match &lhs.kind {
            ExprKind::Binary(op, ..) => op.is_comparison(),
            ExprKind::In(..) | ExprKind::InRange(..) | ExprKind::Exists(_) => true,
            _ => false,
        };
        if is_comparison && !self.parenthesised.contains(&(lhs.span.start, lhs.span.end)) {
            let d = Diagnostic::error("P0004", "comparisons cannot be chained")
                .at(op_span, "second comparison")
                .also(lhs.span, "first comparison")
                .help("join the two comparisons with `and`, e.g. `a < b and b < c`");
            self.error(d);
            return None;
        }
        Some(())
    }

    // -------------------------------------------------------------- literals

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Ident { name: pair.as_str().to_string(), span: self.span(&pair) }
    }

    fn path(&self, pair: Pair<Rule>) -> Path {
        let span = self.span(&pair);
        Path { segments: pair.into_inner().map(|p| self.ident(p)).collect(), span }
    }

    fn string(&mut self, pair: Pair<Rule>) -> StrLit {
        let span = self.span(&pair);
        let raw = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
        let mut value = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            let escape_start = span.start as usize + 1 + i;
            match chars.next() {
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, 'n')) => value.push('\n'),
                Some((_, 'u')) => {
                    let rest = raw.get(i + 2..).unwrap_or("");
                    let decoded = rest
                        .strip_prefix('{')
                        .and_then(|r| r.split_once('}'))
                        .and_then(|(hex, _)| u32::from_str_radix(hex, 16).ok().map(|n| (hex.len(), n)))
                        .and_then(|(len, n)| char::from_u32(n).map(|c| (len, c)));
                    match decoded {
                        Some((len, c)) => {
                            value.push(c);
                            for _ in 0..len + 2 {
                                chars.next();
                            }
                        }
                        None => self.error(
                            Diagnostic::error("P0003", "invalid unicode escape")
                                .at(Span::new(self.file, escape_start, escape_start + 2), "not a valid `\\u{…}` escape")
                                .help("write the code point in hex between braces, e.g. `\\u{4E2D}`"),
                        ),
                    }
                }
                other => {
                    let len = 1 + other.map_or(0, |(_, c)| c.len_utf8());
                    self.error(
                        Diagnostic::error("P0003", "unknown escape in string")
                            .at(Span::new(self.file, escape_start, escape_start + len), "unknown escape")
                            .help("the escapes are `\\\"`, `\\\\`, `\\n` and `\\u{…}`"),
                    );
                }
            }
        }
        if value.len() > self.max_string_bytes {
            let limit = self.max_string_bytes;
            self.error(
                Diagnostic::error(
                    "P0009",
                    format!("string of {} bytes, longer than --max-string-bytes ({limit})", value.len()),
                )
                .at(span, "this string")
                .help("a value this long belongs in a list file (`list … from`), not in the policy"),
            );
        }
        StrLit { value, span }
    }

    fn date(&mut self, pair: &Pair<Rule>) -> Option<NaiveDate> {
        match crate::value::ident::parse_date(pair.as_str()) {
            Some(date) => Some(date),
            None => {
                let d = Diagnostic::error("P0002", format!("`{}` is not a calendar date", pair.as_str()))
                    .at(self.span(pair), "no such date")
                    .help("dates are written YYYY-MM-DD with a real month and day");
                self.error(d);
                None
            }
        }
    }

    fn number(&mut self, pair: &Pair<Rule>) -> Option<ExprKind> {
        let text: String = pair.as_str().chars().filter(|&c| c != '_').collect();
        let parsed = if text.contains('.') {
            Decimal::from_str(&text).ok().map(ExprKind::Decimal)
        } else {
            text.parse::<i64>().ok().map(ExprKind::Int)
        };
        if parsed.is_none() {
            let d = Diagnostic::error("P0002", format!("number `{}` is out of range", pair.as_str()))
                .at(self.span(pair), "too large")
                .help("whole numbers must fit in 64 bits; decimals in 28 significant digits");
            self.error(d);
        }
        parsed
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

/// Whether a rule is a keyword token (the grammar names them `kw_…`).
fn is_keyword(rule: Rule) -> bool {
    static KEYWORDS: OnceLock<Vec<bool>> = OnceLock::new();
    let keywords = KEYWORDS.get_or_init(|| {
        let slots = Rule::all_rules().iter().map(|&rule| rule as usize + 1).max().unwrap_or(0);
        let mut keywords = vec![false; slots];
        for &rule in Rule::all_rules() {
            if let Some(slot) = keywords.get_mut(rule as usize) {
                *slot = format!("{rule:?}").starts_with("kw_");
            }
        }
        keywords
    });
    keywords.get(rule as usize).copied().unwrap_or(false)
}

/// The byte offset of the last `{` that is not closed in `text` (ignoring strings and comments).
fn unclosed_brace(text: &str) -> Option<usize> {
    let mut open = Vec::new();
    for (i, b) in CodeBytes::new(text) {
        match b {
            b'{' => open.push(i),
            b'}' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
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

fn is_only_comments(chunk: &str) -> bool {
    chunk.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with("//")
    })
}

/// Length in bytes of the token at the start of `rest` (at least one character).
fn token_at(rest: &str) -> usize {
    let word = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').map(char::len_utf8).sum::<usize>();
    if word > 0 {
        word
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    }
}

/// Turns the grammar rules pest expected into words a policy author knows.
fn describe_expected(positives: &[Rule]) -> String {
    let mut words: Vec<&str> = Vec::new();
    for rule in positives {
        if *rule == Rule::infix_op {
            // one token stands for every binary operator
            for word in ["a comparison", "an operator", "`and`", "`or`", "`in`"] {
                if !words.contains(&word) {
                    words.push(word);
                }
            }
            continue;
        }
        let word = match rule {
            Rule::ident | Rule::path => "a name",
            Rule::string | Rule::string_inner => "a string in double quotes",
            Rule::expr
            | Rule::paren
            | Rule::number
            | Rule::date
            | Rule::quantity
            | Rule::named
            | Rule::set_lit
            | Rule::lambda
            | Rule::prefix_op => "an expression",
            Rule::call_args => "`(`",
            Rule::type_expr | Rule::named_type | Rule::set_type | Rule::list_type => "a type",
            Rule::outcome => "`decline` or `refer`",
            Rule::kw_when | Rule::kw_unless => "`when` or `unless`",
            Rule::policy_decl
            | Rule::use_decl
            | Rule::enum_decl
            | Rule::record_decl
            | Rule::input_decl
            | Rule::list_decl
            | Rule::const_decl
            | Rule::let_decl
            | Rule::group_decl
            | Rule::rule_decl
            | Rule::authority_decl
            | Rule::test_decl
            | Rule::fixture_decl => "a declaration",
            Rule::EOI => "end of file",
            Rule::field_decl => "a field (`name: Type`)",
            Rule::level_decl => "`level`",
            Rule::limit => "a limit (`path <= value`, `path in {…}`)",
            Rule::limit_op => "`<=`, `<` or `>=`",
            Rule::record_lit => "a record `{ field: value, … }`",
            Rule::record_entry => "a field (`name: value`)",
            Rule::given => "`given`",
            Rule::expect => "`expect`",
            Rule::expected_outcome => "`approve`, `decline`, `refer to LEVEL` or `error`",
            Rule::as_of_clause => "`as_of`",
            Rule::code_list => "a list of reason codes `[A01, …]`",
            Rule::optional_mark => "`?`",
            Rule::field_access => "`.`",
            Rule::currency => "`CNY`",
            Rule::percent_sign => "`%`",
            Rule::duration_unit => "`years`, `months` or `days`",
            other => keyword_word(*other),
        };
        if !word.is_empty() && !words.contains(&word) {
            words.push(word);
        }
    }
    if words.len() > 1 {
        words.retain(|w| *w != "end of file");
    }
    // the ways an expression can start are all "an expression"
    if words.contains(&"an expression") {
        let starts = ["a string in double quotes", "a name", "`as_of`", "`not`", "`true`", "`false`", "`none`"];
        words.retain(|w| !starts.contains(w));
    }
    match words.len() {
        0 => "something else".to_string(),
        1 => words.concat(),
        n => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
    }
}

fn keyword_word(rule: Rule) -> &'static str {
    let name = format!("{rule:?}");
    match name.strip_prefix("kw_") {
        Some(k) => KEYWORD_WORDS.iter().find(|(w, _)| *w == k).map_or("", |(_, q)| q),
        None => "",
    }
}

const KEYWORD_WORDS: &[(&str, &str)] = &[
    ("policy", "`policy`"),
    ("version", "`version`"),
    ("use", "`use`"),
    ("enum", "`enum`"),
    ("record", "`record`"),
    ("input", "`input`"),
    ("list", "`list`"),
    ("from", "`from`"),
    ("column", "`column`"),
    ("const", "`const`"),
    ("let", "`let`"),
    ("group", "`group`"),
    ("rule", "`rule`"),
    ("decline", "`decline`"),
    ("refer", "`refer`"),
    ("to", "`to`"),
    ("when", "`when`"),
    ("unless", "`unless`"),
    ("authority", "`authority`"),
    ("over", "`over`"),
    ("escalate", "`escalate`"),
    ("level", "`level`"),
    ("above", "`above`"),
    ("test", "`test`"),
    ("fixture", "`fixture`"),
    ("given", "`given`"),
    ("with", "`with`"),
    ("as_of", "`as_of`"),
    ("expect", "`expect`"),
    ("approve", "`approve`"),
    ("at", "`at`"),
    ("error", "`error`"),
    ("and", "`and`"),
    ("or", "`or`"),
    ("not", "`not`"),
    ("in", "`in`"),
    ("exists", "`exists`"),
    ("set", "`set`"),
    ("true", "`true`"),
    ("false", "`false`"),
    ("none", "`none`"),
];

fn syntax_help(rest: &str, expected: &str) -> Option<String> {
    let word: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    let reserved = ["and", "or", "not", "in", "exists", "true", "false", "none", "as_of"];
    if reserved.contains(&word.as_str()) && expected.contains("a name") {
        return Some(format!("`{word}` is a keyword and cannot be used as a name"));
    }
    if rest.starts_with('=') && !rest.starts_with("==") && expected.contains("comparison") {
        return Some("to compare, write `==`".to_string());
    }
    if rest.starts_with("&&") || rest.starts_with("||") {
        return Some("write `and` / `or` instead of `&&` / `||`".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_tokens_are_the_kw_rules() {
        for &rule in Rule::all_rules() {
            assert_eq!(is_keyword(rule), format!("{rule:?}").starts_with("kw_"), "{rule:?}");
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
        assert_eq!(deep, Some("P0005"));
        assert!(too_deep_for_the_parser(FileId(0), "let x = \"((((\" // ((((", 3).is_none());
        assert!(too_deep_for_the_parser(FileId(0), "let x = not not not not y", 3).is_some());
        assert!(too_deep_for_the_parser(FileId(0), "let x = not note not not y", 3).is_none());
        assert!(too_deep_for_the_parser(FileId(0), "let x = - - - - 1", 3).is_some());
    }
}
