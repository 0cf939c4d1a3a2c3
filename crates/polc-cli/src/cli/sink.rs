//! Where `polc run` writes: standard output, a device or pipe in place, or a
//! file through a temporary file renamed over it when complete. Every error
//! names what could not be written.

use super::signals::Temporary;
use super::term::shown_path;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Decisions are written in pieces of whole lines of at most this many bytes
/// (a longer line alone): POSIX makes a write of up to `PIPE_BUF` bytes to a
/// pipe atomic, so a reader never sees part of a line, even if polc is killed.
pub const PIPE_BUF: usize = 4096;

/// How the decisions may be cut into writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pieces {
    /// Standard output, pipes, devices: whole lines, at most `PIPE_BUF` bytes a write.
    Lines,
    /// A temporary file nobody reads before it is complete: writes of any size.
    Any,
    /// A regular file written in place (standard output sent to a file): a
    /// piece of whole lines a write. Every write ends at a line, but a file
    /// gives no atomicity: a write cut by `kill -9` may end mid-line.
    Whole,
}

/// True when standard output is a regular file (`polc run … > out.jsonl`).
pub fn stdout_is_a_file() -> bool {
    use std::os::fd::AsFd;
    let stdout = std::io::stdout();
    let fd = stdout.as_fd().try_clone_to_owned();
    fd.ok().and_then(|fd| File::from(fd).metadata().ok()).is_some_and(|m| m.is_file())
}

/// Where decisions go, how they may be cut into writes, and its name for errors.
pub struct Sink<'a> {
    pub out: &'a mut dyn Write,
    pub pieces: Pieces,
    /// `to standard output` or `` `F` ``, after "cannot write".
    pub name: &'a str,
}

impl Sink<'_> {
    /// Writes `text`, whole lines each ending in a newline; an error names the sink.
    pub fn write(&mut self, text: &[u8]) -> std::io::Result<()> {
        match self.pieces {
            Pieces::Lines => write_whole_lines(self.out, text),
            Pieces::Any | Pieces::Whole => self.out.write_all(text),
        }
        .map_err(|e| cannot_write(self.name, e))
    }
}

impl Sink<'_> {
    /// Writes bytes that are not lines (a Parquet file's) as they are; an error names the sink.
    pub fn write_bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes).map_err(|e| cannot_write(self.name, e))
    }
}

/// Writes `text` (whole lines, each ending in a newline) in pieces of whole
/// lines of at most `PIPE_BUF` bytes (a longer line alone).
fn write_whole_lines(out: &mut dyn Write, mut text: &[u8]) -> std::io::Result<()> {
    while !text.is_empty() {
        let window = text.get(..PIPE_BUF).unwrap_or(text);
        let end = match memchr::memrchr(b'\n', window) {
            Some(at) if window.len() == PIPE_BUF || at + 1 == text.len() => at + 1,
            _ => memchr::memchr(b'\n', text).map_or(text.len(), |at| at + 1),
        };
        let (piece, rest) = text.split_at(end);
        out.write_all(piece)?;
        text = rest;
    }
    Ok(())
}

/// An error writing to `name`, saying so.
pub fn cannot_write(name: &str, error: std::io::Error) -> std::io::Error {
    std::io::Error::new(error.kind(), format!("cannot write {name}: {error}"))
}

/// Writes the decisions to `path`. A regular file (or a new one) is written
/// through a temporary file beside it and renamed over it when complete, so an
/// interrupted run never leaves a half-written output; a symbolic link is
/// followed and its target replaced. Anything else — `/dev/null`, a named pipe,
/// a terminal — is written in place: renaming over it would replace the device
/// with a plain file.
pub fn write_output<T>(path: &Path, write: impl FnOnce(Sink<'_>) -> std::io::Result<T>) -> std::io::Result<T> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {
            let target = std::fs::canonicalize(path).map_err(|e| with_path(e, path))?;
            write_atomically(&target, Some(meta.permissions()), write)
        }
        Ok(_) => {
            // unbuffered, like standard output: every write ends at a line
            let mut file = std::fs::OpenOptions::new().write(true).open(path).map_err(|e| with_path(e, path))?;
            let name = format!("`{}`", shown_path(path));
            write(Sink { out: &mut file, pieces: Pieces::Lines, name: &name })
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => write_atomically(path, None, write),
        Err(error) => Err(with_path(error, path)),
    }
}

/// Writes a temporary file beside `path` (named after it and this process, so
/// two runs never share one), flushes it to disk and renames it over `path`.
/// On failure, or a signal (see [`super::signals`]), the temporary file is
/// removed and `path` is untouched. Every error names `path`.
fn write_atomically<T>(
    path: &Path,
    permissions: Option<std::fs::Permissions>,
    write: impl FnOnce(Sink<'_>) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "output".into());
    let temporary = Temporary::new(&dir.join(format!(".{name}.{}.polc-tmp", std::process::id())));
    let temp = temporary.path();
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(temp).map_err(|e| with_path(e, temp))?;
    // writes of any size: a temporary file is only renamed into place once
    // complete, so nobody reads it half-written. A piece of a block's decisions
    // (hundreds of KiB in a long run) goes straight to the file; small ones (a
    // short run) are gathered first, as a system call per piece would cost more.
    let behind = file.try_clone().map_err(|e| with_path(e, temp))?;
    let mut out = BufWriter::with_capacity(64 << 10, file);
    let written = std::thread::scope(|scope| {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        scope.spawn(move || flush_behind(&behind, &stopped));
        let name = format!("`{}`", shown_path(path));
        let written = write(Sink { out: &mut out, pieces: Pieces::Any, name: &name });
        drop(stop);
        written
    });
    let result = written.and_then(|r| {
        let finish = || {
            out.flush()?;
            out.get_ref().sync_all()?;
            match permissions {
                Some(permissions) => out.get_ref().set_permissions(permissions),
                None => Ok(()),
            }
        };
        finish().map(|_| r).map_err(|e| with_path(e, path))
    });
    drop(out);
    match result.and_then(|r| std::fs::rename(temp, path).map(|_| r).map_err(|e| with_path(e, path))) {
        Ok(r) => Ok(r),
        Err(e) => {
            let _ = std::fs::remove_file(temp);
            Err(e)
        }
    }
}

/// Flushes `file` to disk while it is being written, until `stop` is dropped:
/// a run of a million records writes ~500 MB, and flushing it only at the end
/// kept the run waiting a quarter of a second. Errors are left to the final flush.
fn flush_behind(file: &File, stop: &std::sync::mpsc::Receiver<()>) {
    const STEP: u64 = 32 << 20;
    let mut flushed = 0;
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(std::time::Duration::from_millis(100))
    {
        let len = file.metadata().map_or(0, |m| m.len());
        if len >= flushed + STEP && file.sync_data().is_ok() {
            flushed = len;
        }
    }
}

/// An error writing `path`, naming it.
fn with_path(error: std::io::Error, path: &Path) -> std::io::Error {
    cannot_write(&format!("`{}`", shown_path(path)), error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flushing_behind_stops_when_told_and_leaves_the_data_whole() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("out.jsonl");
        let mut file = File::create(&path).unwrap_or_else(|e| panic!("{e}"));
        let behind = file.try_clone().unwrap_or_else(|e| panic!("{e}"));
        let line = "{\"id\":\"A1\",\"decision\":\"approve\"}\n".repeat(1 << 10);
        std::thread::scope(|scope| {
            let (stop, stopped) = std::sync::mpsc::channel::<()>();
            let flusher = scope.spawn(move || flush_behind(&behind, &stopped));
            // more than one flushing step (32 MiB), in steps a flush may fall between
            for _ in 0..1200 {
                file.write_all(line.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
            }
            drop(stop);
            assert!(flusher.join().is_ok());
        });
        let written = std::fs::metadata(&path).map(|m| m.len()).unwrap_or_default();
        assert_eq!(written, 1200 * line.len() as u64);
    }

    /// The pieces `write_whole_lines` writes.
    fn pieces(text: &str) -> Vec<String> {
        struct Pieces(Vec<String>);
        impl Write for Pieces {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.push(String::from_utf8_lossy(buf).into_owned());
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut out = Pieces(Vec::new());
        write_whole_lines(&mut out, text.as_bytes()).unwrap_or_default();
        out.0
    }

    #[test]
    fn output_is_written_in_whole_lines_of_at_most_pipe_buf_bytes() {
        let line = format!("{}\n", "x".repeat(999));
        let text = line.repeat(10);
        let written = pieces(&text);
        assert_eq!(written.concat(), text);
        assert!(written.iter().all(|p| p.len() <= PIPE_BUF && p.ends_with('\n')), "{:?}", written.len());
        assert_eq!(written.len(), 3, "four 1,000-byte lines to a piece");
        // a line longer than PIPE_BUF goes alone
        let long = format!("a\n{}\nb\n", "y".repeat(PIPE_BUF + 10));
        let written = pieces(&long);
        assert_eq!(written, ["a\n".to_string(), format!("{}\n", "y".repeat(PIPE_BUF + 10)), "b\n".to_string()]);
        assert!(pieces("").is_empty());
    }

    #[test]
    fn a_failed_write_names_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("out.jsonl");
        std::fs::write(&path, "before\n").unwrap_or_else(|e| panic!("{e}"));
        let error = write_output(&path, |mut sink| {
            sink.write(b"{}\n")?;
            // what a full disk answers a write
            let mut full = Full;
            Sink { out: &mut full, pieces: Pieces::Any, name: sink.name }.write(b"{}\n")
        });
        let message = error.err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(message, format!("cannot write `{}`: No space left on device", path.display()));
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some("before\n"), "untouched");
        assert_eq!(std::fs::read_dir(dir.path()).map(|d| d.count()).ok(), Some(1), "no temporary file");
    }

    /// A disk with no space left.
    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
