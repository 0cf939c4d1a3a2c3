//! `polc doc POLICY`: the policy as a document for the risk committee (§15),
//! in Markdown or as one self-contained HTML file.

use super::term::{errln, shown_path};
use super::{examples, print_diagnostics, ColorChoice, OK, POLICY_ERRORS, USAGE_OR_IO};
use crate::cli::run::today_in_shanghai;
use chrono::NaiveDate;
use clap::Args;
use polc::{FsLoader, Policy};
use polc_core::engine::doc::{document, html, markdown};
use polc_core::engine::testing::run_tests;
use std::path::PathBuf;

/// Write the policy as a document for the risk committee.
///
/// The document gives the policy's title, version, hash and the dates it is in
/// force; its rules group by group with their messages, their conditions
/// written out for people (≥ ≤ ≠, "is on list", "is one of"), their basis and
/// effective ranges; its scorecards, decision tables and authority matrix
/// (levels × limits) as tables; its lists with their files, entry counts and
/// SHA-256 digests; and what its own tests (including `NAME.test.pol`) cover.
/// A policy with errors writes nothing: its diagnostics, and exit code 1.
#[derive(Args, Debug)]
#[command(after_help = examples!(
    "polc doc policies/consumer_loan.pol",
    "polc doc policies/micro_business_loan.pol --format html -o micro_business_loan.html",
))]
pub struct DocArgs {
    /// The policy file.
    #[arg(value_name = "POLICY")]
    policy: PathBuf,
    /// `md` (Markdown, GitHub's tables) or `html` (one self-contained file that prints well).
    #[arg(long, value_enum, default_value_t = Format::Md)]
    format: Format,
    /// Write the document to FILE (through a temporary file, renamed when complete)
    /// instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The date for tests that give no `as_of` (default: today in Asia/Shanghai).
    #[arg(long, value_name = "DATE", value_parser = crate::cli::run::parse_date)]
    as_of: Option<NaiveDate>,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    source: super::SourceArgs,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    Md,
    Html,
}

pub fn run(args: DocArgs) -> u8 {
    if let Err(error) = std::fs::metadata(&args.policy) {
        errln!("error: cannot read `{}`: {error}", shown_path(&args.policy));
        return USAGE_OR_IO;
    }
    let options = polc::CompileOptions { test_files: true, ..args.source.options() };
    let compilation = polc::compile_with(&args.policy, &FsLoader, &options);
    let mut policy = match Policy::from_compilation(compilation) {
        Ok(policy) => policy,
        Err(failed) => {
            print_diagnostics(&failed.diagnostics, &failed.sources, args.color);
            errln!("error: `{}` has errors: no document was written", shown_path(&args.policy));
            return POLICY_ERRORS;
        }
    };
    policy.set_list_limits(args.source.list_limits());
    let problems = policy.bind_default_lists(&FsLoader, &[]);
    if !problems.is_empty() {
        print_diagnostics(&problems, &Default::default(), args.color);
        errln!("error: the lists of `{}` could not be read: no document was written", shown_path(&args.policy));
        let io = problems.iter().any(|d| d.code.is_usage_or_io());
        return if io { USAGE_OR_IO } else { POLICY_ERRORS };
    }
    let report = run_tests(&policy, args.as_of.unwrap_or_else(today_in_shanghai));
    if report.failed() > 0 {
        errln!("warning: {} of the policy's tests fail: the document says which", report.failed());
    }
    let doc = document(&policy, &report);
    let text = match args.format {
        Format::Md => markdown::render(&doc),
        Format::Html => html::render(&doc),
    };
    let Some(output) = args.output else {
        super::term::to_stdout(&text);
        return OK;
    };
    match super::sink::write_output(&output, |mut sink| sink.write(text.as_bytes())) {
        Ok(()) => OK,
        Err(error) => {
            errln!("error: {error}");
            USAGE_OR_IO
        }
    }
}
