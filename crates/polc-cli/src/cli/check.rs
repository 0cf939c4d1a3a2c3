//! `polc check PATH…`: type-check policies (and their lists) for CI, for
//! people or as JSON Lines, SARIF, GitHub annotations or JUnit XML.

use super::report::{self, Checked};
use super::term::{self, errln, outln, shown_path};
use super::{examples, print_diagnostics, ColorChoice, OK, POLICY_ERRORS, USAGE_OR_IO};
use clap::{Args, ValueEnum};
use polc::{Diagnostic, FsLoader, Policy, Severity, SourceMap};
use polc_core::base::codes::Code;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Type-check policies: names, types, authority delegation, lists.
///
/// Every problem is reported, not just the first, each with a stable code
/// (`polc explain CODE` tells more). A directory is searched for `.pol` files;
/// `-` reads one policy from standard input. Exit code 1 when any file has
/// errors (or warnings, with --deny-warnings), 2 when one cannot be read.
#[derive(Args, Debug)]
#[command(after_help = examples!(
    "polc check policies/consumer_loan.pol",
    "polc check policies/ --deny-warnings",
    "polc check policies/ --format sarif > polc.sarif",
    "polc check policies/ --format github",
    "polc check - --stdin-name policies/consumer_loan.pol < buffer.pol",
))]
pub struct CheckArgs {
    /// Policy files or directories, or `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// `human` (miette reports on stderr), `json` (one object a line on stdout,
    /// schema_version 1), `sarif` (SARIF 2.1.0 on stdout), `github` (GitHub
    /// Actions annotations on stdout) or `junit` (JUnit XML on stdout).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    deny_warnings: bool,
    /// Do not load the policies' list files (check the policy text only).
    #[arg(long)]
    skip_lists: bool,
    /// The file name standard input (`-`) stands for: shown in diagnostics, and
    /// where its relative `use` and `list … from` paths are found.
    #[arg(long, value_name = "PATH", default_value = "<stdin>")]
    stdin_name: PathBuf,
    /// When to colour the human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Also report what is in force on DATE (§15): rules and credit limits in
    /// and out of force, and the version of each versioned const (on stdout;
    /// with `--format json`, one object a file with `"in_force"`).
    #[arg(long, value_name = "DATE", value_parser = super::run::parse_date)]
    as_of: Option<chrono::NaiveDate>,
    #[command(flatten)]
    source: super::SourceArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
}

pub fn run(args: CheckArgs) -> u8 {
    let files = super::paths::policies_for_tests(super::paths::expand(&args.paths, |_| true));
    if files.is_empty() {
        errln!(
            "error: no `.pol` files in {}",
            args.paths.iter().map(|p| format!("`{}`", shown_path(p))).collect::<Vec<_>>().join(", ")
        );
        return USAGE_OR_IO;
    }
    let (mut errors, mut warnings, mut unreadable) = (0usize, 0usize, false);
    let mut checked = Vec::new();
    for file in &files {
        let (name, sources, diagnostics, could_not_read, in_force) = check_one(file, &args);
        unreadable |= could_not_read;
        errors += diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        warnings += diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
        let json = || diagnostics.iter().map(|d| report::diagnostic_json(d, &sources, &name)).collect::<Vec<_>>();
        match args.format {
            Format::Human => print_diagnostics(&diagnostics, &sources, args.color),
            Format::Json => json().iter().for_each(|d| outln!("{d}")),
            Format::Github => json().iter().for_each(|d| outln!("{}", report::github(d))),
            Format::Sarif | Format::Junit => {
                checked.push(Checked { name: name.clone(), diagnostics: json(), unreadable: could_not_read })
            }
        }
        if let Some(report) = in_force {
            match args.format {
                Format::Json => outln!("{}", serde_json::json!({ "file": name, "in_force": report })),
                _ => outln!("{}", report.text().trim_end()),
            }
        }
    }
    match args.format {
        Format::Human | Format::Github => {
            let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            errln!(
                "checked {}: {}, {}",
                plural(files.len(), "file"),
                plural(errors, "error"),
                plural(warnings, "warning")
            );
        }
        Format::Json => {}
        Format::Sarif => outln!("{:#}", report::sarif(&checked)),
        Format::Junit => term::to_stdout(&report::junit(&checked, args.deny_warnings)),
    }
    if unreadable {
        USAGE_OR_IO
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        POLICY_ERRORS
    } else {
        OK
    }
}

/// Checks one file (or standard input, for `-`): its name as shown, its
/// sources and diagnostics, and whether it could not be read at all (an I/O
/// error, reported as the diagnostic N0107 like an unreadable `use`).
type CheckedFile = (String, SourceMap, Vec<Diagnostic>, bool, Option<polc_core::engine::in_force::InForce>);

fn check_one(file: &Path, args: &CheckArgs) -> CheckedFile {
    // a policy's test file (`NAME.test.pol`) is checked with it
    let options = polc::CompileOptions { test_files: true, ..args.source.options() };
    let (name, compilation) = if file.as_os_str() == "-" {
        let name = args.stdin_name.display().to_string();
        match read_stdin(options.limits.max_source_bytes) {
            Ok(text) => (name, polc::compile_source_with(&args.stdin_name, &text, &FsLoader, &options)),
            Err(error) => return (name.clone(), SourceMap::default(), vec![unreadable(&name, &error)], true, None),
        }
    } else {
        let name = file.display().to_string();
        // opened first, so that an unreadable file is an I/O error (exit 2), not a policy error
        if let Err(error) = std::fs::File::open(file) {
            return (name.clone(), SourceMap::default(), vec![unreadable(&name, &error)], true, None);
        }
        (name, polc::compile_with(file, &FsLoader, &options))
    };
    let polc::Compilation { sources, mut diagnostics, program } = compilation;
    let in_force = args.as_of.zip(program.as_ref()).map(|(day, p)| polc_core::engine::in_force::in_force(p, day));
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
    (name, sources, diagnostics, false, in_force)
}

/// The diagnostic of a policy file that cannot be read.
fn unreadable(name: &str, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error(Code::N0107, format!("cannot read `{}`: {error}", term::shown(name)))
}

/// Standard input as text, reading at most one byte past `limit` (the
/// compiler then reports the source as too large, P0007).
pub fn read_stdin(limit: usize) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin().lock().take(limit as u64 + 1).read_to_end(&mut bytes)?;
    String::from_utf8(bytes).map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}
