//! The open buffers: their text as the client last sent it, with its version,
//! and the incremental edits of `didChange` applied in the order they came.

use crate::convert;
use lsp_types::{TextDocumentContentChangeEvent, Uri};
use polc::LineIndex;
use std::path::PathBuf;

/// One open `.pol` buffer.
#[derive(Clone, Debug)]
pub struct Document {
    pub uri: Uri,
    /// The file it stands for: where its `use` and `list … from` paths are found.
    pub path: PathBuf,
    pub version: i32,
    pub text: String,
}

impl Document {
    pub fn new(uri: Uri, version: i32, text: String) -> Document {
        let path = convert::uri_to_path(&uri);
        Document { uri, path, version, text }
    }

    /// Applies `changes` in order: a change with a range replaces that range
    /// (positions in UTF-16 units of the text as it is after the changes
    /// before it), one without replaces the whole text. A range past the end
    /// of a line or of the text is clamped, and a position inside a character
    /// moves to its start, so no edit can split a character or panic.
    pub fn apply(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        for change in changes {
            match change.range {
                None => self.text = change.text,
                Some(range) => {
                    let lines = LineIndex::new(self.text.as_str().into());
                    let start = convert::offset(&lines, range.start);
                    let end = convert::offset(&lines, range.end).max(start);
                    // `offset` gives character boundaries within the text
                    if self.text.is_char_boundary(start) && self.text.is_char_boundary(end) {
                        self.text.replace_range(start..end, &change.text);
                    }
                }
            }
        }
        self.version = version;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};
    use std::str::FromStr;

    fn edit(start: (u32, u32), end: (u32, u32), text: &str) -> TextDocumentContentChangeEvent {
        let range = Range { start: Position::new(start.0, start.1), end: Position::new(end.0, end.1) };
        TextDocumentContentChangeEvent { range: Some(range), range_length: None, text: text.into() }
    }

    #[test]
    fn edits_apply_in_order_and_never_split_a_character() {
        let uri = Uri::from_str("file:///p.pol").expect("a uri");
        let mut doc = Document::new(uri, 1, "rule A01 \"未满18周岁\"\n".into());
        // replace 未满 (characters 10..12) with 不足, then insert at the end of line 0
        doc.apply(2, vec![edit((0, 10), (0, 12), "不足"), edit((0, 99), (0, 99), " decline")]);
        assert_eq!(doc.text, "rule A01 \"不足18周岁\" decline\n");
        // a range reversed or beyond the text is clamped
        doc.apply(3, vec![edit((5, 0), (0, 0), "")]);
        assert_eq!(doc.version, 3);
        doc.apply(4, vec![edit((0, 0), (9, 9), "x")]);
        assert_eq!(doc.text, "x");
    }
}
