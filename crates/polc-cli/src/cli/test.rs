//! `polc test PATH…`: run the in-language tests of policies, with coverage.

use super::term::{errln, outln, shown, shown_path};
use super::{examples, print_diagnostics, ColorChoice, OK, POLICY_ERRORS, USAGE_OR_IO};
use crate::cli::run::today_in_shanghai;
use chrono::NaiveDate;
use clap::Args;
use polc::{FsLoader, Policy};
use polc_core::engine::testing::{run_tests, TestReport};
use std::path::{Path, PathBuf};

/// Run the `test` blocks of policies.
///
/// Each test gives an input record (or a fixture `with` changes), an `as_of`
/// date and the expected decision; a failure shows expected and actual side by
/// side. Directories are searched for `.pol` files that have a `policy` header;
/// a policy's tests may also stand in `NAME.test.pol` beside `NAME.pol`, read with it.
/// Exit code 1 when a test fails, a policy does not compile or (with
/// --fail-under) its coverage is too low.
#[derive(Args, Debug)]
#[command(after_help = examples!(
    "polc test policies/",
    "polc test policies/consumer_loan.pol --coverage",
    "polc test policies/ --format json --as-of 2026-11-22",
    "polc test policies/ --coverage --fail-under 100",
))]
pub struct TestArgs {
    /// Policy files or directories.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Also report coverage: per rule whether some test made it fire, per
    /// authority level whether some test it authorised and some it escalated,
    /// with a total and what no test reached (with its place).
    #[arg(long)]
    coverage: bool,
    /// Exit 1 when a policy's tests reach less than PCT percent of its coverage
    /// states (0 to 100; the states counted by --coverage).
    #[arg(long, value_name = "PCT", value_parser = percent)]
    fail_under: Option<f64>,
    /// `human`, or `json` (one object per policy file on stdout).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// The date for tests that give no `as_of` (default: today in Asia/Shanghai).
    #[arg(long, value_name = "DATE", value_parser = crate::cli::run::parse_date)]
    as_of: Option<NaiveDate>,
    /// When to colour the human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    source: super::SourceArgs,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

pub fn run(args: TestArgs) -> u8 {
    let mut files = Vec::new();
    for path in &args.paths {
        if path.is_dir() {
            collect_policies(path, &mut files);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            errln!("error: cannot read `{}`: no such file or directory", shown_path(path));
            return USAGE_OR_IO;
        }
    }
    // a test file named on the command line stands for its policy, which reads it
    let files = super::paths::policies_for_tests(files);
    let as_of = args.as_of.unwrap_or_else(today_in_shanghai);
    let (mut passed, mut failed, mut broken) = (0usize, 0usize, 0usize);
    let mut below = Vec::new();
    for file in &files {
        let options = polc::CompileOptions { test_files: true, ..args.source.options() };
        let compilation = polc::compile_with(file, &FsLoader, &options);
        let sources = compilation.sources.clone();
        let errors: Vec<_> = compilation.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        let mut policy = match Policy::from_compilation(compilation) {
            Ok(policy) => policy,
            Err(_) => {
                broken += 1;
                report_broken(file, &errors, &sources, &args);
                continue;
            }
        };
        policy.set_list_limits(args.source.list_limits());
        let problems = policy.bind_default_lists(&FsLoader, &[]);
        if !problems.is_empty() {
            broken += 1;
            report_broken(file, &problems, &Default::default(), &args);
            continue;
        }
        let report = run_tests(&policy, as_of);
        if let Some(minimum) = args.fail_under.filter(|m| report.coverage.percent() < *m) {
            below.push(format!(
                "{}: coverage {:.1}% is below --fail-under {minimum}%",
                shown_path(file),
                report.coverage.percent()
            ));
        }
        failed += report.failed();
        passed += report.results.len() - report.failed();
        match args.format {
            Format::Human => print_human(file, &policy, &report, args.coverage),
            Format::Json => outln!("{}", report_json(file, &policy, &report, args.coverage)),
        }
    }
    if args.format == Format::Human {
        if broken > 0 {
            errln!("{broken} policy file(s) did not compile");
        }
        outln!("{passed} passed, {failed} failed");
    }
    for line in &below {
        errln!("{line}");
    }
    if failed > 0 || broken > 0 || !below.is_empty() {
        POLICY_ERRORS
    } else {
        OK
    }
}

fn report_broken(
    file: &Path,
    diagnostics: &[polc::Diagnostic],
    sources: &polc_core::base::source::SourceMap,
    args: &TestArgs,
) {
    match args.format {
        Format::Human => {
            outln!("{}: does not compile", shown_path(file));
            print_diagnostics(diagnostics, sources, args.color);
        }
        Format::Json => {
            let diagnostics: Vec<_> =
                diagnostics.iter().map(|d| polc_core::base::diag::render_json(d, sources)).collect();
            outln!("{}", serde_json::json!({ "file": file.display().to_string(), "diagnostics": diagnostics }));
        }
    }
}

/// `.pol` files with a `policy` header below `dir` (files without one are
/// libraries brought in with `use`), in name order.
fn collect_policies(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_policies(&path, out);
        } else if path.extension().is_some_and(|e| e == "pol") && has_policy_header(&path) {
            out.push(path);
        }
    }
}

fn has_policy_header(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| text.lines().any(|l| l.starts_with("policy ")))
}

fn line_of(policy: &Policy, span: polc_core::base::source::Span) -> usize {
    policy.program().sources.locate(span).map_or(0, |(_, line, _)| line)
}

/// `FILE:LINE` of `span`: the policy's or its test file's.
fn place(policy: &Policy, span: polc_core::base::source::Span) -> String {
    match policy.program().sources.locate(span) {
        Some((file, line, _)) => format!("{}:{line}", shown(file)),
        None => "?".to_string(),
    }
}

fn print_human(file: &Path, policy: &Policy, report: &TestReport, coverage: bool) {
    outln!("{}", shown_path(file));
    if report.results.is_empty() {
        outln!("  (no tests)");
    }
    for result in &report.results {
        if result.passed {
            outln!("  ✓ {}", shown(&result.name));
        } else {
            outln!("  ✗ {}  ({})", shown(&result.name), place(policy, result.span));
            outln!("      expected  {}", shown(&result.expected));
            outln!("      actual    {}", shown(&result.actual));
        }
    }
    if coverage {
        super::coverage::print(policy, &report.coverage);
    }
    outln!();
}

fn report_json(file: &Path, policy: &Policy, report: &TestReport, coverage: bool) -> serde_json::Value {
    let tests: Vec<_> = report
        .results
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.name, "passed": r.passed, "expected": r.expected, "actual": r.actual,
                "file": policy.program().sources.locate(r.span).map(|(f, _, _)| f.to_string()),
                "line": line_of(policy, r.span),
            })
        })
        .collect();
    let mut out = serde_json::json!({
        "file": file.display().to_string(),
        "passed": report.results.len() - report.failed(),
        "failed": report.failed(),
        "tests": tests,
    });
    if coverage {
        out["coverage"] = super::coverage::json(policy, &report.coverage);
    }
    out
}

/// A percentage for --fail-under: a number from 0 to 100.
fn percent(text: &str) -> Result<f64, String> {
    match text.trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{}` is not a percentage from 0 to 100", super::term::Shown(text))),
    }
}
