//! `polc fmt [--check] PATH…`: rewrite policies in the canonical layout; `-`
//! formats standard input to standard output (for an editor's format-on-save).

use super::term::{errln, outln, shown, shown_path};
use super::{examples, print_diagnostics, ColorChoice, OK, POLICY_ERRORS, USAGE_OR_IO};
use clap::Args;
use std::path::{Path, PathBuf};

/// Format policies in the one canonical layout.
///
/// Aligns the rule columns within a group, keeps every comment, and never
/// changes what a policy decides. A directory is searched for `.pol` files.
/// With --check, changes nothing and exits 1 when a file is not formatted (for
/// CI). `-` reads a policy from standard input and writes it formatted to
/// standard output (nothing, and exit 1, when it does not parse).
#[derive(Args, Debug)]
#[command(after_help = examples!(
    "polc fmt policies/",
    "polc fmt --check policies/",
    "polc fmt - < policy.pol > formatted.pol",
))]
pub struct FmtArgs {
    /// Policy files or directories, or `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Report files that are not formatted instead of rewriting them.
    #[arg(long)]
    check: bool,
    /// The file name standard input (`-`) stands for in diagnostics.
    #[arg(long, value_name = "PATH", default_value = "<stdin>")]
    stdin_name: PathBuf,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

/// What formatting one file found.
enum Formatted {
    Same,
    Changed,
    /// It does not parse (the diagnostics are printed).
    Broken,
    /// It could not be read or written (the error is printed).
    Failed,
}

pub fn run(args: FmtArgs) -> u8 {
    let files = super::paths::expand(&args.paths, |_| true);
    if files.is_empty() {
        errln!("error: no `.pol` files to format");
        return USAGE_OR_IO;
    }
    let (mut unformatted, mut broken, mut failed) = (0usize, 0usize, false);
    for file in &files {
        let outcome = if file.as_os_str() == "-" { format_stdin(&args) } else { format_file(file, &args) };
        match outcome {
            Formatted::Same => {}
            Formatted::Changed => unformatted += 1,
            Formatted::Broken => broken += 1,
            Formatted::Failed => failed = true,
        }
    }
    if failed {
        USAGE_OR_IO
    } else if (args.check && unformatted > 0) || broken > 0 {
        POLICY_ERRORS
    } else {
        OK
    }
}

/// The canonical layout of `text`, or `None` after printing why it has none.
fn formatted(name: &Path, text: &str, color: ColorChoice) -> Option<String> {
    match polc_core::syntax::format::format(text) {
        Ok(formatted) => Some(formatted),
        Err(diagnostics) => {
            let mut sources = polc_core::base::source::SourceMap::default();
            let file = polc_core::base::source::SourceFile::new(
                name.to_path_buf(),
                name.display().to_string(),
                text.to_string(),
            );
            sources.add(file);
            print_diagnostics(&diagnostics, &sources, color);
            None
        }
    }
}

fn format_file(file: &Path, args: &FmtArgs) -> Formatted {
    let max_bytes = polc::Limits::default().max_source_bytes;
    let text = match polc_core::base::source::load_text_within(&polc::FsLoader, file, max_bytes) {
        Ok(text) => text,
        Err(error) => {
            errln!("error: cannot read `{}`: {error}", shown_path(file));
            return Formatted::Failed;
        }
    };
    let Some(formatted) = formatted(file, &text, args.color) else { return Formatted::Broken };
    if formatted == text {
        return Formatted::Same;
    }
    if args.check {
        outln!("{}: not formatted", shown_path(file));
        print_first_difference(&text, &formatted);
        return Formatted::Changed;
    }
    // through a temporary file renamed over it: a full disk or a signal never
    // leaves a policy half-written
    match super::sink::write_output(file, |mut sink| sink.write(formatted.as_bytes())) {
        Ok(()) => {
            outln!("formatted {}", shown_path(file));
            Formatted::Changed
        }
        Err(error) => {
            errln!("error: {error}");
            Formatted::Failed
        }
    }
}

fn format_stdin(args: &FmtArgs) -> Formatted {
    let text = match super::check::read_stdin(polc::Limits::default().max_source_bytes) {
        Ok(text) => text,
        Err(error) => {
            errln!("error: cannot read standard input: {error}");
            return Formatted::Failed;
        }
    };
    let Some(formatted) = formatted(&args.stdin_name, &text, args.color) else { return Formatted::Broken };
    if args.check {
        if formatted == text {
            return Formatted::Same;
        }
        outln!("{}: not formatted", shown_path(&args.stdin_name));
        print_first_difference(&text, &formatted);
        return Formatted::Changed;
    }
    super::term::to_stdout(&formatted);
    if formatted == text {
        Formatted::Same
    } else {
        Formatted::Changed
    }
}

/// Shows the first line that differs, so CI logs say where to look.
fn print_first_difference(original: &str, formatted: &str) {
    let mut lines = original.lines().zip(formatted.lines()).enumerate();
    if let Some((i, (was, should))) = lines.find(|(_, (a, b))| a != b) {
        outln!("  line {}:\n  - {}\n  + {}", i + 1, shown(was), shown(should));
    } else {
        outln!("  (the files differ in their number of lines)");
    }
}
