//! `polc diff OLD.pol NEW.pol --input F.jsonl`: both versions decide every
//! record in one pass; the report (text, JSON or HTML) says what changed.

mod chart;
mod git;
mod html;

use super::run::{parse_binding, parse_date, progress_bar, today_in_shanghai, MAX_THREADS};
use super::sink::write_output;
use super::tabular;
use super::term::{self, errln, shown_path};
use super::{examples, ColorChoice, OK, USAGE_OR_IO};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use indicatif::ProgressBar;
use polc::diff::{render_text, ChangedRecord, Diff, DiffError, DiffOptions, DiffReport, DiffSink};
use polc::{BatchError, Policy, RecordLimits};
use polc_core::io::tabular::InputColumns;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;

/// Compare two versions of a policy over a portfolio before the new one ships.
///
/// Decides every record of the input with both versions in one pass (lists
/// with the same content are shared) and reports the swap matrix (old ×
/// new decision), approval rates, bad rates with --label, reason codes that
/// fired and caused the swaps, segments with --by, exposure approved with
/// --exposure, the referral load per authority level and the first changed
/// records. Records in `error` under one version only are a swap of their own.
#[derive(Args, Debug)]
#[command(after_help = examples!(
    "polc diff old.pol new.pol --input portfolio.jsonl --as-of 2026-11-22",
    "polc diff old.pol new.pol -i portfolio.jsonl --label claim_paid --by loan.product --exposure loan.amount",
    "polc diff old.pol new.pol -i portfolio.jsonl --format html -o report.html",
    "polc diff --old-rev HEAD~1 policies/consumer_loan.pol -i portfolio.jsonl",
    "polc diff old.pol new.pol -i portfolio.jsonl --changed-only -o changed.jsonl",
    "polc diff old.pol new.pol -i portfolio.parquet --label claim_paid --by loan.product",
))]
pub struct DiffArgs {
    /// OLD.pol NEW.pol; with --old-rev, only the policy file (its version at
    /// REV is OLD, the working tree's is NEW).
    #[arg(value_name = "POLICY", num_args = 1..=2, required = true)]
    policies: Vec<PathBuf>,
    /// Read OLD from this git revision of the (one) policy file: the policy,
    /// its `use`d files and its lists' `from` files as committed at REV
    /// (`git show REV:PATH`). Lists bound with --list are read from disk.
    #[arg(long, value_name = "REV")]
    old_rev: Option<String>,
    /// The portfolio: JSON Lines (one record a line), CSV or Parquet, by the
    /// file's extension or --input-format (`-` for standard input, JSON Lines
    /// or CSV). The same records give the same report in every format.
    #[arg(long, short, value_name = "F.jsonl|F.csv|F.parquet")]
    input: PathBuf,
    /// The input's format (default: by its extension, `.csv`, `.parquet`;
    /// otherwise JSON Lines). CSV and Parquet columns are the input record's
    /// dotted field paths (`loan.amount`), as `polc run` reads them; a
    /// --label or --by field the record does not declare is the column of
    /// its name.
    #[arg(long, value_enum, value_name = "FORMAT")]
    input_format: Option<tabular::Format>,
    /// The evaluation date of both versions, YYYY-MM-DD (default: today in Asia/Shanghai).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Bind list NAME from PATH for both versions; repeatable, once per list.
    #[arg(long = "list", value_name = "NAME=PATH", value_parser = parse_binding)]
    lists: Vec<(String, PathBuf)>,
    /// The "went bad" field (a claim was paid): Bool, or 0/1. A field of the
    /// input record (dotted), or a top-level key of each line (a column of a
    /// CSV or Parquet input) the input record does not declare. Gives the
    /// bad rates of the approved, swap-ins and swap-outs.
    #[arg(long, value_name = "FIELD")]
    label: Option<String>,
    /// A field whose values are segments (`loan.product`, `branch_level`):
    /// the matrix and rates per value. Repeatable.
    #[arg(long, value_name = "FIELD")]
    by: Vec<String>,
    /// The Money field summed over the approved records (the sum insured,
    /// `loan.amount`), exactly.
    #[arg(long, value_name = "FIELD")]
    exposure: Option<String>,
    /// The report's format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Where to write the report (default: standard output).
    #[arg(long, short, value_name = "F")]
    output: Option<PathBuf>,
    /// Changed records shown in the report, the first in input order.
    #[arg(long, value_name = "N", default_value_t = 10)]
    examples: usize,
    /// Write every changed record as JSON Lines ({"line","id","old","new"},
    /// the two decision lines) instead of the report; a one-line summary goes
    /// to standard error.
    #[arg(long)]
    changed_only: bool,
    /// Worker threads, 1 to 256 (default: all cores).
    #[arg(long, value_name = "N", value_parser = threads)]
    threads: Option<usize>,
    /// No progress bar, warnings or summary on standard error.
    #[arg(long, short)]
    quiet: bool,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    source: super::SourceArgs,
    /// Most bytes in one input line; a longer line is an `error` decision
    /// under both versions and only this much of it is kept in memory.
    #[arg(long, value_name = "N", value_parser = super::at_least_one, default_value_t = RecordLimits::default().max_line_bytes, help_heading = "Sandbox and limits")]
    max_line_bytes: usize,
    /// Deepest nesting of JSON arrays and objects in one input line, at most 512.
    #[arg(long, value_name = "N", value_parser = super::run::json_depth, default_value_t = RecordLimits::default().max_json_depth, help_heading = "Sandbox and limits")]
    max_json_depth: usize,
}

/// How the report is written.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// Plain columns for a terminal or a file.
    Text,
    /// The report as one JSON document (counts, exact rates and sums).
    Json,
    /// One self-contained HTML page: heat-mapped swap matrix and SVG charts.
    Html,
}

fn threads(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!("`{}` is not a number of threads from 1 to {MAX_THREADS}", term::Shown(text))),
    }
}

pub fn run(args: DiffArgs) -> u8 {
    let (mut old, mut new) = match load_both(&args) {
        Ok(pair) => pair,
        Err(code) => return code,
    };
    let limits = RecordLimits { max_line_bytes: args.max_line_bytes, max_json_depth: args.max_json_depth };
    old.set_record_limits(limits);
    new.set_record_limits(limits);
    let mut options = DiffOptions::new(args.as_of.unwrap_or_else(today_in_shanghai));
    options.threads = args.threads;
    options.label = args.label.clone();
    options.by = args.by.clone();
    options.exposure = args.exposure.clone();
    options.examples = if args.changed_only { 0 } else { args.examples };
    options.every_change = args.changed_only;
    let diff = match Diff::new(&old, &new, options) {
        Ok(diff) => diff,
        Err(error) => return refused(&error),
    };
    let from_stdin = args.input.as_os_str() == "-";
    let format = args.input_format.or_else(|| tabular::Format::of_path(&args.input)).unwrap_or(tabular::Format::Jsonl);
    let input = match format {
        tabular::Format::Jsonl => {
            let (first, reader) = match open_input(&args, from_stdin) {
                Ok(opened) => opened,
                Err(code) => return code,
            };
            if let Err(error) = diff.check_sample(&first) {
                return refused(&error);
            }
            Input::Lines(reader)
        }
        format => match open_table(&args, &diff, format) {
            Ok(opened) => Input::Table(Box::new(opened)),
            Err(code) => return code,
        },
    };
    let lines = matches!(input, Input::Lines(_));
    let total_bytes = (!from_stdin && lines).then(|| std::fs::metadata(&args.input).map(|m| m.len()).ok()).flatten();
    let progress = progress_bar(total_bytes, args.quiet);
    let name = tabular::shown_name(&args.input);
    let result = match (&args.output, args.changed_only) {
        (Some(path), true) => write_output(path, |mut out| replay(&diff, input, &name, &progress, Some(&mut out.out))),
        (None, true) => {
            let mut out = std::io::stdout().lock();
            replay(&diff, input, &name, &progress, Some(&mut out)).and_then(|r| out.flush().map(|_| r))
        }
        (_, false) => replay(&diff, input, &name, &progress, None),
    };
    progress.finish_and_clear();
    let report = match result {
        Ok(report) => report,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return USAGE_OR_IO,
        Err(error) => {
            errln!("error: {error}");
            return USAGE_OR_IO;
        }
    };
    if args.changed_only {
        if !args.quiet {
            errln!("{} records, {} decided differently", report.records, report.changed);
        }
        return OK;
    }
    let text = match args.format {
        Format::Text => render_text(&report),
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => json + "\n",
            Err(error) => {
                errln!("error: cannot write the report as JSON: {error}");
                return USAGE_OR_IO;
            }
        },
        Format::Html => html::render(&report),
    };
    let written = match &args.output {
        Some(path) => write_output(path, |mut out| out.write(text.as_bytes())),
        None => {
            term::to_stdout(&text);
            Ok(())
        }
    };
    match written {
        Ok(()) => OK,
        Err(error) => {
            errln!("error: {error}");
            USAGE_OR_IO
        }
    }
}

/// A refusal before any work: the message, exit 2.
fn refused(error: &DiffError) -> u8 {
    errln!("error: {error}");
    USAGE_OR_IO
}

/// OLD and NEW compiled with their lists bound; an exit code when either fails.
fn load_both(args: &DiffArgs) -> Result<(Policy, Policy), u8> {
    let load = |path: &PathBuf| super::load_policy(path, &args.source, &args.lists, args.color, !args.quiet);
    match (&args.old_rev, args.policies.as_slice()) {
        (None, [old, new]) => {
            let old = load(old)?;
            Ok((old, load(new)?))
        }
        (Some(rev), [policy]) => {
            let loader = git::GitLoader::new(rev, policy, &args.lists).map_err(|message| {
                errln!("error: --old-rev {}: {message}", term::Shown(rev));
                USAGE_OR_IO
            })?;
            let old = super::load_policy_with(policy, &loader, &args.source, &args.lists, args.color, !args.quiet)?;
            Ok((old, load(policy)?))
        }
        (None, _) => {
            errln!("error: give two policies, OLD.pol NEW.pol (or one with --old-rev REV)");
            Err(USAGE_OR_IO)
        }
        (Some(_), _) => {
            errln!("error: with --old-rev give one policy: its version at REV is OLD, the file as it is NEW");
            Err(USAGE_OR_IO)
        }
    }
}

/// The input's first line (to check the label on before any work) and a
/// reader of the whole input from its start.
fn open_input(args: &DiffArgs, from_stdin: bool) -> Result<(String, Box<dyn Read + Send>), u8> {
    let cannot = |error: std::io::Error| {
        let name = if from_stdin { "standard input".to_string() } else { format!("`{}`", shown_path(&args.input)) };
        errln!("error: cannot read {name}: {error}");
        USAGE_OR_IO
    };
    let max_line = args.max_line_bytes as u64;
    let mut first = Vec::new();
    if from_stdin {
        let mut stdin = BufReader::new(std::io::stdin());
        (&mut stdin).take(max_line + 1).read_until(b'\n', &mut first).map_err(cannot)?;
        let text = String::from_utf8_lossy(&first).into_owned();
        Ok((text, Box::new(std::io::Cursor::new(first).chain(stdin))))
    } else {
        let file = File::open(&args.input).map_err(cannot)?;
        BufReader::new(&file).take(max_line + 1).read_until(b'\n', &mut first).map_err(cannot)?;
        let file = File::open(&args.input).map_err(cannot)?;
        Ok((String::from_utf8_lossy(&first).into_owned(), Box::new(file)))
    }
}

/// The portfolio, opened: JSON Lines, or a table and how its rows are read.
enum Input {
    Lines(Box<dyn Read + Send>),
    Table(Box<(tabular::Table, InputColumns)>),
}

/// A CSV or Parquet input opened (its header or footer read) and its columns
/// checked against the input record and the options' fields; warnings about
/// what is ignored go to standard error unless quiet.
fn open_table(args: &DiffArgs, diff: &Diff, format: tabular::Format) -> Result<(tabular::Table, InputColumns), u8> {
    let reader: Box<dyn Read + Send> = if args.input.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else if format == tabular::Format::Parquet {
        // reopened as a file by `Table::open`
        Box::new(std::io::empty())
    } else {
        match File::open(&args.input) {
            Ok(file) => Box::new(file),
            Err(error) => {
                errln!("error: cannot read `{}`: {error}", shown_path(&args.input));
                return Err(USAGE_OR_IO);
            }
        }
    };
    let table = tabular::Table::open(&args.input, format, reader).map_err(|error| {
        errln!("error: {error}");
        USAGE_OR_IO
    })?;
    let columns = diff.input_columns(&table.schema()).map_err(|error| {
        errln!("error: {}: {error}", tabular::shown_name(&args.input));
        USAGE_OR_IO
    })?;
    if !args.quiet {
        for warning in columns.warnings_besides(&diff.columns_read()) {
            errln!("warning: {}: {warning}", tabular::shown_name(&args.input));
        }
    }
    Ok((table, columns))
}

/// Replays the input through both versions, writing every changed record
/// to `changed` (with --changed-only) and showing progress. A read error
/// names the input (`name`).
fn replay(
    diff: &Diff,
    input: Input,
    name: &str,
    progress: &ProgressBar,
    changed: Option<&mut dyn Write>,
) -> std::io::Result<DiffReport> {
    let mut sink = Progress { progress, changed, line: String::new() };
    let result = match input {
        Input::Lines(reader) => diff.run_jsonl(reader, &mut sink),
        Input::Table(opened) => {
            let (mut table, columns) = *opened;
            diff.run_tables(&columns, || table.next_piece(), &mut sink)
        }
    };
    result.map_err(|error| match error {
        BatchError::Read(e) => std::io::Error::new(e.kind(), format!("cannot read {name}: {e}")),
        other => std::io::Error::from(other),
    })
}

struct Progress<'p, 'w> {
    progress: &'p ProgressBar,
    changed: Option<&'w mut dyn Write>,
    line: String,
}

impl DiffSink for Progress<'_, '_> {
    fn changed(&mut self, record: &ChangedRecord) -> std::io::Result<()> {
        let Some(out) = self.changed.as_mut() else { return Ok(()) };
        self.line.clear();
        self.line.push_str(&serde_json::to_string(record).map_err(std::io::Error::other)?);
        self.line.push('\n');
        out.write_all(self.line.as_bytes())
    }

    fn progress(&mut self, bytes: u64) {
        self.progress.inc(bytes);
    }

    fn rows(&mut self, rows: u64) {
        self.progress.inc(rows);
    }
}
