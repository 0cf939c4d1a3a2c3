//! Recovery after a syntax error, so that one mistake gives one diagnostic.
//! The file is parsed again a declaration at a time; a failing group a rule at
//! a time, a failing authority block a level at a time and a failing level a
//! limit at a time. What failed is remembered by name ([`Broken`]) so that no
//! "unknown name", "no rule has the reason code" or "never used" follows from it.

use super::expected::{first_code, has_code};
use super::{Builder, CodeBytes, PolParser, Rule};
use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::base::source::Span;
use crate::syntax::ast::*;
use crate::syntax::keywords::DECLARATION_STARTS;
use pest::iterators::Pair;
use pest::Parser as _;

/// What follows a piece of text, named in "found …" when an error is at its end.
#[derive(Clone, Copy)]
enum Next {
    Declaration,
    EndOfFile,
    /// The next member of a block: `rule`, `level` or limit.
    Member(&'static str),
    /// The block's closing `}`.
    Close,
}

impl Next {
    fn describe(self) -> &'static str {
        match self {
            Next::Declaration => "the next declaration",
            Next::EndOfFile => "end of file",
            Next::Member("rule") => "the next rule",
            Next::Member("level") => "the next level",
            Next::Member(_) => "the next limit",
            Next::Close => "`}`",
        }
    }
}

/// Where each top-level declaration of a file starts: 0, then every line that
/// starts with a declaration keyword outside every block (braces counted
/// outside strings and comments, which never span lines), then the end.
/// `None` when the braces do not balance (the file has a syntax error).
pub(super) fn declaration_starts(text: &str) -> Option<Vec<usize>> {
    let mut starts: Vec<usize> = vec![0];
    let mut offset = 0;
    let mut depth = 0i64;
    for line in text.split_inclusive('\n') {
        if offset > 0 && depth == 0 && DECLARATION_STARTS.contains(&first_word(line)) {
            starts.push(offset);
        }
        for (_, b) in CodeBytes::new(line) {
            match b {
                b'{' => depth += 1,
                b'}' if depth == 0 => return None,
                b'}' => depth -= 1,
                _ => {}
            }
        }
        offset += line.len();
    }
    starts.push(text.len());
    (depth == 0).then_some(starts)
}

impl Builder {
    /// Splits the file at lines that begin with a declaration keyword — in
    /// column 0, or indented but outside any block — and parses each chunk
    /// alone, so one syntax error does not hide the rest. `text` starts at `self.base`.
    pub(super) fn recover(&mut self, text: &str, first: pest::error::Error<Rule>) -> Vec<Item> {
        let mut starts: Vec<usize> = vec![0];
        let mut offset = 0;
        // braces open since the last split, outside strings and comments
        let mut depth = 0i64;
        for line in text.split_inclusive('\n') {
            let code = line.trim_start();
            let word = first_word(code);
            let indented = code.len() < line.len();
            if offset > 0 && DECLARATION_STARTS.contains(&word) && (!indented || depth <= 0) {
                starts.push(offset);
                depth = 0;
            }
            for (_, b) in CodeBytes::new(line) {
                match b {
                    b'{' => depth += 1,
                    b'}' => depth -= 1,
                    _ => {}
                }
            }
            offset += line.len();
        }
        starts.push(text.len());
        let reported = self.diagnostics.len();
        let mut items = Vec::new();
        for window in starts.windows(2) {
            let &[start, end] = window else { continue };
            let Some(chunk) = text.get(start..end) else { continue };
            let next = if end < text.len() { Next::Declaration } else { Next::EndOfFile };
            items.extend(self.chunk(chunk, self.base + start, next));
        }
        if self.diagnostics.len() == reported {
            // The chunks parse alone but not together (should not happen); report
            // the whole-file error rather than nothing.
            self.offset = self.base;
            let diagnostic = self.syntax_error(text, &first, Next::EndOfFile.describe());
            self.error(diagnostic);
        }
        self.offset = self.base;
        items
    }

    /// The declarations of one chunk (at file offset `at`); a failing group or
    /// authority block is recovered member by member. A block is parsed on its
    /// own, as far as its `}`, and what follows it in the chunk in turn: so
    /// a line of a thousand blocks costs a thousand small parses, not a
    /// thousand parses of the rest of the line.
    fn chunk(&mut self, chunk: &str, at: usize, next: Next) -> Vec<Item> {
        let mut items = Vec::new();
        let (mut text, mut at) = (chunk, at);
        while has_code(text) {
            let word = first_code_word(text);
            let members = match word {
                "group" => Some("rule"),
                "authority" => Some("level"),
                _ => None,
            };
            let close = members.and_then(|members| Block::split(text, members)).and_then(|block| block.close);
            let end = close.map_or(text.len(), |close| close + 1);
            let piece = text.get(..end).unwrap_or(text);
            self.offset = at;
            match PolParser::parse(Rule::file, piece) {
                Ok(mut pairs) => items.extend(pairs.next().map(|p| self.items(p)).unwrap_or_default()),
                Err(_) if word == "group" => items.extend(self.group(piece, at, next)),
                Err(_) if word == "authority" => items.extend(self.authority(piece, at, next)),
                Err(error) => {
                    let diagnostic = self.syntax_error(piece, &error, next.describe());
                    self.error(diagnostic);
                    // remember what the broken declaration was called (a rule: its code)
                    self.remember_broken(piece, at, 1);
                    return items;
                }
            }
            let Some(rest) = text.get(end..) else { break };
            (text, at) = (rest, at + end);
        }
        items
    }

    /// Notes the `nth` word of failed text at file offset `at` (its name) as
    /// declared, where it is written, and every word as mentioned.
    pub(super) fn remember_broken(&mut self, text: &str, at: usize, nth: usize) {
        let words = words(text);
        if let Some(&(offset, name)) = words.get(nth) {
            self.broken.declared.push(name.to_string());
            let keyword = words.first().map_or("", |w| w.1);
            // a test is named by a string, which is not a word
            if keyword != "test" {
                let name =
                    Ident { name: name.to_string(), span: Span::new(self.file, at + offset, at + offset + name.len()) };
                let span = self.text_span(text, at);
                self.broken.named.push(BrokenName { keyword: keyword.to_string(), name, span });
            }
        }
        self.broken.mentioned.extend(words.into_iter().map(|w| w.1.to_string()));
    }

    /// Parses `text` (at file offset `at`) as `rule`; reports the error if it fails.
    fn parse_alone<'t>(&mut self, rule: Rule, text: &'t str, at: usize, next: Next) -> Option<Pair<'t, Rule>> {
        self.offset = at;
        match PolParser::parse(rule, text) {
            Ok(mut pairs) => pairs.next(),
            Err(error) => {
                let diagnostic = self.syntax_error(text, &error, next.describe());
                self.error(diagnostic);
                None
            }
        }
    }

    /// A group that failed to parse (up to its `}`), a rule at a time.
    fn group(&mut self, chunk: &str, at: usize, next: Next) -> Vec<Item> {
        let Some(block) = Block::split(chunk, "rule") else {
            return self.unrecoverable(chunk, at, next);
        };
        let head = chunk.get(..block.open + 1).unwrap_or("");
        let head = self.parse_alone(Rule::group_head, head, at, Next::Member("rule"));
        let (name, title) = match head {
            Some(pair) => {
                let mut inner = super::Inner::new(pair);
                let name = inner.need(Rule::ident).map(|p| self.ident(p));
                (name, inner.take(Rule::string).map(|s| self.string(s)))
            }
            None => {
                self.remember_broken(head_text(chunk, &block), at, 1);
                (None, None)
            }
        };
        let mut rules = Vec::new();
        for (start, end, next) in block.members(chunk, next) {
            let text = chunk.get(start..end).unwrap_or("");
            if !has_code(text) {
                continue;
            }
            match self.parse_alone(Rule::lone_rule, text, at + start, next) {
                Some(pair) => {
                    rules.extend(pair.into_inner().find(|p| p.as_rule() == Rule::rule_decl).and_then(|p| self.rule(p)))
                }
                None => self.remember_broken(text, at + start, 1),
            }
        }
        let items = match name {
            Some(name) => {
                self.offset = at;
                let span = self.text_span(chunk, at);
                vec![Item::Group(GroupDecl { name, title, rules, limits: Vec::new(), span })]
            }
            // without its head the rules still count, outside any group
            None => rules.into_iter().map(Item::Rule).collect(),
        };
        self.after_block(chunk, at, &block, next);
        items
    }

    /// An authority block that failed to parse (up to its `}`), a level at a time.
    fn authority(&mut self, chunk: &str, at: usize, next: Next) -> Vec<Item> {
        let Some(block) = Block::split(chunk, "level") else {
            self.broken.authority = true;
            return self.unrecoverable(chunk, at, next);
        };
        let head_source = chunk.get(..block.open + 1).unwrap_or("");
        let head = self.parse_alone(Rule::authority_head, head_source, at, Next::Member("level")).map(|pair| {
            let mut inner = super::Inner::new(pair);
            let title = inner.take(Rule::string).map(|s| self.string(s));
            let over = inner.need(Rule::path).map(|p| self.path(p));
            let escalate = inner.need(Rule::ident).map(|p| self.ident(p));
            let message = inner.take(Rule::string).map(|s| self.string(s));
            (title, over, escalate, message)
        });
        let mut levels = Vec::new();
        for (start, end, next) in block.members(chunk, next) {
            let text = chunk.get(start..end).unwrap_or("");
            if !has_code(text) {
                continue;
            }
            levels.extend(self.level_alone(text, at + start, next));
        }
        let mut items = Vec::new();
        match head {
            Some((title, Some(over), Some(escalate), message)) => {
                let span = self.text_span(chunk, at);
                items.push(Item::Authority(AuthorityDecl { title, over, escalate, message, levels, span }));
            }
            _ => {
                // its levels cannot be used; their names and the code are still known
                self.broken.authority = true;
                self.broken.declared.extend(levels.iter().map(|l| l.name.name.clone()));
                let head_span = self.text_span(head_source, at);
                for level in levels {
                    let named = BrokenName { keyword: "level".to_string(), name: level.name, span: level.span };
                    self.broken.named.push(named);
                }
                let words = words(head_source);
                let code = words.iter().skip_while(|w| w.1 != "escalate").nth(1);
                if let Some(&(offset, code)) = code {
                    self.broken.declared.push(code.to_string());
                    let name = Ident {
                        name: code.to_string(),
                        span: Span::new(self.file, at + offset, at + offset + code.len()),
                    };
                    self.broken.named.push(BrokenName { keyword: "escalate".to_string(), name, span: head_span });
                }
                self.broken.mentioned.extend(words.into_iter().map(|w| w.1.to_string()));
            }
        }
        self.after_block(chunk, at, &block, next);
        items
    }

    /// One level of an authority block; a failing level is recovered a limit
    /// at a time and marked incomplete.
    fn level_alone(&mut self, text: &str, at: usize, next: Next) -> Option<LevelDecl> {
        self.offset = at;
        if let Ok(mut pairs) = PolParser::parse(Rule::lone_level, text) {
            return pairs.next()?.into_inner().find(|p| p.as_rule() == Rule::level_decl).and_then(|p| self.level(p));
        }
        let Some(block) = Block::split_limits(text) else {
            // no `{`: the head is what failed
            self.parse_alone(Rule::lone_level, text, at, next);
            self.remember_broken(text, at, 1);
            return None;
        };
        let head =
            self.parse_alone(Rule::level_head, text.get(..block.open + 1).unwrap_or(""), at, Next::Member("limit"));
        let Some(head) = head else {
            self.remember_broken(head_text(text, &block), at, 1);
            return None;
        };
        let mut inner = super::Inner::new(head);
        let mut idents = inner.all(Rule::ident).into_iter().map(|p| self.ident(p));
        let name = idents.next()?;
        let above = idents.collect();
        let mut limits = Vec::new();
        let mut incomplete = false;
        for (start, end, next) in block.members(text, next) {
            let limit = text.get(start..end).unwrap_or("");
            if !has_code(limit) {
                continue;
            }
            match self.parse_alone(Rule::lone_limit, limit, at + start, next) {
                Some(pair) => {
                    limits.extend(pair.into_inner().find(|p| p.as_rule() == Rule::limit).and_then(|p| self.limit(p)))
                }
                None => {
                    incomplete = true;
                    self.broken.mentioned.extend(words(limit).into_iter().map(|w| w.1.to_string()));
                }
            }
        }
        let span = self.text_span(text, at);
        // whatever follows the level's `}` before the next level is not a level
        if let Some(rest) = self.after_block(text, at, &block, next) {
            let tail = text.get(rest..).unwrap_or("");
            if has_code(tail) {
                self.parse_alone(Rule::lone_level, tail, at + rest, next);
            }
        }
        Some(LevelDecl { name, above, limits, span, incomplete })
    }

    /// Reports a block whose members cannot be told apart, as a whole.
    fn unrecoverable(&mut self, chunk: &str, at: usize, next: Next) -> Vec<Item> {
        self.offset = at;
        if let Err(error) = PolParser::parse(Rule::file, chunk) {
            let diagnostic = self.syntax_error(chunk, &error, next.describe());
            self.error(diagnostic);
        }
        self.remember_broken(chunk, at, 1);
        Vec::new()
    }

    /// Where the text after a block's closing `}` starts, or (reported) the
    /// error of a block that is never closed.
    fn after_block(&mut self, chunk: &str, at: usize, block: &Block, next: Next) -> Option<usize> {
        if let Some(close) = block.close {
            return Some(close + 1);
        }
        let end = chunk.trim_end().len();
        let (open, end) = (at + block.open, at + end);
        self.error(
            Diagnostic::error(Code::P0001, format!("expected `}}`, found {}", next.describe()))
                .at(Span::new(self.file, end, end), "expected `}`")
                .also(Span::new(self.file, open, open + 1), "this `{` is never closed")
                .help("close the block with `}`"),
        );
        None
    }

    /// The span of `text` (at file offset `at`) without trailing white space.
    fn text_span(&self, text: &str, at: usize) -> Span {
        let end = text.trim_end().len();
        Span::new(self.file, at, at + end)
    }
}

/// A block `head { member member … }`: where it opens, its members (each
/// starting on a line of its own) and where it closes.
struct Block {
    /// Offset of the `{` that opens the block.
    open: usize,
    /// Offsets at which members start (after `open`).
    starts: Vec<usize>,
    /// Offset of the `}` that closes the block, if it is closed.
    close: Option<usize>,
}

impl Block {
    /// A block whose members begin with `keyword` at the start of a line.
    fn split(text: &str, keyword: &str) -> Option<Block> {
        Block::scan(text, Some(keyword))
    }

    /// A level's block of limits: a limit starts on each line outside brackets.
    fn split_limits(text: &str) -> Option<Block> {
        Block::scan(text, None)
    }

    /// One pass from the block's `{` to its `}`: the first `}` its current
    /// member does not open itself (an unclosed `{` in one member does not
    /// swallow the block's end). Members start on a line of their own: with
    /// `keyword`, a line starting with it; without, any line outside brackets.
    fn scan(text: &str, keyword: Option<&str>) -> Option<Block> {
        let open = first_code_byte(text, b'{')?;
        let body = text.get(open + 1..)?;
        let mut starts = vec![open + 1];
        let (mut depth, mut line_start, mut close) = (0i64, true, None);
        let mut last: Option<usize> = None;
        for (i, b) in CodeBytes::new(body) {
            // a comment (or an unclosed string) skipped up to its line's end
            if last.is_some_and(|l| i > l + 1) && body.as_bytes().get(i - 1) == Some(&b'\n') {
                line_start = true;
            }
            last = Some(i);
            match b {
                b'\n' => line_start = true,
                b' ' | b'\t' | b'\r' => {}
                _ => {
                    if std::mem::take(&mut line_start) && i > 0 {
                        let member = match keyword {
                            Some(keyword) => first_word(body.get(i..).unwrap_or("")) == keyword,
                            None => depth == 0,
                        };
                        if member {
                            starts.push(open + 1 + i);
                            depth = 0;
                        }
                    }
                    let brackets = keyword.is_none();
                    match b {
                        b'}' if depth == 0 => {
                            close = Some(open + 1 + i);
                            break;
                        }
                        b'{' => depth += 1,
                        b'}' => depth -= 1,
                        b'(' | b'[' if brackets => depth += 1,
                        b')' | b']' if brackets => depth -= 1,
                        _ => {}
                    }
                }
            }
        }
        Some(Block { open, starts, close })
    }

    /// Each member's start, end and what follows it.
    fn members(&self, text: &str, after: Next) -> Vec<(usize, usize, Next)> {
        let end_of_block = self.close.unwrap_or(text.len());
        let kind = match first_code_word(text) {
            "group" => "rule",
            "authority" => "level",
            _ => "limit",
        };
        self.starts
            .iter()
            .enumerate()
            .map(|(k, &start)| match self.starts.get(k + 1) {
                Some(&end) => (start, end, Next::Member(kind)),
                None => (start, end_of_block, if self.close.is_some() { Next::Close } else { after }),
            })
            .collect()
    }
}

/// The head of a block, as far as its `{`.
fn head_text<'t>(text: &'t str, block: &Block) -> &'t str {
    text.get(..block.open).unwrap_or("")
}

/// The offset of the first `byte` outside strings and comments.
fn first_code_byte(text: &str, byte: u8) -> Option<usize> {
    CodeBytes::new(text).find(|&(_, b)| b == byte).map(|(i, _)| i)
}

/// The first word of the first line that holds code (not blank, not a comment).
fn first_code_word(text: &str) -> &str {
    first_code(text).and_then(|at| text.get(at..)).map_or("", first_word)
}

/// The first word of a text, after white space.
fn first_word(text: &str) -> &str {
    let text = text.trim_start();
    let len = text.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').count();
    text.get(..len).unwrap_or("")
}

/// The words (names, keywords, codes) of a text, outside strings and comments,
/// each with its offset in the text; numbers are not words.
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut last = 0;
    for (i, b) in CodeBytes::new(text).chain(std::iter::once((text.len(), b' '))) {
        let word_byte = b.is_ascii_alphanumeric() || b == b'_';
        // a skipped string or comment ends a word as a space would
        if let Some(s) = start.filter(|_| !word_byte || i != last + 1) {
            out.extend(text.get(s..last + 1).filter(|w| !w.starts_with(|c: char| c.is_ascii_digit())).map(|w| (s, w)));
            start = None;
        }
        if word_byte && start.is_none() {
            start = Some(i);
        }
        last = i;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_skip_strings_comments_and_numbers() {
        let found = words("rule A01 \"未满18\" decline when age < 18 // x y");
        assert_eq!(found.iter().map(|w| w.1).collect::<Vec<_>>(), ["rule", "A01", "decline", "when", "age"]);
        assert_eq!(found.iter().map(|w| w.0).collect::<Vec<_>>(), [0, 5, 20, 28, 33]);
        assert_eq!(first_code_word("// note\n\n  group g {"), "group");
    }

    #[test]
    fn a_block_closes_at_the_first_brace_its_members_do_not_open() {
        let text = "group g {\n  rule A decline when x in {a} // a {\n  rule B refer when y\n}\n";
        let block = Block::split(text, "rule").map(|b| (b.starts.len(), b.close));
        assert_eq!(block, Some((3, text.rfind('}'))));
        let unclosed = "group g {\n  rule A decline when x\n";
        assert_eq!(Block::split(unclosed, "rule").map(|b| b.close), Some(None));
    }

    #[test]
    fn limits_start_on_lines_at_bracket_depth_zero() {
        let text = "level city {\n  a <= 1 // one\n  b in {x,\n    y}\n  c >= 2\n}";
        let Some(block) = Block::split_limits(text) else { panic!("no block") };
        let members: Vec<&str> =
            block.members(text, Next::EndOfFile).iter().map(|&(s, e, _)| text[s..e].trim()).collect();
        assert_eq!(members, ["", "a <= 1 // one", "b in {x,\n    y}", "c >= 2", ""]);
        assert_eq!(block.close, text.rfind('}'));
    }
}
