//! The document as Markdown (GitHub's tables): what `polc doc` writes by
//! default. Every word from the policy is escaped, so a message with `|`,
//! `*` or `<script>` stays text.

use super::layout::{layout, Block};
use super::phrase::{Phrase, Piece};
use super::Document;

/// The Markdown text of `doc`.
pub fn render(doc: &Document) -> String {
    let mut out = String::new();
    blocks(&layout(doc), &mut out);
    out
}

fn blocks(blocks: &[Block], out: &mut String) {
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                out.push_str(&"#".repeat(usize::from(*level)));
                out.push(' ');
                out.push_str(&inline(text));
                out.push_str("\n\n");
            }
            Block::Para(text) => {
                out.push_str(&inline(text));
                out.push_str("\n\n");
            }
            Block::Table { head, rows } => {
                let line = |cells: &[Phrase]| {
                    let cells: Vec<String> = cells.iter().map(|c| cell(&inline(c))).collect();
                    format!("| {} |\n", cells.join(" | "))
                };
                out.push_str(&line(head));
                out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
                for row in rows {
                    out.push_str(&line(row));
                }
                out.push('\n');
            }
            Block::Section(inner) => self::blocks(inner, out),
        }
    }
}

/// A phrase in Markdown: names as code, flags in bold, words escaped.
pub fn inline(phrase: &Phrase) -> String {
    phrase
        .0
        .iter()
        .map(|piece| match piece {
            Piece::Text(t) => escape(t),
            Piece::Name(n) => format!("`{}`", n.replace('`', "'")),
            Piece::Flag(f) => format!("**{}**", escape(f)),
        })
        .collect()
}

/// A table cell: nothing in it may end the cell or the row, and an empty
/// cell is a space.
fn cell(text: &str) -> String {
    let text = text.replace('|', "\\|");
    if text.is_empty() {
        " ".to_string()
    } else {
        text
    }
}

/// Words from the policy as Markdown text: markup characters escaped (`_`
/// only where it could start or end emphasis, `<` and `&` only where they
/// could start HTML or an entity), line breaks as spaces.
pub fn escape(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).and_then(|b| chars.get(b)).copied();
        let after = chars.get(i + 1).copied();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        match c {
            '\\' | '`' | '*' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '_' if !(word(before) && word(after)) => out.push_str("\\_"),
            '<' if after.is_some_and(|a| a.is_ascii_alphabetic() || matches!(a, '/' | '!' | '?')) => {
                out.push_str("&lt;")
            }
            '&' if after.is_some_and(|a| a.is_ascii_alphanumeric() || a == '#') => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_words_is_escaped() {
        assert_eq!(escape("<script>alert(1)</script>"), "&lt;script>alert(1)&lt;/script>");
        assert_eq!(escape("a*b_c|d _x"), "a\\*b_c|d \\_x");
        assert_eq!(escape("x < 3 & y &amp;"), "x < 3 & y &amp;amp;");
        assert_eq!(cell(&escape("a|b")), "a\\|b");
    }
}
