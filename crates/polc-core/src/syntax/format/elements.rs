//! Braced lists in the canonical layout — enum variants, set elements, record
//! literal entries, list items — with the comments between their elements: a
//! trailing comment stays at the end of its element's line (aligned with its
//! neighbours'), an own-line comment stays on a line of its own before the
//! element that follows it.

use super::{Printer, WIDTH};
use crate::base::source::Span;
use crate::syntax::ast::*;
use unicode_width::UnicodeWidthStr;

/// One element of a braced list: its text (broken over lines, if it must be)
/// and where it is in the source.
pub(super) struct Element {
    pub text: String,
    pub span: Span,
}

/// The inside of a braced list, laid out: its lines (without indentation) and
/// the trailing comment of the line that opens it.
pub(super) struct Body {
    pub opening_comment: String,
    pub lines: Vec<BodyLine>,
}

pub(super) enum BodyLine {
    /// Elements (and their commas), with the trailing comment of the last one.
    Code(String, Option<String>),
    /// An own-line comment.
    Comment(String),
}

impl Printer<'_> {
    /// Whether the list of `elements` between offsets `open` and `close` (its
    /// braces) has comments between its elements, which [`Printer::body`] keeps.
    pub(super) fn has_inner_comments(&self, elements: &[Span], open: usize, close: usize) -> bool {
        gaps(elements, open, close).any(|(from, to)| self.unused_comments(from, to).next().is_some())
    }

    /// The elements one after another with a comma after each, `fill`ing lines
    /// up to the width at `indent` (else one a line), a line ending after an
    /// element with a trailing comment; own-line comments on their own lines.
    pub(super) fn body(&self, elements: &[Element], open: usize, close: usize, indent: usize, fill: bool) -> Body {
        let spans: Vec<Span> = elements.iter().map(|e| e.span).collect();
        let mut gap_comments = gaps(&spans, open, close).map(|(from, to)| self.claim(from, to));
        let (opening, own_lines) = gap_comments.next().unwrap_or_default();
        let mut body = Body {
            opening_comment: opening.map(|t| format!("  {t}")).unwrap_or_default(),
            lines: own_lines.into_iter().map(BodyLine::Comment).collect(),
        };
        let mut line = String::new();
        for (i, element) in elements.iter().enumerate() {
            if i > 0 {
                // the comments after the previous element
                let (trailing, own_lines) = gap_comments.next().unwrap_or_default();
                if trailing.is_some() || !own_lines.is_empty() {
                    flush(&mut line, &mut body.lines, trailing);
                }
                body.lines.extend(own_lines.into_iter().map(BodyLine::Comment));
            }
            let piece = format!("{},", element.text);
            let fits = indent + line.width() + 1 + piece.width() <= WIDTH;
            if !line.is_empty() && (!fill || !fits || piece.contains('\n') || line.contains('\n')) {
                flush(&mut line, &mut body.lines, None);
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&piece);
        }
        let (trailing, own_lines) = gap_comments.next().unwrap_or_default();
        flush(&mut line, &mut body.lines, trailing);
        body.lines.extend(own_lines.into_iter().map(BodyLine::Comment));
        body
    }

    /// Takes the comments from `from` to `to`: the first trailing one, and the
    /// others (to go on lines of their own).
    fn claim(&self, from: usize, to: usize) -> (Option<String>, Vec<String>) {
        let mut trailing = None;
        let mut own_lines = Vec::new();
        for comment in self.unused_comments(from, to) {
            comment.used.set(true);
            if !comment.own_line && trailing.is_none() && own_lines.is_empty() {
                trailing = Some(comment.text.clone());
            } else {
                own_lines.push(comment.text.clone());
            }
        }
        (trailing, own_lines)
    }

    /// Appends a body's lines at `indent`.
    pub(super) fn push_body(&mut self, body: &Body, indent: usize) {
        self.out.push_str(&body_lines(body, indent));
    }

    /// `head` then the elements, and `}`: on one line when it fits and no
    /// comment sits between the elements, else one indented body.
    pub(super) fn braced_list(&mut self, head: &str, elements: &[Element], open: usize, span: Span) {
        let spans: Vec<Span> = elements.iter().map(|e| e.span).collect();
        let close = span.end as usize;
        let texts: Vec<&str> = elements.iter().map(|e| e.text.as_str()).collect();
        let one_line = format!("{head} {} }}", texts.join(", "));
        let inner = self.has_inner_comments(&spans, open, close);
        if elements.is_empty() && !inner {
            self.line(0, &format!("{head} }}"), close);
            return;
        }
        if one_line.width() <= WIDTH && !inner && !one_line.contains('\n') {
            self.line(0, &one_line, close);
            return;
        }
        let body = self.body(elements, open, close, 2, true);
        self.out.push_str(&format!("{head}{}\n", body.opening_comment));
        self.push_body(&body, 2);
        self.line(0, "}", close);
    }

    // -------------------------------------------------------------- record literals

    /// Whether a record literal holds comments between entries, at any depth.
    fn record_has_comments(&self, lit: &RecordLit) -> bool {
        let spans: Vec<Span> = lit.entries.iter().map(|(path, value)| path.span.to(value_span(value))).collect();
        self.has_inner_comments(&spans, lit.span.start as usize, lit.span.end as usize)
            || lit.entries.iter().any(|(_, value)| self.value_has_comments(value))
    }

    fn value_has_comments(&self, value: &RecordValue) -> bool {
        match value {
            RecordValue::Record(lit) => self.record_has_comments(lit),
            RecordValue::List(items, span) => {
                let spans: Vec<Span> = items.iter().map(value_span).collect();
                self.has_inner_comments(&spans, span.start as usize, span.end as usize)
                    || items.iter().any(|i| self.value_has_comments(i))
            }
            RecordValue::Expr(e) => self.must_break(e),
        }
    }

    /// A record literal starting at `column`, whose closing brace would be at `indent`.
    pub(super) fn record_lit(&self, lit: &RecordLit, column: usize, indent: usize) -> String {
        let inline = self.record_value_inline_lit(lit);
        if column + inline.width() <= WIDTH && !self.record_has_comments(lit) {
            return inline;
        }
        // entries filled up to the width; one that does not fit is broken in turn
        let inner = indent + 2;
        let elements: Vec<Element> = lit
            .entries
            .iter()
            .map(|(path, value)| {
                let key = format!("{}: ", path.dotted());
                let flat = self.record_value_inline(value);
                let text = if inner + key.width() + flat.width() < WIDTH && !self.value_has_comments(value) {
                    format!("{key}{flat}")
                } else {
                    format!("{key}{}", self.record_value_broken(value, inner + key.width(), inner))
                };
                Element { text: relative(&text, inner), span: path.span.to(value_span(value)) }
            })
            .collect();
        let body = self.body(&elements, lit.span.start as usize, lit.span.end as usize, inner, true);
        self.body_text(&body, inner, indent, ('{', '}'))
    }

    /// A body between `brackets`, as text: the opening bracket (and its
    /// comment), the lines at `inner`, the closing bracket at `indent`.
    fn body_text(&self, body: &Body, inner: usize, indent: usize, brackets: (char, char)) -> String {
        let lines = body_lines(body, inner);
        format!("{}{}\n{lines}{}{}", brackets.0, body.opening_comment, " ".repeat(indent), brackets.1)
    }

    fn record_value_inline_lit(&self, lit: &RecordLit) -> String {
        let entries: Vec<String> = lit
            .entries
            .iter()
            .map(|(path, value)| format!("{}: {}", path.dotted(), self.record_value_inline(value)))
            .collect();
        if entries.is_empty() {
            "{}".to_string()
        } else {
            format!("{{ {} }}", entries.join(", "))
        }
    }

    fn record_value_inline(&self, value: &RecordValue) -> String {
        match value {
            RecordValue::Record(lit) => self.record_value_inline_lit(lit),
            RecordValue::List(items, _) => {
                let items: Vec<String> = items.iter().map(|i| self.record_value_inline(i)).collect();
                if items.is_empty() {
                    "[]".to_string()
                } else {
                    format!("[ {} ]", items.join(", "))
                }
            }
            RecordValue::Expr(e) => self.expr(e, 0),
        }
    }

    fn record_value_broken(&self, value: &RecordValue, column: usize, indent: usize) -> String {
        match value {
            RecordValue::Record(lit) => self.record_lit(lit, column, indent),
            RecordValue::List(items, span) => {
                let inner = indent + 2;
                let elements: Vec<Element> = items
                    .iter()
                    .map(|item| {
                        let text = match item {
                            RecordValue::Record(lit) => self.record_lit(lit, inner, inner),
                            RecordValue::Expr(e) => self.layout(e, inner, 0),
                            list if self.value_has_comments(list) => self.record_value_broken(list, inner, inner),
                            list => self.record_value_inline(list),
                        };
                        Element { text: relative(&text, inner), span: value_span(item) }
                    })
                    .collect();
                let body = self.body(&elements, span.start as usize, span.end as usize, inner, false);
                self.body_text(&body, inner, indent, ('[', ']'))
            }
            RecordValue::Expr(e) => self.layout(e, column, 0),
        }
    }
}

/// Ends the current line of a body, with its trailing comment.
fn flush(line: &mut String, lines: &mut Vec<BodyLine>, comment: Option<String>) {
    if !line.is_empty() || comment.is_some() {
        lines.push(BodyLine::Code(std::mem::take(line), comment));
    }
}

/// A body's lines at `indent`; the trailing comments of a run of neighbouring
/// one-line lines share one column.
fn body_lines(body: &Body, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let commented = |l: &BodyLine| matches!(l, BodyLine::Code(code, Some(_)) if !code.contains('\n'));
    let mut out = String::new();
    let mut run_column: Option<usize> = None;
    for (i, line) in body.lines.iter().enumerate() {
        match line {
            BodyLine::Comment(text) => {
                run_column = None;
                out.push_str(&format!("{pad}{text}\n"));
            }
            BodyLine::Code(code, comment) => {
                out.push_str(&pad);
                out.push_str(&code.replace('\n', &format!("\n{pad}")));
                if let Some(comment) = comment {
                    let last = code.rsplit('\n').next().unwrap_or("").width();
                    let column = if commented(line) {
                        *run_column.get_or_insert_with(|| {
                            body.lines
                                .iter()
                                .skip(i)
                                .take_while(|l| commented(l))
                                .map(|l| match l {
                                    BodyLine::Code(code, _) => code.width(),
                                    BodyLine::Comment(_) => 0,
                                })
                                .max()
                                .unwrap_or(last)
                        })
                    } else {
                        last
                    };
                    out.push_str(&" ".repeat(column - last + 2));
                    out.push_str(comment);
                }
                if !commented(line) {
                    run_column = None;
                }
                out.push('\n');
            }
        }
    }
    out
}

/// `text` with the indentation `indent` taken off its later lines (the body
/// puts it back), so that an element's lines can be indented as a whole.
fn relative(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    text.split('\n')
        .enumerate()
        .map(|(i, l)| if i == 0 { l } else { l.strip_prefix(pad.as_str()).unwrap_or(l) })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The gaps of a braced list: from its opening to the first element, between
/// elements, and from the last element to its closing.
fn gaps(elements: &[Span], open: usize, close: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    let starts = elements.iter().map(|s| s.start as usize).chain(std::iter::once(close));
    let ends = std::iter::once(open).chain(elements.iter().map(|s| s.end as usize));
    ends.zip(starts)
}

pub(super) fn value_span(value: &RecordValue) -> Span {
    match value {
        RecordValue::Record(lit) => lit.span,
        RecordValue::List(_, span) => *span,
        RecordValue::Expr(e) => e.span,
    }
}
