//! Source files, spans and the loader through which the compiler reads files.
//! The library never touches the file system except through a [`Loader`].

use crate::base::lines::LineIndex;
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

    /// The file read from `path` (compared without `.` and `..`, as `use` paths are).
    pub fn find(&self, path: &Path) -> Option<FileId> {
        let path = normalize(path);
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
///
/// The library reads every file through [`Loader::load_bytes_within`], with the
/// limit that applies (`--max-source-bytes`, `--max-list-bytes`), so a device or
/// a pipe (`/dev/zero`) costs at most the limit. A loader need only implement
/// [`Loader::load`]; [`FsLoader`] also bounds the read itself.
pub trait Loader: Sync {
    fn load(&self, path: &Path) -> std::io::Result<String>;

    /// The bytes of the file at `path`, if it holds at most `max_bytes`; a
    /// larger file is [`LoadError::TooLarge`]. The default loads the whole
    /// file with [`Loader::load`] and then checks its size: a loader that reads
    /// from somewhere unbounded should read at most `max_bytes + 1` bytes.
    fn load_bytes_within(&self, path: &Path, max_bytes: usize) -> Result<Vec<u8>, LoadError> {
        let text = self.load(path).map_err(LoadError::Io)?;
        if text.len() > max_bytes {
            return Err(LoadError::TooLarge { max_bytes, size: Some(text.len() as u64) });
        }
        Ok(text.into_bytes())
    }

    /// The size in bytes of the file at `path`, if known without reading it.
    fn size(&self, _path: &Path) -> Option<u64> {
        None
    }

    /// `path` with symbolic links followed, if the loader has such things and
    /// the file exists (so the policy-root check cannot be escaped by a link).
    fn canonical(&self, _path: &Path) -> Option<std::path::PathBuf> {
        None
    }
}

/// Why a file could not be loaded within its limit.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read (it does not exist, a permission, …).
    #[error("{0}")]
    Io(std::io::Error),
    /// The file holds more than `max_bytes`; `size` when the loader knows it
    /// (a regular file, which is then not read at all).
    #[error("{}", match size {
        Some(size) => format!("it is {size} bytes, more than {max_bytes}"),
        None => format!("it holds more than {max_bytes} bytes"),
    })]
    TooLarge { max_bytes: usize, size: Option<u64> },
    /// The file is not UTF-8 text.
    #[error("{0}")]
    NotUtf8(NotUtf8),
}

/// Where a file stops being UTF-8 text, and what it probably is instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct NotUtf8 {
    /// The 1-based line of the first byte that is not UTF-8.
    pub line: usize,
    /// Its 1-based byte column in that line.
    pub column: usize,
    /// The bytes there, as the message shows them (`B9 FA`).
    pub bytes: String,
    /// What the file looks like instead: UTF-16, GBK / GB 18030, or unknown.
    pub guess: Encoding,
}

/// The encoding a file that is not UTF-8 seems to be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// It starts with a UTF-16 byte-order mark (`FF FE` or `FE FF`).
    Utf16,
    /// Its bytes form GBK / GB 18030 pairs (the usual Chinese Windows encoding).
    Gbk,
    /// Something else (Latin-1, binary data, a cut-off file).
    Unknown,
}

impl NotUtf8 {
    /// What is wrong, where, and how to fix it.
    pub fn message(&self) -> String {
        format!("line {}: {}", self.line, self.within_line())
    }

    /// What is wrong and how to fix it, for a message that names the line already.
    pub fn within_line(&self) -> String {
        let NotUtf8 { column, bytes, guess, .. } = self;
        let fix = match guess {
            Encoding::Utf16 => "the file looks like UTF-16: save it as UTF-8",
            Encoding::Gbk => {
                "they look like GBK / GB 18030 (the usual Chinese Windows encoding): save the file as UTF-8"
            }
            Encoding::Unknown => "save the file as UTF-8",
        };
        format!("not UTF-8 text: byte {column} of the line is `{bytes}`; {fix}")
    }
}

/// The bytes as text, or where and why they are not UTF-8.
pub fn utf8_text(bytes: Vec<u8>) -> Result<String, NotUtf8> {
    String::from_utf8(bytes).map_err(|error| {
        let bytes = error.as_bytes();
        let at = error.utf8_error().valid_up_to();
        let before = bytes.get(..at).unwrap_or_default();
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        let line = memchr::memchr_iter(b'\n', before).count() + 1;
        let shown: Vec<String> =
            bytes.get(at..).unwrap_or_default().iter().take(2).map(|b| format!("{b:02X}")).collect();
        let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
        let gbk = matches!(bytes.get(at..at + 2), Some(&[0x81..=0xFE, 0x40..=0xFE]));
        let guess = if utf16 {
            Encoding::Utf16
        } else if gbk {
            Encoding::Gbk
        } else {
            Encoding::Unknown
        };
        NotUtf8 { line, column: at - line_start + 1, bytes: shown.join(" "), guess }
    })
}

/// The text of the file at `path`, if it holds at most `max_bytes` and is UTF-8.
/// A byte-order mark is left in place: each reader removes it with [`strip_bom`].
pub fn load_text_within(loader: &dyn Loader, path: &Path, max_bytes: usize) -> Result<String, LoadError> {
    utf8_text(loader.load_bytes_within(path, max_bytes)?).map_err(LoadError::NotUtf8)
}

/// Reads files from disk.
#[derive(Debug, Default, Clone, Copy)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }

    /// A regular file over the limit is not read at all (its size is asked
    /// first); anything else — a device, a pipe, a file that grows — is read
    /// to at most `max_bytes + 1` bytes.
    fn load_bytes_within(&self, path: &Path, max_bytes: usize) -> Result<Vec<u8>, LoadError> {
        use std::io::Read;
        let file = std::fs::File::open(path).map_err(LoadError::Io)?;
        let metadata = file.metadata().map_err(LoadError::Io)?;
        let size = metadata.is_file().then_some(metadata.len());
        if let Some(size) = size.filter(|&n| n > max_bytes as u64) {
            return Err(LoadError::TooLarge { max_bytes, size: Some(size) });
        }
        // room for all that may be read (`max_bytes + 1`) and a byte more, reserved
        // once: a full buffer would make `read_to_end` double it to look for the
        // end, holding twice the limit (a device read to the limit); pages not
        // written to cost no memory
        let room = size.map_or(max_bytes, |n| usize::try_from(n).unwrap_or(max_bytes)).min(max_bytes);
        let mut bytes = Vec::new();
        if bytes.try_reserve_exact(room.saturating_add(2).min((1 << 30) + 2)).is_err() {
            bytes.reserve(1 << 16);
        }
        let bound = u64::try_from(max_bytes).unwrap_or(u64::MAX).saturating_add(1);
        file.take(bound).read_to_end(&mut bytes).map_err(LoadError::Io)?;
        if bytes.len() > max_bytes {
            return Err(LoadError::TooLarge { max_bytes, size: None });
        }
        Ok(bytes)
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

/// Lexically removes `.` and `..` (the loader may not be a file system). A
/// `..` that cannot be removed (at the start of a relative path) is kept.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Texts that stand in for files, over another loader: an editor's unsaved
/// buffers. A path is matched after `.` and `..` are removed, as `use` paths
/// are; every other file, and every question about links, goes to `base`.
pub struct Overlay<'a> {
    base: &'a dyn Loader,
    texts: Vec<(PathBuf, String)>,
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a dyn Loader) -> Overlay<'a> {
        Overlay { base, texts: Vec::new() }
    }

    /// `text` stands for the file at `path` (a later text for the same path wins).
    pub fn with(mut self, path: impl AsRef<Path>, text: impl Into<String>) -> Overlay<'a> {
        self.texts.insert(0, (normalize(path.as_ref()), text.into()));
        self
    }

    fn text(&self, path: &Path) -> Option<&str> {
        let path = normalize(path);
        self.texts.iter().find(|(p, _)| *p == path).map(|(_, t)| t.as_str())
    }
}

impl std::fmt::Debug for Overlay<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overlay").field("files", &self.texts.iter().map(|(p, _)| p).collect::<Vec<_>>()).finish()
    }
}

impl Loader for Overlay<'_> {
    fn load(&self, path: &Path) -> std::io::Result<String> {
        match self.text(path) {
            Some(text) => Ok(text.to_string()),
            None => self.base.load(path),
        }
    }

    fn load_bytes_within(&self, path: &Path, max_bytes: usize) -> Result<Vec<u8>, LoadError> {
        match self.text(path) {
            Some(text) if text.len() > max_bytes => {
                Err(LoadError::TooLarge { max_bytes, size: Some(text.len() as u64) })
            }
            Some(text) => Ok(text.as_bytes().to_vec()),
            None => self.base.load_bytes_within(path, max_bytes),
        }
    }

    fn size(&self, path: &Path) -> Option<u64> {
        match self.text(path) {
            Some(text) => Some(text.len() as u64),
            None => self.base.size(path),
        }
    }

    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        self.base.canonical(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overlay_stands_in_for_its_files_only() {
        let base = MemoryLoader::new().with("dir/a.pol", "on disk").with("dir/b.pol", "b on disk");
        let overlay = Overlay::new(&base).with("dir/./x/../a.pol", "unsaved").with("new.pol", "not on disk");
        let read = |p: &str| overlay.load_bytes_within(Path::new(p), 100).map(String::from_utf8);
        assert_eq!(read("dir/a.pol").ok().and_then(Result::ok).as_deref(), Some("unsaved"));
        assert_eq!(read("dir/b.pol").ok().and_then(Result::ok).as_deref(), Some("b on disk"));
        assert_eq!(read("new.pol").ok().and_then(Result::ok).as_deref(), Some("not on disk"));
        assert!(read("missing.pol").is_err());
        assert!(matches!(overlay.load_bytes_within(Path::new("dir/a.pol"), 3), Err(LoadError::TooLarge { .. })));
        assert_eq!(overlay.size(Path::new("new.pol")), Some(11));
        let later = Overlay::new(&base).with("a", "first").with("a", "second");
        assert_eq!(later.load(Path::new("a")).ok().as_deref(), Some("second"));
    }

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
