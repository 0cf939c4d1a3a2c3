//! `match` tables and `scorecard` declarations in the canonical layout: one
//! arm a line, the patterns padded so every `=>` of a table lines up, the
//! comments between arms kept on their own lines and a comment after an arm
//! kept at its end.

use super::Printer;
use crate::syntax::ast::*;
use unicode_width::UnicodeWidthStr;

impl Printer<'_> {
    /// A `match` expression: its head on the current line, its arms indented
    /// under the enclosing block's indentation ([`Printer::block`]).
    pub(super) fn table_flat(&self, m: &MatchExpr) -> String {
        let subjects: Vec<String> = m.subjects.iter().map(|s| self.expr(s, 0)).collect();
        let indent = self.block.get();
        let body = self.arms(&m.arms, indent + 2, None);
        format!("match {} {{\n{body}{}}}", subjects.join(", "), " ".repeat(indent))
    }

    /// Arms, one a line at `indent`, `=>` aligned; `close` is where the
    /// block's `}` is (comments before it are kept), when known.
    fn arms(&self, arms: &[MatchArm], indent: usize, close: Option<usize>) -> String {
        let patterns: Vec<String> = arms.iter().map(|a| self.patterns(&a.patterns)).collect();
        let width = patterns.iter().map(|p| p.width()).max().unwrap_or(0);
        let pad = " ".repeat(indent);
        let saved = self.block.replace(indent);
        let mut out = String::new();
        let mut previous_end: Option<usize> = None;
        for (arm, text) in arms.iter().zip(&patterns) {
            let start = arm.span.start as usize;
            self.own_line_comments(&mut out, previous_end.unwrap_or(0), start, &pad, previous_end.is_some());
            let body = self.expr(&arm.body, 0);
            let trailing = self.comment_on_line(arm.span.end as usize);
            let fill = " ".repeat(width - text.width());
            out.push_str(&format!("{pad}{text}{fill} => {body}{trailing}\n"));
            previous_end = Some(arm.span.end as usize);
        }
        if let (Some(end), Some(close)) = (previous_end, close) {
            self.own_line_comments(&mut out, end, close, &pad, true);
        }
        self.block.set(saved);
        out
    }

    /// A pattern list as written canonically: `a | b`, `< 5`, `1 ..< 2`, `_`.
    fn patterns(&self, patterns: &[Pattern]) -> String {
        let shown: Vec<String> = patterns
            .iter()
            .map(|p| match &p.kind {
                PatternKind::Any => "_".to_string(),
                PatternKind::None => "none".to_string(),
                PatternKind::Compare(op, e) => format!("{} {}", op.symbol(), self.expr(e, 0)),
                PatternKind::Range { lo, hi, half_open } => {
                    let op = if *half_open { "..<" } else { "..=" };
                    format!("{} {op} {}", self.expr(lo, 0), self.expr(hi, 0))
                }
                PatternKind::Values(values) => values.iter().map(|v| self.expr(v, 0)).collect::<Vec<_>>().join(" | "),
            })
            .collect();
        shown.join(", ")
    }

    /// The comments from `from` to `to` not printed yet, each on a line of its
    /// own at `pad` (a blank line before one kept when `keep_blank`).
    fn own_line_comments(&self, out: &mut String, from: usize, to: usize, pad: &str, keep_blank: bool) {
        let mut previous = from;
        for comment in self.unused_comments(from, to) {
            comment.used.set(true);
            if keep_blank && self.blank_between(previous, comment.start) {
                out.push('\n');
            }
            out.push_str(pad);
            out.push_str(&comment.text);
            out.push('\n');
            previous = comment.start + comment.text.len();
        }
    }

    /// A comment after `end` on the same line, claimed, as `  // …`.
    fn comment_on_line(&self, end: usize) -> String {
        let line = self.line_of(end);
        let next_line = self.text.get(end..).and_then(|t| t.find('\n')).map_or(self.text.len(), |n| end + n);
        match self.unused_comments(end, next_line).next() {
            Some(c) if self.line_of(c.start) == line => {
                c.used.set(true);
                format!("  {}", c.text)
            }
            _ => String::new(),
        }
    }

    /// `scorecard NAME "title" base N reasons N { characteristic … }`
    pub(super) fn scorecard(&mut self, card: &ScorecardDecl) {
        let title = card.title.as_ref().map(|t| format!(" {}", self.snippet(t.span))).unwrap_or_default();
        let reasons = card.reasons.map(|r| format!(" reasons {}", self.snippet(r.span))).unwrap_or_default();
        let first = card.characteristics.first().map(|c| c.span.start as usize);
        let trailing = self.trailing_before(card.span.start as usize, first);
        self.out.push_str(&format!(
            "scorecard {}{title} base {}{reasons} {{{trailing}\n",
            card.name.name,
            self.snippet(card.base.span)
        ));
        let mut previous_end: Option<usize> = None;
        for c in &card.characteristics {
            if previous_end.is_some_and(|end| self.blank_between(end, c.span.start as usize)) {
                self.out.push('\n');
            }
            self.leading(c.span.start as usize, c.span.start as usize, 2);
            let label = c.label.as_ref().map(|l| format!(" {}", self.snippet(l.span))).unwrap_or_default();
            self.block.set(2);
            let head = format!(
                "characteristic {}{label} reason {} baseline {} {{",
                self.expr(&c.subject, 0),
                c.reason.name,
                self.snippet(c.baseline.span)
            );
            let first_bin = c.bins.first().map(|b| b.span.start as usize);
            let trailing = self.trailing_before(c.span.start as usize, first_bin);
            let bins = self.arms(&c.bins, 4, Some(c.span.end as usize));
            self.block.set(0);
            self.out.push_str(&format!("  {head}{trailing}\n{bins}  }}\n"));
            previous_end = Some(c.span.end as usize);
        }
        self.leading(card.span.end as usize, card.span.end as usize, 2);
        self.line(0, "}", card.span.end as usize);
    }
}
