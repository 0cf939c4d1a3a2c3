//! Source files, spans and the loader through which the compiler reads files.
//! The library never touches the file system except through a [`Loader`].

use crate::base::lines::LineIndex;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
        self.end.saturating_sub(self.start) as usize
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
    lines: LineIndex,
}

impl SourceFile {
    pub fn new(path: PathBuf, name: String, text: String) -> SourceFile {
        let text: Arc<str> = Arc::from(text);
        SourceFile { path, name, lines: LineIndex::new(text.clone()), text }
    }

    /// Where the lines start: the one conversion from byte offsets to lines
    /// and columns (in characters, or in UTF-16 units for an LSP client).
    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let at = self.lines.line_col(offset as usize);
        (at.line, at.column)
    }

    /// The text of the 1-based line `line`, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let range = if line == 0 { 0..0 } else { self.lines.line_range(line - 1) };
        self.text.get(range).unwrap_or("")
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
