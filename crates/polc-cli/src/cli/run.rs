//! `polc run POLICY --input F.jsonl`: decide every record, one JSON line out per
//! line in, in input order, streaming (memory does not grow with the input).

use super::sink::{cannot_write, stdout_is_a_file, write_output, Pieces, Sink};
use super::summary::Summary;
use super::term::{self, errln, shown_path};
use super::{examples, ColorChoice, OK, POLICY_ERRORS, USAGE_OR_IO};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use polc::{LineKind, LineOutcome, Policy, RecordLimits};
use polc_core::eval::Scratch;
use polc_core::io::output::LineOptions;
use polc_core::io::record::DecodeError;
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
))]
pub struct RunArgs {
    /// The policy file.
    #[arg(value_name = "POLICY")]
    policy: PathBuf,
    /// JSON Lines input, one record a line (`-` for standard input).
    #[arg(long, short, value_name = "F.jsonl")]
    input: PathBuf,
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

fn json_depth(text: &str) -> Result<usize, String> {
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

/// Most worker threads: more only cost memory (stacks, pieces in flight) and
/// time to start them, on any machine this runs on.
pub const MAX_THREADS: usize = 256;

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

/// Bytes of input decided together.
const BLOCK: usize = 1 << 20;

pub fn run(args: RunArgs) -> u8 {
    if let Some(code) = refuse_one_file_twice(&args) {
        return code;
    }
    let mut policy = match super::load_policy(&args.policy, &args.source, &args.lists, args.color, !args.quiet) {
        Ok(policy) => policy,
        Err(code) => return code,
    };
    policy.set_record_limits(RecordLimits { max_line_bytes: args.max_line_bytes, max_json_depth: args.max_json_depth });
    let as_of = args.as_of.unwrap_or_else(today_in_shanghai);
    // a worker's stack grows with the deepest program `--max-nesting` admits
    let stack = args.source.options().limits.stack_bytes(16 << 20);
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).min(MAX_THREADS)
    });
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).stack_size(stack).build() {
        Ok(pool) => pool,
        Err(error) => {
            errln!("error: cannot start worker threads: {error}");
            return USAGE_OR_IO;
        }
    };
    let from_stdin = args.input.as_os_str() == "-";
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
    let options = LineOptions { messages: args.messages, explain: args.explain };
    let total_bytes = (!from_stdin).then(|| std::fs::metadata(&args.input).map(|m| m.len()).ok()).flatten();
    let progress = progress_bar(total_bytes, args.quiet);
    let started = std::time::Instant::now();
    let result = match &args.output {
        Some(path) => write_output(path, |out| stream(&policy, input, out, as_of, &pool, options, &progress)),
        None => {
            // unbuffered: every write `stream` makes ends at a line (see `Pieces`)
            let pieces = if stdout_is_a_file() { Pieces::Whole } else { Pieces::Lines };
            let mut out = std::io::stdout().lock();
            let sink = Sink { out: &mut out, pieces, name: "to standard output" };
            stream(&policy, input, sink, as_of, &pool, options, &progress)
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
        term::to_stderr(&summary.render(policy.program(), elapsed));
    }
    if let Some(path) = &args.summary_json {
        let input = if from_stdin { "-".to_string() } else { args.input.display().to_string() };
        let json = summary.json(&policy, elapsed, as_of, &input);
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
    files.push(("the policy".to_string(), &args.policy));
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

/// Bytes of a block decided as one piece (a piece ends at a line, so it may
/// be longer): a few hundred records, enough to make handing it to a worker
/// cheap, small enough that the workers share the last pieces of the input.
const PIECE: usize = 128 << 10;

/// Pieces decided or waiting to be decided at any moment, per worker thread:
/// enough that a worker never waits for the reader or the writer, few enough
/// that memory does not grow with the input.
const PIECES_IN_FLIGHT: usize = 24;

/// Most pieces in flight whatever the number of threads (about 300 MB of
/// input and decisions at most).
const MOST_IN_FLIGHT: usize = 1024;

/// Decides the input in three stages running at once: a reader cutting the
/// input into blocks of whole lines, the worker pool deciding pieces of the
/// blocks, and this thread writing decisions in input order. Workers never
/// wait for each other: a piece is handed out as soon as it is read, and the
/// writer puts finished pieces back in order. A fixed number of pieces is in
/// flight at once (see [`PIECES_IN_FLIGHT`]), so memory does not grow with
/// the input.
fn stream(
    policy: &Policy,
    input: Input,
    mut sink: Sink<'_>,
    as_of: NaiveDate,
    pool: &rayon::ThreadPool,
    options: LineOptions,
    progress: &ProgressBar,
) -> std::io::Result<Summary> {
    let mut summary = Summary::new(policy.program());
    // written pieces' buffers go back to the workers (fresh ones cost page faults)
    let spare_texts = &std::sync::Mutex::new(Vec::<String>::new());
    let scratches = &std::sync::Mutex::new(Vec::<Scratch>::new());
    let in_flight = (PIECES_IN_FLIGHT * pool.current_num_threads()).min(MOST_IN_FLIGHT);
    std::thread::scope(|scope| {
        let (block_tx, block_rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(2);
        // decided pieces in any order, each with its place in the input
        let (done_tx, done_rx) = std::sync::mpsc::channel::<(u64, Piece)>();
        // a piece is handed out for a credit, which the writer gives back once it is written
        let (credit_tx, credit_rx) = std::sync::mpsc::sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            let _ = credit_tx.try_send(());
        }
        // decided blocks go back to the reader to be filled again: fresh memory
        // for every block cost more in page faults than deciding did
        let (spare_tx, spare_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        let max_line = policy.record_limits().max_line_bytes;
        scope.spawn(move || read_blocks(input, max_line, &block_tx, &spare_rx));
        scope.spawn(move || {
            pool.in_place_scope_fifo(|workers| {
                let mut next: u64 = 0;
                // the input line number of the next piece's first line
                let mut line: u64 = 1;
                for block in block_rx {
                    let block = match block {
                        Ok(block) => std::sync::Arc::new(block),
                        Err(error) => {
                            let _ = done_tx.send((next, Piece::Failed(error)));
                            return;
                        }
                    };
                    for range in piece_ranges(&block, PIECE) {
                        if credit_rx.recv().is_err() {
                            return; // the writer stopped
                        }
                        let (block, done_tx, spare_tx) = (block.clone(), done_tx.clone(), spare_tx.clone());
                        let (place, bytes, first_line) = (next, range.len() as u64, line);
                        next += 1;
                        line += memchr::memchr_iter(b'\n', block.get(range.clone()).unwrap_or_default()).count() as u64;
                        workers.spawn_fifo(move |_| {
                            // a bug in deciding must not leave the writer waiting for this
                            // piece forever: its panic goes to the writer, in place
                            let decided = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                let lines = split_lines(block.get(range).unwrap_or_default());
                                let mut scratch = take_spare(scratches);
                                let mut text = take_spare(spare_texts);
                                text.reserve(lines.len() * 512);
                                let mut summary = Summary::new(policy.program());
                                let piece = Lines { lines: &lines, first: first_line };
                                decide_piece(policy, piece, as_of, &mut scratch, options, &mut text, &mut summary);
                                give_back(scratches, scratch, usize::MAX);
                                DecidedPiece { text, summary, bytes }
                            }));
                            if let Some(block) = std::sync::Arc::into_inner(block) {
                                let _ = spare_tx.try_send(block);
                            }
                            let _ = done_tx.send((place, decided.map_or_else(Piece::Panicked, Piece::Decided)));
                        });
                    }
                }
            });
        });
        // pieces decided ahead of the one to be written next, by place
        let mut waiting = std::collections::BTreeMap::new();
        let mut next: u64 = 0;
        for (place, piece) in done_rx {
            waiting.insert(place, piece);
            while let Some(piece) = waiting.remove(&next) {
                next += 1;
                let piece = match piece {
                    Piece::Decided(piece) => piece,
                    Piece::Failed(error) => return Err(error),
                    Piece::Panicked(payload) => std::panic::resume_unwind(payload),
                };
                summary.merge(&piece.summary);
                sink.write(piece.text.as_bytes())?;
                let _ = credit_tx.send(());
                progress.inc(piece.bytes);
                let secs = progress.elapsed().as_secs_f64();
                if secs > 0.0 {
                    progress.set_message(format!(
                        "{} records, {:.0}/s",
                        summary.records,
                        summary.records as f64 / secs
                    ));
                }
                let mut text = piece.text;
                text.clear();
                give_back(spare_texts, text, in_flight);
            }
        }
        Ok(())
    })?;
    Ok(summary)
}

/// The records' source, and its name for read errors.
struct Input {
    reader: Box<dyn Read + Send>,
    name: String,
}

/// Consecutive decided lines: their text (each line ending in a newline),
/// counts, and the bytes of input they came from.
struct DecidedPiece {
    text: String,
    summary: Summary,
    bytes: u64,
}

/// What the deciding stage hands the writer, at a place in the input.
enum Piece {
    Decided(DecidedPiece),
    /// Reading the input failed here.
    Failed(std::io::Error),
    /// Deciding the piece panicked (a bug), with the panic's payload.
    Panicked(Box<dyn std::any::Any + Send>),
}

/// A buffer from `spares`, or a new one.
fn take_spare<T: Default>(spares: &std::sync::Mutex<Vec<T>>) -> T {
    spares.lock().ok().and_then(|mut spares| spares.pop()).unwrap_or_default()
}

/// Keeps `spare` for reuse, unless `spares` already holds `most`.
fn give_back<T>(spares: &std::sync::Mutex<Vec<T>>, spare: T, most: usize) {
    if let Ok(mut spares) = spares.lock() {
        if spares.len() < most {
            spares.push(spare);
        }
    }
}

/// Reads the input in blocks of whole lines (about a MiB each; a longer line
/// makes its block longer) and sends them on; stops when the receiver goes away.
/// Of a line longer than `max_line` only its first `max_line + 1` bytes are
/// kept (enough to tell it is too long, and to find its `"id"`), so memory stays
/// bounded whatever the input.
fn read_blocks(
    mut input: Input,
    max_line: usize,
    blocks: &std::sync::mpsc::SyncSender<std::io::Result<Vec<u8>>>,
    spare: &std::sync::mpsc::Receiver<Vec<u8>>,
) {
    let mut buffer: Vec<u8> = Vec::with_capacity(2 * BLOCK);
    // the line at the end of the buffer is over-long: drop its bytes up to its newline
    let mut skipping = false;
    loop {
        let filled = buffer.len();
        // `read_to_end` fills the spare capacity without zeroing it first
        let read = match (&mut input.reader).take(BLOCK as u64).read_to_end(&mut buffer) {
            Ok(n) => n,
            Err(e) => {
                let _ = blocks.send(Err(std::io::Error::new(e.kind(), format!("cannot read {}: {e}", input.name))));
                return;
            }
        };
        if skipping {
            match memchr::memchr(b'\n', buffer.get(filled..).unwrap_or_default()) {
                None => buffer.truncate(filled),
                Some(at) => {
                    buffer.drain(filled..filled + at);
                    skipping = false;
                }
            }
        }
        if read == 0 {
            if !buffer.is_empty() {
                let _ = blocks.send(Ok(buffer));
            }
            return;
        }
        let unfinished = memchr::memrchr(b'\n', &buffer).map_or(0, |at| at + 1);
        if !skipping && buffer.len() - unfinished > max_line {
            buffer.truncate(unfinished + max_line + 1);
            skipping = true;
        }
        if buffer.len() < BLOCK || unfinished == 0 {
            continue;
        }
        // send everything up to the last newline; keep the unfinished line
        let mut rest = spare.try_recv().unwrap_or_else(|_| Vec::with_capacity(2 * BLOCK));
        rest.clear();
        rest.extend_from_slice(buffer.get(unfinished..).unwrap_or_default());
        buffer.truncate(unfinished);
        if blocks.send(Ok(std::mem::replace(&mut buffer, rest))).is_err() {
            return;
        }
    }
}

/// Cuts a block of whole lines into consecutive ranges of at least `size`
/// bytes (the last may be shorter), each ending just after a newline or at the
/// block's end.
fn piece_ranges(block: &[u8], size: usize) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::with_capacity(block.len() / size.max(1) + 1);
    let mut start = 0;
    while start < block.len() {
        let from = (start + size.max(1)).min(block.len()) - 1;
        let end = memchr::memchr(b'\n', block.get(from..).unwrap_or_default()).map_or(block.len(), |at| from + at + 1);
        ranges.push(start..end);
        start = end;
    }
    ranges
}

/// The lines of a block, each without its newline; a final line without one counts.
fn split_lines(block: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::with_capacity(block.len() / 256 + 1);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', block) {
        lines.push(block.get(start..end).unwrap_or_default());
        start = end + 1;
    }
    if start < block.len() {
        lines.push(block.get(start..).unwrap_or_default());
    }
    lines
}

/// Raw input lines (each without its newline) and the line number of the first.
#[derive(Clone, Copy)]
struct Lines<'a> {
    lines: &'a [&'a [u8]],
    first: u64,
}

/// Decides a piece of raw input lines (each possibly not UTF-8, empty or cut
/// short) into one output line each, in order: runs of readable lines go to
/// [`Policy::decide_lines_into`] together, the others become error lines here.
/// Every error line carries its input line number.
fn decide_piece(
    policy: &Policy,
    piece: Lines<'_>,
    as_of: NaiveDate,
    scratch: &mut Scratch,
    options: LineOptions,
    out: &mut String,
    summary: &mut Summary,
) {
    let mut run: Vec<&str> = Vec::with_capacity(piece.lines.len());
    let as_of_line = polc_core::io::output::AsOf::new(as_of);
    let mut run_first = piece.first;
    for (number, raw) in (piece.first..).zip(piece.lines) {
        match readable(policy, raw) {
            Ok(line) => run.push(line),
            Err((id, error)) => {
                decide_run(policy, &run, run_first, as_of, scratch, options, out, summary);
                run.clear();
                run_first = number + 1;
                let (program, stamp) = (policy.program(), policy.stamp());
                out.push_str(&polc_core::io::output::record_error(
                    program,
                    stamp,
                    &as_of_line,
                    Some(number),
                    id.as_deref(),
                    &error,
                ));
                out.push('\n');
                summary.count(&LineOutcome::record_error());
            }
        }
    }
    decide_run(policy, &run, run_first, as_of, scratch, options, out, summary);
}

/// Decides consecutive readable lines, the first of them input line `first`,
/// and numbers the error lines among the decisions (the library knows no line
/// numbers: its error lines are rewritten, which only error lines pay for).
#[expect(clippy::too_many_arguments, reason = "the state of one worker, passed down one level")]
fn decide_run(
    policy: &Policy,
    run: &[&str],
    first: u64,
    as_of: NaiveDate,
    scratch: &mut Scratch,
    options: LineOptions,
    out: &mut String,
    summary: &mut Summary,
) {
    if run.is_empty() {
        return;
    }
    let start = out.len();
    let (mut index, mut errors) = (0u64, Vec::new());
    policy.decide_lines_into(run, as_of, scratch, options, out, |outcome| {
        if matches!(outcome.kind, LineKind::RuleError | LineKind::RecordError) {
            errors.push(index);
        }
        index += 1;
        summary.count(&outcome);
    });
    if errors.is_empty() {
        return;
    }
    // from the first error line on, copied once, in stretches between the
    // places where a number goes
    let end_of = |text: &[u8], from: usize| {
        memchr::memchr(b'\n', text.get(from..).unwrap_or_default()).map_or(text.len(), |at| from + at)
    };
    let (mut line, mut at) = (errors.first().copied().unwrap_or(0), start);
    for _ in 0..line {
        at = end_of(out.as_bytes(), at) + 1;
    }
    let decided = out.split_off(at.min(out.len()));
    let bytes = decided.as_bytes();
    let key = memchr::memmem::Finder::new(polc_core::io::output::ERROR_KEY);
    let (mut line_start, mut copied) = (0usize, 0usize);
    for error in errors {
        while line < error {
            line_start = end_of(bytes, line_start) + 1;
            line += 1;
        }
        let within = bytes.get(line_start..end_of(bytes, line_start)).unwrap_or_default();
        if let Some(found) = key.find(within) {
            let insert = line_start + found + polc_core::io::output::ERROR_KEY.len();
            out.push_str(decided.get(copied..insert).unwrap_or_default());
            polc_core::io::output::push_line_number(out, first + error);
            copied = insert;
        }
    }
    out.push_str(decided.get(copied..).unwrap_or_default());
}

/// A raw input line as text to decide, or why it cannot be (with the record's
/// id when one can be found: before or after a byte that is not UTF-8, after a
/// byte order mark).
fn readable<'l>(policy: &Policy, raw: &'l [u8]) -> Result<&'l str, (Option<String>, DecodeError)> {
    let trimmed = raw.strip_suffix(b"\r").unwrap_or(raw);
    let max_line = policy.record_limits().max_line_bytes;
    let error = |message: String| DecodeError { path: String::new(), message };
    if trimmed.len() > max_line {
        // only the line's start was kept (see `read_blocks`); it may end inside a character
        let start = String::from_utf8_lossy(trimmed.get(..max_line).unwrap_or(trimmed));
        let message = format!("the line is longer than --max-line-bytes ({max_line} bytes)");
        return Err((id_in(&start), error(message)));
    }
    if let Some(rest) = trimmed.strip_prefix("\u{feff}".as_bytes()) {
        let message = "the line starts with a byte order mark (U+FEFF): write the input as UTF-8 without one";
        return Err((id_in(&String::from_utf8_lossy(rest)), error(message.into())));
    }
    // simdutf8 checks a usual line of 400 ASCII bytes in a fifth of the instructions std takes
    match simdutf8::basic::from_utf8(trimmed) {
        // a record starts with `{`: only another line can be all white space
        Ok(text) if !text.starts_with('{') && text.trim().is_empty() => Err((None, error("empty line".into()))),
        Ok(text) => Ok(text),
        Err(_) => {
            let at = std::str::from_utf8(trimmed).err().map_or(0, |e| e.valid_up_to()) + 1;
            let message = format!("the line is not valid UTF-8 (at byte {at})");
            Err((id_in(&String::from_utf8_lossy(trimmed)), error(message)))
        }
    }
}

/// The `"id"` of a line that cannot be decided, unless it is itself damaged
/// (holds a replacement character where a byte was not UTF-8).
fn id_in(text: &str) -> Option<String> {
    polc_core::io::json::find_id(text).filter(|id| !id.contains('\u{fffd}'))
}

/// A progress bar on standard error when it is a terminal (hidden otherwise):
/// bytes of input read, records per second, time left.
fn progress_bar(total_bytes: Option<u64>, quiet: bool) -> ProgressBar {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cover_the_block_and_end_at_lines() {
        let block = b"a\nbb\nccc\n\ndddd\neeeee";
        for size in [1, 2, 3, 5, 8, 100] {
            let ranges = piece_ranges(block, size);
            assert_eq!(ranges.first().map(|r| r.start), Some(0));
            assert_eq!(ranges.last().map(|r| r.end), Some(block.len()));
            for pair in ranges.windows(2) {
                let [a, b] = pair else { continue };
                assert_eq!(a.end, b.start, "consecutive");
                assert!(a.len() >= size, "only the last piece is short: {a:?} of {size}");
                assert_eq!(block.get(a.end - 1), Some(&b'\n'), "ends at a line: {a:?}");
            }
        }
        assert_eq!(piece_ranges(block, 3), [0..5, 5..9, 9..15, 15..block.len()]);
        assert_eq!(piece_ranges(b"no newline", 4).len(), 1, "one piece, the whole block");
        assert!(piece_ranges(b"", 4).is_empty());
    }
}
