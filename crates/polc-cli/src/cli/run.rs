//! `polc run POLICY --input F.jsonl`: decide every record, one JSON line out per
//! line in, in input order, streaming (memory does not grow with the input).

use super::sink::{cannot_write, stdout_is_a_file, write_output, Pieces, Sink};
use super::summary;
use super::tabular::{self, Format};
use super::term::{self, errln, shown_path};
use super::{examples, ColorChoice, OK, POLICY_ERRORS, USAGE_OR_IO};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use polc::{Batch, BatchError, BatchOptions, BatchSummary, DecidedLines, DecisionSink, LineOptions, RecordLimits};
use std::fs::File;
use std::io::IsTerminal;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Decide applicant records with a policy.
///
/// Reads JSON Lines (one applicant a line) and writes one decision a line, in
/// input order: {"id":…,"decision":"approve"|"refer"|"decline"|"error",…,"as_of":…}.
/// A line that is not a valid record gets an `error` decision naming the field
/// and its input line number ("line"); the batch goes on. Lists are loaded from
/// each `list … from "path"` unless bound with --list.
#[derive(Args, Debug)]
#[command(after_help = examples!(
    "polc run policies/consumer_loan.pol --input examples/applicants.jsonl --as-of 2026-11-22",
    "polc run policies/consumer_loan.pol -i applicants.jsonl -o decisions.jsonl --summary-json summary.json",
    "polc run policies/consumer_loan.pol -i - --fail-on error,decline < applicants.jsonl",
    "polc run policies/consumer_loan.pol -i applicants.jsonl --list fraud_ids=/data/fraud_ids.txt --explain",
    "polc run --bundle consumer_loan.polb --public-key committee.key.pub -i applicants.jsonl",
))]
pub struct RunArgs {
    /// The policy file.
    #[arg(value_name = "POLICY", required_unless_present = "bundle", conflicts_with = "bundle")]
    policy: Option<PathBuf>,
    /// Decide with the policy and lists of a bundle (`polc bundle`), every
    /// file's sha256 checked; each decision carries `"bundle":"sha256:…"`.
    #[arg(long, value_name = "B.polb", conflicts_with = "lists")]
    bundle: Option<PathBuf>,
    /// Refuse the bundle unless its manifest is signed by this ed25519 public key.
    #[arg(long, value_name = "K", requires = "bundle")]
    public_key: Option<PathBuf>,
    /// The records: JSON Lines (one record a line), CSV or Parquet, by the
    /// file's extension or --input-format (`-` for standard input, JSON Lines
    /// or CSV).
    #[arg(long, short, value_name = "F.jsonl|F.csv|F.parquet")]
    input: PathBuf,
    /// The input's format (default: by its extension, `.csv`, `.parquet`;
    /// otherwise JSON Lines). CSV and Parquet columns are the input record's
    /// dotted field paths (`loan.amount`); see docs/tools.md.
    #[arg(long, value_enum, value_name = "FORMAT")]
    input_format: Option<Format>,
    /// The decisions' format (default: by the --output file's extension;
    /// otherwise JSON Lines). CSV and Parquet decisions have one column per key
    /// of the decision line, flattened (`offer.amount`, `outputs.NAME`).
    #[arg(long, value_enum, value_name = "FORMAT")]
    output_format: Option<Format>,
    /// Where to write the decisions (default: standard output). A file is
    /// written beside it and renamed over it when complete, so it is never left
    /// half-written; a device or pipe (e.g. /dev/null) is written in place.
    #[arg(long, short, value_name = "F")]
    output: Option<PathBuf>,
    /// The evaluation date, YYYY-MM-DD (default: today in Asia/Shanghai).
    /// Every decision line carries it as "as_of".
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Bind list NAME from PATH instead of its `from` file; repeatable, once per list.
    #[arg(long = "list", value_name = "NAME=PATH", value_parser = parse_binding)]
    lists: Vec<(String, PathBuf)>,
    /// Worker threads, 1 to 256 (default: all cores, at most 256). Output order
    /// never depends on it.
    #[arg(long, value_name = "N", value_parser = threads)]
    threads: Option<usize>,
    /// Exit 1 when any record gets one of these decisions (comma-separated or
    /// repeated), after writing every decision.
    #[arg(long, value_enum, value_name = "DECISION", value_delimiter = ',')]
    fail_on: Vec<FailOn>,
    /// Add `"messages": {code: message}` to each decision.
    #[arg(long)]
    messages: bool,
    /// Add `"trace"` to each decision: every rule, whether it fired and the
    /// values that decided it, with source lines; and the authority walk.
    /// Slower: use it to investigate, not for whole portfolios.
    #[arg(long)]
    explain: bool,
    /// No progress bar and no summary on standard error.
    #[arg(long, short)]
    quiet: bool,
    /// Also write the closing summary (counts per decision, level and reason
    /// code, as_of, input, policy and list hashes, elapsed time) as JSON to this file.
    #[arg(long, value_name = "F")]
    summary_json: Option<PathBuf>,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    source: super::SourceArgs,
    /// Most bytes in one input line; a longer line is an `error` decision
    /// and only this much of it is kept in memory.
    #[arg(long, value_name = "N", value_parser = super::at_least_one, default_value_t = RecordLimits::default().max_line_bytes, help_heading = "Sandbox and limits")]
    max_line_bytes: usize,
    /// Deepest nesting of JSON arrays and objects in one input line, at most 512.
    #[arg(long, value_name = "N", value_parser = json_depth, default_value_t = RecordLimits::default().max_json_depth, help_heading = "Sandbox and limits")]
    max_json_depth: usize,
}

pub fn json_depth(text: &str) -> Result<usize, String> {
    let ceiling = RecordLimits::JSON_DEPTH_CEILING;
    super::at_least_one(text).and_then(|n| {
        if n <= ceiling {
            Ok(n)
        } else {
            Err(format!(
                "{n} is more than {ceiling}: no record nests that deep, and reading one would need a larger stack"
            ))
        }
    })
}

/// A decision `--fail-on` fails the run for.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    /// A line that is not a valid record, or whose evaluation failed.
    Error,
    Decline,
    Refer,
}

pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    polc_core::value::ident::parse_date(text)
        .ok_or_else(|| format!("`{}` is not a date (YYYY-MM-DD)", term::Shown(text)))
}

pub fn parse_binding(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => Ok((name.to_string(), PathBuf::from(path))),
        _ => Err(format!("`{}` is not NAME=PATH", term::Shown(text))),
    }
}

/// Most worker threads (the library's bound).
pub const MAX_THREADS: usize = polc::MAX_THREADS;

fn threads(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!("`{}` is not a number of threads from 1 to {MAX_THREADS}", term::Shown(text))),
    }
}

/// Today's date in Asia/Shanghai (UTC+8 all year).
pub fn today_in_shanghai() -> NaiveDate {
    (chrono::Utc::now() + chrono::TimeDelta::hours(8)).date_naive()
}

pub fn run(args: RunArgs) -> u8 {
    if let Some(code) = refuse_one_file_twice(&args) {
        return code;
    }
    let loaded = match (&args.bundle, &args.policy) {
        (Some(bundle), _) => super::bundle::load(bundle, args.public_key.as_deref(), args.color),
        (None, Some(policy)) => super::load_policy(policy, &args.source, &args.lists, args.color, !args.quiet),
        (None, None) => Err(USAGE_OR_IO),
    };
    let mut policy = match loaded {
        Ok(policy) => policy,
        Err(code) => return code,
    };
    policy.set_record_limits(RecordLimits { max_line_bytes: args.max_line_bytes, max_json_depth: args.max_json_depth });
    let as_of = args.as_of.unwrap_or_else(today_in_shanghai);
    let options = LineOptions { messages: args.messages, explain: args.explain };
    // a worker's stack grows with the deepest program `--max-nesting` admits
    let mut batch_options = BatchOptions::new(as_of).line(options).limits(&args.source.options().limits);
    batch_options.threads = args.threads;
    let batch = match Batch::new(&policy, batch_options) {
        Ok(batch) => batch,
        Err(error) => {
            errln!("error: cannot start worker threads: {error}");
            return USAGE_OR_IO;
        }
    };
    let from_stdin = args.input.as_os_str() == "-";
    let input_format = args.input_format.or_else(|| Format::of_path(&args.input)).unwrap_or(Format::Jsonl);
    let output_format =
        args.output_format.or_else(|| args.output.as_deref().and_then(Format::of_path)).unwrap_or(Format::Jsonl);
    if output_format != Format::Jsonl && (args.explain || args.messages) {
        errln!("error: --explain and --messages add JSON to each decision: write JSON Lines (--output-format jsonl)");
        return USAGE_OR_IO;
    }
    let tabular = (input_format, output_format) != (Format::Jsonl, Format::Jsonl);
    let input = if from_stdin {
        Input { reader: Box::new(std::io::stdin()), name: "standard input".into() }
    } else {
        match File::open(&args.input) {
            Ok(f) => Input { reader: Box::new(f), name: format!("`{}`", shown_path(&args.input)) },
            Err(error) => {
                errln!("error: cannot read `{}`: {error}", shown_path(&args.input));
                return USAGE_OR_IO;
            }
        }
    };
    let total_bytes = (!from_stdin && !tabular).then(|| std::fs::metadata(&args.input).map(|m| m.len()).ok()).flatten();
    let progress = progress_bar(total_bytes, args.quiet);
    let (path, quiet) = (args.input.as_path(), args.quiet);
    let stream = |batch: &Batch, input: Input, sink: Sink<'_>, progress: &ProgressBar| {
        if tabular {
            let formats = tabular::Formats { input: path, format: input_format, output: output_format, quiet };
            tabular::stream(batch, formats, input.reader, sink, progress)
        } else {
            stream(batch, input, sink, progress)
        }
    };
    let started = std::time::Instant::now();
    let result = match &args.output {
        Some(path) => write_output(path, |out| stream(&batch, input, out, &progress)),
        None => {
            // unbuffered: every write `stream` makes ends at a line (see `Pieces`)
            let pieces = if stdout_is_a_file() { Pieces::Whole } else { Pieces::Lines };
            let mut out = std::io::stdout().lock();
            let sink = Sink { out: &mut out, pieces, name: "to standard output" };
            stream(&batch, input, sink, &progress)
                .and_then(|s| out.flush().map(|_| s).map_err(|e| cannot_write("to standard output", e)))
        }
    };
    let summary = match result {
        Ok(summary) => summary,
        // the reader of our output went away (`polc run … | head`): stop quietly
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return USAGE_OR_IO,
        Err(error) => {
            progress.finish_and_clear();
            errln!("error: {error}");
            return USAGE_OR_IO;
        }
    };
    progress.finish_and_clear();
    let elapsed = started.elapsed();
    if !args.quiet {
        term::to_stderr(&summary::render(&summary, &policy, elapsed));
    }
    if let Some(path) = &args.summary_json {
        let input = if from_stdin { "-".to_string() } else { args.input.display().to_string() };
        let json = summary::json(&summary, &policy, elapsed, as_of, &input);
        let text = format!("{json:#}\n");
        if let Err(error) = write_output(path, |mut out| out.write(text.as_bytes())) {
            errln!("error: {error}");
            return USAGE_OR_IO;
        }
    }
    let failed: Vec<String> = args
        .fail_on
        .iter()
        .filter_map(|outcome| {
            let (n, what) = match outcome {
                FailOn::Error => (summary.record_errors + summary.rule_errors, "got an error decision"),
                FailOn::Decline => (summary.decline, "were declined"),
                FailOn::Refer => (summary.refer, "were referred"),
            };
            (n > 0).then(|| format!("{n} record{} {what}", if n == 1 { "" } else { "s" }))
        })
        .collect();
    if failed.is_empty() {
        OK
    } else {
        errln!("error: {} (--fail-on)", failed.join(", ").replace("1 record were", "1 record was"));
        POLICY_ERRORS
    }
}

/// Refuses an output named twice, or over an input: `-o X --summary-json X`
/// would replace the decisions with the summary, `-o` over `--input`, the
/// policy or a list would destroy what the run reads. Paths are compared as
/// files (links followed; see [`super::paths::identity`]).
fn refuse_one_file_twice(args: &RunArgs) -> Option<u8> {
    let mut files: Vec<(String, &Path)> = Vec::new();
    files.extend(args.output.as_deref().map(|p| ("--output".to_string(), p)));
    files.extend(args.summary_json.as_deref().map(|p| ("--summary-json".to_string(), p)));
    let outputs = files.len();
    if args.input.as_os_str() != "-" {
        files.push(("--input".to_string(), &args.input));
    }
    files.extend(args.policy.as_deref().map(|p| ("the policy".to_string(), p)));
    files.extend(args.bundle.as_deref().map(|p| ("--bundle".to_string(), p)));
    files.extend(args.lists.iter().map(|(name, path)| (format!("--list {name}"), path.as_path())));
    for (i, (output, path)) in files.iter().take(outputs).enumerate() {
        if let Some((other, _)) = files.iter().skip(i + 1).find(|(_, other)| super::paths::same(path, other)) {
            errln!(
                "error: {output} and {} are the same file `{}`: give each its own path",
                term::Shown(other),
                shown_path(path)
            );
            return Some(USAGE_OR_IO);
        }
    }
    None
}

/// Decides the input with the library's batch runner (a reader, the worker
/// pool, this thread writing in input order), writing each piece of decision
/// lines to `sink` and showing progress. A read error names the input.
fn stream(batch: &Batch, input: Input, sink: Sink<'_>, progress: &ProgressBar) -> std::io::Result<BatchSummary> {
    let Input { reader, name } = input;
    let mut sink = Progress { sink, progress, records: 0 };
    batch.run_jsonl(reader, &mut sink).map_err(|error| match error {
        BatchError::Read(e) => std::io::Error::new(e.kind(), format!("cannot read {name}: {e}")),
        other => std::io::Error::from(other),
    })
}

/// The records' source, and its name for read errors. (The name travels beside
/// the reader, not around it: a wrapped reader would make `read_to_end` zero
/// each block before filling it.)
struct Input {
    reader: Box<dyn Read + Send>,
    name: String,
}

/// Writes decided pieces to the output and counts them on the progress bar.
struct Progress<'a, 'p> {
    sink: Sink<'a>,
    progress: &'p ProgressBar,
    records: u64,
}

impl DecisionSink for Progress<'_, '_> {
    fn write(&mut self, lines: &DecidedLines<'_>) -> std::io::Result<()> {
        self.sink.write(lines.text.as_bytes())?;
        self.records += lines.outcomes.len() as u64;
        self.progress.inc(lines.input_bytes);
        let secs = self.progress.elapsed().as_secs_f64();
        if secs > 0.0 {
            self.progress.set_message(format!("{} records, {:.0}/s", self.records, self.records as f64 / secs));
        }
        Ok(())
    }
}

/// A progress bar on standard error when it is a terminal (hidden otherwise):
/// bytes of input read, records per second, time left.
pub(super) fn progress_bar(total_bytes: Option<u64>, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    match total_bytes {
        Some(total) => {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template("{bar:40} {percent:>3}%  {msg}  eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        }
        None => ProgressBar::new_spinner(),
    }
}
