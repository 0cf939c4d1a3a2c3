//! The canonical layout of a `.pol` file (`polc fmt`). Prints the syntax tree
//! and puts every comment back: own-line comments before the construct that
//! follows them, trailing comments at the end of their construct's line — a
//! declaration's, an element's of a braced list (an enum variant, a set
//! element, a record entry), an operand's of a broken chain.
//!
//! INVARIANT: `format(format(x)) == format(x)`, and the formatted file compiles
//! to the same program as the original (tested over every `.pol` in the repo
//! and over generated programs).

mod elements;
mod expr;
mod table;

use crate::base::diag::Diagnostic;
use crate::base::lines::LineIndex;
use crate::base::source::{FileId, Span};
use crate::syntax::ast::*;
use crate::syntax::operators::{self, Operator};
use crate::syntax::parse::parse;
use elements::Element;
use std::cell::Cell;
use std::collections::HashSet;
use unicode_width::UnicodeWidthStr;

/// Lines longer than this are broken where the layout allows.
pub const WIDTH: usize = 100;

/// Formats a file; a file with syntax errors is returned as its errors.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let (module, diagnostics) = parse(FileId(0), text);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    let mut printer = Printer {
        text,
        lines: LineIndex::new(text.into()),
        comments: comments(text),
        printed: Cell::new(0),
        parenthesised: &module.parenthesised,
        out: String::new(),
        block: Cell::new(0),
    };
    printer.module(&module);
    Ok(printer.out)
}

struct Comment {
    start: usize,
    /// Nothing but white space before it on its line.
    own_line: bool,
    text: String,
    /// Printed already (a cell: laying out an expression claims the comments
    /// between its operands).
    used: Cell<bool>,
}

/// Every `//` comment, found by the parser's own scanner.
fn comments(text: &str) -> Vec<Comment> {
    crate::syntax::parse::comment_starts(text)
        .into_iter()
        .map(|start| {
            let end = text.get(start..).and_then(|t| t.find('\n')).map_or(text.len(), |n| start + n);
            let line_start = text.get(..start).and_then(|t| t.rfind('\n')).map_or(0, |n| n + 1);
            Comment {
                start,
                own_line: text.get(line_start..start).is_some_and(|t| t.trim().is_empty()),
                text: text.get(start..end).unwrap_or("").trim_end().to_string(),
                used: Cell::new(false),
            }
        })
        .collect()
}

struct Printer<'a> {
    text: &'a str,
    lines: LineIndex,
    /// In the order of their starts.
    comments: Vec<Comment>,
    /// How many comments, from the first, are printed.
    printed: Cell<usize>,
    parenthesised: &'a HashSet<(u32, u32)>,
    out: String,
    /// The indentation of the block being printed: a `match` indents its arms
    /// one step further.
    block: Cell<usize>,
}

impl Printer<'_> {
    fn snippet(&self, span: Span) -> &str {
        self.text.get(span.start as usize..span.end as usize).unwrap_or("")
    }

    fn line_of(&self, offset: usize) -> usize {
        self.lines.line_of(offset)
    }

    /// The comments not printed yet that start from `from` up to `to`.
    fn unused_comments(&self, from: usize, to: usize) -> impl Iterator<Item = &Comment> {
        // the comments before the first unprinted one need no look
        let mut printed = self.printed.get();
        while self.comments.get(printed).is_some_and(|c| c.used.get()) {
            printed += 1;
        }
        self.printed.set(printed);
        let first = self.comments.partition_point(|c| c.start < from).max(printed);
        self.comments.get(first..).unwrap_or(&[]).iter().take_while(move |c| c.start < to).filter(|c| !c.used.get())
    }

    /// Own-line comments before `before`, and any comment inside the span
    /// `[before, inside_end)` not on its last line, printed at `indent`; a blank
    /// line between comments, or between the last comment and `before`, is kept.
    fn leading(&mut self, before: usize, inside_end: usize, indent: usize) {
        let last_line = self.line_of(inside_end);
        let mut picked: Vec<(usize, usize, String)> = Vec::new();
        for c in self.unused_comments(0, inside_end.max(before)) {
            let inside = c.start >= before && self.line_of(c.start) != last_line;
            if c.start < before || inside {
                c.used.set(true);
                picked.push((c.start, c.start + c.text.len(), c.text.clone()));
            }
        }
        let mut previous_end: Option<usize> = None;
        for (start, end, text) in &picked {
            if previous_end.is_some_and(|p| self.blank_between(p, *start)) {
                self.out.push('\n');
            }
            self.out.push_str(&" ".repeat(indent));
            self.out.push_str(text);
            self.out.push('\n');
            previous_end = Some(*end);
        }
        if let Some(end) = previous_end {
            if end < before && self.blank_between(end, before) {
                self.out.push('\n');
            }
        }
    }

    /// The trailing comment on the line where `end` is, if any.
    fn trailing(&mut self, end: usize) -> String {
        self.trailing_before(end, None)
    }

    /// Whether the source has a blank line between two offsets: a line, neither
    /// the one `from` is on nor the one `to` is on, with nothing but white space.
    fn blank_between(&self, from: usize, to: usize) -> bool {
        let between = self.text.get(from..to).unwrap_or("");
        let lines: Vec<&str> = between.split('\n').collect();
        lines.len() > 2 && lines.iter().skip(1).take(lines.len() - 2).any(|l| l.trim().is_empty())
    }

    fn line(&mut self, indent: usize, content: &str, end: usize) {
        let trailing = self.trailing(end);
        self.out.push_str(&" ".repeat(indent));
        self.out.push_str(content);
        self.out.push_str(&trailing);
        self.out.push('\n');
    }

    // -------------------------------------------------------------- items

    fn module(&mut self, module: &Module) {
        let mut previous_end: Option<usize> = None;
        let mut index = 0;
        while let Some(item) = module.items.get(index) {
            // consecutive top-level rules are aligned together, like a group
            let run_len = module.items.iter().skip(index).take_while(|i| matches!(i, Item::Rule(_))).count();
            let span = item_span(item);
            if let Some(end) = previous_end {
                let gap = self.blank_between(end, span.start as usize) || is_block(item) || needs_gap(module, index);
                if gap {
                    self.out.push('\n');
                }
            }
            if run_len > 0 {
                let rules: Vec<&RuleDecl> = module
                    .items
                    .iter()
                    .skip(index)
                    .take(run_len)
                    .filter_map(|i| if let Item::Rule(r) = i { Some(r) } else { None })
                    .collect();
                self.rules(&rules, 0);
                previous_end = rules.last().map(|r| r.span.end as usize);
                index += run_len;
                continue;
            }
            if is_block(item) {
                // a block places the comments inside it with its children
                self.leading(span.start as usize, span.start as usize, 0);
                self.item(item);
            } else {
                // the item keeps the comments it can on their lines (between
                // elements or operands); the others inside it go above it
                let above = std::mem::take(&mut self.out);
                self.item(item);
                let item_text = std::mem::replace(&mut self.out, above);
                self.leading(span.start as usize, span.end as usize, 0);
                self.out.push_str(&item_text);
            }
            previous_end = Some(span.end as usize);
            index += 1;
        }
        self.leading(self.text.len(), self.text.len(), 0);
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Policy(p) => {
                let title = p.title.as_ref().map(|t| format!(" {}", self.snippet(t.span))).unwrap_or_default();
                let line = format!("policy {}{title} version {}", p.name.name, self.snippet(p.version.span));
                self.line(0, &line, p.span.end as usize);
            }
            Item::Use(u) => {
                let line = format!("use {}", self.snippet(u.path.span));
                self.line(0, &line, u.span.end as usize);
            }
            Item::Enum(e) => {
                let head = format!("enum {} {{", e.name.name);
                let variants: Vec<Element> =
                    e.variants.iter().map(|v| Element { text: v.name.clone(), span: v.span }).collect();
                self.braced_list(&head, &variants, e.name.span.end as usize, e.span);
            }
            Item::Record(r) => {
                let trailing =
                    self.trailing_before(r.span.start as usize, r.fields.first().map(|f| f.name.span.start as usize));
                self.out.push_str(&format!("record {} {{{trailing}\n", r.name.name));
                for field in &r.fields {
                    self.leading(field.name.span.start as usize, field.ty.span.end as usize, 2);
                    let line = format!("{}: {}", field.name.name, self.type_expr(&field.ty));
                    self.line(2, &line, field.ty.span.end as usize);
                }
                self.leading(r.span.end as usize, r.span.end as usize, 2);
                self.line(0, "}", r.span.end as usize);
            }
            Item::Input(i) => {
                let line = format!("input {}: {}", i.name.name, self.type_expr(&i.ty));
                self.line(0, &line, i.span.end as usize);
            }
            Item::List(l) => {
                let column = l.column.as_ref().map(|c| format!(" column {}", self.snippet(c.span))).unwrap_or_default();
                let line = format!(
                    "list {}: {} from {}{column}",
                    l.name.name,
                    self.type_expr(&l.ty),
                    self.snippet(l.from.span)
                );
                self.line(0, &line, l.span.end as usize);
            }
            Item::Const(c) => {
                let head = format!("const {}: {} = ", c.name.name, self.type_expr(&c.ty));
                let clauses = self.clauses(c.basis.as_ref(), c.effective.as_ref(), None, 0);
                self.definition(&head, &c.value, c.span, &clauses);
            }
            Item::Let(l) => {
                let ty = l.ty.as_ref().map(|t| format!(": {}", self.type_expr(t))).unwrap_or_default();
                let head = format!("let {}{ty} = ", l.name.name);
                self.definition(&head, &l.value, l.span, "");
            }
            Item::Group(g) => {
                let title = g.title.as_ref().map(|t| format!(" {}", self.snippet(t.span))).unwrap_or_default();
                let trailing =
                    self.trailing_before(g.span.start as usize, g.rules.first().map(|r| r.span.start as usize));
                self.out.push_str(&format!("group {}{title} {{{trailing}\n", g.name.name));
                self.group_members(g);
                self.leading(g.span.end as usize, g.span.end as usize, 2);
                self.line(0, "}", g.span.end as usize);
            }
            Item::Rule(r) => self.rules(&[r], 0),
            Item::CreditLimit(l) => self.credit_limit(l, 0),
            Item::Output(o) => {
                let ty = o.ty.as_ref().map(|t| format!(": {}", self.type_expr(t))).unwrap_or_default();
                let head = format!("output {}{ty} = ", o.name.name);
                self.definition(&head, &o.value, o.span, "");
            }
            Item::Authority(a) => self.authority(a),
            Item::Test(t) => self.test(t),
            Item::Scorecard(card) => self.scorecard(card),
            Item::Fixture(f) => {
                let head = match &f.base {
                    Some(base) if f.record.entries.is_empty() => format!("fixture {} = {}", f.name.name, base.name),
                    Some(base) => format!("fixture {} = {} with ", f.name.name, base.name),
                    None => format!("fixture {} = ", f.name.name),
                };
                self.out.push_str(&head);
                if !(f.base.is_some() && f.record.entries.is_empty()) {
                    let body = self.record_lit(&f.record, head.width(), 0);
                    self.out.push_str(&body);
                }
                let trailing = self.trailing(f.span.end as usize);
                self.out.push_str(&trailing);
                self.out.push('\n');
            }
        }
    }

    /// The trailing comment on the line of `from`, at or after it and before
    /// `limit` (a block's first child, for the comment after its opening brace).
    fn trailing_before(&mut self, from: usize, limit: Option<usize>) -> String {
        let line = self.line_of(from);
        let found = self
            .unused_comments(from, limit.unwrap_or(usize::MAX))
            .find(|c| !c.own_line && self.line_of(c.start) == line);
        match found {
            Some(c) => {
                c.used.set(true);
                format!("  {}", c.text)
            }
            None => String::new(),
        }
    }

    /// `const …` / `let …`: the value on the same line, broken when it does
    /// not fit, or a set literal filled like an enum.
    fn definition(&mut self, head: &str, value: &Expr, span: Span, clauses: &str) {
        if let ExprKind::Set(items) = &value.kind {
            let elements: Vec<Element> =
                items.iter().map(|i| Element { text: self.expr(i, 0), span: i.span }).collect();
            let spans: Vec<Span> = elements.iter().map(|e| e.span).collect();
            let inline = format!("{head}{}", self.expr(value, 0));
            let (open, close) = (value.span.start as usize, value.span.end as usize);
            if inline.width() <= WIDTH && !self.has_inner_comments(&spans, open, close) {
                self.line(0, &format!("{inline}{clauses}"), span.end as usize);
            } else {
                self.braced_list(&format!("{head}{{"), &elements, open, span);
                if !clauses.is_empty() {
                    // the list ends in its `}` line: the clauses follow it
                    if self.out.ends_with('\n') {
                        self.out.pop();
                    }
                    self.out.push_str(clauses);
                    self.out.push('\n');
                }
            }
            return;
        }
        let text = format!("{head}{}{clauses}", self.layout(value, head.width(), 0));
        self.line(0, &text, span.end as usize);
    }

    /// The governance clauses (§15), one a line under the declaration, in the
    /// order basis, effective, overridable: each line starts with a line feed.
    pub(super) fn clauses(
        &self,
        basis: Option<&Basis>,
        effective: Option<&Effective>,
        overridable: Option<&Overridable>,
        indent: usize,
    ) -> String {
        let pad = " ".repeat(indent + 2);
        let mut out = String::new();
        if let Some(b) = basis {
            out.push_str(&format!("\n{pad}basis {} {}", b.kind.keyword(), self.snippet(b.citation.span)));
        }
        if let Some(e) = effective {
            out.push_str(&format!("\n{pad}effective {}", e.text()));
        }
        if let Some(o) = overridable {
            out.push_str(&format!("\n{pad}overridable by {}", o.level.name));
        }
        out
    }

    // -------------------------------------------------------------- rules

    /// Rules with their outcome and condition columns aligned.
    fn rules(&mut self, rules: &[&RuleDecl], indent: usize) {
        let heads: Vec<String> = rules
            .iter()
            .map(|r| {
                let message = r.message.as_ref().map(|m| format!(" {}", self.snippet(m.span))).unwrap_or_default();
                format!("rule {}{message}", r.code.name)
            })
            .collect();
        let outcomes: Vec<String> = rules
            .iter()
            .map(|r| match &r.outcome {
                Outcome::Decline => "decline".to_string(),
                Outcome::Refer(None) => "refer".to_string(),
                Outcome::Refer(Some(level)) => format!("refer to {}", level.name),
            })
            .collect();
        let head_width = heads.iter().map(|h| h.width()).max().unwrap_or(0);
        // `decline` and `refer` line up; a longer `refer to LEVEL` just pushes its own condition right
        let outcome_width = outcomes.iter().map(|o| o.width()).filter(|w| *w <= "decline".len()).max().unwrap_or(0);
        let mut previous_end: Option<usize> = None;
        for ((rule, head), outcome) in rules.iter().zip(&heads).zip(&outcomes) {
            if let Some(end) = previous_end {
                if self.blank_between(end, rule.span.start as usize) {
                    self.out.push('\n');
                }
            }
            let trigger = if rule.trigger == Trigger::When { "when" } else { "unless" };
            let prefix = format!(
                "{head}{} {outcome}{} {trigger} ",
                " ".repeat(head_width - head.width()),
                " ".repeat(outcome_width.saturating_sub(outcome.width()))
            );
            let column = indent + prefix.width();
            // first, so that it keeps the comments between its operands
            self.block.set(indent);
            let condition = self.layout(&rule.condition, column, 0);
            self.block.set(0);
            let clauses = self.clauses(rule.basis.as_ref(), rule.effective.as_ref(), rule.overridable.as_ref(), indent);
            self.leading(rule.span.start as usize, rule.span.end as usize, indent);
            self.line(indent, &format!("{prefix}{condition}{clauses}"), rule.span.end as usize);
            previous_end = Some(rule.span.end as usize);
        }
    }

    /// A group's rules and limits in source order, each run of rules aligned.
    fn group_members(&mut self, g: &GroupDecl) {
        let mut rules = g.rules.iter().peekable();
        let mut limits = g.limits.iter().peekable();
        let mut previous_end: Option<usize> = None;
        loop {
            let next_limit = limits.peek().map(|l| l.span.start);
            let run: Vec<&RuleDecl> =
                std::iter::from_fn(|| rules.next_if(|r| next_limit.is_none_or(|l| r.span.start < l))).collect();
            if let Some(first) = run.first() {
                if previous_end.is_some_and(|end| self.blank_between(end, first.span.start as usize)) {
                    self.out.push('\n');
                }
                self.rules(&run, 2);
                previous_end = run.last().map(|r| r.span.end as usize);
                continue;
            }
            let Some(limit) = limits.next() else {
                break;
            };
            if previous_end.is_some_and(|end| self.blank_between(end, limit.span.start as usize)) {
                self.out.push('\n');
            }
            self.credit_limit(limit, 2);
            previous_end = Some(limit.span.end as usize);
        }
    }

    /// `limit CODE "message" PATH <= LINE floor FLOOR` on one line.
    fn credit_limit(&mut self, l: &CreditLimitDecl, indent: usize) {
        let message = l.message.as_ref().map(|m| format!(" {}", self.snippet(m.span))).unwrap_or_default();
        let side = operators::level(Operator::In) + 1;
        let floor = l.floor.as_ref().map(|f| format!(" floor {}", self.expr(f, side))).unwrap_or_default();
        let clauses = self.clauses(l.basis.as_ref(), l.effective.as_ref(), None, indent);
        let line = format!(
            "limit {}{message} {} <= {}{floor}{clauses}",
            l.code.name,
            l.path.dotted(),
            self.expr(&l.line, side)
        );
        self.leading(l.span.start as usize, l.span.end as usize, indent);
        self.line(indent, &line, l.span.end as usize);
    }

    // -------------------------------------------------------------- authority

    fn authority(&mut self, a: &AuthorityDecl) {
        let title = a.title.as_ref().map(|t| format!(" {}", self.snippet(t.span))).unwrap_or_default();
        let message = a.message.as_ref().map(|m| format!(" {}", self.snippet(m.span))).unwrap_or_default();
        let trailing = self.trailing_before(a.span.start as usize, a.levels.first().map(|l| l.span.start as usize));
        self.out.push_str(&format!(
            "authority{title} over {} escalate {}{message} {{{trailing}\n",
            a.over.dotted(),
            a.escalate.name
        ));
        for level in &a.levels {
            self.leading(level.span.start as usize, level.span.start as usize, 2);
            let above = if level.above.is_empty() {
                String::new()
            } else {
                format!(" above {}", level.above.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(", "))
            };
            let head = format!("level {}{above}", level.name.name);
            if level.limits.is_empty() {
                self.leading(level.span.start as usize, level.span.end as usize, 2);
                self.line(2, &head, level.span.end as usize);
                continue;
            }
            let first = level.limits.first().map(|l| l.span.start as usize);
            let trailing = self.trailing_before(level.span.start as usize, first);
            self.out.push_str(&format!("  {head} {{{trailing}\n"));
            for limit in &level.limits {
                self.leading(limit.span.start as usize, limit.span.end as usize, 4);
                let line = self.limit(limit);
                self.line(4, &line, limit.span.end as usize);
            }
            self.leading(level.span.end as usize, level.span.end as usize, 4);
            self.line(2, "}", level.span.end as usize);
        }
        self.leading(a.span.end as usize, a.span.end as usize, 2);
        self.line(0, "}", a.span.end as usize);
    }

    fn limit(&self, limit: &Limit) -> String {
        let path = limit.path.dotted();
        // a bound is the right side of a comparison, `in` or `..=`
        let side = operators::level(Operator::In) + 1;
        let end = operators::level(Operator::Range) + 1;
        let mut text = match &limit.bound {
            LimitBound::AtMost(v) => format!("{path} <= {}", self.expr(v, side)),
            LimitBound::Below(v) => format!("{path} < {}", self.expr(v, side)),
            LimitBound::AtLeast(v) => format!("{path} >= {}", self.expr(v, side)),
            LimitBound::InSet(v) => format!("{path} in {}", self.expr(v, side)),
            LimitBound::InRange(lo, hi) => format!("{path} in {} ..= {}", self.expr(lo, end), self.expr(hi, end)),
        };
        if let Some(guard) = &limit.guard {
            text.push_str(&format!(" when {}", self.expr(guard, 0)));
        }
        if let Some((code, message)) = &limit.escalate {
            let message = message.as_ref().map(|m| format!(" {}", self.snippet(m.span))).unwrap_or_default();
            text.push_str(&format!(" escalate {}{message}", code.name));
        }
        text
    }

    // -------------------------------------------------------------- tests

    fn test(&mut self, t: &TestDecl) {
        self.out.push_str(&format!("test {} {{\n", self.snippet(t.name.span)));
        let given = &t.given;
        let head = match &given.base {
            Some(base) if given.record.entries.is_empty() => format!("given {} = {}", given.input.name, base.name),
            Some(base) => format!("given {} = {} with ", given.input.name, base.name),
            None => format!("given {} = ", given.input.name),
        };
        self.leading(given.input.span.start as usize, given.input.span.start as usize, 2);
        self.out.push_str(&format!("  {head}"));
        if !(given.base.is_some() && given.record.entries.is_empty()) {
            let body = self.record_lit(&given.record, 2 + head.width(), 2);
            self.out.push_str(&body);
        }
        self.out.push('\n');
        if let Some((date, span)) = t.as_of {
            self.leading(span.start as usize, span.start as usize, 2);
            self.out.push_str(&format!("  as_of {date}\n"));
        }
        let (expect, span) = match &t.expect {
            ExpectedOutcome::Approve { at, span } => {
                (format!("approve{}", at.as_ref().map(|l| format!(" at {}", l.name)).unwrap_or_default()), *span)
            }
            ExpectedOutcome::Decline { codes, span } => (format!("decline{}", code_list(codes)), *span),
            ExpectedOutcome::Refer { to, codes, span } => (format!("refer to {}{}", to.name, code_list(codes)), *span),
            ExpectedOutcome::Error { span } => ("error".to_string(), *span),
        };
        self.leading(span.start as usize, span.start as usize, 2);
        match &t.outputs {
            Some(outputs) => {
                let head = format!("  expect {expect} outputs ");
                let body = self.record_lit(outputs, head.width(), 2);
                self.out.push_str(&head);
                self.out.push_str(&body);
                let trailing = self.trailing(outputs.span.end as usize);
                self.out.push_str(&trailing);
                self.out.push('\n');
            }
            None => self.line(2, &format!("expect {expect}"), span.end as usize),
        }
        self.leading(t.span.end as usize, t.span.end as usize, 2);
        self.line(0, "}", t.span.end as usize);
    }

    // -------------------------------------------------------------- types and expressions

    fn type_expr(&self, ty: &TypeExpr) -> String {
        let base = match &ty.kind {
            TypeExprKind::Named(name) => name.name.clone(),
            TypeExprKind::Set(inner) => format!("set<{}>", self.type_expr(inner)),
            TypeExprKind::List(inner) => format!("list<{}>", self.type_expr(inner)),
        };
        if ty.optional {
            format!("{base}?")
        } else {
            base
        }
    }
}

fn code_list(codes: &Option<Vec<Ident>>) -> String {
    match codes {
        Some(codes) => format!(" [{}]", codes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")),
        None => String::new(),
    }
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Policy(p) => p.span,
        Item::Use(u) => u.span,
        Item::Enum(e) => e.span,
        Item::Record(r) => r.span,
        Item::Input(i) => i.span,
        Item::List(l) => l.span,
        Item::Const(c) => c.span,
        Item::Let(l) => l.span,
        Item::Group(g) => g.span,
        Item::Rule(r) => r.span,
        Item::Authority(a) => a.span,
        Item::Test(t) => t.span,
        Item::Fixture(f) => f.span,
        Item::CreditLimit(l) => l.span,
        Item::Output(o) => o.span,
        Item::Scorecard(s) => s.span,
    }
}

/// Multi-line declarations are set apart by a blank line.
fn is_block(item: &Item) -> bool {
    matches!(
        item,
        Item::Record(_) | Item::Group(_) | Item::Authority(_) | Item::Test(_) | Item::Fixture(_) | Item::Scorecard(_)
    )
}

/// A blank line after a block, or between declarations of different kinds
/// that the source ran together, keeps the layout uniform.
fn needs_gap(module: &Module, index: usize) -> bool {
    let previous = index.checked_sub(1).and_then(|i| module.items.get(i));
    let current = module.items.get(index);
    match (previous, current) {
        (Some(p), Some(_)) if is_block(p) => true,
        (Some(Item::Policy(_)), Some(Item::Use(_))) => false,
        (Some(p), Some(c)) => std::mem::discriminant(p) != std::mem::discriminant(c) && !matches!(p, Item::Policy(_)),
        _ => false,
    }
}
