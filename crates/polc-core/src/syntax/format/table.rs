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
        // the comments before the first arm are those after the subjects
        let from = m.subjects.last().map_or(0, |s| s.span.end as usize);
        let body = self.arms(&m.arms, indent + 2, from, None, false);
        format!("match {} {{\n{body}{}}}", subjects.join(", "), " ".repeat(indent))
    }

    /// Arms, one a line at `indent`, in aligned columns: each subject's
    /// patterns padded to the widest in its column, so every `=>` of a table
    /// lines up; with `numbers` (a scorecard's points) the bodies are
    /// right-aligned too. The comments from `from` on are the arms' (own-line
    /// ones before an arm stay above it); `close` is where the block's `}` is
    /// (comments before it are kept), when known.
    fn arms(&self, arms: &[MatchArm], indent: usize, from: usize, close: Option<usize>, numbers: bool) -> String {
        let rows: Vec<Vec<String>> = arms.iter().map(|a| self.patterns(&a.patterns)).collect();
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        // every column but the last carries its `,`
        let widths: Vec<usize> = (0..columns)
            .map(|i| {
                let comma = usize::from(i + 1 < columns);
                rows.iter().filter_map(|r| r.get(i)).map(|p| p.width() + comma).max().unwrap_or(0)
            })
            .collect();
        let pad = " ".repeat(indent);
        let saved = self.block.replace(indent);
        // (points are literals: laying them out claims no comment)
        let body_width =
            if numbers { arms.iter().map(|a| self.expr(&a.body, 0).width()).max().unwrap_or(0) } else { 0 };
        let mut out = String::new();
        let mut previous_end: Option<usize> = None;
        for (arm, row) in arms.iter().zip(&rows) {
            let start = arm.span.start as usize;
            self.own_line_comments(&mut out, previous_end.unwrap_or(from), start, &pad, previous_end.is_some());
            // after the comments above the arm: a table in the body claims its own
            let body = self.expr(&arm.body, 0);
            let mut patterns = String::new();
            for (i, (pattern, width)) in row.iter().zip(&widths).enumerate() {
                let cell = if i + 1 < row.len() { format!("{pattern},") } else { pattern.clone() };
                if i > 0 {
                    patterns.push(' ');
                }
                patterns.push_str(&cell);
                patterns.push_str(&" ".repeat(width.saturating_sub(cell.width())));
            }
            let trailing = self.comment_on_line(arm.span.end as usize);
            let fill = " ".repeat(body_width.saturating_sub(body.width()));
            out.push_str(&format!("{pad}{patterns} => {fill}{body}{trailing}\n"));
            previous_end = Some(arm.span.end as usize);
        }
        if let (Some(end), Some(close)) = (previous_end, close) {
            self.own_line_comments(&mut out, end, close, &pad, true);
        }
        self.block.set(saved);
        out
    }

    /// Each pattern of an arm as written canonically: `a | b`, `< 5`, `1 ..< 2`, `_`.
    fn patterns(&self, patterns: &[Pattern]) -> Vec<String> {
        patterns
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
            .collect()
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
        // the heads in columns: `reason` and `baseline` line up down the card
        self.block.set(2);
        let subjects: Vec<String> = card
            .characteristics
            .iter()
            .map(|c| {
                let label = c.label.as_ref().map(|l| format!(" {}", self.snippet(l.span))).unwrap_or_default();
                format!("{}{label}", self.expr(&c.subject, 0))
            })
            .collect();
        self.block.set(0);
        let subject_width = subjects.iter().map(|s| s.width()).max().unwrap_or(0);
        let reason_width = card.characteristics.iter().map(|c| c.reason.name.width()).max().unwrap_or(0);
        let mut previous_end: Option<usize> = None;
        for (c, subject) in card.characteristics.iter().zip(&subjects) {
            if previous_end.is_some_and(|end| self.blank_between(end, c.span.start as usize)) {
                self.out.push('\n');
            }
            self.leading(c.span.start as usize, c.span.start as usize, 2);
            let head = format!(
                "characteristic {subject}{} reason {}{} baseline {} {{",
                " ".repeat(subject_width - subject.width()),
                c.reason.name,
                " ".repeat(reason_width - c.reason.name.width()),
                self.snippet(c.baseline.span)
            );
            let first_bin = c.bins.first().map(|b| b.span.start as usize);
            let trailing = self.trailing_before(c.span.start as usize, first_bin);
            let bins = self.arms(&c.bins, 4, c.span.start as usize, Some(c.span.end as usize), true);
            self.out.push_str(&format!("  {head}{trailing}\n{bins}  }}\n"));
            previous_end = Some(c.span.end as usize);
        }
        self.leading(card.span.end as usize, card.span.end as usize, 2);
        let basis = card
            .basis
            .as_ref()
            .map(|b| format!(" basis {} {}", b.kind.keyword(), self.snippet(b.citation.span)))
            .unwrap_or_default();
        self.line(0, &format!("}}{basis}"), card.span.end as usize);
    }
}
