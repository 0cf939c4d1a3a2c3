//! Source files, spans and the loader through which the compiler reads files.
//! The library never touches the file system except through a [`Loader`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The UTF-8 byte-order mark, which Excel and Windows tools write at the start of a file.
pub const BOM: &str = "\u{feff}";

/// `text` without one UTF-8 byte-order mark at its start. Every text input —
/// policy files, list files, CSV lists, JSONL record lines — goes through this
/// one function, so that a BOM is never part of the first entry, header, key
/// or token. Only one mark, and only at the start, is removed: a second one is
/// content (and an error wherever content cannot hold it).
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix(BOM).unwrap_or(text)
}

/// [`strip_bom`] for bytes not yet checked to be UTF-8 (`EF BB BF` at the start).
pub fn strip_bom_bytes(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM.as_bytes()).unwrap_or(bytes)
}

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start: to_u32(start), end: to_u32(end) }
    }

    /// The smallest span covering both (which must be in the same file).
    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// One loaded source file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as given or resolved from a `use` (used to resolve relative paths).
    pub path: PathBuf,
    /// Name shown in diagnostics.
    pub name: String,
    pub text: Arc<str>,
    line_starts: Vec<u32>,
}

impl SourceFile {
    pub fn new(path: PathBuf, name: String, text: String) -> SourceFile {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| to_u32(i + 1))).collect();
        SourceFile { path, name, text: Arc::from(text), line_starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0) as usize;
        let end = (offset as usize).min(self.text.len());
        let column = self.text.get(start..end).map_or(0, |s| s.chars().count());
        (line + 1, column + 1)
    }

    /// The text of the 1-based line `line`, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts.get(line.wrapping_sub(1)).copied().unwrap_or(0) as usize;
        let end = self.line_starts.get(line).map_or(self.text.len(), |&e| e as usize);
        self.text.get(start..end).unwrap_or("").trim_end_matches(['\n', '\r'])
    }
}

/// All files of one compilation: the root policy and every file it `use`s.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(to_u32(self.files.len() - 1))
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(to_u32(i)), f))
    }

    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files().find(|(_, f)| f.path == path).map(|(id, _)| id)
    }

    /// File name, line and column (1-based) of a span's start.
    pub fn locate(&self, span: Span) -> Option<(&str, usize, usize)> {
        let file = self.get(span.file)?;
        let (line, column) = file.line_col(span.start);
        Some((file.name.as_str(), line, column))
    }

    /// The source text a span points into ("" for an unknown span).
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.file).and_then(|f| f.text.get(span.start as usize..span.end as usize)).unwrap_or("")
    }
}

/// How the compiler reads the files a policy names (`use`, `list … from`).
pub trait Loader: Sync {
    fn load(&self, path: &Path) -> std::io::Result<String>;

    /// The size in bytes of the file at `path`, if known without reading it
    /// (so that a file over `--max-source-bytes` is never read whole).
    fn size(&self, _path: &Path) -> Option<u64> {
        None
    }

    /// `path` with symbolic links followed, if the loader has such things and
    /// the file exists (so the policy-root check cannot be escaped by a link).
    fn canonical(&self, _path: &Path) -> Option<std::path::PathBuf> {
        None
    }
}

/// Reads files from disk.
#[derive(Debug, Default, Clone, Copy)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn size(&self, path: &Path) -> Option<u64> {
        std::fs::metadata(path).ok().filter(|m| m.is_file()).map(|m| m.len())
    }

    fn canonical(&self, path: &Path) -> Option<std::path::PathBuf> {
        std::fs::canonicalize(path).ok()
    }
}

/// Serves files from memory; for tests and for services that keep policies in a database.
#[derive(Debug, Default, Clone)]
pub struct MemoryLoader {
    files: Vec<(PathBuf, String)>,
}

impl MemoryLoader {
    pub fn new() -> MemoryLoader {
        MemoryLoader::default()
    }

    pub fn with(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> MemoryLoader {
        self.files.push((path.into(), text.into()));
        self
    }
}

impl Loader for MemoryLoader {
    fn load(&self, path: &Path) -> std::io::Result<String> {
        self.files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_byte_order_mark_at_the_start_is_removed() {
        assert_eq!(strip_bom("\u{feff}abc"), "abc");
        assert_eq!(strip_bom("abc"), "abc");
        assert_eq!(strip_bom(""), "");
        assert_eq!(strip_bom("\u{feff}\u{feff}x"), "\u{feff}x", "only one");
        assert_eq!(strip_bom("a\u{feff}"), "a\u{feff}", "only at the start");
        assert_eq!(strip_bom_bytes(b"\xef\xbb\xbf{}"), b"{}");
        assert_eq!(strip_bom_bytes(b"\xef\xbb"), b"\xef\xbb");
    }
}
