//! `polc fmt [--check] FILE…`: rewrite policies in the canonical layout.

use super::outln;
use super::{print_diagnostics, ColorChoice, OK, POLICY_ERRORS, USAGE_OR_IO};
use clap::Args;
use std::path::PathBuf;

/// Format policies in the one canonical layout.
///
/// Aligns the rule columns within a group, keeps every comment, and never
/// changes what a policy decides. With --check, changes nothing and exits 1
/// when a file is not formatted (for CI).
#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Policy files to format.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Report files that are not formatted instead of rewriting them.
    #[arg(long)]
    check: bool,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

pub fn run(args: FmtArgs) -> u8 {
    let (mut unformatted, mut broken, mut unreadable) = (0usize, 0usize, false);
    for file in &args.files {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("error: cannot read `{}`: {error}", file.display());
                unreadable = true;
                continue;
            }
        };
        let formatted = match polc_core::syntax::format::format(&text) {
            Ok(formatted) => formatted,
            Err(diagnostics) => {
                let mut sources = polc_core::base::source::SourceMap::default();
                sources.add(polc_core::base::source::SourceFile::new(file.clone(), file.display().to_string(), text));
                print_diagnostics(&diagnostics, &sources, args.color);
                broken += 1;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        if args.check {
            unformatted += 1;
            outln!("{}: not formatted", file.display());
            print_first_difference(&text, &formatted);
        } else if let Err(error) = std::fs::write(file, &formatted) {
            eprintln!("error: cannot write `{}`: {error}", file.display());
            unreadable = true;
        } else {
            outln!("formatted {}", file.display());
        }
    }
    if unreadable {
        USAGE_OR_IO
    } else if unformatted > 0 || broken > 0 {
        POLICY_ERRORS
    } else {
        OK
    }
}

/// Shows the first line that differs, so CI logs say where to look.
fn print_first_difference(original: &str, formatted: &str) {
    let mut lines = original.lines().zip(formatted.lines()).enumerate();
    if let Some((i, (was, should))) = lines.find(|(_, (a, b))| a != b) {
        outln!("  line {}:\n  - {was}\n  + {should}", i + 1);
    } else {
        outln!("  (the files differ in their number of lines)");
    }
}
