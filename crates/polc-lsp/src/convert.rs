//! Between the protocol's places and the compiler's: `file:` URIs and paths,
//! LSP positions (0-based line, UTF-16 character) and byte offsets, spans and ranges.

use lsp_types::{Position, Range, Uri};
use polc::{LineCol, LineIndex, SourceMap, Span};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The path a `file:` URI names (percent-decoded), or the URI's text for
/// another scheme (an unsaved `untitled:` buffer): a name, found on no disk.
pub fn uri_to_path(uri: &Uri) -> PathBuf {
    let text = uri.as_str();
    match text.strip_prefix("file://") {
        // `file:///C:/x` on Windows: drop the slash before the drive letter
        Some(rest) => {
            let rest = rest.find('/').map_or(rest, |slash| rest.get(slash..).unwrap_or(rest));
            let decoded = percent_decode(rest);
            match decoded.as_bytes() {
                [b'/', drive, b':', ..] if drive.is_ascii_alphabetic() && cfg!(windows) => {
                    PathBuf::from(decoded.get(1..).unwrap_or(&decoded))
                }
                _ => PathBuf::from(decoded),
            }
        }
        None => PathBuf::from(text),
    }
}

/// The `file:` URI of a path (made absolute against the working directory).
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let absolute = match path.is_absolute() {
        true => path.to_path_buf(),
        false => std::env::current_dir().ok()?.join(path),
    };
    let text = absolute.to_string_lossy().replace('\\', "/");
    let mut uri = String::from("file://");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' | b':' => uri.push(byte as char),
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    Uri::from_str(&uri).ok()
}

/// `%XX` escapes decoded; invalid escapes and invalid UTF-8 are kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|c| (*c as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// The byte offset of an LSP position (clamped into the text).
pub fn offset(lines: &LineIndex, position: Position) -> usize {
    let at = LineCol { line: position.line as usize + 1, column: position.character as usize + 1 };
    lines.offset_utf16(at)
}

/// The LSP position of a byte offset.
pub fn position(lines: &LineIndex, offset: usize) -> Position {
    let at = lines.line_col_utf16(offset);
    Position { line: to_u32(at.line.saturating_sub(1)), character: to_u32(at.column.saturating_sub(1)) }
}

/// The LSP range of a byte range.
pub fn range(lines: &LineIndex, start: usize, end: usize) -> Range {
    Range { start: position(lines, start), end: position(lines, end.max(start)) }
}

/// The LSP range of a span, in its own file.
pub fn span_range(sources: &SourceMap, span: Span) -> Option<Range> {
    let file = sources.get(span.file)?;
    Some(range(file.lines(), span.start as usize, span.end as usize))
}

/// The URI of the file a span is in.
pub fn span_uri(sources: &SourceMap, span: Span) -> Option<Uri> {
    path_to_uri(&sources.get(span.file)?.path)
}

/// The URI of the file a span is in, where file 0 is the document `root`
/// (whose URI may name no file: an unsaved `untitled:` buffer).
pub fn uri_in(root: &Uri, sources: &SourceMap, span: Span) -> Option<Uri> {
    match span.file {
        polc::FileId(0) => Some(root.clone()),
        _ => span_uri(sources, span),
    }
}

/// The location (URI and range) of a span, file 0 being the document `root`.
pub fn location(root: &Uri, sources: &SourceMap, span: Span) -> Option<lsp_types::Location> {
    Some(lsp_types::Location { uri: uri_in(root, sources, span)?, range: span_range(sources, span)? })
}

/// A whole range of the text: the `range` a full-document edit replaces.
pub fn whole(lines: &LineIndex) -> Range {
    range(lines, 0, lines.text().len())
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_uris_round_trip_with_chinese_and_spaces() {
        let path = Path::new("/tmp/政策 目录/consumer loan.pol");
        let uri = path_to_uri(path).expect("a uri");
        assert_eq!(uri.as_str(), "file:///tmp/%E6%94%BF%E7%AD%96%20%E7%9B%AE%E5%BD%95/consumer%20loan.pol");
        assert_eq!(uri_to_path(&uri), path);
    }

    #[test]
    fn positions_count_utf16_units() {
        let lines = LineIndex::new("rule A01 \"未满😀\" decline\nx".into());
        // `"` at character 9, 未 10, 满 11, 😀 12–13, `"` 14
        let quote = "rule A01 \"未满😀".len();
        assert_eq!(position(&lines, quote), Position { line: 0, character: 14 });
        assert_eq!(offset(&lines, Position { line: 0, character: 14 }), quote);
        // inside the emoji: its start; past the line: its end; past the text: the end
        assert_eq!(offset(&lines, Position { line: 0, character: 13 }), "rule A01 \"未满".len());
        assert_eq!(offset(&lines, Position { line: 0, character: 999 }), "rule A01 \"未满😀\" decline".len());
        assert_eq!(offset(&lines, Position { line: 9, character: 0 }), lines.text().len());
    }
}
