//! The one conversion from a byte offset in a source to a line and a column:
//! in characters (what people and the JSON diagnostics see) or in UTF-16 code
//! units (what an LSP client counts), and back. Built once per file; every
//! query costs a binary search and a count over at most [`STRIDE`] bytes of its
//! own line, so rendering many diagnostics of one file (even of one 1 MB line),
//! or asking about every position of it, takes time linear in their number.

use std::ops::Range;
use std::sync::Arc;

/// Bytes between two marks of the character count.
const STRIDE: usize = 4096;

/// Where each line of a text starts, and how many characters come before
/// each line and every [`STRIDE`]-th byte of a line.
///
/// A line ends after its `\n`; a `\r` before the `\n` belongs to the line's
/// terminator, not to its text. An offset past the end of the text counts as
/// the end; an offset inside a character counts as that character's start.
#[derive(Debug, Clone)]
pub struct LineIndex {
    text: Arc<str>,
    /// Byte offset of the start of each line; the first is 0.
    line_starts: Vec<u32>,
    /// `(byte offset, characters before it, UTF-16 units before it)` at the
    /// start of each line and every [`STRIDE`] bytes within it (moved back to a
    /// character boundary); empty for ASCII text.
    marks: Vec<(u32, u32, u32)>,
}

/// A 1-based line and a 1-based column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in the unit the method names.
    pub column: usize,
}

impl LineIndex {
    /// Indexes `text` (one pass).
    pub fn new(text: Arc<str>) -> LineIndex {
        let bytes = text.as_bytes();
        let line_starts = std::iter::once(0).chain(memchr::memchr_iter(b'\n', bytes).map(|i| to_u32(i + 1))).collect();
        let mut marks = Vec::new();
        if !text.is_ascii() {
            let (mut chars, mut units) = (0u32, 0u32);
            let ends = memchr::memchr_iter(b'\n', bytes).map(|i| i + 1).chain(std::iter::once(text.len()));
            let mut at = 0usize;
            for line_end in ends {
                // a mark at the line's start, then one every STRIDE bytes of it
                loop {
                    marks.push((to_u32(at), chars, units));
                    let next = floor_boundary(&text, (at + STRIDE).min(line_end));
                    let next = if next <= at { ceil_boundary(&text, at + 1).min(line_end.max(at + 1)) } else { next };
                    let chunk = text.get(at..next).unwrap_or("");
                    let (in_chars, in_units) = chars_and_units(chunk);
                    chars = chars.saturating_add(to_u32(in_chars));
                    units = units.saturating_add(to_u32(in_units));
                    at = next;
                    if at >= line_end {
                        break;
                    }
                }
            }
        }
        LineIndex { text, line_starts, marks }
    }

    /// The text indexed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// How many lines the text has (an empty text, or one ending in `\n`, has
    /// one more, empty, line after the last line feed).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 0-based line an offset is on.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = to_u32(self.clamp(offset));
        self.line_starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    /// The bytes of the 0-based line `line`, without its `\n` or `\r\n`
    /// (an empty range at the end for a line past the last).
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let Some(&start) = self.line_starts.get(line) else { return self.text.len()..self.text.len() };
        let start = start as usize;
        let end = self.line_starts.get(line + 1).map_or(self.text.len(), |&next| next as usize - 1);
        let text = self.text.get(start..end).unwrap_or("");
        start..start + text.strip_suffix('\r').unwrap_or(text).len()
    }

    /// Line and column, in characters, of a byte offset. The JSON diagnostics
    /// and the `file:line:column` header people read both come from here.
    pub fn line_col(&self, offset: usize) -> LineCol {
        self.position(offset, |index, at| index.chars_before(at))
    }

    /// Line and column, in UTF-16 code units, of a byte offset (the column an
    /// LSP client means; it counts both from 0, so subtract one from each).
    pub fn line_col_utf16(&self, offset: usize) -> LineCol {
        self.position(offset, |index, at| index.utf16_before(at))
    }

    /// The byte offset of a line and a column in characters: the inverse of
    /// [`LineIndex::line_col`]. A column past the end of its line gives the
    /// line's end (before its `\r\n` or `\n`), a line past the last gives the
    /// end of the text, and line or column 0 counts as 1.
    pub fn offset(&self, at: LineCol) -> usize {
        self.offset_in(at, |m| m.1, |index, at| index.chars_before(at), |_| 1)
    }

    /// The byte offset of a line and a column in UTF-16 code units: the inverse
    /// of [`LineIndex::line_col_utf16`], for the positions an LSP client sends
    /// (add one to its 0-based line and character). A column inside a character
    /// that takes two units (an emoji) gives that character's start; otherwise
    /// as [`LineIndex::offset`].
    pub fn offset_utf16(&self, at: LineCol) -> usize {
        self.offset_in(at, |m| m.2, |index, at| index.utf16_before(at), char::len_utf16)
    }

    fn offset_in(
        &self,
        at: LineCol,
        mark: impl Fn(&(u32, u32, u32)) -> u32,
        before: impl Fn(&LineIndex, usize) -> usize,
        width: impl Fn(char) -> usize,
    ) -> usize {
        let line = self.line_range(at.line.saturating_sub(1));
        let wanted = at.column.saturating_sub(1);
        if self.marks.is_empty() {
            return line.start.saturating_add(wanted).min(line.end);
        }
        // counted from the start of the text: jump to the last mark at or before
        // the column within the line, then walk at most [`STRIDE`] bytes
        let target = before(self, line.start).saturating_add(wanted);
        let jump = self.marks.partition_point(|m| (mark(m) as usize) <= target).saturating_sub(1);
        let (mut from, mut count) = (line.start, before(self, line.start));
        if let Some(m) = self.marks.get(jump) {
            if m.0 as usize >= line.end {
                return line.end; // the column is past the line's end
            }
            if m.0 as usize > line.start {
                (from, count) = (m.0 as usize, mark(m) as usize);
            }
        }
        for (i, c) in self.text.get(from..line.end).unwrap_or("").char_indices() {
            if count + width(c) > target {
                return from + i;
            }
            count += width(c);
        }
        line.end
    }

    /// `offset` moved into the text and back to the start of its character.
    pub fn clamp(&self, offset: usize) -> usize {
        floor_boundary(&self.text, offset.min(self.text.len()))
    }

    fn position(&self, offset: usize, before: impl Fn(&LineIndex, usize) -> usize) -> LineCol {
        let offset = self.clamp(offset);
        let line = self.line_of(offset);
        let start = self.line_starts.get(line).map_or(0, |&s| s as usize);
        LineCol { line: line + 1, column: before(self, offset) - before(self, start) + 1 }
    }

    /// Characters before a byte offset (a character boundary).
    fn chars_before(&self, offset: usize) -> usize {
        self.count_before(offset, |m| m.1, |s| s.chars().count())
    }

    /// UTF-16 code units before a byte offset (a character boundary).
    fn utf16_before(&self, offset: usize) -> usize {
        self.count_before(offset, |m| m.2, |s| chars_and_units(s).1)
    }

    fn count_before(
        &self,
        offset: usize,
        mark: impl Fn(&(u32, u32, u32)) -> u32,
        count: impl Fn(&str) -> usize,
    ) -> usize {
        if self.marks.is_empty() {
            return offset;
        }
        let at = self.marks.partition_point(|m| m.0 as usize <= offset).saturating_sub(1);
        let (from, before) = self.marks.get(at).map_or((0, 0), |m| (m.0 as usize, mark(m) as usize));
        before + self.text.get(from..offset).map_or(0, count)
    }
}

/// Characters and UTF-16 code units of a text: a character of four UTF-8
/// bytes (and only such a one) takes two units, so the units are the
/// characters plus the four-byte lead bytes (`F0`–`F4`).
fn chars_and_units(text: &str) -> (usize, usize) {
    let chars = text.chars().count();
    (chars, chars + text.bytes().filter(|&b| b >= 0xF0).count())
}

/// The largest character boundary at or before `at` (`at` within the text).
pub(crate) fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The smallest character boundary at or after `at`, or the text's end.
pub(crate) fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at.min(text.len())
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(text: &str) -> LineIndex {
        LineIndex::new(Arc::from(text))
    }

    fn naive(text: &str, offset: usize) -> (usize, usize, usize) {
        let offset = floor_boundary(text, offset);
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        let col = &text[line_start..offset];
        (before.matches('\n').count() + 1, col.chars().count() + 1, col.encode_utf16().count() + 1)
    }

    #[test]
    fn columns_count_characters_and_utf16_units() {
        let text = "ab\n信用保证 x😀y\r\nz";
        let ix = index(text);
        for offset in 0..=text.len() + 3 {
            let (line, chars, units) = naive(text, offset);
            assert_eq!(ix.line_col(offset), LineCol { line, column: chars }, "offset {offset}");
            assert_eq!(ix.line_col_utf16(offset), LineCol { line, column: units }, "offset {offset}");
        }
        assert_eq!(ix.line_range(1), 3..text.find('\r').unwrap_or(0));
        assert_eq!(ix.line_count(), 3);
    }

    #[test]
    fn long_lines_are_counted_through_the_marks() {
        let text = format!("x\n{}", "信a😀".repeat(5000));
        let ix = index(&text);
        for offset in (0..text.len()).step_by(997).chain([text.len()]) {
            let (line, chars, units) = naive(&text, offset);
            assert_eq!(ix.line_col(offset), LineCol { line, column: chars });
            assert_eq!(ix.line_col_utf16(offset), LineCol { line, column: units });
        }
    }

    /// `offset` and `offset_utf16` undo `line_col` and `line_col_utf16` at
    /// every character boundary outside a line's terminator.
    fn assert_round_trips(text: &str, step: usize) {
        let ix = index(text);
        for offset in (0..=text.len()).step_by(step).filter(|&o| text.is_char_boundary(o)) {
            let rest = &text[offset..];
            if rest.starts_with('\n') && text[..offset].ends_with('\r') {
                continue; // inside `\r\n`: the line ends before the `\r`
            }
            assert_eq!(ix.offset(ix.line_col(offset)), offset, "offset {offset}");
            assert_eq!(ix.offset_utf16(ix.line_col_utf16(offset)), offset, "offset {offset} in UTF-16");
        }
    }

    #[test]
    fn positions_convert_back_to_offsets() {
        assert_round_trips("ab\n信用保证 x😀y\r\nz", 1);
        assert_round_trips("plain ascii\nlines\n", 1);
        assert_round_trips("", 1);
        // long lines, through the marks (every 37th byte, so every kind of character)
        assert_round_trips(&format!("x\n{}\n😀{}\r\n", "信a😀".repeat(3000), "b".repeat(5000)), 37);
    }

    #[test]
    fn positions_past_a_line_or_inside_a_character_are_clamped() {
        let text = "a😀b\r\n信\nlast";
        let ix = index(text);
        let at = |line, column| LineCol { line, column };
        // past the end of a line: its end, before the `\r\n`
        assert_eq!(ix.offset(at(1, 99)), text.find('\r').unwrap_or(0));
        assert_eq!(ix.offset_utf16(at(1, 99)), text.find('\r').unwrap_or(0));
        // UTF-16 column 3 is the second unit of the emoji: its start
        assert_eq!(ix.offset_utf16(at(1, 3)), 1);
        assert_eq!(ix.offset_utf16(at(1, 4)), 5);
        assert_eq!(ix.offset(at(1, 3)), 5);
        // past the last line: the end of the text; line or column 0 is 1
        assert_eq!(ix.offset(at(9, 1)), text.len());
        assert_eq!(ix.offset_utf16(at(0, 0)), 0);
        assert_eq!(ix.offset(at(2, 2)), text.find("\nlast").unwrap_or(0));
    }

    #[test]
    fn utf16_units_are_characters_plus_the_four_byte_ones() {
        for text in ["", "abc", "信用", "😀", "a😀信\u{10FFFF}\u{7FF}\u{FFFF}z"] {
            assert_eq!(chars_and_units(text), (text.chars().count(), text.encode_utf16().count()), "{text:?}");
        }
    }

    #[test]
    fn an_empty_text_has_one_empty_line() {
        let ix = index("");
        assert_eq!(ix.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(ix.line_col(10), LineCol { line: 1, column: 1 });
        assert_eq!(ix.line_range(0), 0..0);
        assert_eq!(ix.line_range(7), 0..0);
    }
}
