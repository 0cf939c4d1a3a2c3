//! The process's one writer for each standard stream, and the escaping of text
//! that came from input before it is shown to people.
//!
//! Every write to standard output or standard error goes through [`to_stdout`] or
//! [`to_stderr`] (or the `outln!` / `errln!` macros): a stream that is closed or full
//! ends the process with exit code 2 (I/O error) instead of a panic, after
//! removing any temporary output file. Nothing in the binary uses `print!`,
//! `println!`, `eprint!` or `eprintln!`. (`polc run` streams its decisions
//! through the same standard output handle, in whole lines, and handles its
//! errors where it writes: see `sink.rs`.)

use std::borrow::Cow;
use std::fmt;
use std::io::Write;

/// `println!` for the CLI (see [`to_stdout`]).
macro_rules! outln {
    () => {
        $crate::cli::term::to_stdout("\n")
    };
    ($($arg:tt)*) => {
        $crate::cli::term::to_stdout(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;

/// `print!` for the CLI (see [`to_stdout`]).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::term::to_stdout(&format!($($arg)*))
    };
}
pub(crate) use out;

/// `eprintln!` for the CLI (see [`to_stderr`]).
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::term::to_stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use errln;

/// Writes `text` to standard output. When that fails, says so on standard error
/// (unless the reader went away: `polc … | head` is not an error worth a word)
/// and ends the process with exit code 2.
pub fn to_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush()) {
        drop(stdout);
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            let _ = write_err(&format!("error: cannot write to standard output: {error}\n"));
        }
        stop(super::USAGE_OR_IO);
    }
}

/// Writes `text` to standard error. When that fails there is nowhere left to
/// say so: the process ends with exit code 2.
pub fn to_stderr(text: &str) {
    if write_err(text).is_err() {
        stop(super::USAGE_OR_IO);
    }
}

fn write_err(text: &str) -> std::io::Result<()> {
    let mut stderr = std::io::stderr().lock();
    stderr.write_all(text.as_bytes()).and_then(|_| stderr.flush())
}

/// Ends the process with `code`, removing the temporary output files first.
pub fn stop(code: u8) -> ! {
    super::signals::remove_temporaries();
    std::process::exit(i32::from(code))
}

/// Text that came from input (a record, a policy, a file name, an argument),
/// escaped for a terminal: control characters (C0, DEL, C1: a terminal obeys
/// `ESC [ …` and the 8-bit CSI), the bidirectional overrides and isolates (they
/// reorder what is shown) and the byte order mark (invisible) appear as `\n`,
/// `\t`, `\r` or `\u{1b}`, so what is printed is what the input holds.
pub fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A path as [`shown`] text.
pub fn shown_path(path: &std::path::Path) -> String {
    shown(&path.display().to_string()).into_owned()
}

/// [`shown`] as a `Display` wrapper, for `format!` arguments.
pub struct Shown<'a>(pub &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&shown(self.0))
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_is_kept() {
        assert!(matches!(shown("A0000001 张三 ✓"), Cow::Borrowed(_)));
        assert_eq!(shown("\u{1b}[2J\u{1b}]0;owned\u{7}"), "\\u{1b}[2J\\u{1b}]0;owned\\u{7}");
        assert_eq!(shown("a\nb\tc\rd"), "a\\nb\\tc\\rd");
        assert_eq!(shown("\u{9b}31m \u{7f}"), "\\u{9b}31m \\u{7f}", "8-bit CSI and DEL");
        assert_eq!(shown("abc\u{202e}fed"), "abc\\u{202e}fed", "right-to-left override");
        assert_eq!(shown("\u{feff}{"), "\\u{feff}{");
        assert_eq!(Shown("x\u{0}").to_string(), "x\\u{0}");
    }
}
