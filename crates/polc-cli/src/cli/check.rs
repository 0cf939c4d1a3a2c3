//! `polc check FILE…`: type-check policies (and their lists) for CI.

use super::outln;
use super::{print_diagnostics, ColorChoice, OK, POLICY_ERRORS, USAGE_OR_IO};
use clap::{Args, ValueEnum};
use polc::{FsLoader, Policy, Severity};
use polc_core::base::diag::render_json;
use std::path::PathBuf;

/// Type-check policies: names, types, authority delegation, lists.
///
/// Every problem is reported, not just the first, each with a stable code
/// (`polc explain CODE` tells more). Exit code 1 when any file has errors
/// (or warnings, with --deny-warnings).
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Policy files to check.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// `human` (miette reports on stderr) or `json` (one object a line on stdout, for CI).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    deny_warnings: bool,
    /// Do not load the policies' list files (check the policy text only).
    #[arg(long)]
    skip_lists: bool,
    /// When to colour the human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    source: super::SourceArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

pub fn run(args: CheckArgs) -> u8 {
    let (mut errors, mut warnings, mut unreadable) = (0usize, 0usize, false);
    for file in &args.files {
        if let Err(error) = std::fs::metadata(file) {
            eprintln!("error: cannot read `{}`: {error}", file.display());
            unreadable = true;
            continue;
        }
        let polc::Compilation { sources, mut diagnostics, program } =
            polc::compile_with(file, &FsLoader, &args.source.options());
        let sources = &sources;
        if let Some(program) = program.filter(|_| !args.skip_lists) {
            let compiled =
                polc::Compilation { sources: Default::default(), diagnostics: Vec::new(), program: Some(program) };
            if let Ok(mut policy) = Policy::from_compilation(compiled) {
                policy.set_list_limits(args.source.list_limits());
                diagnostics.extend(policy.bind_default_lists(&FsLoader, &[]));
                // not freed: the process ends soon and returns it whole, while
                // freeing the tree of a 10,000-rule policy node by node takes ~10 ms
                std::mem::forget(policy);
            }
        }
        errors += diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        warnings += diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
        match args.format {
            Format::Human => print_diagnostics(&diagnostics, sources, args.color),
            Format::Json => {
                for d in &diagnostics {
                    outln!("{}", render_json(d, sources));
                }
            }
        }
    }
    if args.format == Format::Human {
        let files = args.files.len();
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        eprintln!("checked {}: {}, {}", plural(files, "file"), plural(errors, "error"), plural(warnings, "warning"));
    }
    if unreadable {
        USAGE_OR_IO
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        POLICY_ERRORS
    } else {
        OK
    }
}
