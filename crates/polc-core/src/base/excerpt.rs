//! What a diagnostic shows of its source, in a form miette can always draw:
//! only the lines around its labels, a long line cut to a window around them,
//! tabs expanded, control and bidirectional characters escaped.
//!
//! miette 7 cannot draw everything: it pads the underline with `{:width$}`,
//! which panics past 65,535 columns (std's formatting width is a `u16`); it
//! scans the source from its first byte for every label (quadratic for many
//! diagnostics of one file); its header counts bytes, not characters; it does
//! not draw a label at the end of a file without a final line feed; and it
//! passes control characters (an escape sequence) to the terminal. So miette
//! is handed an [`Excerpt`] instead of the file: a small text built from the
//! shown lines, with the labels moved onto it, that answers miette's queries
//! with the real line numbers and the columns of [`LineIndex::line_col`].
//!
//! INVARIANT: every shown line is at most [`MAX_COLUMNS`] columns wide, the
//! excerpt holds no character below U+0020 but `\n`, and every label lies
//! inside the excerpt.

use crate::base::lines::{ceil_boundary, LineCol, LineIndex};
use crate::base::source::SourceFile;
use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::borrow::Cow;
use unicode_width::UnicodeWidthChar;

/// The widest a shown line gets, whatever the terminal's width.
pub const MAX_COLUMNS: usize = 1000;
/// The narrowest window onto a long line.
const MIN_COLUMNS: usize = 40;
/// The narrowest window when a line shows several.
const MIN_WINDOW: usize = 20;
/// A label over more lines than this is shown on its first line only.
pub const MAX_LABEL_LINES: usize = 16;
/// Labels whose context lines are at most this many lines apart share one snippet.
const BRIDGE: usize = 2;
/// What stands for the part of a line not shown.
const ELLIPSIS: &str = "…";

/// One label to show: a byte range of the file, what to say, whether primary.
pub(crate) struct LabelRequest<'a> {
    pub start: usize,
    pub end: usize,
    pub message: &'a str,
    pub primary: bool,
}

/// The shown part of one source file, and its labels moved onto it.
#[derive(Debug)]
pub(crate) struct Excerpt {
    name: String,
    text: String,
    lines: Vec<ShownLine>,
    labels: Vec<LabeledSpan>,
    /// Line and column, in characters, of the start of each label, by its span in `text`.
    starts: Vec<(SourceSpan, LineCol)>,
}

/// One line of the excerpt: where it is in `text` (before its `\n`) and which
/// line of the file it shows.
#[derive(Debug)]
struct ShownLine {
    start: usize,
    end: usize,
    /// 0-based line in the file.
    line: usize,
    /// The parts of the file line shown, in order.
    pieces: Vec<Piece>,
}

/// A byte range `[from, to)` of a file line, shown at `at..at_end` in `text`.
#[derive(Debug, Clone, Copy)]
struct Piece {
    from: usize,
    to: usize,
    at: usize,
    at_end: usize,
}

impl Excerpt {
    /// The excerpt of `file` that shows `labels`, for a terminal `width` columns wide.
    pub(crate) fn new(file: &SourceFile, labels: &[LabelRequest<'_>], width: usize) -> Excerpt {
        let index = file.lines();
        let spans: Vec<Placed> = labels.iter().map(|l| Placed::new(index, l)).collect();
        let shown = shown_lines(index, &spans);
        // miette's margin: ` 12 │ `, then a gutter for multi-line labels
        let digits = shown.last().map_or(1, |l| (l + 1).to_string().len());
        let multi_line = spans.iter().filter(|s| s.end_line > s.start_line).count();
        let gutter = if multi_line > 0 { multi_line + 3 } else { 0 };
        let budget = width.saturating_sub(digits + 4 + gutter).clamp(MIN_COLUMNS, MAX_COLUMNS);
        let mut excerpt = Excerpt {
            name: for_people(&file.name, false),
            text: String::new(),
            lines: Vec::new(),
            labels: Vec::new(),
            starts: Vec::new(),
        };
        for line in shown {
            let points: Vec<usize> = spans
                .iter()
                .flat_map(|s| [(s.start_line, s.start), (s.end_line, s.end)])
                .filter(|&(l, _)| l == line)
                .map(|(_, at)| at)
                .collect();
            excerpt.push_line(index, line, points, budget);
        }
        for (placed, request) in spans.iter().zip(labels) {
            let start = excerpt.place(index, placed.start, placed.start_line, false);
            let end = excerpt.place(index, placed.end, placed.end_line, true).max(start);
            let span = SourceSpan::new(start.into(), end - start);
            let message = (!request.message.is_empty()).then(|| for_people(request.message, false));
            excerpt.starts.push((span, index.line_col(placed.start)));
            excerpt.labels.push(if request.primary {
                LabeledSpan::new_primary_with_span(message, span)
            } else {
                LabeledSpan::new_with_span(message, span)
            });
        }
        excerpt
    }

    /// The labels, on the excerpt's text.
    pub(crate) fn labels(&self) -> &[LabeledSpan] {
        &self.labels
    }

    /// Appends file line `line`, whole or as windows around `points`.
    fn push_line(&mut self, index: &LineIndex, line: usize, mut points: Vec<usize>, budget: usize) {
        let text = index.text();
        let range = index.line_range(line);
        points.iter_mut().for_each(|p| *p = (*p).clamp(range.start, range.end));
        points.sort_unstable();
        points.dedup();
        let windows = windows(text, range.start, range.end, &points, budget);
        let start = self.text.len();
        let mut pieces = Vec::with_capacity(windows.len());
        let mut previous_end = range.start;
        for (from, to) in windows {
            if from > previous_end {
                self.text.push_str(if previous_end == range.start { ELLIPSIS } else { " … " });
            }
            let at = self.text.len();
            for c in text.get(from..to).unwrap_or("").chars() {
                push_shown(&mut self.text, c);
            }
            pieces.push(Piece { from, to, at, at_end: self.text.len() });
            previous_end = to;
        }
        if previous_end < range.end {
            self.text.push_str(ELLIPSIS);
        }
        let end = self.text.len();
        self.text.push('\n');
        self.lines.push(ShownLine { start, end, line, pieces });
    }

    /// Where file offset `at` (on 0-based `line`, which is shown) lands in the
    /// excerpt: a label's start (`end` false) or its exclusive end.
    fn place(&self, index: &LineIndex, at: usize, line: usize, end: bool) -> usize {
        let Some(shown) = self.lines.iter().find(|l| l.line == line) else { return 0 };
        if at > index.line_range(line).end {
            // in the line's terminator: the excerpt's `\n`
            return if end { shown.end + 1 } else { shown.end };
        }
        let mut gap_start = shown.start;
        for piece in &shown.pieces {
            if at < piece.from {
                // in the elided part before this piece: its ellipsis
                return if end { piece.at } else { gap_start };
            }
            if at <= piece.to {
                let before = index.text().get(piece.from..at).unwrap_or("");
                return piece.at + before.chars().map(shown_len).sum::<usize>();
            }
            gap_start = piece.at_end;
        }
        if end {
            shown.end
        } else {
            gap_start
        }
    }

    /// The shown line holding excerpt offset `at`.
    fn line_at(&self, at: usize) -> usize {
        self.lines.partition_point(|l| l.start <= at).saturating_sub(1)
    }
}

/// A label's range in the file, made valid: inside the text, on character
/// boundaries, not reversed, and no longer than [`MAX_LABEL_LINES`] lines.
struct Placed {
    start: usize,
    end: usize,
    start_line: usize,
    /// The line of the label's last byte.
    end_line: usize,
}

impl Placed {
    fn new(index: &LineIndex, label: &LabelRequest<'_>) -> Placed {
        let start = index.clamp(label.start);
        let mut end = ceil_boundary(index.text(), label.end.min(index.text().len())).max(start);
        let start_line = index.line_of(start);
        let mut end_line = if end > start { index.line_of(end - 1) } else { start_line };
        if end_line - start_line >= MAX_LABEL_LINES {
            end = index.line_range(start_line).end.max(start);
            end_line = start_line;
        }
        Placed { start, end, start_line, end_line }
    }
}

/// The 0-based file lines to show: each label's lines with one line of
/// context either side, gaps of at most [`BRIDGE`] lines filled in.
fn shown_lines(index: &LineIndex, spans: &[Placed]) -> Vec<usize> {
    let last = index.line_count().saturating_sub(1);
    // the empty line after a final line feed is shown only when a label is on it
    let trailing_empty = index.line_range(last).is_empty() && last > 0;
    let mut lines: Vec<usize> = Vec::new();
    for span in spans {
        lines.extend(span.start_line..=span.end_line);
        lines.push(span.start_line.saturating_sub(1));
        if span.end_line < last && !(trailing_empty && span.end_line + 1 == last) {
            lines.push(span.end_line + 1);
        }
    }
    lines.sort_unstable();
    lines.dedup();
    let mut filled = Vec::with_capacity(lines.len());
    for line in lines {
        if let Some(&previous) = filled.last() {
            if line > previous + 1 && line - previous - 1 <= BRIDGE {
                filled.extend(previous + 1..line);
            }
        }
        filled.push(line);
    }
    filled
}

/// The byte ranges of `[start, end)` to show: all of it when it fits in
/// `budget` columns, else windows around the clusters of `points`.
fn windows(text: &str, start: usize, end: usize, points: &[usize], budget: usize) -> Vec<(usize, usize)> {
    if forward(text, start, end, budget) == end {
        return vec![(start, end)];
    }
    // room for the ellipses
    let budget = budget.saturating_sub(2);
    // points that fit in one window together form a cluster
    let mut clusters: Vec<(usize, usize)> = Vec::new();
    for &p in points {
        match clusters.last_mut() {
            Some(c) if forward(text, c.0, p, budget * 3 / 4) == p => c.1 = p,
            _ => clusters.push((p, p)),
        }
    }
    if clusters.is_empty() {
        return vec![(start, forward(text, start, end, budget))];
    }
    // each window and the ` … ` before it get an equal share; labels in
    // clusters beyond what fits point at the final ellipsis
    clusters.truncate((budget / MIN_WINDOW).max(1));
    let each = (budget / clusters.len()).saturating_sub(3).max(1);
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (first, _) in clusters {
        let floor = out.last().map_or(start, |w| w.1);
        if first < floor {
            continue;
        }
        let from = backward(text, first, floor, each / 4);
        let to = forward(text, from, end, each);
        match out.last_mut() {
            Some(w) if from <= w.1 => w.1 = w.1.max(to),
            _ => out.push((from, to)),
        }
    }
    out
}

/// The furthest offset at most `columns` shown columns after `from`, before `limit`.
fn forward(text: &str, from: usize, limit: usize, columns: usize) -> usize {
    let mut width = 0;
    for (i, c) in text.get(from..limit).unwrap_or("").char_indices() {
        width += shown_width(c);
        if width > columns {
            return from + i;
        }
    }
    limit.max(from)
}

/// The earliest offset at most `columns` shown columns before `from`, after `limit`.
fn backward(text: &str, from: usize, limit: usize, columns: usize) -> usize {
    let mut width = 0;
    let mut at = from;
    for (i, c) in text.get(limit..from).unwrap_or("").char_indices().rev() {
        width += shown_width(c);
        if width > columns {
            return at;
        }
        at = limit + i;
    }
    at
}

/// Characters a terminal must not receive as they are: controls (an escape
/// sequence, a carriage return) and those that reorder text (bidirectional
/// overrides, as in "Trojan Source"), and the line and paragraph separators.
fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// How a source character is shown: a tab as four spaces, others escaped by
/// [`must_escape`] as `\u{1b}`.
fn push_shown(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("    "),
        c if must_escape(c) => push_escaped(out, c),
        c => out.push(c),
    }
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\0' => out.push_str("\\0"),
        c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
    }
}

/// Bytes of the excerpt one source character takes (as many columns, when escaped).
fn shown_len(c: char) -> usize {
    match c {
        '\t' => 4,
        '\n' | '\r' | '\0' => 2,
        // `\u{` hex digits `}`
        c if must_escape(c) => 4 + (32 - u32::from(c).leading_zeros()).div_ceil(4).max(1) as usize,
        c => c.len_utf8(),
    }
}

/// Columns one source character takes on a terminal, as shown.
fn shown_width(c: char) -> usize {
    match c {
        '\t' => 4,
        c if must_escape(c) => shown_len(c),
        c => c.width().unwrap_or(0),
    }
}

/// The most characters of a message, label or help shown; a longer one (it
/// quotes a huge name, say) loses its middle.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// A message, label, help or file name as people see it: [`escape`]d, and
/// shortened in the middle past [`MAX_MESSAGE_CHARS`].
pub(crate) fn for_people(text: &str, keep_lines: bool) -> String {
    let count = text.chars().count();
    if count <= MAX_MESSAGE_CHARS {
        return escape(text, keep_lines).into_owned();
    }
    let head: String = text.chars().take(MAX_MESSAGE_CHARS * 2 / 3).collect();
    let tail: String = text.chars().skip(count - MAX_MESSAGE_CHARS / 3).collect();
    format!("{} … {}", escape(&head, keep_lines), escape(&tail, keep_lines))
}

/// `text` with [`must_escape`] characters escaped (`\n` kept when `keep_lines`):
/// for messages, labels, help and file names, which may quote the input.
pub(crate) fn escape(text: &str, keep_lines: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| must_escape(c) && !(keep_lines && c == '\n')) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' if keep_lines => out.push('\n'),
            c if must_escape(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start.saturating_add(span.len());
        if end > self.text.len() || self.lines.is_empty() {
            return Err(MietteError::OutOfBounds);
        }
        let first = self.line_at(start);
        let last = self.line_at(end.saturating_sub(1).max(start)).max(first);
        let consecutive = |i: usize| match (self.lines.get(i), self.lines.get(i + 1)) {
            (Some(a), Some(b)) => a.line + 1 == b.line,
            _ => false,
        };
        let mut from = first;
        while from > 0 && first - from < before && consecutive(from - 1) {
            from -= 1;
        }
        let mut to = last;
        while to - last < after && consecutive(to) {
            to += 1;
        }
        // the block of consecutive lines this one is in: miette joins two
        // snippets when the second starts within the first's `line + line_count`
        let mut block_end = to;
        while consecutive(block_end) {
            block_end += 1;
        }
        let (Some(head), Some(tail), Some(block)) =
            (self.lines.get(from), self.lines.get(to), self.lines.get(block_end))
        else {
            return Err(MietteError::OutOfBounds);
        };
        let line_count = block.line - head.line + 1;
        if before == 0 && after == 0 {
            // the header's `file:line:column`: the label's own place
            let place = self
                .starts
                .iter()
                .find(|(s, _)| s == span)
                .or_else(|| self.starts.iter().find(|(s, _)| s.offset() == start));
            let (line, column) = place.map_or((head.line, 0), |(_, at)| (at.line - 1, at.column - 1));
            let data = self.text.as_bytes().get(start..end).unwrap_or_default();
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                data,
                *span,
                line,
                column,
                line_count,
            )));
        }
        let data = self.text.as_bytes().get(head.start..=tail.end).unwrap_or_default();
        let covered = SourceSpan::new(head.start.into(), data.len());
        Ok(Box::new(MietteSpanContents::new_named(self.name.clone(), data, covered, head.line, 0, line_count)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_of_a_shown_character_is_what_is_pushed() {
        let tricky =
            ['\t', '\r', '\0', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\u{202e}', '\u{2066}', '\u{2028}', 'a'];
        for c in tricky.into_iter().chain(['信', '😀', '\u{301}']) {
            let mut shown = String::new();
            push_shown(&mut shown, c);
            assert_eq!(shown_len(c), shown.len(), "{c:?}");
            assert!(!shown.chars().any(must_escape), "{c:?} shown as {shown:?}");
        }
    }

    #[test]
    fn messages_keep_line_feeds_only_when_asked() {
        assert_eq!(escape("a\nb\u{1b}", true), "a\nb\\u{1b}");
        assert_eq!(escape("a\nb", false), "a\\nb");
        assert!(matches!(escape("plain `x`", false), Cow::Borrowed(_)));
    }
}
